"""From a solution to a :class:`Result`: the plan table, its explanation, sensitivities and notes."""

from __future__ import annotations

import numpy as np
import pandas as pd

from optimizer.model.channels import Channels
from optimizer.model.limits import Limits
from optimizer.model.organic import organic_totals
from optimizer.model.payback import payback_rule
from optimizer.model.program import Approach
from optimizer.model.rules import RuleRow
from optimizer.model.settings import Settings
from optimizer.results.blocks import active_checks, binding_members, block_checks
from optimizer.results.explain import explain
from optimizer.results.payback import organic_columns, payback_columns, portfolio_payback
from optimizer.results.plan import plan_frame
from optimizer.results.result import Portfolio, Result, RuleCheck
from optimizer.results.sensitivity import budget_sensitivity, rule_checks
from optimizer.solve.certificate import channel_coefficients
from optimizer.solve.strategy import Outcome
from optimizer.words import money

STRETCH = 1.5  # a plan beyond this many times the largest spend a curve was fitted on is flagged


def portfolio(table: Channels, spend: np.ndarray, fixed: float, settings: Settings | None = None) -> Portfolio:
    """The totals of ``spend`` over ``table`` (with the organic customers of ``settings`` and the table)."""
    customers = table.curves.customers(spend)
    organic = organic_totals(table, settings) if settings is not None else (0.0, 0.0)
    return Portfolio(float(spend.sum()), float(customers.sum()), float(table.ltv @ customers), fixed, *organic)


def assemble(table: Channels, limits: Limits, settings: Settings, outcome: Outcome, base: dict,
             rules: list[RuleRow]) -> Result:
    """The result of a solved outcome; ``base`` holds the fields every result has."""
    sol = outcome.solution
    spend = polish(sol.spend, limits)
    after = portfolio(table, spend, settings.fixed_costs, settings)
    shadow, marginal = budget_sensitivity(settings, limits, sol, outcome.solved_as, after)
    payback = payback_rule(table, limits.hi, settings)
    rules = [*rules, *([payback] if payback is not None else [])]
    blocks = outcome.program.blocks if outcome.program is not None else ()
    checks = (rule_checks(rules, spend, sol.duals, settings, after, table.curves.customers(spend))
              + block_checks(blocks, spend, sol.duals, settings, after)
              + active_checks(outcome.program.active if outcome.program is not None else None, spend))
    plan = organic_columns(payback_columns(plan_frame(table, limits, spend), table), table)
    plan = _explained(plan, table, limits, outcome, rules, checks, settings, after, marginal)
    payback_figures = portfolio_payback(table, table.spend, spend, settings.fixed_costs, settings.max_payback,
                                        checks[len(rules) - 1] if payback is not None else None)
    notes = list(base["notes"]) + list(outcome.notes) + _stretch_notes(table, spend)
    if sol.approach == Approach.refined_milp:
        notes.append("a mixed-integer plan (S-curves, buy-ins or max-active) has no shadow prices or ranges; "
                     "its gap includes the curve approximation")
    return Result(sol.status, plan=plan, after=after, shadow_price=shadow, marginal_value=marginal,
                  gap=sol.gap, rounds=sol.rounds, rules=checks, approach=sol.approach, payback=payback_figures,
                  **{**base, "notes": tuple(notes)})


def _stretch_notes(table: Channels, spend: np.ndarray) -> list[str]:
    stretched = [f"{n!r} ({money(x)}, {x / m:.1f}x the most it was observed at)"
                 for n, x, m in zip(table.names, spend, table.observed_max, strict=True) if m > 0 and x > STRETCH * m]
    if not stretched:
        return []
    return ["the plan extrapolates curves far beyond the spend their data supports: " + ", ".join(stretched)]


def _explained(plan: pd.DataFrame, table: Channels, limits: Limits, outcome: Outcome, rules: list[RuleRow],
               checks: tuple[RuleCheck, ...], settings: Settings, after: Portfolio, marginal) -> pd.DataFrame:
    """The plan with what holds each channel, its shadow price, a reason and its LTV/CAC ranges."""
    sol = outcome.solution
    if sol.objective is None:  # a plan with no multipliers (mixed-integer, or no solve) is not explained
        return plan
    a, b, _ = channel_coefficients(outcome.program, sol.objective, sol.duals)
    binding = [(rr.text, (rr.row.q != 0) | (rr.row.p != 0)) for rr, c in zip(rules, checks, strict=False) if c.binding]
    binding += binding_members(outcome.program.blocks, checks[len(rules):], len(table))
    floor = settings.min_ratio
    if floor is not None and abs(after.ltv_cac - floor) <= 1e-6 * floor:
        binding.append((f"the ratio floor LTV:CAC >= {floor:g}", np.ones(len(table), bool)))
    if marginal is None or not np.isfinite(marginal) or (not limits.exact and after.spend < limits.budget * (1 - 1e-9)):
        free = plan["bound"].to_numpy() == "none"
        marginal = float(np.median(plan["marginal_ltv_cac"][free])) if free.any() else marginal
    return explain(plan, table, limits, (a, b), binding, settings.objective, after.cost, marginal)


def polish(spend: np.ndarray, limits: Limits) -> np.ndarray:
    """Clip to the limits and, for an exact budget, put a solver-sized remainder where it fits."""
    x = np.clip(spend, limits.lo, limits.hi)
    rest = limits.budget - x.sum()
    if limits.exact and rest != 0 and abs(rest) <= 1e-6 * max(limits.budget, 1.0):
        room = (limits.hi - x) if rest > 0 else (x - limits.lo)
        i = int(np.argmax(room))
        x[i] += np.sign(rest) * min(abs(rest), room[i])
    return x
