"""Plans as text for a terminal: portfolio before and after, channels, what the budget is worth;
scenario batches, comparisons and frontiers."""

from __future__ import annotations

import math

import pandas as pd

from optimizer.model.choices import BudgetMode, Objective
from optimizer.model.program import Approach, Status
from optimizer.report.payback_text import months, payback_lines, portfolio_rows
from optimizer.report.pivots import format_pivots
from optimizer.report.risk_text import format_uncertainty, risk_words
from optimizer.results.result import Result
from optimizer.whatif.batch import ScenarioRun
from optimizer.whatif.frontier import Frontier
from optimizer.words import count, money, percent, ratio

_GOALS = {
    Objective.ratio: "maximize the portfolio LTV:CAC",
    Objective.value: "maximize total customer lifetime value",
    Objective.profit: "maximize value minus spend",
    Objective.customers: "maximize new customers",
}


def format_result(result: Result, max_rows: int = 40) -> str:
    """A readable report of ``result``; infeasible results show their diagnosis."""
    s = result.settings
    mode = "spend it all" if s.budget_mode == BudgetMode.exact else "spend at most this"
    lines = [f"Objective: {_GOALS[s.objective]}{risk_words(s.risk)} (budget {money(result.budget)}, {mode})"]
    if not result.ok:
        lines += ["", "No plan keeps every rule:"]
        lines += [f"  - {d}" for d in result.diagnosis]
        return "\n".join(lines + _notes(result))
    gap = "" if math.isnan(result.gap) else f"; proven within {max(result.gap, 1e-12):.1e} of the optimum"
    lines.append(f"Solved with {_method(result)}{gap}.")
    if result.status == Status.time_limit:
        lines.append("Stopped at the time limit: this is the best plan found, not a proven optimum.")
    cells = format_pivots(result.plan)  # a plan over cells shows its pivots, not every cell
    lines += ["", *_portfolio(result), "", *(cells or _channels(result, max_rows)), *payback_lines(result, max_rows),
              "", *_budget(result), *_rules(result)]
    return "\n".join(lines + format_uncertainty(result, max_rows) + _notes(result))


def _method(result: Result) -> str:
    name = "CBC" if result.solver == "cbc" else "HiGHS"
    if result.approach == Approach.refined_milp:
        return f"the mixed-integer model ({name}, {result.rounds} rounds of refined breakpoints)"
    if result.approach == Approach.closed_form:
        return "the exact budget-multiplier method"
    if result.approach == Approach.risk_lp:
        draws = f"{result.uncertainty.draws:,}".replace(",", " ")
        return f"{name} ({result.rounds} rounds of the risk LP over {draws} draws)"
    return f"{name} ({result.rounds} LP rounds on refined curves)"


def _portfolio(result: Result) -> list[str]:
    b, a = result.before, result.after
    rows = [("spend", money(b.spend), money(a.spend), _pct(a.spend, b.spend)),
            ("customers", count(b.customers), count(a.customers), _pct(a.customers, b.customers)),
            ("value (LTV)", money(b.value), money(a.value), _pct(a.value, b.value)),
            ("LTV:CAC", ratio(b.ltv_cac), ratio(a.ltv_cac), _pct(a.ltv_cac, b.ltv_cac))]
    extra = portfolio_rows(result)
    if extra and extra[0][0] == "  blended":
        rows[-1] = ("LTV:CAC paid", *rows[-1][1:])
    rows += [(k, x, y, _pct(n, m) if math.isfinite(n) and math.isfinite(m) else "") for k, x, y, m, n in extra]
    if b.fixed_costs:
        rows.insert(1, ("fixed costs", money(b.fixed_costs), money(a.fixed_costs), ""))
    out = [f"{'Portfolio':<14}{'current':>14}{'recommended':>14}{'change':>11}"]
    out += [f"  {k:<12}{x:>14}{y:>14}{z:>11}" for k, x, y, z in rows]
    if result.unspent > 1e-6 * max(result.budget, 1):
        out.append(f"  unspent budget: {money(result.unspent)}")
    return out


def _channels(result: Result, max_rows: int) -> list[str]:
    plan = result.plan
    width = min(max(8, *(len(c) for c in plan["channel"])), 24)
    head = (f"{'Channel':<{width}}  {'curve':<18}{'current':>12}{'recommended':>13}{'change':>10}"
            f"{'LTV:CAC':>9}{'marginal':>10}  held by")
    out = [head]
    for r in plan.head(max_rows).itertuples():
        held = "" if r.bound == "none" else f"{r.bound} ({r.limit})" if r.limit != r.bound else r.bound
        out.append(
            f"{r.channel[:width]:<{width}}  {r.curve:<18}{money(r.current_spend):>12}"
            f"{money(r.recommended_spend):>13}{_pct(r.recommended_spend, r.current_spend):>10}"
            f"{ratio(r.recommended_ltv_cac):>9}{ratio(r.marginal_ltv_cac):>10}  {held}"
        )
    if len(plan) > max_rows:
        out.append(f"... and {len(plan) - max_rows} more channels (see the plan CSV)")
    return out


