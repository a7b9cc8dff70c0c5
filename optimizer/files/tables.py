"""Reading tabular input files as text, whatever the spreadsheet that saved them.

CSV files saved by Excel in Nordic and other European locales use a semicolon separator and
a decimal comma, and often start with a byte-order mark; older Excel versions save in the
Windows-1252 code page. Cells are read as text so that numbers can be parsed (and wrong cells
reported) by the caller, with the locale in mind.
"""

from __future__ import annotations

import csv
import io
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from optimizer.errors import InputError, Problem

PARQUET = (".parquet", ".pq")


@dataclass(frozen=True)
class TextTable:
    """A table whose cells are all text, with what was learnt while reading it."""

    frame: pd.DataFrame
    source: str
    decimal: str = "."
    notes: tuple[str, ...] = ()

    def line(self, position: int) -> int:
        """The spreadsheet line of data row ``position`` (the header is line 1)."""
        return position + 2 if self.source_is_file else position + 1

    @property
    def line_word(self) -> str:
        return "line" if self.source_is_file else "row"

    @property
    def source_is_file(self) -> bool:
        return not self.source.startswith("<")


def read_table(source: str | Path | pd.DataFrame, name: str = "<DataFrame>") -> TextTable:
    """A file (CSV or Parquet) or an in-memory DataFrame as a :class:`TextTable`."""
    if isinstance(source, pd.DataFrame):
        return text_table_from_frame(source, name)
    return read_text_table(source)


def read_text_table(path: str | Path) -> TextTable:
    """Read a CSV or Parquet file with every cell as text and normalized column names."""
    path = Path(path)
    source = str(path)
    _check_file(path)
    if path.suffix.lower() in PARQUET:
        return _from_frame(_read_parquet(path), source, ".", ())
    text, notes = _decode(path.read_bytes(), source)
    if not text.strip():
        raise InputError(source, [Problem("the file is empty; it needs a header row and one row per channel")])
    sep, decimal = _sniff(text)
    frame, more = _parse_csv(text, sep, source)
    if more:
        notes += (more,)
    if sep == ";":
        notes += (f"read as a semicolon-separated file with decimal {'comma' if decimal == ',' else 'point'}",)
    return _from_frame(frame, source, decimal, notes)


def _parse_csv(text: str, sep: str, source: str) -> tuple[pd.DataFrame, str]:
    """The cells of a CSV text, and a note when every row ended in a separator (a trailing comma)."""
    options = dict(sep=sep, dtype=str, keep_default_na=False, skipinitialspace=True)
    try:
        frame = pd.read_csv(io.StringIO(text), **options)
        if isinstance(frame.index, pd.RangeIndex):
            return frame, ""
        # pandas took the first column for an index: every row has one cell more than the header
        last = frame.iloc[:, -1] if frame.shape[1] else pd.Series(dtype=str)
        if not last.astype(str).str.strip().eq("").all():
            raise InputError(source, [Problem("every row has one cell more than the header; add the missing "
                                              "column name to the header, or remove the extra cells")])
        with warnings.catch_warnings():  # pandas warns that the (empty) last cells are dropped: they are
            warnings.simplefilter("ignore", pd.errors.ParserWarning)
            frame = pd.read_csv(io.StringIO(text), index_col=False, **options)
        return frame, "every row ended in a separator (a trailing comma); the empty last cells were ignored"
    except (pd.errors.ParserError, csv.Error) as exc:
        found = _first_break(io.StringIO(text, newline=""), sep)
        raise InputError(source, [found or Problem(f"cannot be read as CSV: {_parser_message(exc)}; check the quotes "
                                                   "and that every row has as many cells as the header")]) from None


def text_table_from_frame(frame: pd.DataFrame, source: str = "<DataFrame>") -> TextTable:
    """Wrap an in-memory DataFrame (from a notebook) as a :class:`TextTable`."""
    return _from_frame(frame, source, ".", ())


