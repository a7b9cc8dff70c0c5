"""Writing results: atomically (temporary file, then rename), and safe to open in a spreadsheet.

Every output path is checked before any work starts (:func:`check_target`, :func:`check_folder`), so
a long run never ends in "cannot write". A missing folder of an output is created (as ``out/`` on a
fresh clone). A file is written to a temporary name beside its target and renamed into place, so a
failed or interrupted run never leaves half a file.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

import pandas as pd

from optimizer.errors import OutputError

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def atomic_write(path: str | Path, write: Callable[[Path], None]) -> Path:
    """Call ``write`` on a temporary file beside ``path``, then rename it into place."""
    path = Path(path)
    check_target(path)
    if not path.parent.exists():
        prepare_folder(path.parent)
    if path.is_symlink():  # write where the link points, and keep the link
        path = path.resolve()
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, _mode_for(path))
        os.replace(tmp, path)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def _mode_for(path: Path) -> int:
    """Keep the mode of a file being replaced; a new file gets the mode a plain open() would give."""
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


def escape_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Text cells that a spreadsheet would run as formulas, prefixed with an apostrophe."""
    out = frame.copy()
    text = [pd.api.types.is_object_dtype(k) or pd.api.types.is_string_dtype(k) for k in out.dtypes]  # read once:
    for column in out.columns[text]:  # a frontier has 10 000 numeric columns
        out[column] = out[column].map(lambda v: "'" + v if isinstance(v, str) and v.startswith(_FORMULA_START) else v)
    return out


def write_csv(frame: pd.DataFrame, path: str | Path, decimal_comma: bool = False, escape: bool = True,
              index: bool = False) -> Path:
    """Write ``frame`` as UTF-8 CSV; with ``decimal_comma`` as Nordic Excel reads it (; and ,).

    ``escape`` guards text cells against running as spreadsheet formulas; tables that ltvcac reads
    back (channel tables, LTV tables) are written with ``escape=False`` so names stay exact.
    """
    safe = escape_formulas(frame) if escape else frame
    if escape and index:
        safe = safe.rename(index=lambda v: "'" + v if isinstance(v, str) and v.startswith(_FORMULA_START) else v)
    if escape:
        safe = safe.rename(columns=lambda v: "'" + v if isinstance(v, str) and v.startswith(_FORMULA_START) else v)

    def write(tmp: Path) -> None:
        if decimal_comma:
            safe.to_csv(tmp, index=index, sep=";", decimal=",", encoding="utf-8-sig")
        else:
            safe.to_csv(tmp, index=index, encoding="utf-8")

    return atomic_write(path, write)


def write_json(data: dict, path: str | Path) -> Path:
    """Write ``data`` as indented UTF-8 JSON."""
    text = json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False)
    return atomic_write(path, lambda tmp: tmp.write_text(text + "\n", encoding="utf-8"))


def write_text(text: str, path: str | Path) -> Path:
    """Write ``text`` as UTF-8."""
    return atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def check_target(path: str | Path | None, inputs: Iterable[str | Path] = ()) -> None:
    """Fail before any work when ``path`` cannot be written: a folder, read-only, an input file (a missing
    folder is fine: it is created when the file is written)."""
    if path is None:
        return
    path = Path(path)
    if path.is_dir():
        raise OutputError(f"{path} is a folder; give a file name such as {path / 'plan.csv'}")
    _check_parents(path.parent, f"cannot write {path}")
    if path.exists() and not os.access(path, os.W_OK):
        raise OutputError(f"cannot write {path}: the file is read-only; make it writable or choose another name")
    existing = next(p for p in (path.parent, *path.parent.parents) if p.exists())
    if not os.access(existing, os.W_OK):
        raise OutputError(f"cannot write {path}: the folder {existing} is not writable")
    for source in inputs:
        if source is not None and not isinstance(source, pd.DataFrame) and _same_file(path, Path(source)):
            raise OutputError(f"{path} is also an input; writing it would replace the input, so give another name")


def check_folder(folder: str | Path | None) -> None:
    """Fail before any work when ``folder`` cannot hold outputs (a file is in its way, or not writable)."""
    if folder is None:
        return
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"{folder} is a file, not a folder; give a folder for the outputs")
    _check_parents(folder, f"cannot create the folder {folder}")
    existing = next((p for p in (folder, *folder.parents) if p.exists()), None)
    if existing is not None and not os.access(existing, os.W_OK):
        raise OutputError(f"cannot write to {folder}: {existing} is not writable")


def prepare_folder(folder: str | Path) -> Path:
    """Create ``folder`` (and its parents) for outputs, with a clear error when that is impossible."""
    folder = Path(folder)
    check_folder(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create the folder {folder}: {exc.strerror or exc}") from None
    return folder


def _check_parents(folder: Path, what: str) -> None:
    for parent in (folder, *folder.parents):
        if parent.exists() and not parent.is_dir():
            raise OutputError(f"{what}: {parent} is a file, not a folder")


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False
