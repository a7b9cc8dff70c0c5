"""Every command in the README runs as written, in a fresh copy of the repository, and prints what it shows.

The commands are the lines of the README's ``bash`` blocks (a trailing backslash continues a line) and
the ``$ ltvcac ...`` lines of its ``text`` blocks, run in order by bash in a temporary copy of the
files git tracks, with the installed ``ltvcac`` first on the PATH. A command exits 0 unless its line
says ``# exits N``. The install-and-test command is what CI itself runs (.ci/run), so it is not run
here; of the quick start's install-and-run command only the ``ltvcac`` part is. Every line of a
``text`` block must appear in what the commands of its section printed (``...`` and lines in
parentheses stand for what the README leaves out; a line ending in ``...`` for its beginning). Nothing may be written outside ``out/``.

Slow (about a minute of solving): marked, and run in CI.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)


@dataclass(frozen=True)
class Example:
    line: int  # where the README has it
    section: str
    command: str
    exit_code: int


def _section(text: str, at: int) -> str:
    heads = re.findall(r"^## (.+)$", text[:at], re.M)
    return heads[-1] if heads else ""


def _logical_lines(block: str) -> list[tuple[int, str]]:
    out, pending, first = [], "", 0
    for k, line in enumerate(block.splitlines()):
        first = k if not pending else first
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        out.append((first, pending + line))
        pending = ""
    return out


def _command(line: str) -> str | None:
    if "pytest" in line:
        return None  # the test command: CI runs it (.ci/run), and it would run this test again
    if "pip install" in line:
        line = line.rsplit("&& ", 1)[-1]
    return line.strip() if line.strip().startswith("ltvcac ") else None


def readme_examples(text: str) -> list[Example]:
    """The README's commands, in order, with the exit code each line promises."""
    examples = []
    for match in FENCE.finditer(text):
        kind, body = match.group(1), match.group(2)
        start = text[:match.start()].count("\n") + 2
        for k, line in _logical_lines(body):
            if kind == "text" and not line.startswith("$ "):
                continue
            command = _command(line.removeprefix("$ "))
            if command is None:
                continue
            code = re.search(r"#.*\bexits (\d+)", command)
            examples.append(Example(start + k, _section(text, match.start()), command,
                                    int(code.group(1)) if code else 0))
    return examples


def shown_lines(text: str) -> dict[str, list[tuple[int, str]]]:
    """Per section, the lines of its ``text`` blocks that its commands must print."""
    shown: dict[str, list[tuple[int, str]]] = {}
    for match in FENCE.finditer(text):
        if match.group(1) != "text":
            continue
        start = text[:match.start()].count("\n") + 2
        for k, line in enumerate(match.group(2).splitlines()):
            if line.strip() and not line.startswith(("$ ", "(")) and line.strip() != "...":
                shown.setdefault(_section(text, match.start()), []).append((start + k, line))
    return shown


def _squeeze(text: str) -> str:
    return " ".join(text.split()).replace("Replaced ", "Wrote ")  # a file an earlier example wrote


def _printed(line: str, output: str) -> bool:
    """Whether ``line`` is in ``output``; a line ending in ... stands for its beginning."""
    line = _squeeze(line)
    return line.removesuffix("...").rstrip() in output if line.endswith("...") else line in output


def _tracked_copy(into: Path) -> None:
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, capture_output=True,
                           text=True, check=True).stdout.splitlines()
    for name in files:
        if (ROOT / name).is_file():
            (into / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, into / name)


def _files(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}


def test_the_readme_is_read_as_a_list_of_commands():
    examples = readme_examples((ROOT / "README.md").read_text(encoding="utf-8"))
    commands = [e.command for e in examples]
    assert commands[0] == "ltvcac optimize scenarios/channels.csv --out out/plan.csv"  # the quick start
    assert "ltvcac run scenarios/markets.toml" in commands  # a `$ ` line of a text block
    assert any(e.exit_code == 3 for e in examples) and not any("pytest" in c for c in commands)
    assert all(" \\" not in c for c in commands)  # continued lines are joined


@pytest.mark.slow
def test_every_readme_command_runs_as_written(tmp_path):
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("needs a git checkout to copy the tracked files")
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    _tracked_copy(tmp_path)
    before = _files(tmp_path)
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}", "COLUMNS": "200"}
    printed: dict[str, str] = {}
    failures = []
    for example in readme_examples(text):
        done = subprocess.run(["bash", "-c", example.command], cwd=tmp_path, env=env, capture_output=True,
                              text=True, timeout=600)
        printed[example.section] = printed.get(example.section, "") + done.stdout + done.stderr
        if done.returncode != example.exit_code:
            failures.append(f"README line {example.line}: {example.command}\n  exit {done.returncode} "
                            f"(expected {example.exit_code}):\n{done.stderr[-800:]}")
    for section, lines in shown_lines(text).items():
        if section in printed:
            output = _squeeze(printed[section])
            failures += [f"README line {n} ({section}) is not printed: {line.strip()}" for n, line in lines
                         if not _printed(line, output)]
    stray = sorted(f for f in _files(tmp_path) - before if not f.startswith("out/"))
    assert failures == [] and stray == [], "\n".join([*failures, f"written outside out/: {stray}"])