def read_header(path: str | Path) -> list[str]:
    """The normalized column names of a CSV or Parquet file, reading no more than its first line."""
    path = Path(path)
    _check_file(path)
    if path.suffix.lower() in PARQUET:
        import pyarrow.parquet as pq  # only Parquet needs it

        try:
            return [_column(c) for c in pq.read_schema(path).names]
        except Exception as exc:  # pyarrow raises several unrelated types for a damaged file
            raise InputError(str(path), [Problem(f"not a readable Parquet file ({exc})")]) from None
    with open(path, "rb") as handle:
        first = handle.readline(1 << 20)
    text, _ = _decode(first, str(path))
    sep, _ = _sniff(text) if text.strip() else (",", ".")
    return [_column(c) for c in next(csv.reader([text.strip("\r\n")], delimiter=sep), [])]


def sniff_file(path: str | Path) -> tuple[str, str]:
    """The separator and decimal mark of a CSV file, from its first lines."""
    with open(path, encoding="utf-8-sig", errors="replace") as handle:
        head = "".join(handle.readline() for _ in range(20))
    return _sniff(head) if head.strip() else (",", ".")


def csv_problem(path: str | Path) -> Problem | None:
    """The first line that breaks a CSV file (a row whose cells do not match the header, or a quote that
    is never closed), read as a stream; None when every row is whole. For messages about files that a
    faster reader refused without saying where."""
    path = Path(path)
    if path.suffix.lower() in PARQUET or not path.is_file():
        return None
    sep, _ = sniff_file(path)
    with open(path, encoding="utf-8-sig", errors="replace", newline="") as handle:
        return _first_break(handle, sep)


def _first_break(handle, sep: str) -> Problem | None:
    reader = csv.reader(handle, delimiter=sep, strict=True)
    start = 1  # the line where the row being read begins (a quoted cell may span lines)
    try:
        width = len(next(reader, []))
        start = reader.line_num + 1
        for row in reader:
            if row and len(row) != width:
                return Problem(f"line {start} has {len(row)} cells but the header has {width}; add the missing "
                               "column name to the header, or remove the extra cells")
            start = reader.line_num + 1
    except csv.Error as exc:
        if "end of data" in str(exc):
            return Problem(f"the quote opened on line {start} is never closed; close it or remove it")
        return Problem(f"cannot be read as CSV at line {start}: {exc}; check the quotes")
    return None


def _check_file(path: Path) -> None:
    if not path.exists():
        raise InputError(str(path), [Problem("no such file; check the path")])
    if not path.is_file():
        raise InputError(str(path), [Problem("is not a file (a folder or a device); give a CSV or Parquet file")])


def _read_parquet(path: Path) -> pd.DataFrame:
    try:
        return pd.read_parquet(path)
    except ImportError:
        raise InputError(str(path), [Problem("reading Parquet needs pyarrow: pip install pyarrow")]) from None
    except Exception as exc:  # pyarrow raises several unrelated types for a damaged file
        raise InputError(str(path), [Problem(f"not a readable Parquet file ({exc})")]) from None


def _decode(raw: bytes, source: str) -> tuple[str, tuple[str, ...]]:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or (len(raw) > 3 and raw[1:4:2] == b"\x00\x00"):
        raise InputError(source, [Problem("the file is UTF-16 (as Excel's 'Unicode text' saves it); "
                                          "save it as 'CSV UTF-8' instead")])
    if b"\x00" in raw[:4096]:
        raise InputError(source, [Problem("the file holds binary data, not text; give a CSV or Parquet file")])
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


def _parser_message(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
    return re.sub(r"^Error tokenizing data\. C error: ", "", text)


def _column(name: object) -> str:
    return str(name).strip().lstrip("\ufeff").lower()


def _from_frame(frame: pd.DataFrame, source: str, decimal: str, notes: tuple[str, ...]) -> TextTable:
    frame = frame.copy()
    frame.columns = [_column(c) for c in frame.columns]
    frame = frame.reset_index(drop=True)
    return TextTable(frame=frame, source=source, decimal=decimal, notes=notes)
