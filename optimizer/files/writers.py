"""Writing results: atomically (temporary file, then rename), and safe to open in a spreadsheet.

Every output path is checked before any work starts (:func:`check_target`, :func:`check_folder`), so
a long run never ends in "cannot write". A missing folder of an output is created (as ``out/`` on a
fresh clone). A file is written to a temporary name beside its target and renamed into place, so a
failed or interrupted run never leaves half a file. A command that writes several files does so inside
:func:`together`: every file (and folder) is held back under a temporary name and all move into place
when the command ends well; on an error or Ctrl-C the temporaries are removed and nothing was written.
"""

from __future__ import annotations

import json
import os
import signal
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

import pandas as pd

from optimizer.errors import OutputError

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


_HELD: ContextVar[list[tuple[Path | None, Path]] | None] = ContextVar("held_outputs", default=None)


@contextmanager
def together() -> Iterator[None]:
    """Hold back every file written (and removed) inside the block; move them into place at its end.

    Files are written to temporary names (beside their targets, or in the nearest existing folder when
    theirs is still to be made); folders are made only at the end. When the block raises (an error,
    Ctrl-C), every temporary is removed and no output was created, changed or removed. A block inside
    another joins the outer one.
    """
    if _HELD.get() is not None:
        yield
        return
    held: list[tuple[Path | None, Path]] = []
    token = _HELD.set(held)
    try:
        yield
    except BaseException:
        _discard(held)
        raise
    finally:
        _HELD.reset(token)
    _move_into_place(held)


def atomic_write(path: str | Path, write: Callable[[Path], None]) -> Path:
    """Call ``write`` on a temporary file beside ``path``, then rename it into place (inside
    :func:`together`, at the end of the block)."""
    path = Path(path)
    held = _HELD.get()
    check_target(path)
    if held is None and not path.parent.exists():
        prepare_folder(path.parent)
    if path.is_symlink():  # write where the link points, and keep the link
        path = path.resolve()
    folder = next(p for p in (path.parent, *path.parent.parents) if p.exists())
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, _mode_for(path))
        if held is None:
            os.replace(tmp, path)
    except BaseException as exc:  # an error or Ctrl-C while writing: no temporary stays behind
        if os.path.exists(tmp):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
        raise
    if held is not None:
        held.append((Path(tmp), path))
    return path


def remove_output(path: str | Path) -> bool:
    """Remove an earlier output that must not stand beside this run's (at the end of a :func:`together`
    block); whether there was one."""
    path = Path(path)
    if not path.is_file():
        return False
    held = _HELD.get()
    if held is None:
        path.unlink()
    else:
        held.append((None, path))
    return True


def _discard(held: list[tuple[Path | None, Path]]) -> None:
    for tmp, _target in held:
        if tmp is not None and tmp.exists():
            tmp.unlink()


def _move_into_place(held: list[tuple[Path | None, Path]]) -> None:
    """Make the folders and rename every held file into place, with Ctrl-C held off while it lasts."""
    done: list[str] = []
    with _interrupts_held():
        for k, (tmp, target) in enumerate(held):
            try:
                if tmp is None:
                    target.unlink(missing_ok=True)
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(tmp, target)
                done.append(str(target))
            except OSError as exc:
                _discard(held[k:])
                wrote = f"only {', '.join(done)} had been written" if done else "nothing was written"
                raise OutputError(f"cannot write {target}: {exc.strerror or exc}; {wrote}") from None


@contextmanager
def _interrupts_held() -> Iterator[None]:
    """Ignore Ctrl-C for the moment the outputs take to move into place: the work is done by then, and a
    half-moved set of outputs is what :func:`together` exists to prevent."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


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
    _check_file(path)
    _check_parents(path.parent, f"cannot write {path}")
    existing = next(p for p in (path.parent, *path.parent.parents) if p.exists())
    if not os.access(existing, os.W_OK):
        raise OutputError(f"cannot write {path}: the folder {existing} is not writable")
    for source in inputs:
        if source is not None and not isinstance(source, pd.DataFrame) and _same_file(path, Path(source)):
            raise OutputError(f"{path} is also an input; writing it would replace the input, so give another name")


def _check_file(path: Path) -> None:
    if path.is_dir():
        raise OutputError(f"{path} is a folder; give a file name such as {path / 'plan.csv'}")
    if path.exists() and not (os.access(path, os.W_OK) and path.stat().st_mode & 0o222):  # read-only, even for root
        raise OutputError(f"cannot write {path}: the file is read-only; make it writable or choose another name")


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
    """Create ``folder`` (and its parents) for outputs, with a clear error when that is impossible; inside
    :func:`together` it is only checked, and made when the outputs move into place."""
    folder = Path(folder)
    check_folder(folder)
    if _HELD.get() is not None:
        return folder
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
