"""The optimization program in the optimizer's own terms: linear rows, a linear objective over
customers and spend, and each channel's curve and spend interval; how its answers are labelled.

A :class:`Program` is a separable program: maximize sum(alpha * customers(x) - beta * x) over
spend x in [lo, hi] subject to linear rows sum(p * customers(x) + q * x) <sense> rhs. The solve
package decides how (closed form, refined LPs, refined MILPs) and names its answer with
:class:`Approach` and :class:`Status`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace
from enum import StrEnum

import numpy as np

from optimizer.model.blocks import ActiveSets, RowBlock
from optimizer.model.curves import Curves

_NORDIC = str.maketrans({"ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "ß": "ss", "đ": "d", "ł": "l"})


class Sense(StrEnum):
    """The comparison of a row with its right-hand side."""

    le = "<="
    ge = ">="
    eq = "="


class Status(StrEnum):
    """How a solve ended."""

    optimal = "optimal"  # a plan proven within the tolerance of the optimum
    time_limit = "time limit"  # the best plan found in the time allowed, with its proven gap
    infeasible = "infeasible"  # no plan keeps every rule; a diagnosis says why


class Approach(StrEnum):
    """Which method solved a plan."""

    closed_form = "closed form"  # the budget multiplier, exact, no LP
    refined_lp = "refined LP"  # piecewise-linear LPs refined until certified
    refined_milp = "refined MILP"  # mixed-integer models (S-curves, buy-ins, active-channel limit)
    nested = "nested multipliers"  # budgets nested in a tree (total > market > cell), exact, no LP
    risk_lp = "refined risk LP"  # a CVaR plan: one LP over every draw's piecewise curves, refined until certified


@dataclass(frozen=True)
class Row:
    """A linear rule over all channels: sum(p * customers + q * spend) <sense> rhs."""

    name: str
    p: np.ndarray
    q: np.ndarray
    sense: Sense
    rhs: float


@dataclass(frozen=True)
class LinearObjective:
    """maximize sum(alpha * customers - beta * spend) + constant."""

    alpha: np.ndarray
    beta: np.ndarray
    constant: float = 0.0

    def evaluate(self, customers: np.ndarray, spend: np.ndarray) -> float:
        return float(self.alpha @ customers - self.beta @ spend + self.constant)


@dataclass(frozen=True)
class Program:
    """Curves, spend intervals and rows of one optimization, with LP-safe channel names."""

    names: tuple[str, ...]
    curves: Curves
    lo: np.ndarray
    hi: np.ndarray
    rows: tuple[Row, ...]
    title: str = "ltvcac"
    buy_in: np.ndarray = field(default=None)  # spend is 0 or at least this (NaN: none)
    max_active: int | None = None
    blocks: tuple[RowBlock, ...] = ()  # rows over cells held sparse (budgets per market, flighting)
    active: ActiveSets | None = None  # at least so many cells of each set spend at least their level

    def __post_init__(self) -> None:
        if self.buy_in is None:
            object.__setattr__(self, "buy_in", np.full(len(self.lo), np.nan))

    def with_rows(self, rows) -> Program:
        return replace(self, rows=tuple(rows))

    @property
    def budget_only(self) -> bool:
        """Whether the budget is the only row linking channels (the closed form applies)."""
        return len(self.rows) == 1 and self.rows[0].name == "budget" and not self.blocks

    @property
    def needs_integers(self) -> bool:
        """S-curves, buy-ins, an active-channel limit or active periods need the mixed-integer model."""
        return bool((~self.curves.concave).any() or (np.nan_to_num(self.buy_in) > 0).any()
                    or self.max_active is not None or self.active is not None)


def lp_names(channels: tuple[str, ...]) -> tuple[str, ...]:
    """Unique, LP-file-safe identifiers that still read as the channel names."""
    out, seen = [], set()
    for name in channels:
        ascii_name = unicodedata.normalize("NFKD", name.translate(_NORDIC)).encode("ascii", "ignore").decode()
        base = re.sub(r"_+", "_", re.sub(r"[^A-Za-z0-9]", "_", ascii_name)).strip("_") or "channel"
        candidate, k = base, 2
        while candidate.lower() in seen:
            candidate, k = f"{base}_{k}", k + 1
        seen.add(candidate.lower())
        out.append(candidate)
    return tuple(out)
