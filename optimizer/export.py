"""Writing results: atomically (temporary file, then rename), and safe to open in a spreadsheet."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pulp

from optimizer.errors import OptimizerError

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def atomic_write(path: str | Path, write: Callable[[Path], None]) -> Path:
    """Call ``write`` on a temporary file beside ``path``, then rename it into place."""
    path = Path(path)
    check_target(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the mode a plain open() would
        os.replace(tmp, path)
    except OSError as exc:
        raise OptimizerError(f"cannot write {path}: {exc.strerror or exc}") from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def escape_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Text cells that a spreadsheet would run as formulas, prefixed with an apostrophe."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(
                lambda v: "'" + v if isinstance(v, str) and v.startswith(_FORMULA_START) else v
            )
    return out


def write_csv(frame: pd.DataFrame, path: str | Path, decimal_comma: bool = False) -> Path:
    """Write ``frame`` as UTF-8 CSV; with ``decimal_comma`` as Nordic Excel reads it (; and ,)."""
    safe = escape_formulas(frame)

    def write(tmp: Path) -> None:
        if decimal_comma:
            safe.to_csv(tmp, index=False, sep=";", decimal=",", encoding="utf-8-sig")
        else:
            safe.to_csv(tmp, index=False, encoding="utf-8")

    return atomic_write(path, write)


def write_json(data: dict, path: str | Path) -> Path:
    """Write ``data`` as indented UTF-8 JSON."""
    text = json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False)
    return atomic_write(path, lambda tmp: tmp.write_text(text + "\n", encoding="utf-8"))


def write_lp(prob: pulp.LpProblem, path: str | Path) -> Path:
    """Write the LP model in CPLEX LP format."""
    return atomic_write(path, lambda tmp: prob.writeLP(str(tmp)))


def check_target(path: str | Path | None) -> None:
    """Fail before any work when ``path`` cannot be written (no such folder, or a folder)."""
    if path is None:
        return
    path = Path(path)
    if path.is_dir():
        raise OptimizerError(f"{path} is a folder; give a file name such as {path / 'plan.csv'}")
    if not path.parent.exists():
        raise OptimizerError(f"cannot write {path}: the folder {path.parent} does not exist; create it first")
