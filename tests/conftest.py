"""Fixtures shared by the tests of the built site."""

import pytest

from course import book
from course.notebooks import ROOT

SITE = ROOT / "_build" / "test-site"


def build_site(name, toc):
    """Build from the stored outputs (nbval checks them in the same `make test`)."""
    out = SITE / name
    result = book.build(out, book.write_yaml(toc, out / "_toc.yml"),
                        book.stored_outputs_config(out / "_config.yml"), check=False)
    assert result.returncode == 0, f"{name} build failed:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    return out / "_build" / "html"


@pytest.fixture(scope="session")
def student_site():
    return build_site("student", book.load_toc())


@pytest.fixture(scope="session")
def instructor_site():
    return build_site("instructor", book.with_solutions(book.load_toc()))