def _budget(result: Result) -> list[str]:
    s, y, m = result.settings, result.shadow_price, result.marginal_value
    if y is None:
        return []
    if y == 0 and result.unspent > 0:
        return [f"Budget shadow price: 0. The budget is not binding: {money(result.unspent)} stays "
                "unspent because no channel returns enough at the margin; more budget would change nothing."]
    if s.objective == Objective.customers:
        cac = money(1 / y) if y > 0 else "-"
        return [f"Budget shadow price: {y:.4g} customers per unit. One more unit of budget, spent "
                f"as the plan would, brings {y:.4g} more customers (a marginal CAC of {cac})."]
    if s.objective == Objective.ratio:
        margin = ratio(m)
        direction = "raises" if m > result.after.ltv_cac else "lowers"
        return [f"Budget shadow price: one more unit of budget, spent as the plan would, adds {m:.4g} "
                f"of customer value (the next unit returns {margin}); against the portfolio's "
                f"{ratio(result.after.ltv_cac)} it {direction} the LTV:CAC by {abs(y):.2g} per unit."]
    line = (f"Budget shadow price: {y:.4g}. One more unit of budget, spent as the plan would, "
            f"adds {m:.4g} of customer value")
    if s.objective == Objective.profit:
        return [line + f", that is {y:+.4g} of profit."]
    return [line + "."]


def _rules(result: Result) -> list[str]:
    if not result.rules:
        return []
    out = ["", "Rules across channels:"]
    for r in result.rules[:40]:
        state = f"binding, shadow price {r.shadow_price:.4g} per unit" if r.binding else "holds with room"
        out.append(f"  - {r.text}: {state}")
    if len(result.rules) > 40:
        out.append(f"  ... and {len(result.rules) - 40} more (see the summary JSON)")
    return out


def _notes(result: Result) -> list[str]:
    return ["", "Notes:", *(f"  - {n}" for n in result.notes)] if result.notes else []


def _pct(new: float, old: float) -> str:
    if old == 0 or not math.isfinite(old):
        return "new" if new > 0 else ""
    return percent(new / old - 1)


def format_run_line(run: ScenarioRun) -> str:
    """One line for a scenario in a batch: its outcome and headline figures."""
    r = run.result
    if not r.ok:
        return f"{run.name}: infeasible: " + "; ".join(r.diagnosis)
    return (f"{run.name}: LTV:CAC {ratio(r.before.ltv_cac)} -> {ratio(r.after.ltv_cac)}, "
            f"spend {money(r.after.spend)}, value {money(r.after.value)}")


def format_comparison(frame: pd.DataFrame) -> str:
    """The side-by-side table of :func:`optimizer.scenarios.compare` as aligned text."""
    shown = {}
    for figure, row in frame.iterrows():
        shown[figure] = [_cell(figure, v) for v in row]
    width = max(len(str(f)) for f in shown) + 2
    cols = [max(len(str(c)), *(len(v[k]) for v in shown.values())) + 2 for k, c in enumerate(frame.columns)]
    lines = [f"{'':<{width}}" + "".join(f"{c:>{w}}" for c, w in zip(frame.columns, cols, strict=True))]
    lines += [f"{f:<{width}}" + "".join(f"{v:>{w}}" for v, w in zip(vals, cols, strict=True))
              for f, vals in shown.items()]
    return "\n".join(lines)


def _cell(figure: str, value) -> str:
    if isinstance(value, str):
        return value
    if value is None or value != value:
        return "-"
    if figure.startswith("ltv_cac") or figure == "blended_ltv_cac":
        return ratio(value)
    if figure == "payback_months":
        return months(value)
    if figure.startswith("p_"):
        return f"{value * 100:.0f} %"
    if figure == "customers":
        return count(value)
    if figure in ("budget_shadow_price", "marginal_value_per_budget_unit"):
        return f"{value:.4g}"
    return money(value)


def format_frontier(front: Frontier) -> str:
    """The frontier as a table, with where the best LTV:CAC crosses the target."""
    p = front.points
    blended, payback = "blended_ltv_cac" in p.columns, "payback_months" in p.columns
    lines = [f"{'budget':>12}{'value':>14}{'customers':>11}{'LTV:CAC':>9}{'marginal':>10}"
             + (f"{'blended':>9}" if blended else "") + (f"{'payback':>9}" if payback else "")]
    for r in p.itertuples():
        if r.status not in (Status.optimal, Status.time_limit):
            lines.append(f"{money(r.budget):>12}  {r.status}: no plan keeps every rule at this budget")
            continue
        lines.append(f"{money(r.budget):>12}{money(r.value):>14}{count(r.customers):>11}{ratio(r.ltv_cac):>9}"
                     f"{ratio(r.marginal_value):>10}" + (f"{ratio(r.blended_ltv_cac):>9}" if blended else "")
                     + (f"{months(r.payback_months):>9}" if payback else ""))
    if payback:
        lines.append("payback: months until the plan's new customers cover its spend and fixed costs ('never': not "
                     "within the value timelines)")
    if front.crossing is not None:
        lines.append(f"\nThe best LTV:CAC reaches {front.target:g}x at a budget of {money(front.crossing)}.")
    else:
        reached = p["ltv_cac"].dropna()  # budgets no plan can meet have no ratio
        side = "above" if (reached > front.target).all() else "below"
        lines.append(f"\nThe best LTV:CAC stays {side} {front.target:g}x over the budgets plans can meet.")
    return "\n".join(lines)
