"""Transaction logs and acquisition tables: read, validate, and summarize per customer.

The rule for returns and zero amounts: a customer's amounts are summed per day, so a return nets
against that day's purchases. A day with at least one row of 0 or more is a purchase day (a free
item is still a purchase, as the BG/NBD literature counts them), valued at its net total floored
at 0; a day with only returns (negative rows) is not a purchase. Counts are reported.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from optimizer.errors import InputError, Problem, UsageError
from optimizer.files.numbers import parse_dates, parse_numbers
from optimizer.files.ranges import SIGNED
from optimizer.files.tables import TextTable, read_table
from optimizer.ltv.coded import CodedDays, read_clean_acquisition, read_clean_log, summarize_coded
from optimizer.model.choices import TimeUnit

_SHOWN = 5  # bad cells listed by line before the rest are counted


@dataclass(frozen=True)
class Purchases:
    """Purchase days per customer (returns netted), with what the cleaning did."""

    frame: pd.DataFrame  # customer_id, date, amount: one row per customer and purchase day
    source: str
    notes: tuple[str, ...]
    coded: CodedDays | None = None  # the same days as integer codes, when the log came by the fast route


def read_transactions(source: str | Path | pd.DataFrame, customer_col: str = "customer_id",
                      date_col: str = "date", amount_col: str = "amount", date_format: str | None = None) -> Purchases:
    """Read a transaction log (CSV, Parquet or DataFrame) into purchase days per customer.

    Raises
    ------
    InputError
        Missing columns, unparseable dates or amounts, empty customer ids: all listed at once.
    """
    if date_format is None and not isinstance(source, pd.DataFrame):
        clean = read_clean_log(Path(source), customer_col, date_col, amount_col)
        if clean is not None:
            frame, coded, counts = clean
            return Purchases(_some_bought(frame, str(source)), str(source), _day_notes(*counts), coded)
    table = read_table(source)
    wanted = {"customer": customer_col, "date": date_col, "amount": amount_col}
    _require(table, wanted)
    f = table.frame
    problems: list[Problem] = []
    customer = f[customer_col.lower()].astype(str).str.strip()
    _report(table, customer == "", customer_col, "the customer id is empty", problems)
    try:
        dates = parse_dates(f[date_col.lower()], date_format)
    except ValueError as exc:
        raise UsageError(f"`date_format`: {exc}") from None
    _report(table, dates.isna(), date_col, "is not a date; write 2024-03-31 (or name the format with `date_format`)",
            problems, f[date_col.lower()])
    future = dates > latest_date()
    _report(table, future, date_col, "is in the future; check the year (or the date format)", problems,
            f[date_col.lower()])
    amounts = parse_numbers(f[amount_col.lower()], table.decimal)
    _report(table, SIGNED.bad(amounts), amount_col,
            "is not an amount; write a plain number such as 49.90", problems, f[amount_col.lower()])
    if problems:
        raise InputError(table.source, problems)
    return _purchase_days(pd.DataFrame({"customer_id": customer, "date": dates, "amount": amounts}), table)


def read_acquisition(source: str | Path | pd.DataFrame, customer_col: str = "customer_id",
                     channel_col: str = "channel") -> pd.Series:
    """Each customer's acquisition channel, indexed by customer id."""
    if not isinstance(source, pd.DataFrame):
        clean = read_clean_acquisition(Path(source), customer_col, channel_col)
        if clean is not None:
            return clean
    table = read_table(source)
    _require(table, {"customer": customer_col, "channel": channel_col})
    f = table.frame
    customer = f[customer_col.lower()].astype(str).str.strip()
    channel = f[channel_col.lower()].astype(str).str.strip()
    problems: list[Problem] = []
    _report(table, customer == "", customer_col, "the customer id is empty", problems)
    _report(table, channel == "", channel_col, "the channel is empty; every acquired customer needs one", problems)
    duplicated = customer.duplicated(keep=False) & (channel != channel.groupby(customer).transform("first"))
    _report(table, duplicated, customer_col, "this customer has two different channels; keep one row", problems,
            customer)
    if problems:
        raise InputError(table.source, problems)
    return pd.Series(channel.to_numpy(), index=customer.to_numpy(), name="channel").groupby(level=0).first()


def latest_date() -> pd.Timestamp:
    """The latest date a log may hold or its observation may end: tomorrow (a day's slack for time zones)."""
    return pd.Timestamp.now() + pd.Timedelta(days=1)


