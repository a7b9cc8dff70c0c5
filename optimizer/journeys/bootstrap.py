"""Intervals for attributed conversions: resample the journeys and attribute every replicate.

The resampling is a Poisson bootstrap: each distinct path's conversions and non-conversions are
redrawn as Poisson counts with the observed counts as their means (it needs no whole numbers, so
weighted paths work), its value in proportion to its conversions, and each replicate is attributed
by the same model. A channel's interval is the replicates' percentiles at ``level``, widened where
needed to contain the estimate; a channel whose lower percentile is 0 gets none (its draws would
not be lognormal), and a note says so.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from optimizer.errors import UsageError
from optimizer.journeys.attribution import MODELS, attribute
from optimizer.journeys.paths import Paths
from optimizer.model.intervals import DEFAULT_LEVEL, LEVEL_COLUMN

MOST = 100_000


def bootstrap_conversions(paths: Paths, model: str, order: int, weights: tuple[float, float, float],
                          replicates: int, level: float = DEFAULT_LEVEL, seed: int = 0
                          ) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """Per channel: ``customers_low``, ``customers_high`` and ``interval_level``, and notes."""
    if model not in MODELS:
        raise UsageError(f"`bootstrap` resamples journeys as paths, which the {model} model cannot use; "
                         "choose another model")
    if not 10 <= replicates <= MOST:
        raise UsageError(f"`bootstrap` takes 10 to {MOST} replicates (got {replicates}); 200 is a good start")
    rng = np.random.default_rng(seed)
    estimate = attribute(paths, model, order, weights)["conversions"].to_numpy()
    runs = []
    share = np.divide(paths.value, paths.conversions, out=np.zeros(len(paths)), where=paths.conversions > 0)
    for _ in range(replicates):
        conversions = rng.poisson(paths.conversions).astype(float)
        again = dataclasses.replace(paths, conversions=conversions, nulls=rng.poisson(paths.nulls).astype(float),
                                    value=share * conversions)
        runs.append(attribute(again, model, order, weights)["conversions"].to_numpy())
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(np.vstack(runs), [tail, 100 - tail], axis=0)
    low, high = np.minimum(low, estimate), np.maximum(high, estimate)
    bare = ~(low > 0)
    notes = tuple(f"{c!r}: too few conversions for an interval ({level:.0%} of resampled journeys include 0)"
                  for c, b, e in zip(paths.channels, bare, estimate, strict=True) if b and e > 0)
    frame = pd.DataFrame({"channel": paths.channels, "customers_low": np.where(bare, np.nan, low),
                          "customers_high": np.where(bare, np.nan, high), LEVEL_COLUMN: level})
    return frame, notes
