"""The one segment model of a program, for LPs and MILPs alike, built as arrays.

A channel's spend runs from the start of its curve through a chain of steps, one per segment
between breakpoints; each step buys customers at that segment's slope, so the piecewise model is
exact at the breakpoints and below a concave curve between them. Concave curves need nothing
more: an optimal LP fills their steepest steps first. The mixed-integer model adds, per channel,
an on/off binary where the channel may stay off (a buy-in, or an active-channel limit) and, where
slopes still rise (an S-curve's convex start), binaries that fill those steps in order, the last of
which gates every later step.

Names follow the user's words: ``spend_<channel>``, ``<channel>_step<k>``, ``on_<channel>``, rows
``curve_<channel>``, ``switch_<channel>``, ``budget``, ``min_ratio``, ``max_active`` and the rules'.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from optimizer.model.program import LinearObjective, Program, Sense


@dataclass(frozen=True)
class SegmentModel:
    """maximize cost @ v + constant subject to row_lower <= A v <= row_upper, lower <= v <= upper.

    ``A`` is held as triplets (row, column, value); ``spend`` is each channel's spend column,
    ``rows`` the program's rows by name and ``blocks`` its row blocks' rows by block name (their duals
    certify and explain the plan). Names are made when read (an LP file), not when the model is built.
    """

    title: str
    lower: np.ndarray
    upper: np.ndarray
    cost: np.ndarray
    integer: np.ndarray
    constant: float
    a_row: np.ndarray
    a_col: np.ndarray
    a_value: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    spend: np.ndarray
    rows: dict[str, int]
    names: Callable[[], tuple[tuple[str, ...], tuple[str | None, ...]]]
    blocks: dict[str, np.ndarray] = field(default_factory=dict)
    start: np.ndarray | None = None  # every column's value at a known plan (a mixed-integer model's start)
    switch: np.ndarray | None = None  # each channel's on/off column (-1: none)

    @functools.cached_property
    def _names(self) -> tuple[tuple[str, ...], tuple[str | None, ...]]:
        return self.names()

    @property
    def column_names(self) -> tuple[str, ...]:
        return self._names[0]

    @property
    def row_names(self) -> tuple[str | None, ...]:
        return self._names[1]

    @property
    def is_mip(self) -> bool:
        return bool(self.integer.any())

    def csr(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The row-wise (start, index, value) arrays of ``A``."""
        order = np.lexsort((self.a_col, self.a_row))
        row, col, value = self.a_row[order], self.a_col[order], self.a_value[order]
        new = np.ones(len(row), bool)
        new[1:] = (row[1:] != row[:-1]) | (col[1:] != col[:-1])
        if not new.all():  # repeated (row, column) terms add up
            value = np.add.reduceat(value, np.flatnonzero(new))
            row, col = row[new], col[new]
        start = np.searchsorted(row, np.arange(len(self.row_lower) + 1))
        return start, col, value


class _Builder:
    """Columns and rows appended in blocks; names kept beside them."""

    def __init__(self):
        self.cols: list[tuple] = []  # (lower, upper, cost, integer, names: a callable giving them)
        self.ncol = 0
        self.entries: list[tuple] = []  # (rows, cols, values)
        self.bounds: list[tuple] = []  # (lower, upper, names: a callable giving them)
        self.nrow = 0

    def columns(self, lower, upper, cost, integer: bool, count: int, names: Callable[[], list[str]]) -> np.ndarray:
        self.cols.append((np.broadcast_to(lower, count), np.broadcast_to(upper, count),
                          np.broadcast_to(cost, count), np.full(count, integer), names))
        self.ncol += count
        return np.arange(self.ncol - count, self.ncol)

    def rows(self, lower, upper, count: int, names: Callable[[], list[str | None]] | None = None) -> np.ndarray:
        self.bounds.append((np.broadcast_to(lower, count), np.broadcast_to(upper, count),
                            names or (lambda: [None] * count)))
        self.nrow += count
        return np.arange(self.nrow - count, self.nrow)

    def terms(self, rows, cols, values) -> None:
        rows, cols, values = np.broadcast_arrays(np.asarray(rows), np.asarray(cols), np.asarray(values, float))
        keep = values != 0
        self.entries.append((rows[keep].ravel(), cols[keep].ravel(), values[keep].ravel()))


