"""Transaction logs as integer codes: a fast route for clean CSV files, and per-customer summaries on codes.

A clean log (every customer id non-empty and unpadded, every date YYYY-MM-DD, every amount a plain
finite number) is read by pyarrow's multi-threaded CSV reader straight into typed columns; customer
ids are dictionary-encoded once and numbered in sorted order, dates become day numbers, and the
purchase days and the per-customer summary are sums over sorted integer keys. Three million rows
take about a second, where reading them as text, parsing and grouping on string ids in pandas took
ten. Any other file (a decimal comma, another date format, a blank or bad cell, a date in the
future, no pyarrow) is declined, and :mod:`optimizer.ltv.transactions` reads it as text and reports
every bad cell by line; the results of both routes are the same (checked by tests).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from optimizer.files.ranges import SIGNED
from optimizer.files.tables import PARQUET, read_header, sniff_file

EPOCH = np.datetime64("1970-01-01", "D")
EARLIEST, LATEST = np.datetime64("1677-09-22", "D"), np.datetime64("2262-04-11", "D")  # pandas' own bounds
PADDED = r"^[\t\n\x0b\x0c\r\x1c-\x1f\x85\p{Z}]|[\t\n\x0b\x0c\r\x1c-\x1f\x85\p{Z}]$"  # what str.strip() removes


@dataclass(frozen=True)
class CodedDays:
    """Purchase days sorted by customer and day: ``customer`` indexes ``ids`` (sorted), ``day`` counts days
    since 1970-01-01, ``amount`` is the day's net amount (floored at 0)."""

    ids: pd.Index
    customer: np.ndarray
    day: np.ndarray
    amount: np.ndarray


def read_clean_log(path: Path, customer_col: str, date_col: str, amount_col: str):
    """A clean CSV transaction log as (purchase-day frame, :class:`CodedDays`, counts for the notes), or None.

    The counts are (negative rows, zero rows, days with only returns, customers with only returns).
    """
    columns = [c.lower() for c in (customer_col, date_col, amount_col)]
    table = _read_clean(path, columns, ["string", "date32", "float64"])
    if table is None:
        return None
    import pyarrow.compute as pc

    ids, code = _sorted_codes(table.column(columns[0]), pc)
    day = table.column(columns[1]).to_numpy().astype("datetime64[D]")
    amount = table.column(columns[2]).to_numpy()
    today = np.datetime64(pd.Timestamp.now().normalize().date(), "D")
    if ids is None or SIGNED.bad(amount).any() or day.min() < EARLIEST or day.max() > min(LATEST, today):
        return None  # a padded or empty id, an amount that is not a number, a date out of range or to come
    return _purchase_days(ids, code, (day - EPOCH).astype(np.int64), amount)


def read_clean_acquisition(path: Path, customer_col: str, channel_col: str) -> pd.Series | None:
    """Each customer's channel from a clean CSV (distinct, non-empty, unpadded ids and channels), or None."""
    columns = [customer_col.lower(), channel_col.lower()]
    table = _read_clean(path, columns, ["string", "string"])
    if table is None:
        return None
    import pyarrow.compute as pc

    customers, channels = table.column(columns[0]), table.column(columns[1])
    if pc.count_distinct(customers).as_py() != len(customers) or _bad_text(channels, pc):
        return None
    order = pc.array_sort_indices(customers)
    ids = _index(customers.take(order))
    if ids is None:
        return None
    ids.name = None
    return pd.Series(pd.array(channels.take(order), dtype="str"), index=ids, name="channel")


def summarize_coded(coded: CodedDays, per: float, end: pd.Timestamp | None) -> pd.DataFrame:
    """:func:`optimizer.ltv.transactions.summarize` on integer codes (the same columns and values)."""
    last_day = int(coded.day.max()) if end is None else (pd.Timestamp(end) - pd.Timestamp(0)) // pd.Timedelta(days=1)
    keep = coded.day <= last_day
    customer, day, amount = coded.customer[keep], coded.day[keep], coded.amount[keep]
    starts = np.flatnonzero(np.concatenate([[True], customer[1:] != customer[:-1]])) if len(customer) else []
    count = np.diff(np.append(starts, len(customer)))
    first, last = day[starts], day[np.append(starts[1:], len(customer)) - 1]
    first_value, total = amount[starts], np.add.reduceat(amount, starts) if len(starts) else np.zeros(0)
    repeat = count - 1
    with np.errstate(invalid="ignore", divide="ignore"):
        monetary = np.where(repeat > 0, (total - first_value) / np.where(repeat > 0, repeat, 1), 0.0)
    return pd.DataFrame({
        "frequency": repeat.astype(float),
        "recency": (last - first) / per,
        "T": (last_day - first) / per,
        "monetary_value": monetary,
        "first_value": first_value,
        "first_purchase": _dates(first),
    }, index=coded.ids[customer[starts]])


