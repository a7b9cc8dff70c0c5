"""Rules across channels: groups with spend shares or amounts, and ratios between channels or groups.

Every rule is a linear row in spend, so it enters the LP as it is and keeps the certificate; a rule
keeps the words that describe it, for the plan's explanation and the diagnosis.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

import numpy as np

from optimizer.errors import UsageError
from optimizer.files.ranges import AMOUNT, SHARE, Allowed, check_number
from optimizer.model.program import Row, Sense, lp_names
from optimizer.words import money


@dataclass(frozen=True)
class GroupRule:
    """A named group of channels whose total spend has a share and/or amount floor or ceiling.

    Shares are of total spend (0.4 = 40 %); amounts are spend per period.
    """

    name: str
    channels: tuple[str, ...]
    min_share: float | None = None
    max_share: float | None = None
    min_spend: float | None = None
    max_spend: float | None = None

    def __post_init__(self) -> None:
        where = f"group {self.name!r}"
        _numbers(where, {"min_share": (self.min_share, SHARE), "max_share": (self.max_share, SHARE),
                         "min_spend": (self.min_spend, AMOUNT), "max_spend": (self.max_spend, AMOUNT)})


@dataclass(frozen=True)
class RatioRule:
    """Spend of ``left`` between ``min`` and ``max`` times spend of ``right`` (channels or groups).

    ``left`` and ``right`` are the names shown in messages; ``left_channels`` and ``right_channels``
    the channels they stand for.
    """

    left: str
    right: str
    left_channels: tuple[str, ...]
    right_channels: tuple[str, ...]
    max: float | None = None
    min: float | None = None

    def __post_init__(self) -> None:
        _numbers(f"ratio rule {self.left!r} to {self.right!r}", {"max": (self.max, RATIO), "min": (self.min, RATIO)})


def _numbers(where: str, numbers: dict[str, tuple[object, Allowed]]) -> None:
    """Every given number in its range, or a UsageError naming the rule, the key and the range."""
    problems = [check_number(key, value, allowed, parameter=False) for key, (value, allowed) in numbers.items()]
    problems = [p for p in problems if p]
    if problems:
        raise UsageError(f"{where}: " + "; ".join(problems))


RATIO = Allowed(0.0, 1e6, words="a ratio of 0 or more, such as 0.6")


@dataclass(frozen=True)
class RuleRow:
    """A rule's row and the words that describe it."""

    row: Row
    text: str


def rule_rows(rules: list[GroupRule | RatioRule], channels: tuple[str, ...]) -> list[RuleRow]:
    """The rows of ``rules`` over ``channels``; unknown channel names raise :class:`UsageError`."""
    index = {name: i for i, name in enumerate(channels)}
    out = []
    for rule in rules:
        if isinstance(rule, GroupRule):
            out += _group_rows(rule, _member(rule.channels, index, channels))
        else:
            left = _member(rule.left_channels, index, channels)
            right = _member(rule.right_channels, index, channels)
            out += _ratio_rows(rule, left, right)
    return out


def _member(names: tuple[str, ...], index: dict[str, int], channels: tuple[str, ...]) -> np.ndarray:
    mask = np.zeros(len(channels))
    unknown = []
    for name in names:
        if name in index:
            mask[index[name]] = 1.0
        else:
            close = difflib.get_close_matches(name, channels, n=1)
            unknown.append(f"{name!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
    if unknown:
        raise UsageError(f"unknown channel {', '.join(unknown)} in a rule")
    return mask


def _group_rows(rule: GroupRule, member: np.ndarray) -> list[RuleRow]:
    tag, n = lp_names((rule.name,))[0], len(member)
    out = []
    for share, sense, word in ((rule.min_share, Sense.ge, "at least"), (rule.max_share, Sense.le, "at most")):
        if share is not None:  # group spend - share * total spend (<=|>=) 0
            key = "min_share" if sense == Sense.ge else "max_share"
            out.append(RuleRow(Row(f"group_{tag}_{key}", np.zeros(n), member - share, sense, 0.0),
                               f"group {rule.name!r} {word} {share:.0%} of spend"))
    for amount, sense, word in ((rule.min_spend, Sense.ge, "at least"), (rule.max_spend, Sense.le, "at most")):
        if amount is not None:
            key = "min_spend" if sense == Sense.ge else "max_spend"
            out.append(RuleRow(Row(f"group_{tag}_{key}", np.zeros(n), member.copy(), sense, float(amount)),
                               f"group {rule.name!r} {word} {money(amount)}"))
    return out


def _ratio_rows(rule: RatioRule, left: np.ndarray, right: np.ndarray) -> list[RuleRow]:
    tag = "_".join(lp_names((rule.left, rule.right)))
    out = []
    for factor, sense, word in ((rule.max, Sense.le, "at most"), (rule.min, Sense.ge, "at least")):
        if factor is not None:  # left - factor * right (<=|>=) 0
            key = "max" if sense == Sense.le else "min"
            out.append(RuleRow(Row(f"ratio_{tag}_{key}", np.zeros(len(left)), left - factor * right, sense, 0.0),
                               f"{rule.left!r} {word} {factor:g} x {rule.right!r}"))
    return out
