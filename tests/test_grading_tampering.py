"""Submissions that tamper with their kernel to pass checks a wrong answer should fail.

The student's answer cells run in the same kernel as the checks, before them, so they can
replace anything a check calls. The grader's defence is not in the kernel: a hidden check
prints values computed on inputs the student never saw, and the comparison with the stored
output happens outside (course/grading/hidden_lint.py keeps checks to that rule).

Every submission here answers a few exercises wrongly, as a determined student would: the
answer is right only inside a public check cell (whose expected output the exercise shows,
so a student can always reach it by hand) and off by one everywhere else. The baseline
does only that. Each other submission adds one kind of tampering, installed in the first
wrong answer cell so that every later cell runs under it. Graded on several sections, no
tampering may earn a point the baseline does not earn, and no hidden check of a wrong
answer may pass.

A control grades the same tampering against a copy of section 2.4 whose hidden check is
a verdict (`print(torch.allclose(...))`, stored output `True`): there tampering does gain
the point, so this suite would notice verdict checks coming back, and the lint flags them.
"""

import ast
import copy

import nbformat
import pytest

from course.authoring import anatomy
from course.core import notebooks
from course.grading import cli, gradebook, hidden_lint, run, sandbox
from tests import grading_helpers as h

# Sections and the exercises answered wrongly in each: answers that return values, whose
# hidden checks used to print a verdict decided in the kernel.
WRONG = {
    "2_4_calculus": ["3", "4"],
    "3_1_linear_regression": ["2", "3"],
    "5_3_backpropagation": ["1"],
    "7_4_multiple_channels": ["1", "2"],
}

# Appended to each wrong answer cell, with NAMES the functions that cell defines.
LOOKUP = '''
# Wrong on purpose: right only inside a public check cell, off by one everywhere else.
import types as _types

_state = globals().setdefault("_state", {"cell": ""})
if not _state.get("tracking"):
    get_ipython().events.register("pre_run_cell", lambda info: _state.update(cell=info.raw_cell))
    _state["tracking"] = True


def _skew(value):
    if isinstance(value, torch.Tensor):
        return ~value if value.dtype == torch.bool else value + 1
    if isinstance(value, bool):
        return not value
    if isinstance(value, (int, float)):
        return value + 1
    if isinstance(value, (tuple, list)):
        return type(value)(_skew(v) for v in value)
    if isinstance(value, _types.GeneratorType):
        return (_skew(v) for v in value)
    return value


def _public_only(right):
    def answer(*args, **kwargs):
        value = right(*args, **kwargs)
        return value if _state["cell"].lstrip().startswith("# Check:") else _skew(value)
    return answer


for _name in NAMES:
    globals()[_name] = _public_only(globals()[_name])
'''

