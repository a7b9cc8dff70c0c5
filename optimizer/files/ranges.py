"""The one check of every number ltvcac takes in: table cells, options, scenario keys, path and event
tables, transactions and histories.

A number is good when it is finite (no NaN, no infinity) and within the range its meaning allows;
:class:`Allowed` states that range once, and says it in words for the message. The same range checks
one value (:meth:`Allowed.fault`), a column (:meth:`Allowed.bad`) or a column inside DuckDB
(:meth:`Allowed.sql`), so a cell means the same whichever reader meets it.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np

LARGEST = 1e15  # no amount, count or value is larger: beyond it sums of money lose their cents
SMALLEST = 1e-9  # nor, unless it is 0, smaller: a ratio of two (a CAC, a change in %) then stays finite, where
# 1 / 5e-324 is infinite


@dataclass(frozen=True)
class Allowed:
    """The finite numbers within [low, high] (an end excluded when it is open), whole ones only if asked."""

    low: float = -LARGEST
    high: float = LARGEST
    low_open: bool = False
    high_open: bool = False
    whole: bool = False
    words: str = ""  # the range as a reader says it, such as "0 or more"; derived from the ends when empty

    def __str__(self) -> str:
        if self.words:
            return self.words
        kind = "a whole number" if self.whole else "a number"
        left, right = "(" if self.low_open else "[", ")" if self.high_open else "]"
        return f"{kind} in {left}{self.low:g}, {self.high:g}{right}"

    def fault(self, value: object) -> str | None:
        """What is wrong with ``value`` ("is not a number", "must be 0 or more"), or None when it is good."""
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            return f"is not a number; it must be {self}"
        if not math.isfinite(value):
            return f"is not a finite number; it must be {self}"
        if bool(self.bad(np.array([float(value)]))[0]):
            return f"must be {self}"
        return None

    def bad(self, values) -> np.ndarray:
        """Where ``values`` (an array or Series of floats) are NaN, infinite or outside the range."""
        x = np.asarray(values, dtype=float)
        with np.errstate(invalid="ignore"):
            out = ~np.isfinite(x) | (x <= self.low if self.low_open else x < self.low)
            out |= x >= self.high if self.high_open else x > self.high
            if self.whole:
                out |= np.isfinite(x) & (x != np.round(x))
        return out

    def sql(self, column: str) -> str:
        """A DuckDB condition, true where ``column`` is NULL, NaN, infinite or outside the range."""
        low, high = ">" if self.low_open else ">=", "<" if self.high_open else "<="
        whole = f" OR {column} <> round({column})" if self.whole else ""
        return (f"({column} IS NULL OR NOT isfinite({column}) OR NOT ({column} {low} {self.low!r} AND "
                f"{column} {high} {self.high!r}){whole})")


def check_number(name: str, value: object, allowed: Allowed, parameter: bool = True) -> str | None:
    """A message naming the number, the range and the value; None when the value is good (or None).

    A ``parameter`` is named in backquotes, which the command line shows as its flag; a key of a file
    (``parameter=False``) is named as it is written there.
    """
    if value is None or allowed.fault(value) is None:
        return None
    shown = f"{value:g}" if isinstance(value, float) else repr(value)
    return f"{f'`{name}`' if parameter else name} must be {allowed} (got {shown})"


AMOUNT = Allowed(0.0, LARGEST, words=f"0 or more (and at most {LARGEST:g})")
POSITIVE = Allowed(0.0, LARGEST, low_open=True, words=f"above 0 (and at most {LARGEST:g})")
SIGNED = Allowed(-LARGEST, LARGEST, words=f"a number between {-LARGEST:g} and {LARGEST:g}")
SHARE = Allowed(0.0, 1.0, words="a share from 0 to 1, such as 0.4 for 40 %")
