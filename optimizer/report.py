"""The plan as text for a terminal: portfolio before and after, channels, and what the budget is worth."""

from __future__ import annotations

import math

from optimizer.formatting import count, money, percent, ratio
from optimizer.result import Result
from optimizer.settings import BudgetMode, Objective

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
    lines = [f"Objective: {_GOALS[s.objective]} (budget {money(result.budget)}, {mode})"]
    if not result.ok:
        lines += ["", "No plan keeps every rule:"]
        lines += [f"  - {d}" for d in result.diagnosis]
        return "\n".join(lines + _notes(result))
    gap = "" if math.isnan(result.gap) else f"; proven within {max(result.gap, 1e-12):.1e} of the optimum"
    lines.append(f"Solved with {_method(result)}{gap}.")
    if result.status != "optimal":
        lines.append("Stopped at the time limit: this is the best plan found, not a proven optimum.")
    lines += ["", *_portfolio(result), "", *_channels(result, max_rows), "", *_budget(result), *_rules(result)]
    return "\n".join(lines + _notes(result))


def _method(result: Result) -> str:
    if any("mixed-integer" in n for n in result.notes):
        return f"the mixed-integer model ({result.rounds} rounds of refined breakpoints)"
    if result.rounds == 0:
        return "the exact budget-multiplier method"
    name = "CBC" if result.solver == "cbc" else "HiGHS"
    return f"{name} ({result.rounds} LP rounds on refined curves)"


def _portfolio(result: Result) -> list[str]:
    b, a = result.before, result.after
    rows = [("spend", money(b.spend), money(a.spend), _pct(a.spend, b.spend)),
            ("customers", count(b.customers), count(a.customers), _pct(a.customers, b.customers)),
            ("value (LTV)", money(b.value), money(a.value), _pct(a.value, b.value)),
            ("LTV:CAC", ratio(b.ltv_cac), ratio(a.ltv_cac), _pct(a.ltv_cac, b.ltv_cac))]
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
    for r in result.rules:
        state = f"binding, shadow price {r.shadow_price:.4g} per unit" if r.binding else "holds with room"
        out.append(f"  - {r.text}: {state}")
    return out


def _notes(result: Result) -> list[str]:
    return ["", "Notes:", *(f"  - {n}" for n in result.notes)] if result.notes else []


def _pct(new: float, old: float) -> str:
    if old == 0 or not math.isfinite(old):
        return "new" if new > 0 else ""
    return percent(new / old - 1)


def format_run_line(run) -> str:
    """One line for a scenario in a batch: its outcome and headline figures."""
    r = run.result
    if not r.ok:
        return f"{run.name}: infeasible: " + "; ".join(r.diagnosis)
    return (f"{run.name}: LTV:CAC {ratio(r.before.ltv_cac)} -> {ratio(r.after.ltv_cac)}, "
            f"spend {money(r.after.spend)}, value {money(r.after.value)}")


def format_comparison(frame) -> str:
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
    if figure == "ltv_cac":
        return ratio(value)
    if figure == "customers":
        return count(value)
    if figure in ("budget_shadow_price", "marginal_value_per_budget_unit"):
        return f"{value:.4g}"
    return money(value)


def format_ltv(result) -> str:
    """LTV per channel with its interval and how it was estimated."""
    s = result.settings
    level = f"{s.confidence:.0%}"
    lines = [f"LTV of a new customer: {s.model}, horizon {s.horizon:g} {s.unit}, discount {s.discount:g} per "
             f"{s.unit[:-1]}, margin {s.margin:g}", ""]
    t = result.table
    width = max(8, *(len(c) for c in t["channel"]))
    lines.append(f"{'Channel':<{width}}{'customers':>11}{'repeat':>9}{'LTV':>12}   {level + ' interval':<24}fit")
    for r in t.itertuples():
        interval = f"{money(r.ltv_low)} - {money(r.ltv_high)}"
        lines.append(f"{r.channel:<{width}}{r.customers:>11}{r.repeat_customers:>9}{money(r.ltv):>12}   "
                     f"{interval:<24}{r.fit}")
    return "\n".join(lines + _notes(result))