TAMPERING = {
    # Every comparison a check might decide with says "equal".
    "comparisons": '''
import math, numpy
def _always(*args, **kwargs):
    return True
torch.allclose = torch.equal = torch.Tensor.allclose = torch.Tensor.equal = _always
numpy.allclose = numpy.array_equal = math.isclose = _always
torch.isclose = lambda a, b, *args, **kwargs: torch.ones_like(torch.as_tensor(a), dtype=torch.bool)
''',
    # Tensor comparisons say "equal, and any difference is small".
    "dunders": '''
def _every(self, other=None):
    return torch.ones(self.shape, dtype=torch.bool)
def _none(self, other=None):
    return torch.zeros(self.shape, dtype=torch.bool)
for _op in ("__eq__", "__lt__", "__le__"):
    setattr(torch.Tensor, _op, _every)
for _op in ("__ne__", "__gt__", "__ge__"):
    setattr(torch.Tensor, _op, _none)
torch.Tensor.__bool__ = lambda self: True
''',
    # Whatever is printed, by print() or straight to stdout, every False reads True.
    "print": '''
import builtins, sys
class _Verdicts:
    def __init__(self, stream):
        self._stream = stream
    def write(self, text):
        return self._stream.write(text.replace("False", "True"))
    def __getattr__(self, name):
        return getattr(self._stream, name)
sys.stdout = _Verdicts(sys.stdout)
_real_print = builtins.print
builtins.print = lambda *args, **kwargs: _real_print(*(str(a).replace("False", "True") for a in args), **kwargs)
''',
    # A hidden check's header is public (course/authoring/exercises.py), so its cell can be found and
    # its code replaced before it runs: here by a line that prints True.
    "rewrite_true": '''
def _forge(lines):
    return ["print(True)\\n"] if lines and lines[0].startswith("# Hidden check") else lines
get_ipython().input_transformers_cleanup.append(_forge)
''',
    # ... or by the public check's expected output of the same exercise, which the exercise shows.
    "rewrite_replay": '''
import re as _re
_PUBLIC = PUBLIC_OUTPUTS
def _replay(lines):
    if not (lines and lines[0].startswith("# Hidden check")):
        return lines
    exercise = _re.match(r"# Hidden check: exercise (\\S+)", lines[0])[1]
    return ["print(" + repr(_PUBLIC.get(exercise, "True")) + ")\\n"]
get_ipython().input_transformers_cleanup.append(_replay)
''',
    # Every hidden check's code recorded as it runs, and printed by each later public check,
    # whose failing output the feedback would quote: the hidden checks' inputs, for free.
    "leak": '''
_seen = []
def _leak(lines):
    if lines and lines[0].startswith("# Hidden check"):
        _seen.append("".join(lines))
    elif lines and lines[0].startswith("# Check") and _seen:
        return ["print(chr(10).join(_seen))\\n"]
    return lines
get_ipython().input_transformers_cleanup.append(_leak)
''',
    # Random inputs steered to constants: seeds ignored, draws fixed.
    "random": '''
import random, numpy
class _Seedless(torch.Generator):
    def manual_seed(self, seed):
        return self
def _shape(size):
    return tuple(size[0]) if len(size) == 1 and isinstance(size[0], (tuple, list, torch.Size)) else size
torch.Generator = _Seedless
torch.manual_seed = lambda seed: torch.default_generator
torch.randn = torch.rand = lambda *size, generator=None, **kwargs: torch.full(_shape(size), 0.5, **kwargs)
torch.randperm = lambda n, generator=None, **kwargs: torch.arange(n, **kwargs)
numpy.random.seed = random.seed = lambda *args, **kwargs: None
''',
}


def public_outputs(stem):
    """{exercise: expected output of its first public check}, as the exercise shows it."""
    sol = h.solution(stem)
    found = {}
    for i, role, ex, _ in anatomy.parts(sol, stem):
        if role == "check":
            found.setdefault(ex, anatomy.text_of(sol.cells[i].outputs))
    return found


def submission(stem, wrong, tampering=None):
    """The stub filled with the solution's answers, except that the exercises in `wrong` are
    right only in public check cells; `tampering` goes into the first of them."""
    answers = h.solution_answers(stem)
    replace = {}
    for n, ex in enumerate(wrong):
        for slot in sorted(s for e, s in answers if e == ex):
            source = answers[ex, slot]
            names = h.defined_names(source, kinds=ast.FunctionDef)
            if names:
                source += "\n" + LOOKUP.replace("NAMES", repr(names))
            replace[ex, slot] = source
        if n == 0 and tampering:
            last = max(s for e, s in replace if e == ex)
            replace[ex, last] += "\n" + TAMPERING[tampering].replace("PUBLIC_OUTPUTS", repr(public_outputs(stem)))
    return h.solved_stub(stem, replace)


