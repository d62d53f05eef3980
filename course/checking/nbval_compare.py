"""nbval with the numeric-aware comparison of course.checking.output_compare.

nbval compares each output field as an exact string and has no hook for anything else, so
the course's pytest plugin (course/checking/nbval_plugin.py) puts compare_outputs in place of
its `IPyNbCell.compare_outputs` (course/checking/upstream.py). It groups outputs the same way
(stdout, stderr, text/plain, text/html, ... each in order; figures skipped) and compares text
with tolerances. `make test` and the grader load that plugin, so notebooks and grades use one
rule.
"""

from collections import defaultdict

import nbval.plugin

from .output_compare import Tolerance, first_mismatch


def flatten(outputs, skip, sanitize):
    """{field: [text, ...]}: stream outputs by stream name, rich outputs by MIME type."""
    fields = defaultdict(list)
    for output in nbval.plugin.transform_streams_for_comparison(outputs):
        for key, value in output.items():
            if key in skip:
                continue
            if key == "data":
                for mime, text in value.items():
                    if mime not in skip:
                        fields[mime].append(sanitize(text))
            else:
                fields[key].append(sanitize(value))
    return fields


def mismatches(reference, actual, tolerance):
    """Sentences describing each field that differs; empty when the outputs match."""
    problems = []
    for field in sorted(set(reference) - set(actual)):
        problems.append(f"missing output {field!r}: expected {reference[field][0]!r:.200}")
    for field in sorted(set(actual) - set(reference)):
        problems.append(f"unexpected output {field!r}: {actual[field][0]!r:.200}")
    for field in sorted(set(reference) & set(actual)):
        refs, gots = reference[field], actual[field]
        if len(refs) != len(gots):
            problems.append(f"{field}: expected {len(refs)} outputs, got {len(gots)}")
            continue
        for ref, got in zip(refs, gots):
            if not isinstance(ref, str) or not isinstance(got, str):
                problem = None if ref == got else f"expected {ref!r:.200}, got {got!r:.200}"
            else:
                problem = first_mismatch(ref, got, tolerance)
            if problem:
                problems.append(f"{field}: {problem}")
                break
    return problems


def compare_outputs(self, test, ref, skip_compare=None):
    """nbval's hook: True when the cell's new outputs match the stored ones."""
    skip = skip_compare or self.parent.skip_compare
    tolerance = Tolerance.of_cell(self.cell.get("metadata"))
    problems = mismatches(flatten(ref, skip, self.sanitize), flatten(test, skip, self.sanitize), tolerance)
    self.output_mismatches = problems  # the grader's feedback quotes these
    self.comparison_traceback = [f"{self.parent.name} cell {self.cell_num}: {p}" for p in problems]
    return not problems