def format_frontier(front) -> str:
    """The frontier as a table, with where the best LTV:CAC crosses the target."""
    p = front.points
    lines = [f"{'budget':>12}{'value':>14}{'customers':>11}{'LTV:CAC':>9}{'marginal':>10}"]
    for r in p.itertuples():
        if r.status != "optimal":
            lines.append(f"{money(r.budget):>12}  {r.status}: no plan keeps every rule at this budget")
            continue
        lines.append(f"{money(r.budget):>12}{money(r.value):>14}{count(r.customers):>11}{ratio(r.ltv_cac):>9}"
                     f"{ratio(r.marginal_value):>10}")
    if front.crossing is not None:
        lines.append(f"\nThe best LTV:CAC reaches {front.target:g}x at a budget of {money(front.crossing)}.")
    else:
        reached = p["ltv_cac"].dropna()  # budgets no plan can meet have no ratio
        side = "above" if (reached > front.target).all() else "below"
        lines.append(f"\nThe best LTV:CAC stays {side} {front.target:g}x over the budgets plans can meet.")
    return "\n".join(lines)


def format_attribution(found: dict, model: str, order: int) -> str:
    """Attribution by the chosen model and all models side by side, with each channel's role."""
    models = found["models"].set_index("channel")
    stats = found["channels"].set_index("channel")
    paths = found["paths"]
    label = f"markov_order{order}" if model == "markov" else model
    distinct = f"{len(paths):,}".replace(",", " ")
    head = (f"{distinct} distinct paths, {money(paths.conversions.sum())} conversions, "
            f"{money((paths.conversions + paths.nulls).sum())} journeys; model: {label}")
    width = max(8, *(len(c) for c in models.index))
    names = list(models.columns)
    lines = [head, "", f"{'Channel':<{width}}" + "".join(f"{n[:13]:>14}" for n in names)
             + f"{'reach':>8}{'opens':>9}{'assists':>9}{'closes':>9}"]
    for channel, row in models.iterrows():
        s = stats.loc[channel]
        lines.append(f"{channel:<{width}}" + "".join(f"{v:>14,.1f}".replace(",", " ") for v in row)
                     + f"{s.reach:>8.1%}{s.opens:>9.0f}{s.assists:>9.0f}{s.closes:>9.0f}")
    days = found["days_to_conversion"]
    if len(days):
        q = days.quantile([0.1, 0.5, 0.9])
        lines += ["", f"Days from first touch to conversion: median {q[0.5]:.1f} (10 % within {q[0.1]:.1f}, "
                      f"90 % within {q[0.9]:.1f})"]
    top = found["top_paths"].head(5)
    if len(top):
        lines += ["", "Most common converting paths:"]
        lines += [f"  {r.conversions:>10,.0f}  {r.path}".replace(",", " ") for r in top.itertuples()]
    return "\n".join(lines)


def format_fits(fits) -> str:
    """The chosen curve per channel, its fit, the observed spend range, and the AIC of each candidate."""
    aic = fits.candidates.pivot(index="channel", columns="curve", values="aic")
    lines = ["Chosen by the lowest AIC (n log(RSS/n) + 2k), preferring fewer parameters within 2 units." + (
        f" Adstock decay {fits.adstock:g}." if fits.adstock else ""), ""]
    width = max(8, *(len(c) for c in fits.table["channel"]))
    lines.append(f"{'Channel':<{width}}  {'curve':<11}{'R²':>6}  {'observed spend':<24}" +
                 "".join(f"{'AIC ' + k:>16}" for k in aic.columns))
    for r in fits.table.itertuples():
        span = f"{money(r.observed_min_spend)} - {money(r.observed_max_spend)}"
        scores = "".join(f"{aic.loc[r.channel, k]:>16.1f}" if k in aic.columns and aic.loc[r.channel, k] == aic.loc[
            r.channel, k] else f"{'-':>16}" for k in aic.columns)
        lines.append(f"{r.channel:<{width}}  {r.curve:<11}{r.r2:>6.2f}  {span:<24}{scores}")
    return "\n".join(lines)
