"""How a solution or exercise notebook is laid out, and reading it: the `## Exercise`
headings, the answer cells with their BEGIN/END SOLUTION blocks, the (hidden) check cells
and their points, and a cell's printed text. Exercise generation (exercises.py), the
recorded wrong answers and the grader all read notebooks through this module.
"""

import re
from pathlib import Path

from course.core import notebooks

BEGIN = re.compile(r"^(?P<indent>[ \t]*)(###|<!--)\s*BEGIN SOLUTION\s*(-->)?\s*$")
END = re.compile(r"^[ \t]*(###|<!--)\s*END SOLUTION\s*(-->)?\s*$")
HEADING = re.compile(r"^##\s+Exercise\s+(?P<id>[\w.-]+)\b(?P<rest>.*)$", re.M)
POINTS = re.compile(r"\((?P<n>\d+)\s+points?\)")
CHECK = re.compile(r"^#\s*(?P<hidden>Hidden\s+)?[Cc]heck:\s*exercise\s+(?P<id>[\w.-]+)"
                   r"\s*\((?P<points>\d+)\s+points?\)")

# Put under the title of every exercise notebook, so each says how to check answers.


class ExerciseFormatError(ValueError):
    """A solution notebook whose markers do not parse; the message names the cell."""


def check_header(cell):
    """(exercise, points, hidden) for a check cell, else None."""
    if cell.cell_type != "code":
        return None
    m = CHECK.match(cell.source.lstrip())
    return (m["id"], int(m["points"]), bool(m["hidden"])) if m else None


def _walk_solution_blocks(source, where="cell"):
    """(line, inside, begin match or None) for each line of a cell; raises on a block that
    never ends. The one reader of the BEGIN/END SOLUTION markers."""
    inside = False
    for line in source.splitlines():
        if not inside and (m := BEGIN.match(line)):
            inside = True
            yield line, True, m
        elif inside and END.match(line):
            inside = False
            yield line, True, None
        else:
            yield line, inside, None
    if inside:
        raise ExerciseFormatError(f"{where}: BEGIN SOLUTION without END SOLUTION")


def solution_block_lines(source):
    """The lines inside the solution blocks of a cell's source (markers left out)."""
    return [line for line, inside, _ in _walk_solution_blocks(source) if inside
            and not BEGIN.match(line) and not END.match(line)]


def replace_solution_blocks(source, replacement, where="cell"):
    """The source with each solution block (markers included) replaced by `replacement`,
    indented as the block's BEGIN marker; the lines around the blocks stay."""
    out = []
    for line, inside, begin in _walk_solution_blocks(source, where):
        if begin:
            out += [begin["indent"] + r if r else r for r in replacement.rstrip("\n").splitlines()]
        elif not inside:
            out.append(line)
    return "\n".join(out)


def has_solution(cell):
    return any(BEGIN.match(line) for line in cell.source.splitlines())


def text_of(outputs):
    """The printed text of a cell's outputs, as nbval compares it."""
    parts = []
    for o in outputs:
        if o.output_type == "stream":
            parts.append(o.text)
        elif o.output_type in ("execute_result", "display_data"):
            parts.append(o.get("data", {}).get("text/plain", "") + "\n")
        elif o.output_type == "error":
            parts.append(f"{o.ename}: {o.evalue}\n")
    return "".join(parts).rstrip("\n")


def parts(nb, where="notebook"):
    """Walk a solution notebook: yield (index, role, exercise, extra) for its graded cells.

    role is 'answer' (extra: slot number within the exercise), 'check' or 'hidden-check'
    (extra: points). Raises ExerciseFormatError for answers or checks outside an exercise.
    """
    exercise, slots = None, {}
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown" and (m := HEADING.search(cell.source)):
            exercise = m["id"]
        here = f"{where}, cell {i}"
        if (header := check_header(cell)):
            ex, points, hidden = header
            yield i, "hidden-check" if hidden else "check", ex, points
        elif has_solution(cell):
            if exercise is None:
                raise ExerciseFormatError(f"{here}: a solution block before any '## Exercise' heading")
            slots[exercise] = slots.get(exercise, 0) + 1
            yield i, "answer", exercise, slots[exercise]


def exercises_of(nb, where="notebook"):
    """{exercise: {'max_points': n, 'checks': [...], 'manual': bool}} in notebook order."""
    found = {}
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for m in HEADING.finditer(cell.source):
                p = POINTS.search(m["rest"])
                found.setdefault(m["id"], {"heading_points": int(p["n"]) if p else None,
                                           "checks": [], "answers": 0})
    for i, role, ex, extra in parts(nb, where):
        if ex not in found:
            raise ExerciseFormatError(f"{where}, cell {i}: check for exercise {ex}, "
                                      "which has no '## Exercise' heading")
        if role == "answer":
            found[ex]["answers"] += 1
        else:
            found[ex]["checks"].append((i, role, extra))
    summary = {}
    for ex, info in found.items():
        manual = not info["checks"]
        points = (info["heading_points"] or 1) if manual else sum(p for _, _, p in info["checks"])
        summary[ex] = {"max_points": points, "manual": manual, "checks": info["checks"],
                       "answers": info["answers"]}
    return summary


def section_stem(where):
    """The stem of a solution named by `where` ('solutions/2_1_x.ipynb' or '2_1_x'), else None."""
    stem = Path(str(where).split(",")[0]).stem
    return stem if notebooks.STEM.match(stem) else None


def answer_slots(nb):
    """{(exercise, slot): cell index} of the answer cells of a generated exercise notebook
    (or a student's copy of one), found by the metadata the generator writes."""
    return {(c.metadata["course"]["exercise"], c.metadata["course"]["slot"]): i
            for i, c in enumerate(nb.cells)
            if c.get("metadata", {}).get("course", {}).get("role") == "answer"}


def solution_answers(stem):
    """{(exercise, slot): source} of the answer cells of solutions/<stem>.ipynb."""
    solution = notebooks.read(notebooks.SOLUTIONS / f"{stem}.ipynb")
    return {(ex, slot): solution.cells[i].source for i, role, ex, slot in parts(solution, stem) if role == "answer"}
