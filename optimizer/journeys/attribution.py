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

from optimizer.errors import UsageError
from optimizer.journeys.chain import Chain
from optimizer.journeys.paths import Paths
from optimizer.model.choices import HEURISTICS, AttributionModel

MODELS = (*HEURISTICS, AttributionModel.markov, AttributionModel.shapley)  # those that need no timestamps


def attribute(paths: Paths, model: str, order: int = 1, weights: tuple[float, float, float] = (0.4, 0.2, 0.4)
              ) -> pd.DataFrame:
    """Attributed conversions and value per channel (columns channel, conversions, value)."""
    if model in HEURISTICS:
        conv, value = (heuristic_credit(paths, model, amounts, weights) for amounts in (paths.conversions, paths.value))
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


def heuristic_credit(paths: Paths, model: str, amounts: np.ndarray, weights=(0.4, 0.2, 0.4)) -> np.ndarray:
    """Per channel, the credit for ``amounts`` (one per path) under a heuristic model.

    Position-based: a path of one touch gives it everything; of two, first and last share in the
    ratio of their weights; longer paths give ``weights`` (first, middle, last), the middle share
    split equally among the middle touches.
    """
    n = len(paths.channels)
    if model == "first_touch":
        return np.bincount(paths.first(), amounts, n)
    if model == "last_touch":
        return np.bincount(paths.last(), amounts, n)
    lengths = paths.lengths
    if model == "linear":
        return paths.touch_sums(amounts * (1.0 / lengths))
    w_first, w_middle, w_last = weights
    if min(weights) < 0 or not math.isclose(sum(weights), 1.0):
        raise UsageError("position-based weights must be three shares that add up to 1, such as 0.4,0.2,0.4")
    ends = w_first + w_last
    pair = (w_first / ends, w_last / ends) if ends > 0 else (0.5, 0.5)  # two touches: no middle to give to
    first = np.where(lengths >= 3, w_first, np.where(lengths == 2, pair[0], 1.0))
    last = np.where(lengths >= 3, w_last, np.where(lengths == 2, pair[1], 0.0))
    middle = np.where(lengths >= 3, w_middle / np.maximum(lengths - 2, 1), 0.0)
    return (paths.touch_sums(amounts * middle, middle=True) + np.bincount(paths.first(), amounts * first, n)
            + np.bincount(paths.last(), amounts * last, n))


def removal_effects(paths: Paths, order: int = 1, value: bool = False):
    """Exact Markov removal effect of every channel, for a chain of the given order.

    With ``value``, also the value removal effects: (conversion effects, value effects).
    """
    if order not in (1, 2, 3, 4):
        raise UsageError(f"the Markov order must be 1 to 4 (got {order})")
    chain = Chain(paths, order)
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
    chain = Chain(paths, 1)
    names = ["(start)", *(paths.channels[c] for c in chain.last_channels()[1:])]
    counts = chain.counts()
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