def build(program: Program, objective: LinearObjective, points, integer: bool = False,
          start: np.ndarray | None = None, optional: np.ndarray | None = None,
          plan: np.ndarray | None = None, values: list[np.ndarray] | None = None) -> SegmentModel:
    """The segment model over ``points`` (each channel's breakpoints, from ``start`` to its ceiling: a list
    of arrays, or a :class:`~optimizer.solve.breakpoints.Grid`).

    Without ``integer`` the model is the LP of concave curves: spend in [lo, hi], starting at lo.
    With it, curves start at ``start`` (a buy-in or the floor), a channel that is ``optional`` (it may
    stay off) or counts toward ``max_active`` gets an on/off binary, on for good where its floor is
    above 0, and non-concave step chains are filled in order. ``plan`` (a spend per channel, one of the
    breakpoints, such as the last round's) gives the model's ``start``: every column's value at that plan.
    ``values`` (customers at each point) replaces the curves' own: a piecewise curve above them, say.
    """
    n, names = len(program.names), program.names
    base = program.lo if start is None else start
    if hasattr(points, "flat"):  # a Grid: every channel's points in one array
        flat, counts = points.flat, np.asarray(points.counts) - 1
    else:
        counts = np.array([len(p) - 1 for p in points], dtype=np.int64)
        flat = np.concatenate(points) if n else np.zeros(0)
    owner = np.repeat(np.arange(n), counts + 1)
    customers = program.curves.subset(owner).customers(flat) if values is None else np.concatenate(values)
    first = np.concatenate([[0], np.cumsum(counts + 1)[:-1]]).astype(int)
    c0 = customers[first]
    seg = np.ones(len(flat), bool)
    seg[np.cumsum(counts + 1) - 1] = False  # the last point of each channel starts no segment
    widths = np.diff(flat)[seg[:-1]] if len(flat) > 1 else np.zeros(0)
    rises = np.diff(customers)[seg[:-1]] if len(flat) > 1 else np.zeros(0)
    with np.errstate(divide="ignore", invalid="ignore"):
        slopes = np.where(widths > 0, rises / widths, 0.0)
    seg_owner = np.repeat(np.arange(n), counts)
    alpha, beta = objective.alpha.astype(float), objective.beta.astype(float)

    on = np.zeros(n, bool)
    ordered = np.zeros(n, bool)
    if integer:
        on = np.zeros(n, bool) if optional is None else optional.copy()
        if program.max_active is not None:
            on |= program.hi > 0
        ordered = _rising(slopes, seg_owner, n) & (counts > 1)

    b = _Builder()
    spend = b.columns(0.0 if integer else program.lo, program.hi, -beta, False, n,
                      lambda: [f"spend_{m}" for m in names])
    switch = np.full(n, -1)
    if on.any():
        idx = np.flatnonzero(on)
        switch[idx] = b.columns(np.where(program.lo[idx] > 0, 1.0, 0.0), 1.0, alpha[idx] * c0[idx], True, len(idx),
                                lambda: [f"on_{names[i]}" for i in idx])
    steps = b.columns(0.0, widths, alpha[seg_owner] * slopes, False, int(counts.sum()),
                      lambda: [f"{names[i]}_step{j + 1}" for i in range(n) for j in range(counts[i])])
    seg_first = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(int)

    if on.any():  # spend <= hi * on, each step <= its width * on
        idx = np.flatnonzero(on)
        rows = b.rows(-np.inf, 0.0, len(idx), lambda: [f"switch_{names[i]}" for i in idx])
        b.terms(rows, spend[idx], 1.0)
        b.terms(rows, switch[idx], -program.hi[idx])
        gated = np.flatnonzero(on[seg_owner])
        rows = b.rows(-np.inf, 0.0, len(gated))
        b.terms(rows, steps[gated], 1.0)
        b.terms(rows, switch[seg_owner[gated]], -widths[gated])

    linked = np.flatnonzero((counts > 0) | integer)  # spend - steps (- start * on) = start
    rows = b.rows(np.where(on[linked], 0.0, base[linked]), np.where(on[linked], 0.0, base[linked]), len(linked),
                  lambda: [f"curve_{names[i]}" for i in linked])
    row_of = np.full(n, -1)
    row_of[linked] = rows
    b.terms(rows, spend[linked], 1.0)
    b.terms(row_of[seg_owner], steps, -1.0)
    b.terms(row_of[on], switch[on], -base[on])

    full, pairs = _fill_in_order(b, names, ordered, counts, seg_first, steps, widths, slopes) if ordered.any() \
        else (np.zeros(0, np.int64), np.zeros(0, np.int64))

    constant = float(objective.constant + (alpha * c0)[~on].sum())
    user = {}
    for row in program.rows:
        offset = float(row.p[~on] @ c0[~on])
        lower, upper = _row_bounds(row.sense, row.rhs - offset)
        r = b.rows(lower, upper, 1, lambda name=row.name: [name])[0]
        user[row.name] = int(r)
        b.terms(r, spend, row.q)
        b.terms(r, steps, row.p[seg_owner] * slopes)
        b.terms(r, switch[on], row.p[on] * c0[on])
    blocks = {blk.name: _block_rows(b, blk, spend, steps, switch, on, c0, counts, seg_first, slopes)
              for blk in program.blocks}
    if integer and program.max_active is not None and on.any():
        r = b.rows(-np.inf, float(program.max_active), 1, lambda: ["max_active"])[0]
        b.terms(r, switch[on], 1.0)
    active = _active_rows(b, program.active, spend, names) if integer and program.active is not None else None
    values = None
    if plan is not None:  # steps filled in order up to the plan; a binary is on where its steps are
        values = np.zeros(b.ncol)
        values[spend] = plan
        values[steps] = np.clip(plan[seg_owner] - flat[seg], 0.0, widths)
        values[switch[on]] = (plan[on] > 0) | (program.lo[on] > 0)
        values[full] = values[steps[pairs]] >= widths[pairs]
        if active is not None:
            values[active] = plan[program.active.cell] >= program.active.level
    return _assemble(b, program, spend, constant, user, blocks, values, switch)


