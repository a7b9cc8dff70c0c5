"""Journey statistics, the bridge from attribution to a channel table, and synthetic journeys.

Statistics: reach and conversion rate per channel, each channel's role (opens, assists, closes),
path lengths, the most common converting paths, the order-1 transition matrix, and time to
conversion (event logs only). The bridge turns attributed conversions into the optimizer's
``customers`` and attributed value per customer into ``ltv`` (or joins a per-channel LTV table).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from optimizer.attribution import MODELS, attribute, transition_matrix
from optimizer.channels import NUMERIC
from optimizer.errors import InputError, Problem
from optimizer.paths import Paths
from optimizer.tables import parse_number, read_text_table


def channel_stats(paths: Paths) -> pd.DataFrame:
    """Per channel: reach, conversion rate of journeys it is in, and how often it opens, assists, closes."""
    journeys = paths.conversions + paths.nulls
    pos = paths.path_of_position()
    pairs = np.unique(np.column_stack([pos, paths.flat]), axis=0)
    n = len(paths.channels)
    reach = np.bincount(pairs[:, 1], journeys[pairs[:, 0]], n)
    converted = np.bincount(pairs[:, 1], paths.conversions[pairs[:, 0]], n)
    place = np.arange(len(paths.flat)) - paths.offsets[pos]
    first, last = place == 0, place == paths.lengths[pos] - 1
    w = paths.conversions[pos]
    return pd.DataFrame({
        "channel": paths.channels,
        "reach": reach / journeys.sum(),
        "journeys": reach,
        "conversion_rate": np.divide(converted, reach, out=np.zeros(n), where=reach > 0),
        "opens": np.bincount(paths.flat[first], w[first], n),
        "assists": np.bincount(paths.flat[~first & ~last], w[~first & ~last], n),
        "closes": np.bincount(paths.flat[last], w[last], n),
    })


def path_stats(paths: Paths, top: int = 10) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Path-length distribution and the most common converting paths."""
    lengths = pd.DataFrame({"length": paths.lengths, "journeys": paths.conversions + paths.nulls,
                            "conversions": paths.conversions}).groupby("length").sum().reset_index()
    order = np.lexsort((np.arange(len(paths)), -paths.conversions))[:top]
    common = pd.DataFrame({"path": [paths.text(i) for i in order], "conversions": paths.conversions[order],
                           "value": paths.value[order]})
    return lengths, common[common.conversions > 0].reset_index(drop=True)


def compare_models(paths: Paths, order: int = 1, time_decay: pd.DataFrame | None = None) -> pd.DataFrame:
    """Attributed conversions per channel under every model, side by side."""
    table = pd.DataFrame({"channel": paths.channels})
    for model in MODELS:
        name = f"markov_order{order}" if model == "markov" else model
        table[name] = attribute(paths, model, order)["conversions"].to_numpy()
    if time_decay is not None:
        table["time_decay"] = table["channel"].map(time_decay.set_index("channel")["conversions"]).fillna(0.0)
    return table


def channel_table(attributed: pd.DataFrame, spend: str | Path | pd.DataFrame,
                  ltv: str | Path | pd.DataFrame | None = None) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """The optimizer's channel table: spend from ``spend``, customers = attributed conversions, ltv.

    Columns of the spend table other than channel and spend (curve, elasticity, limits...) are kept.
    """
    spend_frame = _frame(spend, NUMERIC)
    problems = [Problem(f"column {c!r} is missing", column=c) for c in ("channel", "spend") if c not in spend_frame]
    if problems:
        raise InputError(_label(spend), problems)
    got = attributed.set_index("channel")
    table = spend_frame.copy()
    table["channel"] = table["channel"].astype(str).str.strip()
    table["customers"] = table["channel"].map(got["conversions"]).fillna(0.0)
    value = table["channel"].map(got["value"]).fillna(0.0)
    table["ltv"] = np.where(table["customers"] > 0, value / table["customers"].where(table["customers"] > 0), np.nan)
    notes = [f"{c!r} has attributed conversions but no spend row; left out" for c in got.index
             if c not in set(table["channel"]) and got.loc[c, "conversions"] > 0]
    if ltv is not None:
        joined = _frame(ltv, ("ltv",))
        if "channel" not in joined or "ltv" not in joined:
            raise InputError(_label(ltv), [Problem("needs the columns channel and ltv", column="ltv")])
        values = dict(zip(joined["channel"].astype(str).str.strip(), joined["ltv"], strict=True))
        table["ltv"] = [values.get(c, v) for c, v in zip(table["channel"], table["ltv"], strict=True)]
    empty = table["ltv"].isna() | (table["customers"] == 0)
    notes += [f"{c!r} got no attributed conversions" for c in table.loc[table["customers"] == 0, "channel"]]
    table.loc[empty & table["ltv"].isna(), "ltv"] = 0.0
    return table, tuple(notes)


