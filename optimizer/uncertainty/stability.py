"""How stable each channel's recommendation is: re-optimize every draw, then the spread of each channel's
spend and how often its direction of change (up, cut, hold) agrees with the recommended plan.

Where the budget is the only rule linking channels, every draw is re-optimized by the vectorized
closed form (:mod:`.many`). Where other rules link them (group and ratio rules, a ratio floor) or the
plan needs integers (S-curves, buy-ins, an active-channel limit), each draw is one full certified
solve with the plan's own rules; at most ``MAX_SOLVED`` draws, spread evenly through the set, are
solved then, and a note says so.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum

import numpy as np
import pandas as pd

from optimizer.model.channels import Channels
from optimizer.model.limits import Limits
from optimizer.model.program import Program
from optimizer.model.settings import Settings
from optimizer.uncertainty.draws import DrawSet
from optimizer.uncertainty.many import reoptimize

HOLD = 0.01  # spend within +-1 % of today's is a hold
CLEAR = 0.8  # a direction that holds in fewer draws than this is not a clear call
MAX_SOLVED = 100  # draws solved one by one when rules link channels


class Direction(StrEnum):
    """Which way a plan moves a channel's spend from today's."""

    up = "up"
    down = "cut"
    hold = "hold"


def directions(spend: np.ndarray, today: np.ndarray, budget: float) -> np.ndarray:
    """+1 (up), -1 (cut) or 0 (hold) per entry of ``spend`` (one plan, or one per draw)."""
    tol = np.maximum(HOLD * today, 1e-6 * max(budget, 1.0))
    change = spend - today
    return np.where(change > tol, 1, np.where(change < -tol, -1, 0))


def draw_plans(draws: DrawSet, table: Channels, settings: Settings, program: Program, limits: Limits,
               solve: Callable[[Channels, Settings], np.ndarray | None]) -> tuple[np.ndarray, str | None]:
    """Each draw's optimal spend (draws, channels; NaN for a draw with no plan) and a note on how."""
    if program.budget_only and not program.needs_integers:
        return reoptimize(draws, limits.lo, limits.hi, limits.budget, limits.exact, settings.objective,
                          settings.fixed_costs), None
    subset = draws.thinned(MAX_SOLVED)
    rows = []
    for d in range(subset.size):
        spend = solve(subset.channels(d, table), settings)
        rows.append(np.full(len(table), np.nan) if spend is None else spend)
    plans = np.vstack(rows)
    solved = int(np.isfinite(plans[:, 0]).sum())
    note = (f"stability from {subset.size} of the {draws.size} draws, each re-optimized with every rule "
            "(one certified solve per draw; the budget is not the only rule linking channels)")
    if solved < subset.size:
        note += f"; {subset.size - solved} of them have no plan that keeps every rule"
    return plans, note


def stability(plans: np.ndarray, names: tuple[str, ...], recommended: np.ndarray, today: np.ndarray,
              budget: float) -> pd.DataFrame:
    """Per channel: the 5/50/95 % of its re-optimized spend and how often its direction agrees."""
    solved = plans[np.isfinite(plans).all(axis=1)]
    if not len(solved):
        solved = np.full((1, len(names)), np.nan)
    p05, p50, p95 = np.percentile(solved, [5, 50, 95], axis=0)
    mine = directions(recommended, today, budget)
    agree = (directions(solved, today, budget) == mine).mean(axis=0)
    frame = pd.DataFrame({"spend_p05": p05, "spend_p50": p50, "spend_p95": p95, "direction_agreement": agree,
                          "direction": [_word(v) for v in mine]}, index=pd.Index(names, name="channel"))
    return frame


def _word(code: int) -> str:
    return (Direction.up if code > 0 else Direction.down if code < 0 else Direction.hold).value


def clear(agreement: float) -> bool:
    """Whether a share of agreeing draws makes a clear call."""
    return agreement >= CLEAR
