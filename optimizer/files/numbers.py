"""One parser per kind of cell: numbers, dates and yes/no flags, used by every reader.

Spreadsheets write numbers in many ways. A number here may carry thousands separators (spaces,
apostrophes, or the mark that is not the decimal one, in whole groups of three digits) and a decimal
point or comma: "1,234.50", "1 234,50", "1.234,50" and "1234.5" all read as 1234.5. Where a cell alone
cannot tell ("1,234" or "1.234"), the decimal mark of its file decides.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd

_SPACES = re.compile(r"[\s\u00a0\u202f\u2009'’_]")
_GROUPED = {  # thousands mark -> whole groups of three digits, with an optional decimal part
    ",": re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$"),
    ".": re.compile(r"^[+-]?\d{1,3}(\.\d{3})+(,\d*)?$"),
}
TRUE_WORDS = frozenset({"true", "yes", "y", "1", "x", "ja", "j", "sant", "oui", "si", "sí", "wahr"})
FALSE_WORDS = frozenset({"false", "no", "n", "0", "", "nei", "nej", "usant", "falsk", "non", "falsch"})


def parse_number(cell: object, decimal: str = ".") -> float | None:
    """A number from a cell, or None when the cell is blank.

    Raises
    ------
    ValueError
        When the cell is not a number (NaN written as text counts as not a number).
    """
    if cell is None or (isinstance(cell, float) and math.isnan(cell)):
        return None
    if isinstance(cell, (int, float, np.integer, np.floating)) and not isinstance(cell, bool):
        return float(cell)
    text = _SPACES.sub("", str(cell))
    if not text:
        return None
    value = float(_plain(text, decimal))  # raises ValueError for text that is not a number
    if math.isnan(value):
        raise ValueError("NaN is not a number")
    return value


def _plain(text: str, decimal: str) -> str:
    """``text`` with thousands marks removed and a decimal point."""
    comma, dot = text.rfind(","), text.rfind(".")
    if comma >= 0 and dot >= 0:  # both marks: the later one is the decimal mark
        thousands = "." if comma > dot else ","
        if not _GROUPED[thousands].match(text):
            raise ValueError(text)
        return text.replace(thousands, "").replace(",", ".")
    if comma >= 0:
        if decimal == "." and _GROUPED[","].match(text):
            return text.replace(",", "")
        if text.count(",") > 1:
            if _GROUPED[","].match(text):
                return text.replace(",", "")
            raise ValueError(text)
        return text.replace(",", ".")
    if dot >= 0 and (text.count(".") > 1 or decimal == ",") and _GROUPED["."].match(text):
        return text.replace(".", "")
    return text


def parse_numbers(cells: pd.Series, decimal: str = ".") -> pd.Series:
    """:func:`parse_number` over a column, vectorized: NaN where a cell is blank or not a number.

    Plain numbers take the fast path; only the other distinct cells go through the full parser.
    """
    if pd.api.types.is_numeric_dtype(cells) and not pd.api.types.is_bool_dtype(cells):
        return cells.astype(float)
    text = cells.astype(str)
    values = pd.to_numeric(text, errors="coerce").astype(float)
    values = values.where(~text.str.strip().str.lower().isin(("nan", "-nan", "+nan")))
    rest = (values.isna() | values.eq(0)) & text.str.strip().ne("") & cells.notna()  # zeros: "-0" is -0.0
    if rest.any():
        distinct = {cell: _or_nan(cell, decimal) for cell in pd.unique(text[rest])}
        values = values.copy()
        values[rest] = text[rest].map(distinct)
    return values.astype(float)


def _or_nan(cell: str, decimal: str) -> float:
    try:
        value = parse_number(cell, decimal)
    except ValueError:
        return math.nan
    return math.nan if value is None else value


def parse_dates(cells: pd.Series, date_format: str | None = None) -> pd.Series:
    """Dates from text: ISO 8601 or YYYYMMDD unless ``date_format`` is given; NaT where not a date.

    Raises
    ------
    ValueError
        When ``date_format`` is not a valid strftime format.
    """
    text = cells.astype(str).str.strip()
    if date_format:
        check_date_format(date_format)
        return pd.to_datetime(text, format=date_format, errors="coerce")
    compact = text.str.fullmatch(r"\d{8}")
    iso = pd.to_datetime(text.where(~compact), format="ISO8601", errors="coerce")
    return iso.fillna(pd.to_datetime(text.where(compact), format="%Y%m%d", errors="coerce"))


def check_date_format(date_format: str) -> None:
    """Raise ValueError unless ``date_format`` is a strftime format with at least a year, month or day."""
    allowed = set("aAwdbBmyYHIpMSfzZjUWcxX%GuV")
    codes = re.findall(r"%(.)", date_format.replace("%%", ""))
    if not codes or any(c not in allowed for c in codes):
        raise ValueError(f"{date_format!r} is not a date format; write one such as %d.%m.%Y")


def parse_date(text: str) -> pd.Timestamp:
    """One date given as an option (YYYY-MM-DD or YYYYMMDD); raises ValueError when it is not one."""
    value = parse_dates(pd.Series([text])).iloc[0]
    if pd.isna(value):
        raise ValueError(f"{text!r} is not a date; write it as YYYY-MM-DD")
    return value


def parse_flag(cell: object) -> bool | None:
    """A yes/no cell (true, yes, ja, 1, x / false, no, nei, 0, blank); None when it is neither."""
    if cell is None or (isinstance(cell, float) and math.isnan(cell)):
        return False
    if isinstance(cell, bool):
        return cell
    if isinstance(cell, (int, float)) and cell in (0, 1):
        return bool(cell)
    text = str(cell).strip().lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    return None
