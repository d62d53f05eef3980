"""The course's pytest plugin for nbval, loaded by every nbval run: `make test` (conftest.py's
`pytest_plugins`), the grader's runs (`-p course.checking.nbval_plugin`) and the tests that
run nbval on a notebook of their own.

It refuses an nbval or nbclient release that course/checking/upstream.py was not written
for, installs the course's tolerant comparison of outputs (course/checking/nbval_compare.py),
and leaves figures' SVG out of the comparison (course/checking/nbval_settings.py).
"""

from course.checking import nbval_compare, nbval_settings, upstream


def pytest_configure(config):
    upstream.check_versions()
    upstream.install_comparison(nbval_compare.compare_outputs)


def pytest_collection_modifyitems(session, config, items):
    nbval_settings.skip_svg(items)
