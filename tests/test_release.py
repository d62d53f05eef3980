"""`make release` (course/site/release.py): the student repository holds no solution, no
hidden check and no answer line; it refuses a repository that cannot be one; a site built
from it alone opens every page in Colab from that repository; and COURSE_REPOSITORY points
the instructor's own builds there too."""

import re
import shutil

import pytest
import yaml

from course.core import notebooks
from course.core.notebooks import SOLUTIONS
from course.site import book, release

SLUG = "example-school/d2l-course"


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    return release.write(tmp_path_factory.mktemp("release") / "repo", SLUG, "spring")


def test_the_release_holds_no_solutions_and_points_at_its_repository(released):
    assert release.problems(released) == []
    assert not (released / "solutions").exists() and not (released / "tests").exists()
    assert len(notebooks.notebooks(released / "exercises")) == len(notebooks.notebooks(SOLUTIONS))
    config = yaml.safe_load((released / "_config.yml").read_text(encoding="utf-8"))
    assert config["repository"] == {**config["repository"], "url": f"https://github.com/{SLUG}", "branch": "spring"}
    assert "# The repository that launch buttons" in (released / "_config.yml").read_text()  # comments kept


def test_the_release_readme_is_the_students_and_its_colab_links_open_notebooks_it_holds(released):
    readme = (released / "README.md").read_text(encoding="utf-8")
    links = re.findall(r"https://colab\.research\.google\.com/github/([^/]+/[^/]+)/blob/([^/]+)/(\S+?\.ipynb)", readme)
    assert {"chapters", "exercises"} <= {path.split("/")[0] for _, _, path in links}
    for repository, branch, path in links:
        assert (repository, branch) == (SLUG, "spring") and (released / path).is_file(), path
    assert "make test" not in readme and "solutions/" not in readme  # the maintainers' README stays home


def test_the_check_finds_a_solution_a_hidden_check_and_a_leaked_answer_line(released, tmp_path):
    leaky = tmp_path / "leaky"
    shutil.copytree(released, leaky)
    shutil.copy(SOLUTIONS / "2_1_data_manipulation.ipynb", leaky / "exercises" / "2_1_data_manipulation.ipynb")
    line = next(iter(release.private_lines()))
    (leaky / "index.md").write_text((leaky / "index.md").read_text() + f"\n{line}\n")
    found = release.problems(leaky)
    assert any("exercises/2_1_data_manipulation.ipynb" in p and "hidden check" in p for p in found), found
    assert any("exercises/2_1_data_manipulation.ipynb" in p and "BEGIN SOLUTION" in p for p in found), found
    assert any(p.startswith("index.md: a line of ") for p in found), found
    (leaky / "solutions").mkdir()
    assert "solutions/ is in the release" in release.problems(leaky)


@pytest.mark.parametrize("slug", ["", "YOUR-ORG/d2l-pytorch-course", "https://github.com/a/b", "a b/c"])
def test_a_repository_that_cannot_be_the_students_is_refused(slug, tmp_path):
    with pytest.raises(release.ReleaseProblem, match="owner/name"):
        release.write(tmp_path / "repo", slug, "main")
    assert not (tmp_path / "repo").exists()


def test_a_site_built_from_the_release_alone_opens_its_pages_in_colab_from_it(released, tmp_path):
    config = yaml.safe_load((released / "_config.yml").read_text(encoding="utf-8"))
    config["execute"]["execute_notebooks"] = "off"  # the stored outputs, as students see them
    config["sphinx"]["local_extensions"] = {name: str(released) for name in config["sphinx"]["local_extensions"]}
    pages = ["chapters/2_1_data_manipulation", "exercises/2_1_data_manipulation"]
    toc = {"format": "jb-book", "root": "index",
           "chapters": [{"file": pages[0], "sections": [{"file": pages[1]}]}, {"file": "instructors"}]}
    out = tmp_path / "site"
    result = book.build(out, book.write_yaml(toc, out / "_toc.yml"), book.write_yaml(config, out / "_config.yml"),
                        check=False, source=released)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    for page in pages:
        html = (out / "_build" / "html" / f"{page}.html").read_text(encoding="utf-8")
        assert f"https://colab.research.google.com/github/{SLUG}/blob/spring/{page}.ipynb" in html, page


def test_course_repository_points_the_instructors_build_at_the_student_repository(monkeypatch):
    monkeypatch.setenv("COURSE_REPOSITORY", f"{SLUG}@spring")
    repo = book.repository()
    assert (repo["url"], repo["branch"]) == (f"https://github.com/{SLUG}", "spring")
    assert "from COURSE_REPOSITORY" in book.repository_line(repo)
