"""The command line's help reads like words, and every command speaks the same grammar.

Every ``--help`` is rendered as a user sees it; usage lines and option values must not show Python
types (``<list[Path]>``, ``<bool>``, ``<float>``) or Typer's braces (``{CHANNELS}``). The shared options
are checked command by command against the grammar the README promises.
"""

from __future__ import annotations

import re

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from cli import SETTINGS, app, flag

runner = CliRunner()
COMMANDS = sorted(get_command(app).commands)
PYTHON = re.compile(r"<[a-z][^>]*>|\{[A-Za-z.|_]+\}|list\[|\b(?:NoneType|Path|bool|float|int|str)\b")

# What every command takes: the grammar. None: the option makes no sense there (no CSV, no chart, ...).
SOLVING = ("optimize", "run", "compare", "frontier", "report")
SHARED = {
    "--out": ("optimize", "compare", "frontier", "report", "ltv", "set-ltv", "attribute", "fit-curves"),
    "--out-dir": ("run",),
    "--plot": ("optimize", "run", "frontier", "report", "fit-curves"),
    "--quiet": ("optimize", "run", "compare", "frontier", "report", "validate", "ltv", "set-ltv", "attribute",
                "fit-curves"),
    "--decimal-comma": ("optimize", "run", "compare", "frontier", "ltv", "set-ltv", "attribute", "fit-curves"),
    "--from": ("frontier", "report"),
    "--to": ("frontier", "report"),
    "--steps": ("frontier", "report"),
}


def _help(*args: str) -> str:
    result = runner.invoke(app, [*args, "--help"], env={"COLUMNS": "200", "NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    return result.stdout


def _options(name: str) -> set[str]:
    return {o for p in get_command(app).commands[name].params for o in (*p.opts, *p.secondary_opts)}


@pytest.mark.parametrize("name", ["", *COMMANDS], ids=lambda n: n or "ltvcac")
def test_help_reads_like_words(name):
    text = _help(*([name] if name else []))
    usage = next(line for line in text.splitlines() if "Usage:" in line).strip()
    assert re.fullmatch(rf"Usage: ltvcac {re.escape(name)}\s*\[OPTIONS\][ A-Z_.|\[\]a-z]*", usage.strip()), usage
    found = sorted({m.group(0) for m in PYTHON.finditer(text)})
    assert found == [], f"{name or 'ltvcac'} --help shows Python types: {found}"


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_speaks_the_shared_grammar(name):
    options = _options(name)
    for option, commands in SHARED.items():
        assert (option in options) == (name in commands), f"{name} {option}"
    settings = {flag(s) for s in SETTINGS}
    assert (settings <= options) if name in SOLVING else not (settings & options), name


def test_flags_have_one_spelling_and_no_value():
    """A flag is --quiet, not --quiet/--no-quiet; only a default that is on offers its --no- form."""
    for name in COMMANDS:
        for param in get_command(app).commands[name].params:
            if getattr(param, "is_flag", False) and param.secondary_opts:
                assert param.default is True, f"{name} {param.opts}"
