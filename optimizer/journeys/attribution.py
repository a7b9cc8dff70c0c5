"""Attribution models over aggregated paths: heuristics, exact Markov removal effects, exact Shapley.

Every model returns attributed conversions and value per channel; heuristic credit sums to the
totals exactly.

- Markov (order k = 1..4): states are the last k channels of a journey (fewer at its start);
  transition probabilities are the observed shares. P(conversion) is the chain's absorption
  probability, solved exactly as a sparse linear system, not simulated. Removing channel c sends
  every transition into a state that contains c to the null state. Removal effect
  RE_c = 1 - P(conversion | c removed) / P(conversion); conversions and value are shared out in
  proportion to the removal effects.
- Shapley: the coalition value of a set S of channels is the conversions (or value) of the
  journeys whose channels all lie in S. Shapley values are computed exactly over all subsets for
  up to 20 channels; for this coalition value they equal splitting each journey's conversions
  equally among its distinct channels, which is used above 20 channels (and checked in tests).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.linalg import spsolve

from optimizer.errors import UsageError
from optimizer.journeys.paths import Paths
from optimizer.model.choices import HEURISTICS, AttributionModel

MODELS = (*HEURISTICS, AttributionModel.markov, AttributionModel.shapley)  # those that need no timestamps


def attribute(paths: Paths, model: str, order: int = 1, weights: tuple[float, float, float] = (0.4, 0.2, 0.4)
              ) -> pd.DataFrame:
    """Attributed conversions and value per channel (columns channel, conversions, value)."""
    if model in HEURISTICS:
        share = heuristic_shares(paths, model, weights)
        pos = paths.path_of_position()
        conv = np.bincount(paths.flat, share * paths.conversions[pos], len(paths.channels))
        value = np.bincount(paths.flat, share * paths.value[pos], len(paths.channels))
    elif model == "markov":
        effects = removal_effects(paths, order)
        share = effects / effects.sum() if effects.sum() > 0 else effects
        conv, value = share * paths.conversions.sum(), share * paths.value.sum()
    elif model == "shapley":
        conv, value = shapley(paths, paths.conversions), shapley(paths, paths.value)
    else:
        raise UsageError(f"unknown model {model!r}; choose one of {', '.join(m.value for m in MODELS)} "
                         "(time_decay needs an event log)")
    return pd.DataFrame({"channel": paths.channels, "conversions": conv, "value": value})


def heuristic_shares(paths: Paths, model: str, weights=(0.4, 0.2, 0.4)) -> np.ndarray:
    """Each position's share of its journey's credit."""
    length = paths.lengths[paths.path_of_position()]
    place = np.arange(len(paths.flat)) - np.repeat(paths.offsets[:-1], paths.lengths)
    first, last = place == 0, place == length - 1
    if model == "first_touch":
        return first.astype(float)
    if model == "last_touch":
        return last.astype(float)
    if model == "linear":
        return 1.0 / length
    w_first, w_middle, w_last = weights
    if min(weights) < 0 or not math.isclose(sum(weights), 1.0):
        raise UsageError("position-based weights must be three shares that add up to 1, such as 0.4,0.2,0.4")
    ends = w_first + w_last
    two = np.where(first, w_first / ends, w_last / ends)
    many = np.where(first, w_first, np.where(last, w_last, w_middle / np.maximum(length - 2, 1)))
    return np.where(length == 1, 1.0, np.where(length == 2, two, many))


def removal_effects(paths: Paths, order: int = 1) -> np.ndarray:
    """Exact Markov removal effect of every channel, for a chain of the given order."""
    if order not in (1, 2, 3, 4):
        raise UsageError(f"the Markov order must be 1 to 4 (got {order})")
    chain = _Chain(paths, order)
    base = chain.conversion_probability(np.ones(chain.states, bool))
    if base <= 0:
        raise UsageError("no journey converts, so there is nothing to attribute")
    effects = [1 - chain.conversion_probability(~chain.contains[c]) / base for c in range(len(paths.channels))]
    return np.clip(np.array(effects), 0.0, None)


def transition_matrix(paths: Paths) -> pd.DataFrame:
    """Order-1 transition probabilities with names, including (start), (conversion) and (null)."""
    chain = _Chain(paths, 1)
    names = ["(start)", *(paths.channels[s[-1]] for s in chain.state_tuples)]
    counts = chain.counts.toarray()
    to_conv, to_null = chain.to_conversion, chain.to_null
    full = np.column_stack([counts, to_conv, to_null])
    rows = full.sum(axis=1, keepdims=True)
    probs = np.divide(full, rows, out=np.zeros_like(full), where=rows > 0)
    return pd.DataFrame(probs, index=names, columns=[*names, "(conversion)", "(null)"]).drop(columns="(start)")


def shapley(paths: Paths, weights: np.ndarray) -> np.ndarray:
    """Exact Shapley values with coalition value = weight of the journeys inside the coalition."""
    n = len(paths.channels)
    if n > 20:
        return _equal_split(paths, weights)
    pos = paths.path_of_position()
    masks = np.zeros(len(paths), dtype=np.int64)
    np.bitwise_or.at(masks, pos, np.left_shift(1, paths.flat.astype(np.int64)))
    value = np.bincount(masks, weights, minlength=1 << n).astype(float)
    for i in range(n):  # zeta transform: value[S] = total weight of journeys with channel set within S
        bit = 1 << i
        has = (np.arange(1 << n) & bit) != 0
        value[has] += value[np.arange(1 << n)[has] ^ bit]
    size = np.array([bin(s).count("1") for s in range(1 << n)]) if n <= 16 else _popcount(1 << n)
    factor = np.array([math.factorial(k) * math.factorial(n - k - 1) / math.factorial(n) for k in range(n)])
    out = np.zeros(n)
    subsets = np.arange(1 << n)
    for i in range(n):
        without = subsets[(subsets >> i) & 1 == 0]
        out[i] = float(((value[without | (1 << i)] - value[without]) * factor[size[without]]).sum())
    return out


def _equal_split(paths: Paths, weights: np.ndarray) -> np.ndarray:
    path, channel = paths.distinct_touches()
    distinct = np.bincount(path, minlength=len(paths))
    return np.bincount(channel, weights[path] / distinct[path], len(paths.channels))


def _popcount(count: int) -> np.ndarray:
    x = np.arange(count, dtype=np.int64)
    out = np.zeros(count, dtype=np.int64)
    while x.any():
        out += x & 1
        x >>= 1
    return out


class _Chain:
    """The Markov chain of a path set: states are the last ``order`` channels (start = state 0)."""

    def __init__(self, paths: Paths, order: int):
        n, base = len(paths.channels), len(paths.channels) + 1
        pos = paths.path_of_position()
        place = np.arange(len(paths.flat)) - paths.offsets[pos]
        code = np.zeros(len(paths.flat), dtype=np.int64)
        for lag in range(order):  # code the last `order` channels, 0 for "before the journey"
            shifted = np.where(place >= lag, np.roll(paths.flat, lag) + 1, 0)
            code = code * base + shifted
        codes, state = np.unique(code, return_inverse=True)
        state = state + 1  # state 0 is the start
        self.states = len(codes) + 1
        self.state_tuples = [self._decode(c, order, base) for c in codes]
        self.contains = np.zeros((n, self.states), bool)
        for s, t in enumerate(self.state_tuples, start=1):
            self.contains[list(t), s] = True
        w = (paths.conversions + paths.nulls)[pos]
        start_of_path = place == 0
        src = np.where(start_of_path, 0, np.roll(state, 1))
        self.counts = sp.csr_matrix((w, (src, state)), shape=(self.states, self.states))
        last = paths.offsets[1:] - 1
        self.to_conversion = np.bincount(state[last], paths.conversions, self.states)
        self.to_null = np.bincount(state[last], paths.nulls, self.states)
        totals = np.asarray(self.counts.sum(axis=1)).ravel() + self.to_conversion + self.to_null
        self.inverse = np.divide(1.0, totals, out=np.zeros_like(totals), where=totals > 0)

    def conversion_probability(self, keep: np.ndarray) -> float:
        """Absorption probability into conversion from the start, with only ``keep`` states live."""
        keep = keep.copy()
        keep[0] = True
        idx = np.flatnonzero(keep)
        q = sp.diags(self.inverse[idx]) @ self.counts[idx][:, idx]
        r = self.to_conversion[idx] * self.inverse[idx]
        x = spsolve((sp.identity(len(idx), format="csc") - q).tocsc(), r)
        return float(np.atleast_1d(x)[0])

    @staticmethod
    def _decode(code: int, order: int, base: int) -> tuple[int, ...]:
        digits = []
        for _ in range(order):
            code, d = divmod(int(code), base)
            digits.append(d)
        return tuple(d - 1 for d in digits if d > 0)  # oldest first
