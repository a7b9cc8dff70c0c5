"""Attribution models over aggregated paths: heuristics, exact Markov removal effects, exact Shapley.

Every model returns attributed conversions and value per channel; heuristic credit sums to the
totals exactly.

- Markov (order k = 1..4): states are the last k channels of a journey (fewer at its start);
  transition probabilities are the observed shares. P(conversion) is the chain's absorption
  probability, solved as a sparse linear system, not simulated (a direct solve up to 3000 states;
  above, where factorizing fills in badly, BiCGSTAB to a checked residual of 1e-13). Removing channel c sends
  every transition into a state that contains c to the null state. Removal effect
  RE_c = 1 - P(conversion | c removed) / P(conversion); conversions are shared out in proportion
  to the removal effects.
- Markov value: each conversion's value is tied to the state it converts from, so a transition
  s -> conversion pays the mean value of the conversions observed from s. V = the expected value
  absorbed from the start (the same sparse solve with those payments as right-hand side); the
  value removal effect is 1 - V(c removed) / V, and value is shared out in proportion to those.
  Channels whose converting journeys carry more value get more of it. This is the quantity
  ChannelAttribution estimates by simulation (a simulated conversion draws a value observed from
  the state it converts from), computed exactly.
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
        effects, value_effects = removal_effects(paths, order, value=True)
        conv = _shares(effects) * paths.conversions.sum()
        value = _shares(value_effects) * paths.value.sum()
    elif model == "shapley":
        conv, value = shapley(paths, paths.conversions), shapley(paths, paths.value)
    else:
        raise UsageError(f"unknown model {model!r}; choose one of {', '.join(m.value for m in MODELS)} "
                         "(time_decay needs an event log)")
    return pd.DataFrame({"channel": paths.channels, "conversions": conv, "value": value})


def _shares(effects: np.ndarray) -> np.ndarray:
    total = effects.sum()
    return effects / total if total > 0 else np.zeros_like(effects)


def heuristic_shares(paths: Paths, model: str, weights=(0.4, 0.2, 0.4)) -> np.ndarray:
    """Each position's share of its journey's credit."""
    length = np.repeat(paths.lengths, paths.lengths)
    place = paths.place()
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
    share = w_middle / np.maximum(length - 2, 1)
    share[first] = np.where(length[first] == 2, w_first / ends, w_first)
    share[last] = np.where(length[last] == 2, w_last / ends, w_last)
    share[length == 1] = 1.0
    return share


def removal_effects(paths: Paths, order: int = 1, value: bool = False):
    """Exact Markov removal effect of every channel, for a chain of the given order.

    With ``value``, also the value removal effects: (conversion effects, value effects).
    """
    if order not in (1, 2, 3, 4):
        raise UsageError(f"the Markov order must be 1 to 4 (got {order})")
    chain = _Chain(paths, order)
    base = chain.absorbed(np.ones(chain.states, bool))
    if base[0] <= 0:
        raise UsageError("no journey converts, so there is nothing to attribute")
    kept = np.array([chain.absorbed(~chain.contains[c]) for c in range(len(paths.channels))]).reshape(-1, 2)
    effects = np.clip(1 - kept[:, 0] / base[0], 0.0, None)
    if not value:
        return effects
    value_effects = np.clip(1 - kept[:, 1] / base[1], 0.0, None) if base[1] > 0 else np.zeros_like(effects)
    return effects, value_effects


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
    value = np.bincount(paths.masks().astype(np.int64), weights, minlength=1 << n).astype(float)
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
        place = paths.place()
        code = paths.flat.astype(np.int64) + 1
        for lag in range(1, order):  # code the last `order` channels, 0 for "before the journey"
            shifted = np.zeros_like(code)
            shifted[lag:] = paths.flat[:-lag] + 1
            shifted[place < lag] = 0
            code = code + shifted * base**lag
        codes, state = _dense_codes(code, base**order)
        self.states = len(codes) + 1  # state 0 is the start
        self.state_tuples = [self._decode(c, order, base) for c in codes]
        self.contains = np.zeros((n, self.states), bool)
        for s, t in enumerate(self.state_tuples, start=1):
            self.contains[list(t), s] = True
        w = np.repeat(paths.conversions + paths.nulls, paths.lengths)
        src = np.empty_like(state)
        src[0], src[1:] = 0, state[:-1]
        src[place == 0] = 0
        self.counts = _transition_counts(src, state, w, self.states)
        last = paths.offsets[1:] - 1
        self.to_conversion = np.bincount(state[last], paths.conversions, self.states)
        self.to_value = np.bincount(state[last], paths.value, self.states)
        self.to_null = np.bincount(state[last], paths.nulls, self.states)
        totals = np.asarray(self.counts.sum(axis=1)).ravel() + self.to_conversion + self.to_null
        self.inverse = np.divide(1.0, totals, out=np.zeros_like(totals), where=totals > 0)

    def absorbed(self, keep: np.ndarray) -> np.ndarray:
        """P(conversion) and the expected conversion value from the start, with only ``keep`` states live."""
        keep = keep.copy()
        keep[0] = True
        idx = np.flatnonzero(keep)
        q = sp.diags(self.inverse[idx]) @ self.counts[idx][:, idx]
        rhs = np.column_stack([self.to_conversion[idx], self.to_value[idx]]) * self.inverse[idx, None]
        return _solve((sp.identity(len(idx), format="csr") - q).tocsr(), rhs)[0]

    @staticmethod
    def _decode(code: int, order: int, base: int) -> tuple[int, ...]:
        digits = []
        for _ in range(order):
            code, d = divmod(int(code), base)
            digits.append(d)
        return tuple(d - 1 for d in reversed(digits) if d > 0)  # oldest first


DIRECT_STATES = 3000  # above this, a direct factorization of I - Q fills in badly (minutes at order 4)


def _solve(a: sp.csr_matrix, rhs: np.ndarray) -> np.ndarray:
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


def _dense_codes(code: np.ndarray, bound: int) -> tuple[np.ndarray, np.ndarray]:
    """The distinct values of ``code`` (all below ``bound``), sorted, and each entry's index among them plus 1."""
    if bound <= 1 << 24:  # a table lookup is linear; sorting ten million codes is not
        seen = np.bincount(code, minlength=bound) > 0
        codes = np.flatnonzero(seen)
        index = np.cumsum(seen) * seen
        return codes, index[code]
    codes, inverse = np.unique(code, return_inverse=True)
    return codes, inverse.ravel() + 1


def _transition_counts(src: np.ndarray, dst: np.ndarray, w: np.ndarray, states: int) -> sp.csr_matrix:
    """Weighted transition counts between states as a sparse matrix, summed by integer keys."""
    key = src * states + dst
    if states * states <= 1 << 24:
        total = np.bincount(key, w, states * states)
        keys = np.flatnonzero(total)
        values = total[keys]
    else:
        keys, inverse = np.unique(key, return_inverse=True)
        values = np.bincount(inverse.ravel(), w, len(keys))
    return sp.csr_matrix((values, (keys // states, keys % states)), shape=(states, states))
