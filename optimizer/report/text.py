"""Plans as text for a terminal: portfolio before and after, channels, what the budget is worth;
scenario batches, comparisons and frontiers."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from optimizer.model.choices import BudgetMode, Objective
from optimizer.model.program import Approach, Status
from optimizer.report.payback_text import months, payback_lines, portfolio_rows
from optimizer.report.pivots import format_pivots
from optimizer.report.risk_text import format_uncertainty, risk_words
from optimizer.report.top import TOP, rest_row, top_rows
from optimizer.results.result import Result
from optimizer.whatif.batch import ScenarioRun
from optimizer.whatif.frontier import Frontier
from optimizer.words import count, money, percent, ratio, whole

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
    rounds = f"{result.rounds} round{'' if result.rounds == 1 else 's'}"
    if result.approach == Approach.refined_milp:
        return f"the mixed-integer model ({name}, {rounds} of refined breakpoints)"
    if result.approach == Approach.closed_form:
        return "the exact budget-multiplier method"
    if result.approach == Approach.risk_lp:
        draws = f"{result.uncertainty.draws:,}".replace(",", " ")
        return f"{name} ({rounds} of the risk LP over {draws} draws)"
    return f"{name} ({result.rounds} LP round{'' if result.rounds == 1 else 's'} on refined curves)"


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
    w = max(14, *(len(v) + 2 for _k, x, y, _z in rows for v in (x, y)))  # billions still stand apart
    out = [f"{'Portfolio':<14}{'current':>{w}}{'recommended':>{w}}{'change':>11}"]
    out += [f"  {k:<12}{x:>{w}}{y:>{w}}{z:>11}" for k, x, y, z in rows]
    if result.unspent > 1e-6 * max(result.budget, 1):
        out.append(f"  unspent budget: {money(result.unspent)}")
    return out


def _channels(result: Result, max_rows: int) -> list[str]:
    shown, rest = top_rows(result.plan, max_rows)
    rows = [(r.channel, r.curve, money(r.current_spend), money(r.recommended_spend),
             _pct(r.recommended_spend, r.current_spend), ratio(r.recommended_ltv_cac), ratio(r.marginal_ltv_cac),
             "" if r.bound == "none" else f"{r.bound} ({r.limit})" if r.limit != r.bound else r.bound)
            for r in shown.itertuples()]
    if len(rest):
        o = rest_row(rest)
        rows.append((o["channel"], "", money(o["current_spend"]), money(o["recommended_spend"]),
                     _pct(o["recommended_spend"], o["current_spend"]), ratio(o["recommended_ltv_cac"]), "", ""))
    width = min(max(8, *(len(r[0]) for r in rows)), 24)
    w = [max(least, *(len(r[k]) + 2 for r in rows)) for k, least in ((2, 12), (3, 13), (4, 10), (5, 9), (6, 10))]
    out = [f"{'Channel':<{width}}  {'curve':<18}{'current':>{w[0]}}{'recommended':>{w[1]}}{'change':>{w[2]}}"
           f"{'LTV:CAC':>{w[3]}}{'marginal':>{w[4]}}  held by"]
    out += [(f"{r[0][:width]:<{width}}  {r[1]:<18}" + "".join(f"{v:>{k}}" for v, k in zip(r[2:7], w, strict=True))
             + f"  {r[7]}").rstrip() for r in rows]
    if len(rest):
        out.append(f"(the {whole(len(shown))} channels with the most spend or change; every channel is in the plan "
                   "CSV, `out`)")
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
        out.append(f"  ... and {whole(len(result.rules) - 40)} more (see the summary JSON)")
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
    """The side-by-side table of :func:`optimizer.scenarios.compare` as aligned text (beyond 40 channels, those
    whose spend is largest or differs most between scenarios, and one row for the others)."""
    frame = _fewer_channels(frame)
    shown = {}
    for figure, row in frame.iterrows():
        shown[figure] = [_cell(figure, v) for v in row]
    width = max(len(str(f)) for f in shown) + 2
    cols = [max(len(str(c)), *(len(v[k]) for v in shown.values())) + 2 for k, c in enumerate(frame.columns)]
    lines = [f"{'':<{width}}" + "".join(f"{c:>{w}}" for c, w in zip(frame.columns, cols, strict=True))]
    lines += [f"{f:<{width}}" + "".join(f"{v:>{w}}" for v, w in zip(vals, cols, strict=True))
              for f, vals in shown.items()]
    return "\n".join(lines)


def _fewer_channels(frame: pd.DataFrame, most: int = TOP) -> pd.DataFrame:
    spend = frame[frame.index.astype(str).str.startswith("spend: ")].apply(pd.to_numeric, errors="coerce")
    if len(spend) <= most:
        return frame
    plan = pd.DataFrame({"channel": spend.index, "recommended_spend": spend.max(axis=1).to_numpy(),
                         "current_spend": spend.min(axis=1).to_numpy()})  # spread between scenarios as change
    shown = set(top_rows(plan, most)[0].channel)
    rest = spend.loc[[c for c in spend.index if c not in shown]].sum()
    other = pd.DataFrame([rest], index=[f"spend: other {whole(len(spend) - len(shown))} channels"])
    return pd.concat([frame[[c not in spend.index or c in shown for c in frame.index]], other])


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
    every = front.points
    p = every.iloc[np.unique(np.round(np.linspace(0, len(every) - 1, TOP + 1)).astype(int))]  # at most 41 rows
    blended, payback = "blended_ltv_cac" in p.columns, "payback_months" in p.columns
    wb = max(12, *(len(money(v)) + 2 for v in p.budget))
    wv = max(14, *(len(money(v)) + 2 for v in p.value.dropna()), 0)
    lines = [f"{'budget':>{wb}}{'value':>{wv}}{'customers':>11}{'LTV:CAC':>9}{'marginal':>10}"
             + (f"{'blended':>9}" if blended else "") + (f"{'payback':>9}" if payback else "")]
    for r in p.itertuples():
        if r.status not in (Status.optimal, Status.time_limit):
            lines.append(f"{money(r.budget):>{wb}}  {r.status}: no plan keeps every rule at this budget")
            continue
        lines.append(f"{money(r.budget):>{wb}}{money(r.value):>{wv}}{count(r.customers):>11}{ratio(r.ltv_cac):>9}"
                     f"{ratio(r.marginal_value):>10}" + (f"{ratio(r.blended_ltv_cac):>9}" if blended else "")
                     + (f"{months(r.payback_months):>9}" if payback else ""))
    if len(p) < len(every):
        lines.append(f"({whole(len(p))} of the {whole(len(every))} budgets, evenly spaced; every budget is in the "
                     "CSV, `out`)")
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
