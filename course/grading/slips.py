"""Which recorded slip a student's failing exercise shows: its checks fail exactly as a
recorded mutant's do (solutions/<stem>.mutants.recorded.json, written by
`python -m course mutants`), and the feedback names that mutant's slip as a hint."""

import re

from course.authoring.wrong_answers import load, mutants_path, read_recorded
from course.checking.output_compare import first_mismatch
from course.core import notebooks
from course.core.notebooks import SOLUTIONS


def check_labels(outcome):
    """[(label, CheckResult)] with labels as the feedback numbers them: 'check 1', 'hidden check 1'."""
    labelled, counts = [], {}
    for check in outcome.checks:
        key = (check.exercise, check.hidden)
        counts[key] = counts.get(key, 0) + 1
        labelled.append((f"{'hidden check' if check.hidden else 'check'} {counts[key]}", check))
    return labelled


ADDRESS = re.compile(r"0x[0-9a-fA-F]+")



def same_output(recorded, actual):
    """Whether two check outputs match by the grader's rule; memory addresses (an object's
    repr in an error message) differ from run to run and are not compared."""
    recorded, actual = ADDRESS.sub("0x", recorded), ADDRESS.sub("0x", actual)
    return recorded.strip() != "" and first_mismatch(recorded, actual) is None



def has_signature(mutant, answer, failing):
    """Whether an exercise fails exactly as a recorded mutant does: its answer cells ended the
    same way (`answer`), and `failing` ({check label: (status, output)} of the checks that did
    not pass) holds the same checks, with the same status and output; the rest passed."""
    recorded = {o["check"]: (o["status"], o["output"]) for o in mutant["outputs"]}
    if mutant.get("answer") != answer or recorded.keys() != failing.keys():
        return False
    return all(status == failing[label][0]
               and (output.strip() == failing[label][1].strip() == "" or same_output(output, failing[label][1]))
               for label, (status, output) in recorded.items())



def feedback_slips(outcome):
    """{exercise: [slip, ...]}: the mutants of each exercise whose whole signature the
    student's answer has. An answer that raised gets none: the checks after it fail with
    its fallout (a NameError for what it never defined), which many slips share, so the
    student reads their own error instead of a guess. Nor does an exercise whose answer
    builds on one that failed: its mutants were recorded with those right, and a correct
    answer run on a wrong one can print what a mutant prints. A recorded mutant from before
    the answer outcome was recorded has no signature to match and gives no hint."""
    stem = next((p.stem for p in notebooks.notebooks(SOLUTIONS) if notebooks.section_of(p) == outcome.section), None)
    if not stem or not mutants_path(stem).exists():
        return {}
    recorded, uses = read_recorded(stem), load(stem).uses
    failing = {}
    for label, check in check_labels(outcome):
        if check.status != "passed":
            failing.setdefault(check.exercise, {})[label] = (check.status, check.actual)
    slips = {}
    for exercise, theirs in failing.items():
        answer = outcome.answers.get(exercise, "")
        if answer != "ran" or uses.get(exercise, set()) & failing.keys():
            continue
        for mutant in recorded:
            if mutant["exercise"] != exercise or mutant["slip"] in slips.get(exercise, []):
                continue
            if has_signature(mutant, answer, theirs):
                slips.setdefault(exercise, []).append(mutant["slip"])
    return slips
