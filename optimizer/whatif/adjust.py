"""What-if changes to a channel table: scale or shift CAC, LTV and customers, set limits and curves,
remove channels and add new ones. Each change is logged in the user's words. A change of ``ltv``
scales the channel's value timeline (value_<N>m) with it: worth 20 % more, by every month."""

from __future__ import annotations

import difflib

import numpy as np
import pandas as pd

from optimizer.errors import Problem, UsageError
from optimizer.model.settings import parse_amount
from optimizer.model.timeline import timeline_columns
from optimizer.words import money

_CUSTOMER_COLUMNS = ("customers", "ref_customers", "max_customers", "customers_low", "customers_high",
                     "max_customers_low", "max_customers_high")
_WITH_INTERVAL = {"ltv": ("ltv_low", "ltv_high"), "max_customers": ("max_customers_low", "max_customers_high")}


def add_channels(frame: pd.DataFrame, entries: list[tuple[str, int, dict]],
                 problems: list[Problem], log: list[str]) -> pd.DataFrame:
    """Append ``entries`` ((source, position, row)) as new channels."""
    rows = []
    for source, k, entry in entries:
        name = entry.get("channel")
        if name in set(frame["channel"]) or name in {r["channel"] for r in rows}:
            problems.append(Problem(f"{name!r} is already a channel; change it with [[adjust]]",
                                    key=f"add[{k}].channel"))
            continue
        row = dict(entry)
        if not row.get("spend") and "customers" not in row and "cac" not in row:
            row["customers"] = 0.0  # a channel to test: its curve comes from ref_spend, ref_customers
        row.setdefault("spend", 0.0)
        rows.append(row)
        log.append(f"{name}: added ({source})")
    if not rows:
        return frame
    return pd.concat([frame, pd.DataFrame(rows)], ignore_index=True)


def adjust_channels(frame: pd.DataFrame, entries: list[tuple[str, int, dict]],
                    problems: list[Problem], log: list[str]) -> pd.DataFrame:
    """Apply each ``[[adjust]]`` entry in order to the channels it names."""
    frame = frame.copy()
    for source, k, entry in entries:
        names = [entry["channel"]] if "channel" in entry else list(entry.get("channels", []))
        rows = _locate(frame, names, f"adjust[{k}]", problems)
        for key, spec in entry.items():
            if key in ("channel", "channels"):
                continue
            for i in rows:
                try:
                    message = _apply(frame, i, key, spec)
                except UsageError as exc:
                    problems.append(Problem(str(exc), channel=frame.at[i, "channel"], key=f"adjust[{k}].{key}"))
                    continue
                log.append(f"{frame.at[i, 'channel']}: {message} ({source})")
        if entry.get("remove"):
            frame = frame.drop(index=rows).reset_index(drop=True)
    return frame


def _locate(frame: pd.DataFrame, names: list[str], key: str, problems: list[Problem]) -> list[int]:
    known = list(frame["channel"])
    found = []
    for name in names:
        if name in known:
            found.append(known.index(name))
        else:
            close = difflib.get_close_matches(name, known, n=1, cutoff=0.5)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            problems.append(Problem(f"no channel {name!r} in the table{hint}", key=key))
    return found


def _apply(frame: pd.DataFrame, i: int, key: str, spec) -> str:
    if key == "remove":
        return "removed" if spec else "kept"
    if key in ("cac", "customers"):
        return _scale_customers(frame, i, key, spec)
    if key in ("ltv", "max_customers", "min_spend", "max_spend", "min_buy_in", "organic_customers"):
        old = _number(frame.at[i, key]) if key in frame.columns else np.nan
        reference = old if not np.isnan(old) else 0.0 if key == "organic_customers" else _number(frame.at[i, "spend"])
        new = parse_amount(spec, reference)
        if new < 0:
            raise UsageError(f"{spec!r} makes {key} negative ({new:g})")
        frame.at[i, key] = new
        for end in (e for e in _WITH_INTERVAL.get(key, ()) if e in frame.columns and old > 0):
            frame.at[i, end] = _number(frame.at[i, end]) * new / old  # the interval moves with its estimate
        scaled = key == "ltv" and old > 0 and _scale_timeline(frame, i, new / old)
        return f"{key} {_show(old)} -> {_show(new)}" + (" (value timeline scaled with it)" if scaled else "")
    old = frame.at[i, key] if key in frame.columns else None
    frame[key] = frame[key].astype(object) if key in frame.columns else None
    frame.at[i, key] = spec
    return f"{key} {old if old is not None and old == old else 'unset'} -> {spec}"


def _scale_customers(frame: pd.DataFrame, i: int, key: str, spec) -> str:
    """CAC and customers move every customer figure of the curve together (same shape, new level)."""
    spend, customers = _number(frame.at[i, "spend"]), _number(frame.at[i, "customers"])
    if spend == 0:
        spend, customers = _number(frame.at[i, "ref_spend"]), _number(frame.at[i, "ref_customers"])
    if not customers > 0:
        raise UsageError(f"the channel acquires no customers, so its {key} cannot be changed")
    old = spend / customers if key == "cac" else customers
    new = parse_amount(spec, old)
    if not new > 0:
        raise UsageError(f"{spec!r} makes {key} {new:g}; it must stay above 0")
    factor = old / new if key == "cac" else new / old
    for column in (c for c in _CUSTOMER_COLUMNS if c in frame.columns):
        frame.at[i, column] = _number(frame.at[i, column]) * factor
    for column in (c for c in ("cac_low", "cac_high") if c in frame.columns):
        frame.at[i, column] = _number(frame.at[i, column]) / factor
    return f"{key} {_show(old)} -> {_show(new)}"


def _scale_timeline(frame: pd.DataFrame, i: int, factor: float) -> bool:
    """Scale channel ``i``'s value_<N>m cells by ``factor``; whether it had any."""
    cells = [c for _m, c in timeline_columns(frame.columns) if not np.isnan(_number(frame.at[i, c]))]
    for column in cells:
        frame.at[i, column] = _number(frame.at[i, column]) * factor
    return bool(cells)


def _number(value) -> float:
    return float("nan") if value is None or value == "" else float(value)


def _show(x: float) -> str:
    return "unset" if x != x else money(x)
