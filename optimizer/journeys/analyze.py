"""Touchpoint analysis end to end: read journeys once, attribute them, gather statistics, write them.

Statistics: reach and conversion rate per channel, each channel's role (opens, assists, closes),
path lengths, the most common converting paths, the order-1 transition matrix, and time to
conversion (event logs only).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from optimizer.errors import InputError, Problem, UsageError
from optimizer.files.ranges import SHARE
from optimizer.files.tables import read_header
from optimizer.files.writers import prepare_folder, write_csv
from optimizer.journeys.attribution import MODELS, attribute, transition_matrix
from optimizer.journeys.events import build_journeys
from optimizer.journeys.paths import Paths
from optimizer.journeys.read import read_paths
from optimizer.model.choices import AttributionModel, choose


@dataclass(frozen=True)
class Analysis:
    """Attributed journeys: the chosen model's credit, the models computed side by side, and the statistics."""

    paths: Paths
    model: str  # the chosen model's label, e.g. markov_order1
    attributed: pd.DataFrame  # channel, conversions, value (the chosen model)
    models: pd.DataFrame  # channel, then conversions per computed model: the chosen one, or all when compared
    channels: pd.DataFrame  # channel statistics
    lengths: pd.DataFrame
    top_paths: pd.DataFrame
    days_to_conversion: pd.Series  # one value per converting journey (event logs)
    notes: tuple[str, ...]

    def transitions(self) -> pd.DataFrame:
        """The order-1 transition probabilities with channel names (rows: from, columns: to)."""
        return transition_matrix(self.paths)


def channel_stats(paths: Paths) -> pd.DataFrame:
    """Per channel: reach, conversion rate of journeys it is in, and how often it opens, assists, closes."""
    journeys = paths.conversions + paths.nulls
    n = len(paths.channels)
    reach = paths.channel_sums(journeys)
    converted = paths.channel_sums(paths.conversions)
    return pd.DataFrame({
        "channel": paths.channels,
        "reach": reach / journeys.sum(),
        "journeys": reach,
        "conversion_rate": np.divide(converted, reach, out=np.zeros(n), where=reach > 0),
        "opens": np.bincount(paths.first(), paths.conversions, n),
        "assists": paths.touch_sums(paths.conversions, middle=True),
        "closes": np.bincount(paths.last(), paths.conversions, n),
    })


def path_stats(paths: Paths, top: int = 10) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Path-length distribution and the most common converting paths."""
    found = np.bincount(paths.lengths)
    length = np.flatnonzero(found)
    lengths = pd.DataFrame({"length": length,
                            "journeys": np.bincount(paths.lengths, paths.conversions + paths.nulls)[length],
                            "conversions": np.bincount(paths.lengths, paths.conversions)[length]})
    order = _top(paths.conversions, top)
    common = pd.DataFrame({"path": [paths.text(i) for i in order], "conversions": paths.conversions[order],
                           "value": paths.value[order]})
    return lengths, common[common.conversions > 0].reset_index(drop=True)


def _top(values: np.ndarray, top: int) -> np.ndarray:
    """The positions of the ``top`` largest values, largest first, ties by position (no full sort)."""
    if len(values) > top:
        threshold = np.partition(values, len(values) - top)[len(values) - top]
        candidates = np.flatnonzero(values >= threshold)
    else:
        candidates = np.arange(len(values))
    return candidates[np.lexsort((candidates, -values[candidates]))][:top]


def model_label(model: AttributionModel | str, order: int) -> str:
    return f"markov_order{order}" if model == AttributionModel.markov else str(model)


def analyze(source: str | Path | pd.DataFrame, model: str = "markov", order: int = 1, sep: str = ">",
            weights: tuple[float, float, float] = (0.4, 0.2, 0.4), half_life_days: float = 7.0,
            lookback_days: float = 30.0, collapse_repeats: bool = False, compare: bool = False,
            **columns) -> Analysis:
    """Read journeys (an event log or aggregated paths) once, attribute them under ``model`` (and, with
    ``compare``, under every model, each computed once), and gather the channel statistics."""
    model = choose(AttributionModel, model, "attribution model")
    if not sep.strip():
        raise UsageError("`sep` must be a visible separator such as '>'")
    if _is_paths(source):
        paths, decay, days, notes = read_paths(source, sep), None, pd.Series(dtype=float), ()
    else:
        built = build_journeys(source, lookback_days, collapse_repeats, half_life_days, **columns)
        paths, decay, days, notes = built.paths, built.time_decay, built.days_to_conversion, built.notes
    if model == AttributionModel.time_decay and decay is None:
        raise InputError(_label(source), [Problem("time decay needs timestamps: give an event log, not "
                                                  "aggregated paths")])
    wanted = [*MODELS, *([AttributionModel.time_decay] if decay is not None else [])] if compare else [model]
    found = {m: _aligned(paths, decay) if m == AttributionModel.time_decay else attribute(paths, m, order, weights)
             for m in wanted}
    table = pd.DataFrame({"channel": paths.channels})
    for m, frame in found.items():
        table[model_label(m, order)] = frame["conversions"].to_numpy()
    lengths, top = path_stats(paths)  # cheap (one group-by on lengths, one sort), so always there
    return Analysis(paths, model_label(model, order), found[model], table, channel_stats(paths), lengths, top, days,
                    notes)


def write_stats(analysis: Analysis, folder: str | Path) -> list[Path]:
    """Write the journey statistics to ``folder``; returns the files written."""
    folder = prepare_folder(folder)
    written = [write_csv(getattr(analysis, name), folder / f"{name}.csv") for name in ("channels", "lengths",
                                                                                         "top_paths")]
    written.append(write_csv(analysis.transitions().reset_index(names="from"), folder / "transitions.csv"))
    if len(analysis.days_to_conversion):
        written.append(write_csv(analysis.days_to_conversion.to_frame("days"), folder / "days_to_conversion.csv"))
    return written


def parse_weights(text: str) -> tuple[float, float, float]:
    """Position-based shares written as "first,middle,last" (such as 0.4,0.2,0.4)."""
    try:
        shares = tuple(float(w) for w in text.split(","))
    except ValueError:
        shares = ()
    if len(shares) != 3 or SHARE.bad(shares).any() or abs(sum(shares) - 1) > 1e-9:
        raise UsageError(f"`weights` {text!r}: write three shares of 0 or more that add up to 1, such as 0.4,0.2,0.4")
    return shares


def _aligned(paths: Paths, decay: pd.DataFrame) -> pd.DataFrame:
    """Time-decay credit in the paths' channel order (channels it never credits get 0)."""
    got = decay.set_index("channel")
    return pd.DataFrame({"channel": paths.channels,
                         "conversions": [float(got["conversions"].get(c, 0.0)) for c in paths.channels],
                         "value": [float(got["value"].get(c, 0.0)) for c in paths.channels]})


def _is_paths(source) -> bool:
    if isinstance(source, pd.DataFrame):
        return "path" in {str(c).strip().lower() for c in source.columns}
    return "path" in read_header(source)


def _label(source) -> str:
    return "<DataFrame>" if isinstance(source, pd.DataFrame) else str(source)
