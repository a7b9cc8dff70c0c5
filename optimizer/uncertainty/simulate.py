"""Plans evaluated under the same draws: each draw's LTV:CAC, value and customers, their spread, the
chance the recommended plan beats today's, the chance of reaching a target, and the price of safety.

Every plan is scored on the same draws, so differences between plans are not sampling noise between
two simulations: "beats today's in 97 % of draws" compares the two plans draw by draw.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from optimizer.model.choices import Objective
from optimizer.uncertainty.draws import DrawSet
from optimizer.uncertainty.summary import FIGURES, STATS, PriceOfSafety, tail_mean

_BETTER = 1e-9  # a plan beats another in a draw when its objective is higher by more than this, relatively


def outcomes(draws: DrawSet, spend: np.ndarray, fixed: float) -> dict[str, np.ndarray]:
    """Each draw's customers, value and LTV:CAC for the plan ``spend`` (one per channel)."""
    customers = draws.customers(spend)
    value = (draws.ltv * customers).sum(axis=1)
    cost = float(np.sum(spend)) + fixed
    return {"customers": customers.sum(axis=1), "value": value,
            "ltv_cac": value / cost if cost > 0 else np.full(draws.size, np.nan)}


def objective_of(out: dict[str, np.ndarray], goal: Objective, spend: np.ndarray) -> np.ndarray:
    """Each draw's objective for a plan's outcomes."""
    if goal == Objective.ratio:
        return out["ltv_cac"]
    if goal == Objective.profit:
        return out["value"] - float(np.sum(spend))
    return out[goal.value]


def summarize(draws: DrawSet, plans: dict[str, np.ndarray], goal: Objective, fixed: float, target: float | None,
              tail_share: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The summary frame (one row per plan) and every draw's figures, for ``plans`` (name -> spend).

    ``plans`` must hold ``today``; ``p_beats_today`` compares each other plan with it draw by draw.
    """
    got = {name: outcomes(draws, spend, fixed) for name, spend in plans.items()}
    goals = {name: objective_of(got[name], goal, spend) for name, spend in plans.items()}
    rows = {}
    for name, out in got.items():
        row = {}
        for figure in FIGURES:
            v = out[figure]
            p05, p50, p95 = np.percentile(v, [5, 50, 95])
            row.update({f"{figure}_mean": v.mean(), f"{figure}_std": v.std(ddof=1) if len(v) > 1 else 0.0,
                        f"{figure}_p05": p05, f"{figure}_p50": p50, f"{figure}_p95": p95})
        row["objective_mean"] = goals[name].mean()
        row["objective_tail"] = float(tail_mean(goals[name], tail_share))
        base = goals["today"]
        row["p_beats_today"] = (np.nan if name == "today" else
                                float(np.mean(goals[name] > base + _BETTER * np.abs(base))))
        row["p_reaches_target"] = np.nan if target is None else float(np.mean(out["ltv_cac"] >= target))
        rows[name] = row
    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame.index.name = "plan"
    per_draw = pd.concat([pd.DataFrame({"plan": name, "draw": np.arange(draws.size), **got[name]})
                          for name in plans], ignore_index=True)
    return frame[[c for c in _ORDER if c in frame.columns]], per_draw


_ORDER = (*(f"{f}_{s}" for f in FIGURES for s in STATS), "objective_mean", "objective_tail", "p_beats_today",
          "p_reaches_target")


def price_of_safety(frame: pd.DataFrame, tail_share: float) -> PriceOfSafety:
    """The risk-aware plan (``recommended``) against the point plan, from the summary frame."""
    point, risk = frame.loc["point"], frame.loc["recommended"]
    return PriceOfSafety(float(point["objective_mean"]), float(risk["objective_mean"]),
                         float(point["objective_tail"]), float(risk["objective_tail"]), tail_share)
