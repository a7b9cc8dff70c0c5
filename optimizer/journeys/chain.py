"""The Markov chain of a path set, tallied block by block, and the sparse solve for what it absorbs.

A state is the last ``order`` channels of a journey (fewer at its start); state 0 is the start. A
state is coded by its channels as digits (channel + 1) in base channels + 1, the newest digit
lowest, and the codes seen are numbered 1, 2, ... in sorted order.

A transition is keyed by its source state and the channel it adds, not by its two states: the
target follows from those two (drop the source's oldest channel, add the new one), and there are
at most states x channels such keys (25 thousand at order 3 with 12 channels), so one small
``bincount`` per block tallies them, where keys of two states would need a table of states
squared. The touches are taken in blocks of whole paths (:func:`optimizer.journeys.paths.touch_blocks`),
so no array as long as all touches is made.
"""

from __future__ import annotations

import numpy as np

from optimizer.journeys.paths import Paths, touch_blocks

TABLE = 1 << 24  # up to this many codes or keys, a lookup table; above, sorting
DIRECT_STATES = 3000  # above this, a direct factorization of I - Q fills in badly (minutes at order 4)


class Chain:
    """Transition counts between states, and the conversions, value and nulls absorbed from each state."""

    def __init__(self, paths: Paths, order: int):
        n, base = len(paths.channels), len(paths.channels) + 1
        self.codes = _seen_codes(paths, order, base)
        self.states = len(self.codes) + 1
        self.contains = np.zeros((n, self.states), bool)  # channel c is among state s's channels
        for k in range(order):
            digit = self.codes // base**k % base
            self.contains[digit[digit > 0] - 1, np.flatnonzero(digit > 0) + 1] = True
        number = _numbering(self.codes, base**order)
        keys = _Tally(self.states * n)
        ends = np.zeros((3, self.states))
        weight, lengths, offsets = paths.conversions + paths.nulls, paths.lengths, paths.offsets
        for a, b, touches, place in touch_blocks(offsets, paths.flat, place=order > 1):
            state = number(_state_codes(touches, place, order, base))
            source = np.empty_like(state)
            source[1:] = state[:-1]
            source[offsets[a:b] - offsets[a]] = 0  # a path's first touch comes from the start
            keys.add(source * n + touches, np.repeat(weight[a:b], lengths[a:b]))
            last = state[offsets[a + 1:b + 1] - offsets[a] - 1]
            for row, amounts in enumerate((paths.conversions, paths.value, paths.nulls)):
                ends[row] += np.bincount(last, amounts[a:b], self.states)
        key, self.weights = keys.totals()
        self.source, added = key // max(n, 1), key % max(n, 1)
        before = np.concatenate([[0], self.codes])[self.source]  # the source state's code (0: the start)
        self.target = number((before * base + added + 1) % base**order)  # oldest channel out, the new one in
        self.to_conversion, self.to_value, self.to_null = ends
        out = np.bincount(self.source, self.weights, self.states) + self.to_conversion + self.to_null
        self.inverse = np.divide(1.0, out, out=np.zeros_like(out), where=out > 0)

    def last_channels(self) -> np.ndarray:
        """Each state's newest channel (state 0, the start, has none: -1)."""
        return np.concatenate([[-1], self.codes % (len(self.contains) + 1) - 1])

    def counts(self) -> np.ndarray:
        """The transition counts as a dense states x states array."""
        full = np.zeros((self.states, self.states))
        np.add.at(full, (self.source, self.target), self.weights)
        return full

    def absorbed(self, keep: np.ndarray) -> np.ndarray:
        """P(conversion) and the expected conversion value from the start, with only ``keep`` states live."""
        import scipy.sparse as sp  # heuristics and the command line start without it

        keep = keep.copy()
        keep[0] = True
        number = np.cumsum(keep) - 1
        live = keep[self.source] & keep[self.target]
        rows, cols = number[self.source[live]], number[self.target[live]]
        idx = np.flatnonzero(keep)
        q = sp.csr_matrix((self.weights[live] * self.inverse[self.source[live]], (rows, cols)),
                          shape=(len(idx), len(idx)))
        rhs = np.column_stack([self.to_conversion[idx], self.to_value[idx]]) * self.inverse[idx, None]
        return _solve((sp.identity(len(idx), format="csr") - q).tocsr(), rhs)[0]


