"""The tables of contents list every section exactly once, beside its exercises."""

from course.core import notebooks
from course.core.notebooks import CHAPTERS, ROOT
from course.site import book


def test_every_toc_entry_exists():
    for entry in book.toc_files(book.load_toc()):
        candidates = [ROOT / f"{entry}{ext}" for ext in (".ipynb", ".md")]
        assert any(p.exists() for p in candidates), f"_toc.yml lists {entry}, which does not exist"


def test_every_chapter_is_listed_with_its_exercises_beneath_it():
    toc = book.load_toc()
    listed = book.toc_files(toc)
    for path in notebooks.notebooks(CHAPTERS):
        stem = path.stem
        assert f"chapters/{stem}" in listed, f"{stem} is missing from _toc.yml"
        chapter = next(c for part in toc["parts"] for c in part["chapters"]
                       if c["file"] == f"chapters/{stem}")
        assert {"file": f"exercises/{stem}"} in chapter.get("sections", []), stem
    assert len(listed) == len(set(listed)), "an entry is listed twice"
    assert not any(entry.startswith("solutions/") for entry in listed), "students never see solutions"


def test_parts_follow_the_book_chapters_in_order():
    captions = [part["caption"] for part in book.load_toc()["parts"]]
    numbered = [c for c in captions if c[0].isdigit()]
    assert numbered == sorted(numbered, key=lambda c: int(c.split()[0]))


def test_instructor_toc_adds_each_solution_after_its_exercises():
    student = book.load_toc()
    instructor = book.with_solutions(student)
    files = book.toc_files(instructor)
    for entry in book.toc_files(student):
        if entry.startswith("exercises/"):
            stem = entry.split("/", 1)[1]
            assert files[files.index(entry) + 1] == f"solutions/{stem}"
    assert book.toc_files(book.load_toc()) == book.toc_files(student), "the student TOC is not changed"
