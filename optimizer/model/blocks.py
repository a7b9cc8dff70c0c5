"""Many linear rows over cells at once, held sparse: budgets per market, shares per period, flighting.

A :class:`RowBlock` is ``lower <= sum(p * customers + q * spend) <= upper`` for each of its rows, with
the terms as triplets (row, cell, q, p). A plan over 100 000 cells has hundreds of thousands of such
rows; a block builds, solves and explains them as arrays, never one Python object per row. Each row
keeps the words that describe it ("the budget of market NO"), for the plan's explanation and the
diagnosis.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class RowBlock:
    """Rows ``lower <= sum over entries (p * customers[cell] + q * spend[cell]) <= upper``.

    ``name`` is unique in a program (its duals are found under it); ``labels`` are the rows' LP names
    and ``texts`` their words. ``itemize`` says whether the plan lists each row (budgets) or only
    sums them up (thousands of flighting rows).
    """

    name: str
    row: np.ndarray
    cell: np.ndarray
    q: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    labels: tuple[str, ...]
    texts: tuple[str, ...]
    p: np.ndarray | None = None
    itemize: bool = True
    members: tuple[np.ndarray, ...] = field(default=())  # the cells each row is about (for "held by")

    def __len__(self) -> int:
        return len(self.lower)

    @property
    def has_customers(self) -> bool:
        return self.p is not None and bool(np.any(self.p))

    def activity(self, spend: np.ndarray, customers: np.ndarray | None = None) -> np.ndarray:
        """Each row's left-hand side at ``spend`` (and ``customers``)."""
        values = self.q * spend[self.cell]
        if self.has_customers and customers is not None:
            values = values + self.p * customers[self.cell]
        return np.bincount(self.row, values, minlength=len(self))

    def priced(self, duals: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Multipliers with the sign that keeps a Lagrangian bound valid, and the side each one prices.

        A row with only an upper side takes a multiplier of 0 or more, with only a lower side 0 or less;
        an equality or a range takes either sign, priced at the side its sign points to.
        """
        y = np.where(np.isinf(self.lower), np.maximum(duals, 0.0), duals)
        y = np.where(np.isinf(self.upper), np.minimum(y, 0.0), y)
        rhs = np.where(y > 0, self.upper, np.where(y < 0, self.lower, 0.0))
        return y, np.where(np.isfinite(rhs), rhs, 0.0)

    def scatter(self, y: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
        """sum over rows of y * p and of y * q, per cell."""
        yq = np.bincount(self.cell, y[self.row] * self.q, minlength=n)
        yp = np.bincount(self.cell, y[self.row] * self.p, minlength=n) if self.has_customers else np.zeros(n)
        return yp, yq


def block(name: str, rows: list[tuple[np.ndarray, np.ndarray]], lower, upper, labels, texts,
          itemize: bool = True) -> RowBlock:
    """A block from per-row (cells, q) pairs (few rows; their cells at once)."""
    count = len(rows)
    row = np.concatenate([np.full(len(c), k) for k, (c, _) in enumerate(rows)]) if rows else np.zeros(0, int)
    cell = np.concatenate([c for c, _ in rows]) if rows else np.zeros(0, int)
    q = np.concatenate([np.broadcast_to(v, len(c)) for c, v in rows]) if rows else np.zeros(0)
    return RowBlock(name, row.astype(np.int64), cell.astype(np.int64), q.astype(float),
                    np.broadcast_to(np.asarray(lower, float), count).copy(),
                    np.broadcast_to(np.asarray(upper, float), count).copy(), tuple(labels), tuple(texts),
                    itemize=itemize, members=tuple(c for c, _ in rows))


@dataclass(frozen=True)
class ActiveSets:
    """Sets of cells of which at least ``least[k]`` must be active, a cell being active when it spends at
    least its ``level`` (a channel on air in at least 8 of 12 months, in each market). Each cell in a set
    gets an indicator binary: spend >= level * active, and the set's indicators add up to at least its least.
    """

    cell: np.ndarray  # the cells, set by set
    group: np.ndarray  # each entry's set
    level: np.ndarray  # each entry's least spend to count as active
    least: np.ndarray  # per set
    texts: tuple[str, ...]  # per set, in words ("'TV / NO' active in at least 8 periods")

    def __len__(self) -> int:
        return len(self.least)

    def active(self, spend: np.ndarray) -> np.ndarray:
        """How many of each set's cells are active at ``spend``."""
        on = spend[self.cell] >= self.level * (1 - 1e-9)
        return np.bincount(self.group, on, minlength=len(self)).astype(np.int64)
