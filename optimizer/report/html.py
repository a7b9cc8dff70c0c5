"""One self-contained HTML page for a plan: summary, plan table with reasons, rules and charts.

Charts are embedded as inline SVG, so the page opens offline and prints in grey; every piece of
text from the user's files is HTML-escaped.
"""

from __future__ import annotations

import html
import io
import math

from optimizer.report.charts import plan_figures, plot_frontier, risk_figures, save_figure
from optimizer.report.payback_text import months, portfolio_rows
from optimizer.report.risk_text import format_uncertainty
from optimizer.report.text import format_result
from optimizer.report.top import rest_row, top_rows
from optimizer.results.result import Result
from optimizer.whatif.frontier import Frontier
from optimizer.words import count, money, percent, ratio, whole

_STYLE = """body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;color:#111}
table{border-collapse:collapse;font-size:13px;margin:1em 0}th,td{border:1px solid #bbb;padding:4px 6px}
td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}th{background:#eee}.reason{font-size:12px;color:#333}
figure{margin:1.5em 0}svg{max-width:100%;height:auto}pre{background:#f6f6f6;padding:1em;white-space:pre-wrap}"""


def render_report(result: Result, title: str, description: str = "", changes: tuple[str, ...] = (),
                  front: Frontier | None = None) -> str:
    """The HTML page for ``result`` (and its frontier, when given)."""
    e = html.escape
    parts = [f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{e(title)}</title>"
             f"<style>{_STYLE}</style></head><body>", f"<h1>{e(title)}</h1>"]
    if description:
        parts.append(f"<p>{e(description)}</p>")
    if changes:
        parts.append("<h2>What this scenario changes</h2><ul>" + "".join(f"<li>{e(c)}</li>" for c in changes) + "</ul>")
    if not result.ok:
        parts.append("<h2>No plan keeps every rule</h2><ul>" + "".join(f"<li>{e(d)}</li>" for d in result.diagnosis)
                     + "</ul>")
        return "".join([*parts, "</body></html>"])
    parts += [_summary(result), _plan(result), _rules(result)]
    figures = plan_figures(result)
    captions = {"allocation": "Spend per channel, current and recommended", "curves": "Each channel's response curve"}
    first, *rest = figures.items()
    parts.append(_figure(first[1], captions.get(first[0], _caption(first[0]))))
    if front is not None:
        parts.append(_figure(plot_frontier(front).figure, "The efficient frontier"))
    parts += [_figure(fig, captions.get(name, _caption(name))) for name, fig in rest]
    parts += _uncertainty(result)
    parts.append(f"<h2>Full report</h2><pre>{e(format_result(result))}</pre>")
    return "".join([*parts, "</body></html>"])


def _summary(result: Result) -> str:
    b, a = result.before, result.after
    rows = [("Spend", money(b.spend), money(a.spend)), ("Customers", count(b.customers), count(a.customers)),
            ("Customer value (LTV)", money(b.value), money(a.value)), ("LTV:CAC", ratio(b.ltv_cac), ratio(a.ltv_cac))]
    words = {"  blended": "blended", "organic": "Organic customers (not in the plan's objective)",
             "payback": "Payback (months until the new customers cover spend and fixed costs)"}
    extra = portfolio_rows(result)
    if extra and extra[0][0] == "  blended":
        rows[-1] = ("LTV:CAC paid", *rows[-1][1:])
    for k, x, y, _m, _n in extra:  # "  blended" is the blended figure of the row above
        rows.append((f"{rows[-1][0].split()[0]} blended" if k == "  blended" else words.get(k, k), x, y))
    body = "".join(f"<tr><th>{k}</th><td class='n'>{x}</td><td class='n'>{y}</td></tr>" for k, x, y in rows)
    gap = "" if math.isnan(result.gap) else f" Proven within {max(result.gap, 1e-12):.1e} of the optimum."
    return (f"<h2>Portfolio</h2><table><tr><th></th><th>current</th><th>recommended</th></tr>{body}</table>"
            f"<p>Objective: {html.escape(result.settings.objective.value)}; budget {money(result.budget)}.{gap}</p>")


