"""The site builds without warnings, launches Colab at the right notebooks, and fails
loudly when a notebook raises."""

import re
import subprocess

import nbformat
import yaml

from course import book, exercises, notebooks, setup_cell
from course.notebooks import EXERCISES, ROOT, SOLUTIONS


def config():
    with open(ROOT / "_config.yml", encoding="utf-8") as f:
        return yaml.safe_load(f)


def test_config_for_jupyter_book_1():
    cfg = config()
    assert cfg["execute"]["execute_notebooks"] == "cache"
    assert cfg["execute"]["exclude_patterns"] == ["exercises/*"], "stubs raise by design"
    assert cfg["execute"]["timeout"] >= 1200, "fits a full-profile training cell on a GPU"
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


def solution_lines(path):
    """Distinctive lines of every solution block in a solution notebook that appear nowhere
    public (its exercise stub, the setup cell)."""
    stub = EXERCISES / path.name
    public = setup_cell.SOURCE + ("".join(c.source for c in notebooks.read(stub).cells) if stub.exists() else "")
    lines = []
    for cell in notebooks.read(path).cells:
        inside = False
        for line in cell.source.splitlines():
            if exercises.BEGIN.match(line):
                inside = True
            elif exercises.END.match(line):
                inside = False
            elif inside and len(line.strip()) >= 12 and line.strip() not in public:
                lines.append(line.strip())
    return lines


def test_student_site_holds_no_solution_text(student_site):
    pages = {p: re.sub(r"<[^>]+>", "", p.read_text(encoding="utf-8")) for p in student_site.rglob("*.html")
             if p.parent.name != "chapters"}  # a chapter may legitimately show the same idiom
    for path in notebooks.notebooks(SOLUTIONS):
        for line in solution_lines(path):
            plain = re.sub(r"<[^>]+>", "", line)
            for page, content in pages.items():
                assert plain not in content, f"{page.name} shows solution text from {path.name}: {line!r}"
    assert not (student_site / "solutions").exists()


def test_instructor_site_adds_the_solutions(instructor_site):
    listed = [e for e in book.toc_files(book.with_solutions(book.load_toc())) if e.startswith("solutions/")]
    assert listed
    for entry in listed:
        path = ROOT / f"{entry}.ipynb"
        page = instructor_site / f"{entry}.html"
        assert page.exists(), page
        html = re.sub(r"<[^>]+>", "", page.read_text(encoding="utf-8"))
        assert all(re.sub(r"<[^>]+>", "", line) in html for line in solution_lines(path)[:3]), path.name


def test_a_notebook_that_raises_fails_the_build(tmp_path):
    """A tiny book with the course's configuration and one failing notebook."""
    cfg = config()
    cfg["sphinx"]["local_extensions"] = {name: str(ROOT / "course") for name in cfg["sphinx"]["local_extensions"]}
    (tmp_path / "_config.yml").write_text(yaml.safe_dump(cfg))
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: index\nchapters:\n  - file: broken\n")
    (tmp_path / "index.md").write_text("# Index\n")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Broken"),
                                         nbformat.v4.new_code_cell("1 / 0")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, str(tmp_path / "broken.ipynb"))
    result = subprocess.run([str(ROOT / ".venv" / "bin" / "jupyter-book"), "build", str(tmp_path),
                             *book.FLAGS], capture_output=True, text=True)
    assert result.returncode != 0
    assert "ZeroDivisionError" in result.stdout + result.stderr
