"""The classes a digits model answers with, as every stage names them (DESIGN.md).

The logits' columns are, in order, the digits 0-9 and then, for models trained with
negatives, one "not a digit" class. The metadata ``labels`` list says which: ints for
digits, the string ``NOT_A_DIGIT`` for the reject class.
"""

from __future__ import annotations

from typing import Any

DIGITS: list[int] = list(range(10))
NOT_A_DIGIT = "not-a-digit"
LABELS: list[int | str] = [*DIGITS, NOT_A_DIGIT]


def reject_index(labels: list[Any]) -> int | None:
    """The column of the "not a digit" class in ``labels``, or None when there is none."""
    return labels.index(NOT_A_DIGIT) if NOT_A_DIGIT in labels else None


def is_valid(labels: Any) -> bool:
    """``labels`` is the digits 0-9 (ints, not floats or bools), optionally followed by
    ``NOT_A_DIGIT``."""
    return (isinstance(labels, list) and labels in (DIGITS, LABELS)
            and all(type(x) is int for x in labels[:10]))
