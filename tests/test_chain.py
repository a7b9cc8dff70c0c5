"""The Markov chain tallied block by block: the table and the sorting routes agree, blocks change nothing.

The reference is the hand example worked in exact fractions (tests/test_attribution.py) and a
plain count of transitions written here without the library's code.
"""

from __future__ import annotations

from collections import Counter
from fractions import Fraction
from itertools import pairwise

import numpy as np
import pytest

from optimizer.journeys import chain, paths
from optimizer.journeys.attribution import removal_effects, transition_matrix
from optimizer.journeys.paths import build_paths
from tests.test_attribution import HAND, fraction_markov, hand_paths


def _random_paths(seed: int = 0):
    rng = np.random.default_rng(seed)
    steps = [list(rng.choice(list("abcde"), rng.integers(1, 9))) for _ in range(300)]
    return build_paths(steps, rng.integers(0, 3, 300), rng.random(300) * 100, rng.integers(0, 4, 300))


@pytest.mark.parametrize("order", [1, 2, 3, 4])
def test_blocks_and_sorting_give_the_table_routes_answer(order, monkeypatch):
    data = _random_paths()
    expected = removal_effects(data, order, value=True)
    monkeypatch.setattr(paths, "BLOCK", 7)  # many small blocks
    monkeypatch.setattr(chain, "TABLE", 1)  # codes and keys by sorting, not tables
    got = removal_effects(data, order, value=True)
    for a, b in zip(expected, got, strict=True):
        assert a == pytest.approx(b, rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("order", [1, 2, 3])
def test_one_touch_blocks_still_give_the_exact_fractions(order, monkeypatch):
    monkeypatch.setattr(paths, "BLOCK", 1)
    monkeypatch.setattr(chain, "TABLE", 1)
    base = fraction_markov(HAND, order)
    expected = {c: float(1 - fraction_markov(HAND, order, c) / base) for c in "abc"}
    assert dict(zip("abc", removal_effects(hand_paths(), order), strict=True)) == pytest.approx(expected, abs=1e-12)


def test_transition_counts_match_a_plain_count():
    counts: Counter = Counter()
    for steps, conv, _, nulls in HAND:
        states = ["(start)", *steps]
        for a, b in pairwise(states):
            counts[a, b] += Fraction(conv + nulls)
    got = transition_matrix(hand_paths())
    for source in got.index:
        total = sum(w for (a, _), w in counts.items() if a == source)
        ends = sum(Fraction(c if s[-1] == source else 0) + Fraction(n if s[-1] == source else 0)
                   for s, c, _, n in HAND)
        for target in ("a", "b", "c"):
            assert got.loc[source, target] == pytest.approx(float(counts[source, target] / (total + ends)))
