"""Numeric-aware comparison of a cell's printed text with its stored reference.

nbval compares outputs as exact strings, and no maintained package compares notebook
text outputs with numeric tolerances (nbval's own answer is regex sanitizers or ignore
tags, pytest-notebook and nbdime diff exactly), so this small module does it. Rules:

* Text is split into tokens: numbers, words and single punctuation marks. Whitespace
  between tokens is not compared (a column can widen when a sign appears).
* Words, punctuation and integers must be equal.
* A float token (one with a decimal point or an exponent) matches when it is within the
  tolerance of the reference: by default one unit in the reference's last printed digit,
  so 0.745 accepts 0.744 to 0.746 and a value on a rounding boundary cannot flip a test.
  A float printed with no digits after the point (torch's `2.`) is exact: printers use that
  form only for integral values, so there is no rounding to absorb.
* -0.0 equals 0.0.
* A cell may widen the tolerance in its metadata, with a reason:
  ``{"tolerance": {"abs": 0.02, "reason": "..."}}`` (``rel`` is relative to the
  reference). It applies to every float token of that cell's outputs. ``integers`` (say 2)
  lets integer tokens move too, for counts or epochs picked by a training run.
"""

import math
import re
from dataclasses import dataclass

# A number starts where no word character or point precedes it, so "conv2d" and "x1.5"
# stay words; "5-3" reads as 5, "-", 3 on both sides alike.
NUMBER = r"(?<![\w.])[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?(?![\w.])"
TOKEN = re.compile(rf"{NUMBER}|\w+|[^\w\s]")
NUMBER_ONLY = re.compile(NUMBER)


@dataclass(frozen=True)
class Tolerance:
    """Extra tolerance declared by a cell: absolute and relative to the reference."""

    abs: float = 0.0
    rel: float = 0.0
    integers: int = 0
    reason: str = ""

    @classmethod
    def of_cell(cls, metadata):
        """The tolerance a cell declares in its metadata, or the default (none extra).

        A declaration without a reason, or with a negative or non-numeric bound, is an
        author's mistake and raises ValueError naming what is wrong.
        """
        declared = (metadata or {}).get("tolerance")
        if declared is None:
            return cls()
        if not isinstance(declared, dict) or not str(declared.get("reason", "")).strip():
            raise ValueError('cell metadata "tolerance" must be {"abs": ..., "rel": ..., "reason": "..."} with a reason')
        unknown = set(declared) - {"abs", "rel", "integers", "reason"}
        if unknown:
            raise ValueError(f'cell metadata "tolerance" has unknown keys {sorted(unknown)}')
        bounds = {k: declared.get(k, 0) for k in ("abs", "rel", "integers")}
        for key, value in bounds.items():
            if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
                raise ValueError(f'cell metadata "tolerance.{key}" must be a number >= 0, not {value!r}')
        if bounds["integers"] != int(bounds["integers"]):
            raise ValueError(f'cell metadata "tolerance.integers" must be a whole number, not {bounds["integers"]!r}')
        return cls(float(bounds["abs"]), float(bounds["rel"]), int(bounds["integers"]), str(declared["reason"]))

    def describe(self, reference_token):
        if is_int(reference_token):
            return f"integers within {self.integers}, declared: {self.reason}"
        parts = [f"one unit in the last digit ({last_digit_unit(reference_token):g})"]
        if self.abs:
            parts.append(f"abs {self.abs:g}")
        if self.rel:
            parts.append(f"rel {self.rel:g}")
        text = " or ".join(parts)
        return f"{text}, declared: {self.reason}" if self.reason else text


def tokens(text):
    return TOKEN.findall(text)


def is_float(token):
    return bool(NUMBER_ONLY.fullmatch(token)) and any(c in token for c in ".eE")


def is_int(token):
    return bool(NUMBER_ONLY.fullmatch(token)) and not is_float(token)


def last_digit_unit(token):
    """The value of one unit in the last printed digit: 0.745 -> 0.001, 6.0e-08 -> 1e-09,
    1e-3 -> 0.001, 2. -> 0 (an integral float, compared exactly)."""
    mantissa, _, exponent = token.lower().partition("e")
    decimals = len(mantissa.partition(".")[2])
    if decimals == 0 and not exponent:
        return 0.0
    return 10.0 ** (int(exponent or 0) - decimals)


def floats_match(reference, actual, tolerance=Tolerance()):
    ref, got = float(reference), float(actual)
    if math.isnan(ref) or math.isnan(got):
        return math.isnan(ref) and math.isnan(got)
    allowed = max(last_digit_unit(reference), tolerance.abs, tolerance.rel * abs(ref))
    # A hair of slack: 0.746 - 0.745 is 0.0010000000000000009 in binary floating point.
    return abs(got - ref) <= allowed * (1 + 1e-9)


def first_mismatch(reference, actual, tolerance=Tolerance()):
    """None when actual matches reference under the rules above; otherwise a sentence that
    names the first differing token, both values and the tolerance applied."""
    ref_tokens, got_tokens = tokens(reference), tokens(actual)
    for i, (ref, got) in enumerate(zip(ref_tokens, got_tokens)):
        if ref == got:
            continue
        if is_float(ref) and NUMBER_ONLY.fullmatch(got):
            if floats_match(ref, got, tolerance):
                continue
            return (f"token {i + 1}: expected {ref}, got {got} "
                    f"(tolerance: {tolerance.describe(ref)}){context(ref_tokens, i)}")
        if tolerance.integers and is_int(ref) and is_int(got):
            if abs(int(got) - int(ref)) <= tolerance.integers:
                continue
            return (f"token {i + 1}: expected {ref}, got {got} "
                    f"(tolerance: {tolerance.describe(ref)}){context(ref_tokens, i)}")
        kind = "integer" if is_int(ref) else "text"
        return f"token {i + 1}: expected {kind} {ref!r}, got {got!r} (compared exactly){context(ref_tokens, i)}"
    if len(ref_tokens) != len(got_tokens):
        longer, label = (ref_tokens, "missing") if len(ref_tokens) > len(got_tokens) else (got_tokens, "unexpected")
        extra = " ".join(longer[min(len(ref_tokens), len(got_tokens)):][:8])
        return f"{label} text after token {min(len(ref_tokens), len(got_tokens))}: {extra!r}"
    return None


def context(ref_tokens, i):
    before = " ".join(ref_tokens[max(0, i - 6):i])
    return f", after {before!r}" if before else ""
