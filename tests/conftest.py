"""Fixtures shared by the tests of the built site."""

import os
import shutil
from pathlib import Path

import pytest

from course.checking import nbval_record
from course.core import notebooks
from course.core.notebooks import ROOT
from course.execution import execution_cache
from course.site import book

SITE = ROOT / "_build" / "test-site"


def build_site(name, toc, seed_from_nbval=False):
    """Build into _build/test-site/<name>. With seed_from_nbval, the build executes in
    cache mode with the shared execution cache, into which the chapters that nbval ran and
    matched in this session go first (so the status page has their times, and no chapter
    runs twice); otherwise the stored outputs are shown as they are."""
    out = SITE / name
    if out.exists():
        shutil.rmtree(out)
    matched = {ROOT / p: t for p, t in nbval_record.executed_and_matched().items()}
    if seed_from_nbval and nbval_record.seconds:
        execution_cache.seed({p: t for p, t in matched.items() if p.parent == notebooks.CHAPTERS})
        config = book.site_config(out / "_config.yml", "cache")
    else:
        config = book.site_config(out / "_config.yml")
    result = book.build(out, book.write_yaml(toc, out / "_toc.yml"), config, check=False)
    assert result.returncode == 0, f"{name} build failed:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    return out / "_build" / "html"


@pytest.fixture(scope="session")
def student_site():
    """The student site, built for this session; COURSE_TEST_SITE=<folder of a built
    site's index.html> tests that site instead (one built with --path-output elsewhere)."""
    if os.environ.get("COURSE_TEST_SITE"):
        return Path(os.environ["COURSE_TEST_SITE"])
    return build_site("student", book.load_toc(), seed_from_nbval=True)


@pytest.fixture(scope="session")
def instructor_site():
    return build_site("instructor", book.with_solutions(book.load_toc()))


from tests.grading_batch import graded  # noqa: E402,F401  (one graded batch for the grading tests)
from tests.site_browsing import browser, site_url  # noqa: E402,F401  (one server and browser for the site tests)