def check_end(purchases: Purchases, end: pd.Timestamp | str | None) -> pd.Timestamp | None:
    """``end`` as a date that can close the observation of ``purchases``: not in the future (it would age
    every customer by time not yet lived), not before the first purchase (no customer yet).

    Raises
    ------
    UsageError
        When ``end`` is outside those dates.
    """
    if end is None:
        return None
    end = pd.Timestamp(end)
    leave_out = "or leave `end` out to close the observation at the log's last date"
    if end > latest_date():
        raise UsageError(f"`end` {end:%Y-%m-%d} is in the future; give the last day the log covers, {leave_out}")
    first = purchases.frame["date"].min()
    if end < first:
        raise UsageError(f"`end` {end:%Y-%m-%d} is before the first purchase in {purchases.source} "
                         f"({first:%Y-%m-%d}), so no customer had been acquired; give a later date, {leave_out}")
    return end


def summary_of(purchases: Purchases, unit: TimeUnit | str = "weeks",
               end: pd.Timestamp | str | None = None) -> pd.DataFrame:
    """:func:`summarize` of the purchase days, on integer codes when the log came by the fast route."""
    end = check_end(purchases, end)
    if purchases.coded is not None:
        return summarize_coded(purchases.coded, TimeUnit(unit).days_each, end)
    return summarize(purchases.frame, unit, end)


def summarize(purchases: pd.DataFrame, unit: TimeUnit | str = "weeks",
              end: pd.Timestamp | str | None = None) -> pd.DataFrame:
    """Per customer: frequency (repeat purchase days), recency, T (age), in ``unit``; spend figures.

    ``end`` closes the observation (default: the last date in the log); later days are ignored.
    ``monetary_value`` is the mean of the repeat purchase days, as Gamma-Gamma expects.
    """
    per = TimeUnit(unit).days_each
    days = purchases.sort_values(["customer_id", "date"])
    end = days["date"].max() if end is None else pd.Timestamp(end)
    days = days[days["date"] <= end]
    g = days.groupby("customer_id", sort=True)
    first, last = g["date"].min(), g["date"].max()
    count = g.size()
    first_value = g["amount"].first()
    total = g["amount"].sum()
    repeat = count - 1
    with np.errstate(invalid="ignore", divide="ignore"):
        monetary = np.where(repeat > 0, (total - first_value) / repeat.replace(0, 1), 0.0)
    return pd.DataFrame({
        "frequency": repeat.astype(float),
        "recency": (last - first).dt.days / per,
        "T": (end - first).dt.days / per,
        "monetary_value": monetary,
        "first_value": first_value,
        "first_purchase": first,
    })


def _purchase_days(frame: pd.DataFrame, table: TextTable) -> Purchases:
    negative, zero = int((frame["amount"] < 0).sum()), int((frame["amount"] == 0).sum())
    frame = frame.assign(date=frame["date"].dt.normalize(), bought=frame["amount"] >= 0)
    days = frame.groupby(["customer_id", "date"], as_index=False, sort=False).agg(
        amount=("amount", "sum"), bought=("bought", "any"))
    dropped = ~days["bought"]
    kept = days[days["bought"]].drop(columns="bought").reset_index(drop=True)
    kept["amount"] = kept["amount"].clip(lower=0.0)
    lost = days["customer_id"].nunique() - kept["customer_id"].nunique()
    notes = _day_notes(negative, zero, int(dropped.sum()), lost)
    return Purchases(_some_bought(kept, table.source), table.source, notes)


def _some_bought(days: pd.DataFrame, source: str) -> pd.DataFrame:
    """``days`` (purchase days), refused when returns left none."""
    if days.empty:
        raise InputError(source, [Problem("no purchases: every row is a return (a negative amount) and nets "
                                          "to no purchase day; check the sign of the amount column")])
    return days


def _day_notes(negative: int, zero: int, dropped: int, lost: int) -> tuple[str, ...]:
    """What netting returns per day did, in words."""
    notes = []
    if negative or zero:
        notes.append(f"{negative} rows with negative amounts (returns) were netted against their customer's "
                     f"purchases that day, and {zero} rows are free items (amount 0, still purchases); "
                     f"{dropped} days with only returns are not purchases")
    if lost:
        notes.append(f"{lost} customers have only returns and are left out")
    return tuple(notes)


def _require(table: TextTable, wanted: dict[str, str]) -> None:
    missing = [Problem(f"the {what} column {col!r} is missing; name yours with `{what}_col`", column=col)
               for what, col in wanted.items() if col.lower() not in table.frame.columns]
    if missing:
        raise InputError(table.source, missing)
    if table.frame.empty:
        raise InputError(table.source, [Problem("the file has a header but no rows")])


def _report(table: TextTable, bad: pd.Series, column: str, message: str, problems: list[Problem],
            cells: pd.Series | None = None) -> None:
    positions = np.flatnonzero(np.asarray(bad, dtype=bool))
    for pos in positions[:_SHOWN]:
        shown = f"{str(cells.iloc[pos])!r} " if cells is not None else ""
        problems.append(Problem(shown + message, table.line(int(pos)), None, column, table.line_word))
    if len(positions) > _SHOWN:
        problems.append(Problem(f"and {len(positions) - _SHOWN} more rows like these", column=column))
