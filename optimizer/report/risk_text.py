"""How sure a plan is, as text for a terminal: the plans over the draws, the price of safety, and each
channel's stability in words ("Display: cut in 97 % of draws; Podcasts: up in 58 % — not a clear call")."""

from __future__ import annotations

import math

from optimizer.model.choices import Objective
from optimizer.results.result import Result
from optimizer.uncertainty.stability import clear
from optimizer.words import count, money, ratio, whole

_TITLES = {"today": "today", "point": "point plan", "recommended": "recommended"}
_VERBS = {"up": "up", "cut": "cut", "hold": "held"}


def risk_words(risk: str | None) -> str:
    """How a risk-aware plan weighs the draws, to follow the objective's words ('' without one)."""
    if risk is None:
        return ""
    if risk == "expected":
        return ", as the mean over the draws (risk: expected)"
    share = float(risk.split(":")[1])
    return f", as the mean of the worst {share * 100:g} % of draws (risk: {risk})"


def format_uncertainty(result: Result, max_rows: int = 40) -> list[str]:
    """Lines on the draws, the plans' spread, the price of safety and stability (none without draws)."""
    u = result.uncertainty
    if u is None or not result.ok:
        return []
    varying = " and ".join(", ".join(u.varies).rsplit(", ", 1)) if u.varies else "nothing"
    draws = f"{u.draws:,}".replace(",", " ")
    lines = ["", f"Over {draws} draws from {u.origin}; {varying} "
                 f"{'varies' if len(u.varies) == 1 else 'vary'}:"]
    if u.risk is not None:
        lines.append("  (the portfolio above is the draws' mean; the point plan is the plan on the estimates)")
    lines += _table(result)
    if u.price is not None:
        lines += ["", _price(result)]
    if u.stability is not None:
        lines += ["", "How stable each channel's recommendation is (each draw re-optimized; 5 - 95 % of its spend):"]
        lines += _stability(u.stability, max_rows)
    return lines + [f"  note: {n}" for n in u.notes]


def _table(result: Result) -> list[str]:
    u, goal = result.uncertainty, result.settings.objective
    frame = u.frame
    rows = [("LTV:CAC, mean", "ltv_cac_mean", ratio), ("LTV:CAC, 5 %", "ltv_cac_p05", ratio),
            ("LTV:CAC, 95 %", "ltv_cac_p95", ratio), ("value, mean", "value_mean", money),
            ("value, 5 %", "value_p05", money), ("value, 95 %", "value_p95", money),
            ("customers, mean", "customers_mean", count), ("customers, 5 %", "customers_p05", count),
            ("customers, 95 %", "customers_p95", count),
            (f"worst {u.tail_share * 100:g} % mean ({_goal_word(goal)})", "objective_tail", _shown(goal)),
            ("beats today's", "p_beats_today", _share)]
    if u.target is not None:
        rows.append((f"reaches {u.target:g}x", "p_reaches_target", _share))
    out = [f"  {'':<28}" + "".join(f"{_TITLES[p]:>14}" for p in frame.index)]
    out += [f"  {label:<28}" + "".join(f"{show(frame.at[p, column]):>14}" for p in frame.index)
            for label, column, show in rows]
    return out


def _price(result: Result) -> str:
    u, goal = result.uncertainty, result.settings.objective
    p = u.price
    show = (lambda v: f"{v:.3f}x") if goal == Objective.ratio else _shown(goal)
    what = _goal_word(goal)
    return (f"Price of safety ({u.risk}): against the point plan, the risk-aware plan gives up "
            f"{show(p.given_up)} of expected {what} ({show(p.expected_point)} -> {show(p.expected_risk)}, "
            f"{_change(p.expected_risk, p.expected_point)}) and gains {show(p.gained)} in the worst "
            f"{p.tail_share * 100:g} % of draws ({show(p.tail_point)} -> {show(p.tail_risk)}, "
            f"{_change(p.tail_risk, p.tail_point)}).")


def _stability(frame, max_rows: int) -> list[str]:
    out = []
    for name, r in list(frame.iterrows())[:max_rows]:
        verb = _VERBS[r["direction"]]
        call = "" if clear(r["direction_agreement"]) else " — not a clear call"
        out.append(f"  {name}: {verb} in {_share(r['direction_agreement'])} of draws{call} "
                   f"({money(r['spend_p05'])} - {money(r['spend_p95'])}, median {money(r['spend_p50'])})")
    if len(frame) > max_rows:
        out.append(f"  ... and {whole(len(frame) - max_rows)} more channels (see the plan CSV)")
    return out


def _goal_word(goal: Objective) -> str:
    return {Objective.ratio: "LTV:CAC", Objective.value: "value", Objective.profit: "profit",
            Objective.customers: "customers"}[goal]


def _shown(goal: Objective):
    return ratio if goal == Objective.ratio else count if goal == Objective.customers else money


def _share(value: float) -> str:
    return "-" if value is None or not math.isfinite(value) else f"{value * 100:.0f} %"


def _change(new: float, old: float) -> str:
    if not old or not math.isfinite(old):
        return "-"
    return f"{(new / old - 1) * 100:+.1f} %"
