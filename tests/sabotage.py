"""A submission that tries every hidden check against a student's function that raises and
one that mutates its inputs (issue 34, item 1), for tests/test_grading_state.py.

It is the solution's answers plus one cell the student added above them. That cell installs
an IPython `pre_run_cell` hook: before each hidden check of an exercise whose answer defines
functions or classes, the hook runs the check twice with those names replaced, first by
versions that raise, then by versions that change their arguments in place before doing the
real work, and discards what those runs print. Then the check runs as graded, with the real
answer back. A check that leaves anything changed (shared data, a module attribute, the
random stream) after a failing or mutating call makes that check, or a later one, fail: the
submission must keep full marks everywhere.
"""

import nbformat

from course.authoring import anatomy
from tests import grading_helpers as h

HOOK = r'''
import contextlib as _sab_contextlib, functools as _sab_functools, inspect as _sab_inspect
import io as _sab_io, re as _sab_re
_SAB_NAMES = DEFINED_NAMES  # {exercise: names its answer defines}


def _sab_mutate(value):
    """Change a tensor, a module's parameters, a list, or an object's tensors in place."""
    import torch
    try:
        if isinstance(value, torch.Tensor):
            with torch.no_grad():
                value.logical_not_() if value.dtype == torch.bool else value.add_(1)
        elif isinstance(value, torch.nn.Module):
            for p in value.parameters():
                _sab_mutate(p)
        elif isinstance(value, list) and value:
            value.append(value[-1])
        elif hasattr(value, "__dict__") and not callable(value):
            for attribute in list(vars(value).values()):
                if isinstance(attribute, torch.Tensor):
                    _sab_mutate(attribute)
    except Exception:  # a read-only or inference tensor: nothing a student could change either
        pass


def _sab_function(function, mode, skip_first=False):
    @_sab_functools.wraps(function)
    def sabotaged(*args, **kwargs):
        if mode == "raise":
            raise RuntimeError("a student's function that raises")
        for value in (*args[1 if skip_first else 0:], *kwargs.values()):
            _sab_mutate(value)
        return function(*args, **kwargs)
    return sabotaged


def _sab_replacement(obj, mode):
    if isinstance(obj, type):
        methods = {name: _sab_function(f, mode, skip_first=True) for name, f in vars(obj).items()
                   if _sab_inspect.isfunction(f)}
        return type(obj.__name__, (obj,), methods)
    return _sab_function(obj, mode) if callable(obj) else obj


def _sab_before(info):
    found = _sab_re.match(r"# Hidden check: exercise (\S+)", info.raw_cell or "")
    names = _SAB_NAMES.get(found.group(1), []) if found else []
    namespace = get_ipython().user_ns
    real = {name: namespace[name] for name in names if name in namespace}
    if not real:
        return
    code = get_ipython().transform_cell(info.raw_cell)
    for mode in ("raise", "mutate"):
        namespace.update({name: _sab_replacement(obj, mode) for name, obj in real.items()})
        try:
            with _sab_contextlib.redirect_stdout(_sab_io.StringIO()), \
                    _sab_contextlib.redirect_stderr(_sab_io.StringIO()):
                exec(compile(code, "<sabotaged hidden check>", "exec"), namespace)
        except BaseException:
            pass
        finally:
            namespace.update(real)


get_ipython().events.register("pre_run_cell", _sab_before)
'''


def names_by_exercise(stem):
    """{exercise: names} for the exercises with a hidden check whose answer defines names."""
    sol = h.solution(stem)
    hidden = {ex for i, role, ex, _ in anatomy.parts(sol, stem) if role == "hidden-check"}
    found = {}
    for (ex, _), source in h.solution_answers(stem).items():
        if ex in hidden:
            found.setdefault(ex, []).extend(h.defined_names(source))
    return {ex: names for ex, names in found.items() if names}


def submission(stem):
    """The stub answered with the solution, the hook in a cell added above the first answer;
    None when no hidden check of the section calls a name an answer defines."""
    names = names_by_exercise(stem)
    if not names:
        return None
    nb = h.solved_stub(stem)
    first = min(nb.cells.index(cell) for cell in h.answer_cells(nb).values())
    nb.cells.insert(first, nbformat.v4.new_code_cell(HOOK.replace("DEFINED_NAMES", repr(names))))
    return nb
