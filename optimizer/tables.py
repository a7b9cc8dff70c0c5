"""Reading tabular input files as text, whatever the spreadsheet that saved them.

CSV files saved by Excel in Nordic and other European locales use a semicolon separator and
a decimal comma, and often start with a byte-order mark; older Excel versions save in the
Windows-1252 code page. Cells are read as text so that numbers can be parsed (and wrong cells
reported) by the caller, with the locale in mind.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from optimizer.errors import InputError, Problem

_SPACES = re.compile(r"[\s\u00a0\u202f\u2009']")
_DOT_GROUPS = re.compile(r"^[+-]?\d{1,3}(\.\d{3})+(,\d*)?$")
_COMMA_GROUPS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$")


@dataclass(frozen=True)
class TextTable:
    """A table whose cells are all text, with what was learnt while reading it."""

    frame: pd.DataFrame
    source: str
    decimal: str = "."
    notes: tuple[str, ...] = ()

    def line(self, position: int) -> int | None:
        """The spreadsheet line of data row ``position`` (the header is line 1)."""
        return position + 2 if self.source_is_file else position + 1

    @property
    def source_is_file(self) -> bool:
        return not self.source.startswith("<")


def read_text_table(path: str | Path) -> TextTable:
    """Read a CSV or Parquet file with every cell as text and normalized column names."""
    path = Path(path)
    source = str(path)
    if not path.is_file():
        raise InputError(source, [Problem("no such file; check the path")])
    if path.suffix.lower() in {".parquet", ".pq"}:
        return _from_frame(_read_parquet(path), source, ".", ())
    if path.suffix.lower() in {".xlsx", ".xls", ".ods"}:
        raise InputError(source, [Problem("spreadsheet files are not read; save it as CSV")])
    raw = path.read_bytes()
    text, notes = _decode(raw)
    if not text.strip():
        raise InputError(source, [Problem("the file is empty; it needs a header row and one row per channel")])
    sep, decimal = _sniff(text)
    frame = pd.read_csv(
        io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, skipinitialspace=True,
    )
    if sep == ";":
        notes += (f"read as a semicolon-separated file with decimal {'comma' if decimal == ',' else 'point'}",)
    return _from_frame(frame, source, decimal, notes)


def text_table_from_frame(frame: pd.DataFrame, source: str = "<DataFrame>") -> TextTable:
    """Wrap an in-memory DataFrame (from a notebook) as a :class:`TextTable`."""
    return _from_frame(frame, source, ".", ())


def sniff_file(path: str | Path) -> tuple[str, str]:
    """The separator and decimal mark of a CSV file, from its first lines."""
    with open(path, encoding="utf-8-sig", errors="replace") as handle:
        head = "".join(handle.readline() for _ in range(20))
    return _sniff(head) if head.strip() else (",", ".")


def parse_number(cell: object, decimal: str = ".") -> float | None:
    """A number from a cell, or None when the cell is blank; raises ValueError when not a number.

    Thousands separators (spaces, apostrophes and the separator opposite the decimal mark in
    whole groups of three digits) are accepted, as spreadsheets write them.
    """
    if cell is None or (isinstance(cell, float) and math.isnan(cell)):
        return None
    if isinstance(cell, (int, float)) and not isinstance(cell, bool):
        return float(cell)
    text = _SPACES.sub("", str(cell))
    if not text:
        return None
    if decimal == ",":
        if _DOT_GROUPS.match(text):
            text = text.replace(".", "")
        text = text.replace(",", ".")
    elif _COMMA_GROUPS.match(text):
        text = text.replace(",", "")
    value = float(text)  # raises ValueError for text that is not a number
    if math.isnan(value):
        raise ValueError("NaN is not a number")
    return value


def _read_parquet(path: Path) -> pd.DataFrame:
    try:
        return pd.read_parquet(path)
    except ImportError:
        raise InputError(str(path), [Problem("reading Parquet needs pyarrow: pip install pyarrow")]) from None
    except Exception as exc:  # pyarrow raises several unrelated types for a damaged file
        raise InputError(str(path), [Problem(f"not a readable Parquet file ({exc})")]) from None


def _decode(raw: bytes) -> tuple[str, tuple[str, ...]]:
    try:
        return raw.decode("utf-8-sig"), ()
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace"), (
            "the file is not UTF-8; it was read as Windows-1252 (Excel's 'CSV' format); "
            "save it as 'CSV UTF-8' to be sure of special characters",
        )


def _sniff(text: str) -> tuple[str, str]:
    """The separator and decimal mark of a CSV text, from its header and first rows."""
    sample = "\n".join(text.splitlines()[:20])
    try:
        sep = csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
    except csv.Error:
        header = sample.splitlines()[0]
        sep = max([",", ";", "\t"], key=header.count)
    decimal = "," if sep in ";\t" and re.search(r"\d,\d", sample) else "."
    return sep, decimal


def _from_frame(frame: pd.DataFrame, source: str, decimal: str, notes: tuple[str, ...]) -> TextTable:
    frame = frame.copy()
    frame.columns = [str(c).strip().lstrip("\ufeff").lower() for c in frame.columns]
    frame = frame.reset_index(drop=True)
    return TextTable(frame=frame, source=source, decimal=decimal, notes=notes)