def _frame(source, numeric: tuple[str, ...]) -> pd.DataFrame:
    """A small table with its ``numeric`` columns parsed (every bad cell reported by line)."""
    if isinstance(source, pd.DataFrame):
        return source.copy()
    text = read_text_table(source)
    frame, problems = text.frame.copy(), []
    for column in (c for c in numeric if c in frame.columns):
        values = []
        for pos, cell in enumerate(frame[column]):
            try:
                values.append(parse_number(cell, text.decimal))
            except ValueError:
                problems.append(Problem(f"{cell!r} is not a number", text.line(pos), None, column))
                values.append(None)
        frame[column] = pd.to_numeric(pd.Series(values, index=frame.index, dtype=object))
    if problems:
        raise InputError(text.source, problems)
    return frame


def _label(source) -> str:
    return "<DataFrame>" if isinstance(source, pd.DataFrame) else str(source)


def transitions_frame(paths: Paths) -> pd.DataFrame:
    """The order-1 transition matrix, exportable (rows: from, columns: to)."""
    return transition_matrix(paths)


def analyze(source: str | Path | pd.DataFrame, model: str = "markov", order: int = 1, sep: str = ">",
            weights: tuple[float, float, float] = (0.4, 0.2, 0.4), half_life_days: float = 7.0,
            lookback_days: float = 30.0, collapse_repeats: bool = False, **columns) -> dict:
    """Read journeys (an event log or aggregated paths), attribute them, and gather the statistics.

    Returns a dict with ``paths``, ``attributed`` (the chosen model), ``models`` (all side by side),
    ``channels``, ``lengths``, ``top_paths``, ``transitions``, ``days_to_conversion`` and ``notes``.
    """
    from optimizer.journeys import build_journeys
    from optimizer.paths import read_paths

    if _is_paths(source):
        paths, decay, days, notes = read_paths(source, sep), None, pd.Series(dtype=float), ()
    else:
        built = build_journeys(source, lookback_days, collapse_repeats, half_life_days, **columns)
        paths, decay, days, notes = built.paths, built.time_decay, built.days_to_conversion, built.notes
    if model == "time_decay":
        if decay is None:
            raise InputError(_label(source), [Problem("time decay needs timestamps: give an event log, not "
                                                      "aggregated paths")])
        attributed = decay.rename(columns={"channel": "channel"})
    else:
        attributed = attribute(paths, model, order, weights)
    lengths, top = path_stats(paths)
    return {"paths": paths, "attributed": attributed, "models": compare_models(paths, order, decay),
            "channels": channel_stats(paths), "lengths": lengths, "top_paths": top,
            "transitions": transition_matrix(paths), "days_to_conversion": days, "notes": notes}


def _is_paths(source) -> bool:
    if isinstance(source, pd.DataFrame):
        return "path" in {str(c).strip().lower() for c in source.columns}
    if Path(source).suffix.lower() in (".parquet", ".pq"):
        return "path" in {c.lower() for c in pd.read_parquet(source).columns}
    return "path" in read_text_table(source).frame.columns
