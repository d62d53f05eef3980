"""The site builds without warnings, launches Colab at the right notebooks, and fails
loudly when a notebook raises."""

import html
import re
import subprocess

import nbformat
import pytest
import yaml

from course import setup_cell
from course.authoring import anatomy
from course.core import notebooks
from course.core.notebooks import CHAPTERS, EXERCISES, ROOT, SOLUTIONS
from course.execution import execute
from course.site import book


def test_config_for_jupyter_book_1():
    cfg = book.load_config()
    assert cfg["execute"]["execute_notebooks"] == "cache"
    assert cfg["execute"]["exclude_patterns"] == ["exercises/*"], "stubs raise by design"
    assert cfg["execute"]["timeout"] == execute.CELL_TIMEOUT["quick"], "make book sets the profile's own"
    assert cfg["only_build_toc_files"] is True
    assert cfg["launch_buttons"]["colab_url"] == "https://colab.research.google.com"
    assert cfg["repository"]["branch"] == "main"


def test_every_page_is_built(student_site):
    for entry in book.toc_files(book.load_toc()):
        assert (student_site / f"{entry}.html").exists(), entry


def test_colab_buttons_point_at_the_notebook_on_the_configured_repository(student_site):
    repo, branch = book.repository()["slug"], book.repository()["branch"]
    for entry in book.toc_files(book.load_toc()):
        if entry.startswith(("chapters/", "exercises/")):
            html = (student_site / f"{entry}.html").read_text(encoding="utf-8")
            expected = f"https://colab.research.google.com/github/{repo}/blob/{branch}/{entry}.ipynb"
            assert expected in html, f"{entry}: no Colab link to {expected}"


def page_text(page):
    """A built page as a reader sees its text: tags removed, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", page.read_text(encoding="utf-8")))


def public_text():
    """Everything students may see: the setup cell, every chapter and every exercise stub."""
    sources = [setup_cell.SOURCE]
    for folder in (CHAPTERS, EXERCISES):
        for path in notebooks.notebooks(folder):
            sources += [c.source for c in notebooks.read(path).cells]
    return "\n".join(sources)


def solution_lines(path, public=""):
    """Distinctive lines of every solution block in a solution notebook: those that appear
    nowhere public (a generic line such as `for _ in range(steps):` proves nothing)."""
    lines = []
    for cell in notebooks.read(path).cells:
        for line in anatomy.solution_block_lines(cell.source):
            if len(line.strip()) >= 12 and line.strip() not in public:
                lines.append(line.strip())
    return lines


def test_student_site_holds_no_solution_text(student_site):
    pages = {p: page_text(p) for p in student_site.rglob("*.html")
             if p.parent.name != "chapters"}  # a chapter may legitimately show the same idiom
    public = public_text()
    for path in notebooks.notebooks(SOLUTIONS):
        for line in solution_lines(path, public):
            for page, content in pages.items():
                assert line not in content, f"{page.name} shows solution text from {path.name}: {line!r}"
    assert not (student_site / "solutions").exists()


def test_instructor_site_adds_the_solutions(instructor_site):
    listed = [e for e in book.toc_files(book.with_solutions(book.load_toc())) if e.startswith("solutions/")]
    assert listed
    for entry in listed:
        path = ROOT / f"{entry}.ipynb"
        page = instructor_site / f"{entry}.html"
        assert page.exists(), page
        text = page_text(page)
        assert all(line in text for line in solution_lines(path)[:3]), path.name


def test_a_notebook_that_raises_fails_the_build(tmp_path):
    """A tiny book with the course's configuration and one failing notebook."""
    book.site_config(tmp_path / "_config.yml", "cache", tmp_path / "jupyter_cache")
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: index\nchapters:\n  - file: broken\n")
    (tmp_path / "index.md").write_text("# Index\n")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Broken"),
                                         nbformat.v4.new_code_cell("1 / 0")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, str(tmp_path / "broken.ipynb"))
    result = book.build(tmp_path, check=False, source=tmp_path)
    assert result.returncode != 0
    assert "ZeroDivisionError" in result.stdout + result.stderr


def git_checkout(folder, branch, remote_url=None, tracks=None):
    """A git checkout in folder on branch, with an origin remote and, optionally, the
    remote branch it tracks."""
    run = lambda *args: subprocess.run(["git", *args], cwd=folder, check=True, capture_output=True)
    run("init", "--quiet", f"--initial-branch={branch}")
    if remote_url:
        run("remote", "add", "origin", remote_url)
    if tracks:
        run("config", f"branch.{branch}.remote", "origin")
        run("config", f"branch.{branch}.merge", f"refs/heads/{tracks}")
    return folder


@pytest.mark.parametrize("remote_url", [
    "https://github.com/a-teacher/dl-course.git",
    "https://a-teacher:ghp_secret@github.com/a-teacher/dl-course",
    "git@github.com:a-teacher/dl-course.git",
    "ssh://git@github.com/a-teacher/dl-course.git",
])
def test_colab_buttons_follow_a_fork_checked_out_from_github(tmp_path, remote_url):
    repo = book.repository(git_checkout(tmp_path, "spring-term", remote_url))
    assert (repo["url"], repo["slug"], repo["branch"]) == (
        "https://github.com/a-teacher/dl-course", "a-teacher/dl-course", "spring-term")
    line = book.repository_line(repo)
    assert "https://github.com/a-teacher/dl-course, branch spring-term" in line
    assert "git remote 'origin'" in line and "secret" not in line


def test_colab_buttons_use_the_branch_the_checkout_tracks_on_github(tmp_path):
    checkout = git_checkout(tmp_path, "local-edits", "git@github.com:a-teacher/dl-course.git", tracks="main")
    assert book.repository(checkout)["branch"] == "main"


@pytest.mark.parametrize("remote_url", [None, "https://gitlab.com/a-teacher/dl-course.git",
                                        "/srv/git/dl-course.git"])
def test_without_a_github_remote_the_buttons_keep_config_yml(tmp_path, remote_url):
    repo = book.repository(git_checkout(tmp_path, "spring-term", remote_url))
    config = book.load_config()["repository"]
    assert (repo["url"], repo["branch"]) == (config["url"], config["branch"])
    assert "from _config.yml" in book.repository_line(repo)
    if book.PLACEHOLDER in config["url"]:
        assert "placeholder" in book.repository_line(repo)


def test_outside_any_git_checkout_the_buttons_keep_config_yml(tmp_path):
    assert book.repository(tmp_path)["url"] == book.load_config()["repository"]["url"]


def test_the_build_config_carries_the_repository_found(tmp_path, monkeypatch):
    monkeypatch.setattr(book, "checkout_repository", lambda root=None: {
        "slug": "a-teacher/dl-course", "branch": "spring-term", "remote": "origin"})
    written = yaml.safe_load(book.site_config(tmp_path / "_config.yml").read_text())
    assert written["repository"]["url"] == "https://github.com/a-teacher/dl-course"
    assert written["repository"]["branch"] == "spring-term"
    assert written["launch_buttons"] == book.load_config()["launch_buttons"]