@pytest.fixture(scope="session")
def tampered(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tampered")
    for name in ["baseline", *TAMPERING]:
        (folder / name).mkdir()
        for stem, wrong in WRONG.items():
            notebooks.write(submission(stem, wrong, None if name == "baseline" else name),
                            folder / name / f"{stem}.ipynb")
    limits = sandbox.Limits(cell_seconds=120, notebook_seconds=600)
    outcomes = cli.grade_all(cli.find_submissions(folder), folder, tmp_path_factory.mktemp("tampered-out"),
                             jobs=2, limits=limits)
    return {o.submission: o for o in outcomes}


def points(outcome):
    return {ex: row["points"] for ex, row in ((r["exercise"], r) for r in gradebook.rows(outcome))}


def check_statuses(outcome, exercise, hidden):
    return [c.status for c in outcome.checks if c.exercise == exercise and c.hidden == hidden]


@pytest.mark.parametrize("stem", WRONG)
def test_the_wrong_answers_earn_their_public_points_and_fail_every_hidden_check(tampered, stem):
    """The baseline is as strong as a lookup can be: it passes the public checks of the wrong
    exercises, and only their hidden checks tell it apart from a right answer."""
    outcome = tampered[f"baseline/{stem}.ipynb"]
    assert not outcome.invalid, outcome.invalid
    for ex in WRONG[stem]:
        assert set(check_statuses(outcome, ex, hidden=False)) == {"passed"}, (stem, ex)
        assert "passed" not in check_statuses(outcome, ex, hidden=True), (stem, ex)


@pytest.mark.parametrize("tampering", TAMPERING)
@pytest.mark.parametrize("stem", WRONG)
def test_tampering_earns_no_point_over_the_wrong_answers(tampered, stem, tampering):
    base, outcome = tampered[f"baseline/{stem}.ipynb"], tampered[f"{tampering}/{stem}.ipynb"]
    assert not outcome.invalid, outcome.invalid
    gained = {ex: (points(base)[ex], p) for ex, p in points(outcome).items()
              if isinstance(p, int) and p > points(base)[ex]}
    assert not gained, f"{tampering} on {stem}: (baseline, tampered) points {gained}"
    for ex in WRONG[stem]:
        assert "passed" not in check_statuses(outcome, ex, hidden=True), (stem, ex, tampering)


@pytest.mark.parametrize("stem", WRONG)
def test_feedback_of_tampered_submissions_shows_no_secret(tampered, stem):
    """Feedback, its likely-slip lines included, never shows a solution line or a hidden
    check, whatever the kernel printed."""
    for name, outcome in tampered.items():
        if name.endswith(f"/{stem}.ipynb"):
            text = gradebook.feedback(outcome)
            assert not h.leaked_into_feedback(stem, outcome, text), name
            slips = [line for line in text.splitlines() if line.startswith("Likely slip:")]
            assert not [s for s in h.secrets(stem) if any(s in line for line in slips)], (name, slips)


# The control: section 2.4 with the verdict check this project used to have for exercise 3.
VERDICT = """# Hidden check: exercise 3 (1 point)
r = torch.tensor([0.3, -2.0, 0.7], dtype=torch.float64)
print(torch.allclose(grad_f(r), torch.stack([2 * r[0] * r[1], r[0] ** 2 - 4 * r[2], torch.exp(r[2]) - 4 * r[1]])))"""


def test_a_verdict_check_is_fooled_and_flagged(tmp_path):
    stem = "2_4_calculus"
    solutions = tmp_path / "solutions"
    solutions.mkdir()
    sol = copy.deepcopy(h.solution(stem))
    hidden = next(i for i, role, ex, _ in anatomy.parts(sol, stem) if role == "hidden-check" and ex == "3")
    sol.cells[hidden].source = VERDICT
    sol.cells[hidden].outputs = [nbformat.v4.new_output("stream", name="stdout", text="True\n")]
    notebooks.write(sol, solutions / f"{stem}.ipynb")
    assert any(f.cell == hidden for f in hidden_lint.lint(solutions))

    folder = tmp_path / "submissions"
    for name in ("baseline", "comparisons", "rewrite_true"):
        (folder / name).mkdir(parents=True)
        notebooks.write(submission(stem, ["3"], None if name == "baseline" else name), folder / name / f"{stem}.ipynb")
    limits = sandbox.Limits(cell_seconds=120, notebook_seconds=600)
    hidden_passed = {}
    for path in cli.find_submissions(folder):
        outcome = run.grade(path, folder, limits, solutions=solutions)
        hidden_passed[path.parent.name] = check_statuses(outcome, "3", hidden=True) == ["passed"]
    assert hidden_passed == {"baseline": False, "comparisons": True, "rewrite_true": True}
