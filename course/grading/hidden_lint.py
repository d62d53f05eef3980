"""The rule a hidden check must keep: print values, never a verdict decided in the kernel.

Why: the student's answer cells run first, in the same kernel as the checks, so anything a
check calls (`torch.allclose`, `==` on tensors, `print`, `sys.stdout`) may have been
replaced. Nothing inside that process can be trusted, so a check must not decide anything
there. What the kernel cannot know is the check's stored output: it lives in solutions/,
which the sandbox does not mount, and it is compared outside the kernel (nbval, with the
numeric comparison of course.checking.output_compare). A hidden check is sound when the only way
to print its stored output is to compute it, that is, when the output is made of values
that a correct answer produces on inputs the student never saw. A lone `True` fails that
test: a patched `allclose` or a `print` that turns False into True produces it for free.

This module finds the hidden checks that break the rule; tests/test_hidden_checks.py runs
it over solutions/ in `make test`. A check is flagged when

* its stored output holds no value but booleans (labels it prints straight from string
  literals, such as `print("untouched:", ...)` or an f-string's text, are not values);
* it compares inside the kernel: a call to allclose, isclose, equal, array_equal,
  assert_close, all or any, or an operator ==, !=, <, <=, >, >=, in, not in (`is` stays:
  it cannot be overridden, though what it prints is still only a boolean);
* its stored output is empty, or the same text as a public check's output in the same
  notebook (a submission that replays the public outputs would pass it);
* it prints floating-point noise (a number with more than 8 decimals, such as float32's
  0.10000000149011612), which no other machine need reproduce.
"""

import ast
import re
from dataclasses import dataclass

from course.authoring import anatomy
from course.core import notebooks
from course.core.notebooks import SOLUTIONS

# Calls that decide equality or closeness, by their function or method name, whatever
# module they come from (torch, numpy, math, torch.testing, builtins).
COMPARISON_CALLS = {"allclose", "isclose", "equal", "array_equal", "array_equiv", "assert_close",
                    "assert_allclose", "assert_array_equal", "assert_equal", "all", "any"}
COMPARISON_OPERATORS = {ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">",
                        ast.GtE: ">=", ast.In: "in", ast.NotIn: "not in"}
BOOLEANS = {"True", "False"}
# Words of a tensor's or array's printed form that are not values.
STRUCTURE = {"tensor", "array", "dtype", "torch.bool", "bool", "requires_grad", "grad_fn"}
WORD_OR_NUMBER = re.compile(r"[A-Za-z_]\w*(?:\.\w+)*|\d+(?:\.\d*)?(?:[eE][-+]?\d+)?")
NOISE = re.compile(r"\d\.\d{9,}")


@dataclass
class Finding:
    notebook: str  # solutions/<stem>.ipynb
    cell: int  # index among all cells, as Jupyter shows them
    exercise: str
    problem: str

    def __str__(self):
        return f"{self.notebook}, cell {self.cell} (hidden check of exercise {self.exercise}): {self.problem}"


def label_words(source):
    """Words of the labels a cell prints: string literals passed straight to print() and
    the text of f-strings. (A literal that goes through the answer, such as a column name
    the answer selects, is a value.)"""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    labels = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "print":
            labels += [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
        elif isinstance(node, ast.JoinedStr):
            labels += [v.value for v in node.values if isinstance(v, ast.Constant)]
    return {w for text in labels for w in WORD_OR_NUMBER.findall(text) if not w[0].isdigit()}


def values_printed(output, source):
    """The tokens of an output that are values: numbers and words, less labels and the
    words of a tensor's printed form."""
    labels = label_words(source)
    return [t for t in WORD_OR_NUMBER.findall(output) if t not in labels and t not in STRUCTURE]


def comparisons_in(source):
    """'name' or 'operator' for every comparison the cell makes in the kernel."""
    try:
        tree = ast.parse(source)
    except SyntaxError as e:
        return [f"unparsable source ({e.msg})"]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
            if name in COMPARISON_CALLS:
                found.append(f"{name}()")
        elif isinstance(node, ast.Compare):
            found += [COMPARISON_OPERATORS[type(op)] for op in node.ops if type(op) in COMPARISON_OPERATORS]
    return sorted(set(found))


def problems_of(source, output, public_outputs):
    """Why a hidden check with this source and stored output breaks the rule ([] if not)."""
    problems = []
    values = values_printed(output, source)
    if not output.strip():
        problems.append("prints nothing")
    elif all(v in BOOLEANS for v in values):
        problems.append(f"prints only booleans ({output.strip()[:80]!r}); print the values that decide them")
    compared = comparisons_in(source)
    if compared:
        problems.append(f"compares in the student's kernel with {', '.join(compared)}; "
                        "print the values and let the stored output be the reference")
    if output.strip() and output in public_outputs:
        problems.append("prints the same text as a public check, which a submission can replay")
    if (noise := NOISE.search(output)):
        problems.append(f"prints floating-point noise ({noise[0]}...); format to the digits that hold on any machine")
    return problems


def findings_of(nb, where):
    """Every broken rule of every hidden check in one solution notebook."""
    checks = [(i, role, ex) for i, role, ex, _ in anatomy.parts(nb, where) if role != "answer"]
    public = {anatomy.text_of(nb.cells[i].get("outputs", [])) for i, role, _ in checks if role == "check"}
    found = []
    for i, role, ex in checks:
        if role == "hidden-check":
            cell = nb.cells[i]
            output = anatomy.text_of(cell.get("outputs", []))
            found += [Finding(where, i, ex, p) for p in problems_of(cell.source, output, public)]
    return found


def lint(folder=SOLUTIONS):
    """Findings for every solution notebook in folder."""
    found = []
    for path in notebooks.notebooks(folder):
        found += findings_of(notebooks.read(path), notebooks.shown(path))
    return found