def _purchase_days(ids: pd.Index, code: np.ndarray, day: np.ndarray, amount: np.ndarray):
    """Rows summed per customer and day (a return nets against that day), as in transactions._purchase_days."""
    low = int(day.min()) if len(day) else 0
    key = code * (int(day.max(initial=low)) - low + 1) + (day - low)
    order = np.argsort(key, kind="stable")  # rows of a day stay in file order: sums as pandas adds them
    key = key[order]
    starts = np.flatnonzero(np.concatenate([[True], key[1:] != key[:-1]]))
    first_row = order[starts]
    net = np.add.reduceat(amount[order], starts)
    bought = np.logical_or.reduceat(amount[order] >= 0, starts)
    customer, days = code[first_row], day[first_row]
    kept = np.flatnonzero(bought)
    coded = CodedDays(ids, customer[kept], days[kept], np.clip(net[kept], 0.0, None))
    slot = np.full(len(code), -1)
    slot[first_row[kept]] = kept
    shown = slot[slot >= 0]  # purchase days in the order of their first row in the file
    frame = pd.DataFrame({"customer_id": ids[customer[shown]],
                          "date": _dates(days[shown]),
                          "amount": np.clip(net[shown], 0.0, None)})
    lost = len(ids) - np.count_nonzero(np.bincount(coded.customer, minlength=len(ids)))
    counts = (int((amount < 0).sum()), int((amount == 0).sum()), int(len(starts) - len(kept)), int(lost))
    return frame, coded, counts


def _dates(days: np.ndarray) -> np.ndarray:
    """Day numbers (since 1970-01-01) as dates at midnight, in pandas' microseconds."""
    return days.astype("datetime64[D]").astype("datetime64[us]")


def _read_clean(path: Path, columns: list[str], kinds: list[str]):
    """The named columns of a clean CSV as a pyarrow table with those types; None where the fast route declines."""
    try:
        import pyarrow as pa
        import pyarrow.csv as pv
    except ImportError:
        return None
    path = Path(path)
    if not path.is_file() or path.suffix.lower() in PARQUET:
        return None
    header = read_header(path)
    delimiter, decimal = sniff_file(path)
    if decimal != "." or len(set(header)) != len(header) or not set(columns) <= set(header):
        return None
    types = {c: getattr(pa, k)() for c, k in zip(columns, kinds, strict=True)}
    try:
        with pa.memory_map(str(path)) as source:
            table = pv.read_csv(source, pv.ReadOptions(column_names=header, skip_rows=1),
                                pv.ParseOptions(delimiter=delimiter),
                                pv.ConvertOptions(include_columns=columns, column_types=types,
                                                  strings_can_be_null=False, quoted_strings_can_be_null=False))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, OSError):
        return None
    if not table.num_rows or any(table.column(c).null_count for c in columns):
        return None
    return table.combine_chunks()


def _sorted_codes(values, pc) -> tuple[pd.Index | None, np.ndarray]:
    """The distinct values sorted (None when one is empty or padded) and each row's code among them."""
    encoded = pc.dictionary_encode(values).combine_chunks()
    dictionary = encoded.dictionary
    order = pc.array_sort_indices(dictionary).to_numpy()
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return _index(dictionary.take(order)), rank[encoded.indices.to_numpy()]


def _index(values) -> pd.Index | None:
    """Sorted distinct texts as the index of a table, or None when one is empty or padded with spaces."""
    import pyarrow.compute as pc

    if _bad_text(values, pc):
        return None
    return pd.Index(pd.array(values, dtype="str"), name="customer_id")


def _bad_text(values, pc) -> bool:
    """Whether any text is empty or starts or ends with what Python's str.strip() would remove."""
    return bool(pc.any(pc.equal(pc.utf8_length(values), 0)).as_py()
                or pc.any(pc.match_substring_regex(values, PADDED)).as_py())