def _plan(result: Result) -> str:
    payback = "recommended_payback_months" in result.plan.columns
    head = ("<tr><th>channel</th><th>current</th><th>recommended</th><th>change</th><th>LTV:CAC</th>"
            "<th>marginal</th>" + ("<th>payback (months)</th>" if payback else "")
            + "<th>held by</th><th>LTV range</th><th>why</th></tr>")
    rows = []
    shown, rest = top_rows(result.plan)
    for r in shown.itertuples():
        months_cell = f"<td class='n'>{months(r.recommended_payback_months)}</td>" if payback else ""
        change = percent(r.change_pct / 100) if r.change_pct == r.change_pct else "new"
        held = getattr(r, "held_by", "") or ""
        span = _span(r.ltv_range_low, r.ltv_range_high) if hasattr(r, "ltv_range_low") else ""
        rows.append(f"<tr><td>{html.escape(r.channel)}</td><td class='n'>{money(r.current_spend)}</td>"
                    f"<td class='n'>{money(r.recommended_spend)}</td><td class='n'>{change}</td>"
                    f"<td class='n'>{ratio(r.recommended_ltv_cac)}</td><td class='n'>{ratio(r.marginal_ltv_cac)}</td>"
                    f"{months_cell}<td>{html.escape(held)}</td><td class='n'>{span}</td>"
                    f"<td class='reason'>{html.escape(getattr(r, 'reason', ''))}</td></tr>")
    if len(rest):
        o = rest_row(rest)
        rows.append(f"<tr><td>{o['channel']}</td><td class='n'>{money(o['current_spend'])}</td>"
                    f"<td class='n'>{money(o['recommended_spend'])}</td><td class='n'>"
                    f"{percent(o['change_pct'] / 100)}</td><td class='n'>{ratio(o['recommended_ltv_cac'])}</td></tr>")
    note = (f"<p>The {whole(len(shown))} channels with the most spend or change; the other {whole(len(rest))} are "
            "summed in the last row. The plan CSV has every channel.</p>") if len(rest) else ""
    return f"<h2>Plan</h2><table>{head}{''.join(rows)}</table>{note}"


def _span(low: float, high: float) -> str:
    """A range in words: '360 or more', 'up to 964', '935 - 1 065'; empty when there is none."""
    if low != low or high != high:
        return ""
    if math.isinf(high):
        return f"{money(low)} or more"
    return f"up to {money(high)}" if low == 0 else f"{money(low)} - {money(high)}"


def _rules(result: Result) -> str:
    if not result.rules:
        return ""
    items = "".join(f"<li>{html.escape(r.text)}: " + (f"binding, shadow price {r.shadow_price:.4g}" if r.binding
                                                      else "holds with room") + "</li>" for r in result.rules)
    return f"<h2>Rules across channels</h2><ul>{items}</ul>"


def _uncertainty(result: Result) -> list[str]:
    """How sure the plan is: the draws' table, the price of safety, stability, and their charts."""
    lines = format_uncertainty(result, max_rows=1000)
    if not lines:
        return []
    captions = {"risk": "LTV:CAC over the draws: today and the recommended plan",
                "stability": "Each channel's spend when every draw is re-optimized"}
    return ["<h2>How sure is this plan</h2>", f"<pre>{html.escape(chr(10).join(lines).strip())}</pre>",
            *(_figure(fig, captions[name]) for name, fig in risk_figures(result).items())]


def _caption(name: str) -> str:
    """spend_by_market -> "Spend per market, current and recommended"."""
    return f"Spend per {name.removeprefix('spend_by_')}, current and recommended"


def _figure(fig, caption: str) -> str:
    buffer = io.StringIO()
    save_figure(fig, buffer, format="svg")
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg"):]  # drop the XML prolog: the page is HTML
    return f"<figure>{svg}<figcaption>{html.escape(caption)}</figcaption></figure>"