def _block_rows(b: _Builder, blk, spend, steps, switch, on, c0, counts, seg_first, slopes) -> np.ndarray:
    """A row block's rows: spend terms, and customer terms on every step of the cells it touches."""
    offset = np.zeros(len(blk))
    if blk.has_customers:
        plain = ~on[blk.cell]
        offset = np.bincount(blk.row[plain], blk.p[plain] * c0[blk.cell[plain]], minlength=len(blk))
    rows = b.rows(blk.lower - offset, blk.upper - offset, len(blk), lambda: list(blk.labels))
    b.terms(rows[blk.row], spend[blk.cell], blk.q)
    if blk.has_customers:
        k = np.flatnonzero(blk.p)
        reps = counts[blk.cell[k]]
        entry = np.repeat(k, reps)
        within = np.arange(reps.sum()) - np.repeat(np.cumsum(reps) - reps, reps)
        seg = seg_first[blk.cell[entry]] + within
        b.terms(rows[blk.row[entry]], steps[seg], blk.p[entry] * slopes[seg])
        gated = k[on[blk.cell[k]]]
        b.terms(rows[blk.row[gated]], switch[blk.cell[gated]], blk.p[gated] * c0[blk.cell[gated]])
    return rows


def _active_rows(b: _Builder, sets, spend, names) -> np.ndarray:
    """An indicator binary per cell of each set: spend >= level * active; each set's add up to its least."""
    active = b.columns(0.0, 1.0, 0.0, True, len(sets.cell), lambda: [f"active_{names[i]}" for i in sets.cell])
    rows = b.rows(0.0, np.inf, len(sets.cell))
    b.terms(rows, spend[sets.cell], 1.0)
    b.terms(rows, active, -sets.level)
    rows = b.rows(sets.least.astype(float), np.inf, len(sets), lambda: [f"min_active_{k + 1}"
                                                                        for k in range(len(sets))])
    b.terms(rows[sets.group], active, 1.0)
    return active


