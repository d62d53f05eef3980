"""Fixtures shared by the tests of the built site."""

import shutil

import pytest

from course import book
from course.notebooks import ROOT
from tests import nbval_record

SITE = ROOT / "_build" / "test-site"


def build_site(name, toc, seed_from_nbval=False):
    """Build into _build/test-site/<name>. With seed_from_nbval, notebooks that nbval ran
    and matched in this session come from a cache seeded with those runs (so the status page
    has their times); otherwise the stored outputs are shown as they are."""
    out = SITE / name
    if out.exists():
        shutil.rmtree(out)
    passed = {ROOT / p: t for p, t in nbval_record.seconds.items() if p not in nbval_record.failed}
    if seed_from_nbval and passed:
        cache = out / "jupyter_cache"
        book.seed_cache(cache, passed)
        config = book.site_config(out / "_config.yml", "cache", cache)
    else:
        config = book.site_config(out / "_config.yml")
    result = book.build(out, book.write_yaml(toc, out / "_toc.yml"), config, check=False)
    assert result.returncode == 0, f"{name} build failed:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    return out / "_build" / "html"


@pytest.fixture(scope="session")
def student_site():
    return build_site("student", book.load_toc(), seed_from_nbval=True)


@pytest.fixture(scope="session")
def instructor_site():
    return build_site("instructor", book.with_solutions(book.load_toc()))
