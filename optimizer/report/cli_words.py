"""How the command line names its options and their values in help: words, not Python types.

Typer shows a required argument as ``{CHANNELS}``, a list of files as ``<list[Path]>``, a flag as
``<bool>`` and a number as ``<float>``. Commands built with :class:`WordsCommand` (and the app with
:class:`WordsGroup`) show ``CHANNELS.csv|SCENARIO.toml``, ``SCENARIO.toml...``, nothing for a flag and
``NUMBER``, ``N``, ``TEXT``, ``FILE``, ``FOLDER`` or the choices (``exact|at-most``) for a value.
"""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, get_args, get_origin

import typer
from typer.core import TyperCommand, TyperGroup

WORDS = {float: "NUMBER", int: "N", str: "TEXT"}
CLICK_WORDS = {"float": "NUMBER", "integer": "N", "text": "TEXT", "path": "PATH", "float range": "NUMBER",
               "integer range": "N"}


def value_words(kind, file_okay: bool = True, dir_okay: bool = True) -> str:
    """How an option's value is named in help: ``NUMBER``, ``N``, ``TEXT``, ``FILE``, ``FOLDER``, choices."""
    args = [a for a in get_args(kind) if a is not type(None)]
    if args and get_origin(kind) is not list:  # X | None
        kind = args[0]
    if kind is bool:
        return ""
    if isinstance(kind, type) and issubclass(kind, Enum):
        return "|".join(str(member.value) for member in kind)
    if isinstance(kind, type) and issubclass(kind, Path):
        return "FILE" if not dir_okay else "FOLDER" if not file_okay else "PATH"
    return WORDS.get(kind, "VALUE")


def _in_words(param) -> None:
    """Name ``param``'s value in words where no metavar was given; arguments show no type at all."""
    if param.param_type_name == "argument":
        param.display_type_rich = lambda ctx: None  # the argument's own name says what it is
        return
    if param.metavar is None:
        if getattr(param, "is_flag", False):
            param.metavar = ""
        else:
            descriptor = getattr(param, "type_descriptor", None)  # Typer's view of the annotation (Typer >= 0.29)
            if descriptor is None:  # older Typer: click's parameter type
                kind = getattr(param, "type", None)
                param.metavar = CLICK_WORDS.get(getattr(kind, "name", ""), "VALUE")
                return
            info = getattr(descriptor, "parameter_info", None)
            param.metavar = value_words(descriptor.annotation, getattr(info, "file_okay", True),
                                        getattr(info, "dir_okay", True))


def _usage(param) -> str:
    name = param.metavar or param.name.upper()
    if param.nargs != 1 and not name.endswith("..."):
        name += "..."
    return name if param.required else f"[{name}]"


class _InWords:
    """Parameters whose help names values in words (mixed into a Typer command or group)."""

    def get_params(self, ctx):
        params = super().get_params(ctx)
        for param in params:
            _in_words(param)
        return params


class WordsCommand(_InWords, TyperCommand):
    """A command whose help names arguments and values in words."""

    def collect_usage_pieces(self, ctx) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        return pieces + [_usage(p) for p in self.get_params(ctx) if p.param_type_name == "argument"]


class WordsGroup(_InWords, TyperGroup):
    """The app: its own options (--version, --help) in words too."""


def option(kind, help: str, *names: str, **more):
    """An option of type ``kind`` with its help (names and Typer settings as typer.Option takes them)."""
    return Annotated[kind, typer.Option(*names, help=help, **more)]


def out_file(help: str, metavar: str = "FILE.csv", kind=Path | None):
    """An output file option (--out/-o)."""
    return option(kind, help, "--out", "-o", dir_okay=False, metavar=metavar)


def input_file(help: str, metavar: str, kind=Path):
    """An input file argument that must exist."""
    return Annotated[kind, typer.Argument(exists=True, dir_okay=False, metavar=metavar, help=help)]


def progress(total: int, label: str, quiet: bool):
    """A progress bar on stderr when it is a terminal; otherwise a bar that shows nothing."""
    return typer.progressbar(length=total, label=label, file=sys.stderr, hidden=quiet or not sys.stderr.isatty())