def _rising(slopes: np.ndarray, owner: np.ndarray, n: int) -> np.ndarray:
    """Channels where some later slope beats an earlier one (the LP would skip ahead)."""
    if len(slopes) < 2:
        return np.zeros(n, bool)
    same = owner[1:] == owner[:-1]
    scale = np.zeros(n)
    np.maximum.at(scale, owner, np.abs(slopes))
    up = same & (np.diff(slopes) > 1e-12 * np.maximum(scale[owner[1:]], 1e-300))
    out = np.zeros(n, bool)
    out[owner[1:][up]] = True
    return out


def _fill_in_order(b: _Builder, names, ordered, counts, seg_first, steps, widths, slopes
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Binaries only where a curve's slopes still rise (an S-curve's convex start, up to its steepest step):
    full_k says step k is full, and step k+1 may fill only then. The steps past the steepest one are
    gated by the last of them, so none fills before the whole convex start is full (their slopes fall,
    but still beat the flat start); among themselves they fill in order anyway, as on a concave curve.
    Returns the binaries' columns and the steps they say are full."""
    which = np.flatnonzero(ordered)
    peak = np.array([int(np.argmax(slopes[seg_first[i]:seg_first[i] + counts[i]])) for i in which], np.int64)
    which, peak = which[peak > 0], peak[peak > 0]
    if not len(which):
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    pairs = np.concatenate([seg_first[i] + np.arange(k) for i, k in zip(which, peak, strict=True)])
    full = b.columns(0.0, 1.0, 0.0, True, len(pairs), lambda: [
        f"{names[i]}_full{j + 1}" for i, k in zip(which, peak, strict=True) for j in range(k)])
    rows = b.rows(0.0, np.inf, len(pairs))  # step_k - width_k * full_k >= 0
    b.terms(rows, steps[pairs], 1.0)
    b.terms(rows, full, -widths[pairs])
    rows = b.rows(-np.inf, 0.0, len(pairs))  # step_k+1 - width_k+1 * full_k <= 0
    b.terms(rows, steps[pairs + 1], 1.0)
    b.terms(rows, full, -widths[pairs + 1])
    last = full[np.cumsum(peak) - 1]  # each curve's gate: its convex start is full
    later = [seg_first[i] + np.arange(k + 1, counts[i]) for i, k in zip(which, peak, strict=True)]
    gate = np.repeat(last, [len(g) for g in later])
    later = np.concatenate(later)
    rows = b.rows(-np.inf, 0.0, len(later))  # step_j - width_j * gate <= 0, for the steps past the steepest
    b.terms(rows, steps[later], 1.0)
    b.terms(rows, gate, -widths[later])
    return full, pairs


def _row_bounds(sense: Sense, rhs: float) -> tuple[float, float]:
    if sense == Sense.le:
        return -np.inf, rhs
    if sense == Sense.ge:
        return rhs, np.inf
    return rhs, rhs


def _assemble(b: _Builder, program: Program, spend: np.ndarray, constant: float, user: dict[str, int],
              blocks: dict[str, np.ndarray], values: np.ndarray | None = None,
              switch: np.ndarray | None = None) -> SegmentModel:
    lower, upper, cost, integer = [np.concatenate([c[k] for c in b.cols]) if b.cols else np.zeros(0)
                                   for k in range(4)]
    cat = [np.concatenate(x) if x else np.zeros(0) for x in zip(*b.entries, strict=True)] if b.entries else [
        np.zeros(0)] * 3
    row_lower = np.concatenate([r[0] for r in b.bounds]) if b.bounds else np.zeros(0)
    row_upper = np.concatenate([r[1] for r in b.bounds]) if b.bounds else np.zeros(0)
    cols, bounds = b.cols, b.bounds

    def names() -> tuple[tuple[str, ...], tuple[str | None, ...]]:
        return (tuple(name for c in cols for name in c[4]()), tuple(name for r in bounds for name in r[2]()))

    return SegmentModel(program.title, lower.astype(float), upper.astype(float), cost.astype(float),
                        integer.astype(bool), constant, cat[0].astype(np.int64), cat[1].astype(np.int64),
                        cat[2].astype(float), row_lower.astype(float), row_upper.astype(float), spend, user, names,
                        blocks, values, switch)