def _state_codes(touches: np.ndarray, place: np.ndarray | None, order: int, base: int) -> np.ndarray:
    """Each touch's state code: its channel and the ``order - 1`` before it in its path, newest lowest
    (``place``, each touch's place in its path, is needed from order 2)."""
    code = touches.astype(np.int64) + 1
    for lag in range(1, order):
        older = np.zeros_like(code)
        older[lag:] = touches[:len(touches) - lag] + 1
        older[place < lag] = 0
        code += older * base**lag
    return code


def _seen_codes(paths: Paths, order: int, base: int) -> np.ndarray:
    """The state codes that occur, sorted."""
    if order == 1:  # a state is a channel: those touched at least once
        return np.flatnonzero(np.bincount(paths.flat, minlength=base - 1) > 0) + 1
    if base**order <= TABLE:
        seen = np.zeros(base**order, dtype=bool)
        for _, _, touches, place in touch_blocks(paths.offsets, paths.flat):
            seen[_state_codes(touches, place, order, base)] = True
        return np.flatnonzero(seen)
    found = [np.unique(_state_codes(t, p, order, base)) for _, _, t, p in touch_blocks(paths.offsets, paths.flat)]
    return np.unique(np.concatenate(found)) if found else np.zeros(0, dtype=np.int64)


def _numbering(codes: np.ndarray, bound: int):
    """A function from state codes to state numbers 1, 2, ... (by a table when ``bound`` is small)."""
    if bound <= TABLE:
        table = np.zeros(bound, dtype=np.int64)
        table[codes] = np.arange(1, len(codes) + 1)
        return lambda code: table[code]
    return lambda code: np.searchsorted(codes, code) + 1


class _Tally:
    """Transition weights summed by key (source state x channel added) over blocks: a table for a small key
    range, sorting for a large one."""

    def __init__(self, size: int):
        self.size = size
        self.table = np.zeros(size) if size <= TABLE else None
        self.parts: list[tuple[np.ndarray, np.ndarray]] = []

    def add(self, key: np.ndarray, weight: np.ndarray) -> None:
        if self.table is not None:
            self.table += np.bincount(key, weight, self.size)
            return
        distinct, inverse = np.unique(key, return_inverse=True)
        self.parts.append((distinct, np.bincount(inverse.ravel(), weight, len(distinct))))

    def totals(self) -> tuple[np.ndarray, np.ndarray]:
        """The keys with a weight above 0 (sorted) and their weights."""
        if self.table is None:
            if not self.parts:
                return np.zeros(0, dtype=np.int64), np.zeros(0)
            distinct, inverse = np.unique(np.concatenate([k for k, _ in self.parts]), return_inverse=True)
            total = np.bincount(inverse.ravel(), np.concatenate([w for _, w in self.parts]), len(distinct))
            kept = np.flatnonzero(total)
            return distinct[kept], total[kept]
        kept = np.flatnonzero(self.table)
        return kept, self.table[kept]


def _solve(a, rhs: np.ndarray) -> np.ndarray:
    """Solve ``a x = rhs`` (two columns): a direct sparse solve for small chains; for large ones BiCGSTAB to
    a relative residual of 1e-13, checked, with the direct solve as the fallback."""
    from scipy.sparse.linalg import bicgstab, spsolve  # the command line starts without it

    if a.shape[0] > DIRECT_STATES:
        columns = []
        for b in rhs.T:
            x, info = bicgstab(a, b, rtol=1e-13, atol=0.0, maxiter=10 * a.shape[0])
            if info != 0 or np.linalg.norm(a @ x - b) > 1e-10 * max(np.linalg.norm(b), 1e-300):
                break
            columns.append(x)
        else:
            return np.column_stack(columns)
    return np.asarray(spsolve(a.tocsc(), rhs)).reshape(rhs.shape)
