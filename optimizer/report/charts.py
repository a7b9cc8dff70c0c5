"""Charts of a plan, its frontier, its response curves and curve fits: data here, drawing on matplotlib.

Each ``*_data`` function returns the numbers a chart shows (what the tests check); each ``plot_*``
draws them on an Axes (a new Figure when none is given) and returns it, so notebooks can embed
them. Shades of grey, hatching and distinct markers keep the charts readable when printed in grey.
matplotlib is imported when a chart is drawn, not before.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from optimizer.files.writers import atomic_write, prepare_folder
from optimizer.fitting.fit import CurveFits, model_customers
from optimizer.model.cells import TIME
from optimizer.report.pivots import dimensions, pivot
from optimizer.report.top import TOP, rest_row, top_rows
from optimizer.results.result import Result
from optimizer.whatif.frontier import Frontier
from optimizer.words import money, whole

CURRENT = dict(facecolor="white", edgecolor="black", hatch="///")
RECOMMENDED = dict(facecolor="0.3", edgecolor="black")
FORMATS = ("png", "svg")
CURVES = 12  # response-curve panels in one chart: beyond, the channels with the most spend or change


def _money_axis(axis, ticks: int | None = None) -> None:
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    axis.set_major_formatter(FuncFormatter(lambda v, _: money(v)))
    if ticks:
        axis.set_major_locator(MaxNLocator(ticks))


def _figure(size: tuple[float, float]):
    from matplotlib.figure import Figure

    return Figure(figsize=size, layout="constrained")


def allocation_data(result: Result, most: int = TOP) -> pd.DataFrame:
    """Current and recommended spend per channel, largest recommendation first; beyond ``most`` channels, those
    with the most spend or change and one row for the others (see :mod:`optimizer.report.top`)."""
    columns = ["channel", "current_spend", "recommended_spend"]
    shown, rest = top_rows(result.plan, most)
    data = shown[columns].sort_values("recommended_spend", ascending=False, kind="stable")
    if len(rest):
        data = pd.concat([data, pd.DataFrame([rest_row(rest)])[columns]])
    return data.reset_index(drop=True)


def curve_data(result: Result, points: int = 120, most: int | None = None) -> pd.DataFrame:
    """Each channel's response curve over 0 .. 1.5 x the larger of its current and recommended spend (with
    ``most``, only the channels with the most spend or change)."""
    channels, plan = result.channels, result.plan
    plan = plan.reset_index(drop=True)
    shown = plan if most is None else top_rows(plan, most)[0]
    rows = []
    for i, r in zip(shown.index, shown.itertuples(), strict=True):
        top = 1.5 * max(r.current_spend, r.recommended_spend, 1.0)
        if np.isfinite(r.max_allowed):
            top = max(top, min(r.max_allowed * 1.05, 3 * top))
        x = np.linspace(0, top, points)
        customers = channels.curves.customers_along(i, x)
        rows.append(pd.DataFrame({"channel": r.channel, "spend": x, "customers": customers}))
    return pd.concat(rows, ignore_index=True)


def plot_allocation(result: Result, ax=None):
    """Horizontal bars: current (hatched) and recommended (grey) spend per channel."""
    data = allocation_data(result).iloc[::-1]
    ax = ax or _axes((8, 0.45 * len(data) + 1.5))
    y = np.arange(len(data))
    ax.barh(y + 0.2, data["current_spend"], height=0.4, label="current", **CURRENT)
    ax.barh(y - 0.2, data["recommended_spend"], height=0.4, label="recommended", **RECOMMENDED)
    ax.set_yticks(y, data["channel"])
    _money_axis(ax.xaxis)
    ax.set_xlabel("spend per period")
    ax.set_title(f"Spend per channel: current and recommended (LTV:CAC {result.before.ltv_cac:.2f}x -> "
                 f"{result.after.ltv_cac:.2f}x)")
    ax.legend(loc="lower right")
    ax.grid(axis="x", color="0.85")
    return ax


def dimension_data(result: Result, dim: str, most: int = TOP) -> pd.DataFrame:
    """Current and recommended spend per value of ``dim`` (channel, market, period, ...) of a plan over cells:
    periods in time order, others largest recommendation first; beyond ``most`` values, those with the most
    spend or change and one row for the others, as for channels (:mod:`optimizer.report.top`; periods never)."""
    data = pivot(result.plan, dim)[[dim, "current_spend", "recommended_spend"]]
    cells = result.channels.cells
    if dim == TIME:
        order = {v: k for k, v in enumerate(cells.levels[TIME])}
        return data.sort_values(dim, key=lambda c: c.map(order), kind="stable").reset_index(drop=True)
    shown, rest = top_rows(data, most)
    data = shown.sort_values("recommended_spend", ascending=False, kind="stable")
    if len(rest):
        other = {dim: f"other {whole(len(rest))} {dim}{'s' if len(rest) != 1 else ''}",
                 "current_spend": rest["current_spend"].sum(), "recommended_spend": rest["recommended_spend"].sum()}
        data = pd.concat([data, pd.DataFrame([other])])
    return data.reset_index(drop=True)


def plot_dimension(result: Result, dim: str, ax=None):
    """Spend per value of ``dim``: periods as lines over time (current dashed, recommended solid), other
    dimensions as bars (current hatched, recommended grey); never one bar per cell."""
    data = dimension_data(result, dim)
    others = [d for d in dimensions(result.plan) if d != dim]
    summed = f"spend, summed over {' and '.join(d + 's' for d in others)}" if others else "spend"
    if dim == TIME:
        ax = ax or _axes((9, 4.5))
        x = np.arange(len(data))
        ax.plot(x, data["current_spend"], "--o", color="0.4", mfc="white", ms=4, label="current")
        ax.plot(x, data["recommended_spend"], "-*", color="black", ms=7, label="recommended")
        step = max(1, len(data) // 12)
        ax.set_xticks(x[::step], data[dim].iloc[::step], rotation=45, ha="right", fontsize=8)
        _money_axis(ax.yaxis)
        ax.set_ylabel(summed)
        ax.grid(color="0.9")
    else:
        ax = ax or _axes((8, 0.4 * len(data) + 1.5))
        rows = data.iloc[::-1]
        y = np.arange(len(rows))
        ax.barh(y + 0.2, rows["current_spend"], height=0.4, label="current", **CURRENT)
        ax.barh(y - 0.2, rows["recommended_spend"], height=0.4, label="recommended", **RECOMMENDED)
        ax.set_yticks(y, rows[dim])
        _money_axis(ax.xaxis)
        ax.set_xlabel(summed)
        ax.grid(axis="x", color="0.85")
    ax.set_title(f"Spend per {dim}: current and recommended")
    ax.legend(loc="best", fontsize=9)
    return ax


def plan_figures(result: Result) -> dict:
    """The charts of a plan: spend per channel and response curves, or, over cells, spend per channel, per
    market, per period (any dimension), since a chart with a bar or a curve per cell would be unreadable."""
    dims = dimensions(result.plan)
    if dims:
        return {f"spend_by_{dim}": plot_dimension(result, dim).figure for dim in dims}
    return {"allocation": plot_allocation(result).figure, "curves": plot_curves(result)}


def plot_frontier(front: Frontier, ax=None):
    """Best value by budget (solid), best LTV:CAC (dashed, right axis), today's and the best plan."""
    ax = ax or _axes((8, 5))
    p = front.points
    ax.plot(p["budget"], p["value"], color="black", label="best value for the budget")
    _money_axis(ax.xaxis, 6)
    _money_axis(ax.yaxis)
    ax.set_xlabel("budget")
    ax.set_ylabel("customer lifetime value")
    now = front.current
    ax.plot([now.before.spend], [now.before.value], "o", mfc="white", mec="black", ms=9, label="today's plan")
    ax.plot([now.after.spend], [now.after.value], "*", color="black", ms=14, label="recommended at today's budget")
    right = ax.twinx()
    right.plot(p["budget"], p["ltv_cac"], "--", color="0.45", label="best LTV:CAC (right axis)")
    right.axhline(front.target, color="0.6", lw=0.8, ls=":", label=f"target LTV:CAC {front.target:g}x")
    right.set_ylabel("LTV:CAC")
    if front.crossing is not None:
        ax.axvline(front.crossing, color="0.5", ls=":", lw=1)
        ax.annotate(f"LTV:CAC {front.target:g}x at {money(front.crossing)}", (front.crossing, ax.get_ylim()[0]),
                    xytext=(5, 10), textcoords="offset points", fontsize=9)
    handles = ax.get_legend_handles_labels()[0] + right.get_legend_handles_labels()[0]
    ax.figure.legend(handles, [h.get_label() for h in handles], loc="outside lower center", ncols=3, fontsize=9)
    ax.set_title("Efficient frontier: the most customer value each budget can buy")
    ax.grid(color="0.9")
    return ax


def plot_curves(result: Result, most: int = CURVES):
    """One small chart per channel (beyond ``most``, those with the most spend or change): its response curve,
    current (o) and recommended (*) spend."""
    data = curve_data(result, most=most)
    plan = top_rows(result.plan, most)[0]
    n = len(plan)
    cols = min(3, n)
    rows = math.ceil(n / cols)
    fig = _figure((4 * cols, 3 * rows + 0.6))
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax, r in zip(axes, plan.itertuples(), strict=False):
        curve = data[data["channel"] == r.channel]
        ax.plot(curve["spend"], curve["customers"], color="black", lw=1.5)
        ax.axvspan(r.min_allowed, min(r.max_allowed, curve["spend"].max()), color="0.92", lw=0)
        ax.plot([r.current_spend], [r.current_customers], "o", mfc="white", mec="black", ms=7, label="current")
        ax.plot([r.recommended_spend], [r.recommended_customers], "*", color="black", ms=11, label="recommended")
        ax.set_title(f"{r.channel} ({r.curve})", fontsize=10)
        _money_axis(ax.xaxis, 4)
        ax.tick_params(labelsize=8)
        ax.set_xlabel("spend", fontsize=8)
        ax.set_ylabel("customers", fontsize=8)
    for ax in axes[n:]:
        ax.set_visible(False)
    axes[0].legend(fontsize=8, loc="lower right")
    others = len(result.plan) - n
    fig.suptitle("Response curves: customers by spend (shaded: allowed spend)"
                 + (f"; {whole(n)} channels with the most spend or change of {whole(n + others)}" if others else ""))
    return fig


def risk_data(result: Result) -> pd.DataFrame:
    """Every draw's LTV:CAC under each plan (today, point, recommended): plan, draw, ltv_cac."""
    return result.uncertainty.per_draw[["plan", "draw", "ltv_cac"]].copy()


def plot_risk(result: Result, ax=None):
    """The distribution of LTV:CAC over the draws: today (hatched), the point plan (outline), recommended (grey)."""
    ax = ax or _axes((8, 4.5))
    data = risk_data(result)
    bins = np.histogram_bin_edges(data["ltv_cac"].dropna(), bins=40)
    looks = {"today": dict(histtype="stepfilled", facecolor="white", edgecolor="black", hatch="///"),
             "point": dict(histtype="step", color="black", ls="--", lw=1.2),
             "recommended": dict(histtype="stepfilled", facecolor="0.45", edgecolor="black", alpha=0.8)}
    for plan, part in data.groupby("plan", sort=False):
        label = {"point": "point plan"}.get(plan, plan)
        ax.hist(part["ltv_cac"], bins=bins, label=f"{label} (mean {part['ltv_cac'].mean():.2f}x)", **looks[plan])
    u = result.uncertainty
    if u.target is not None:
        ax.axvline(u.target, color="black", ls=":", lw=1, label=f"target {u.target:g}x")
    ax.set_xlabel("portfolio LTV:CAC")
    ax.set_ylabel("draws")
    ax.set_title(f"LTV:CAC over {u.draws} draws of the uncertain inputs")
    ax.legend(fontsize=9)
    return ax


def stability_data(result: Result) -> pd.DataFrame:
    """Per channel: current and recommended spend and the 5/50/95 % of its spend when each draw is re-optimized."""
    return result.plan[["channel", "current_spend", "recommended_spend", "spend_p05", "spend_p50", "spend_p95",
                        "direction_agreement"]].copy()


def plot_stability(result: Result, ax=None):
    """Each channel's 5-95 % range of re-optimized spend (bar), its median (|), recommended (*), current (o)."""
    data = stability_data(result).iloc[::-1]
    ax = ax or _axes((8, 0.45 * len(data) + 1.5))
    y = np.arange(len(data))
    ax.hlines(y, data["spend_p05"], data["spend_p95"], color="0.6", lw=7, label="5 - 95 % of draws")
    ax.plot(data["spend_p50"], y, "|", color="black", ms=14, label="median of draws")
    ax.plot(data["current_spend"], y, "o", mfc="white", mec="black", ms=7, label="current")
    ax.plot(data["recommended_spend"], y, "*", color="black", ms=11, label="recommended")
    ax.set_yticks(y, [f"{c} ({a * 100:.0f} %)" for c, a in zip(data["channel"], data["direction_agreement"],
                                                              strict=True)])
    _money_axis(ax.xaxis)
    ax.set_xlabel("spend per period (in brackets: draws agreeing on the direction)")
    ax.set_title("Every draw re-optimized: each channel's spend")
    ax.legend(loc="lower right", fontsize=8)
    ax.grid(axis="x", color="0.85")
    return ax


def risk_figures(result: Result) -> dict:
    """The charts of a plan under uncertainty (none without draws): LTV:CAC over the draws, stability."""
    if result.uncertainty is None or not result.ok:
        return {}
    figures = {"risk": plot_risk(result).figure}
    if "spend_p05" in result.plan.columns:
        figures["stability"] = plot_stability(result).figure
    return figures


def save_charts(folder: str | Path, result: Result, front: Frontier | None = None,
                formats: tuple[str, ...] = FORMATS, stem: str = "") -> list[Path]:
    """Write the plan's charts (:func:`plan_figures`), (if given) the frontier and (with draws) the risk charts;
    returns the files."""
    figures = plan_figures(result)
    if front is not None:
        figures["frontier"] = plot_frontier(front).figure
    return _save(folder, {**figures, **risk_figures(result)}, formats, stem)


def save_fit_charts(folder: str | Path, fits: CurveFits, formats: tuple[str, ...] = FORMATS,
                    stem: str = "") -> list[Path]:
    """Write the fitted-curves chart (``STEM.fits.png`` and ``.svg``); returns the files written."""
    return _save(folder, {"fits": plot_fits(fits)}, formats, stem)


def _save(folder: str | Path, figures: dict, formats: tuple[str, ...], stem: str) -> list[Path]:
    folder = prepare_folder(folder)
    written = []
    prefix = f"{stem}." if stem else ""
    for name, fig in figures.items():
        for fmt in formats:
            path = folder / f"{prefix}{name}.{fmt}"
            written.append(atomic_write(path, lambda tmp, f=fig, fm=fmt: save_figure(f, tmp, format=fm, dpi=120)))
    return written


def save_figure(fig, target, **options) -> None:
    """``fig.savefig`` without matplotlib's warning for characters its font lacks (a channel named in a
    script the font does not cover is drawn with boxes, which is all a chart can do)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Glyph .* missing from font", category=UserWarning)
        fig.savefig(target, **options)


def _axes(size: tuple[float, float]):
    return _figure(size).add_subplot()


def fit_data(fits: CurveFits, points: int = 100) -> pd.DataFrame:
    """Each channel's chosen and candidate curves over its observed effective spend."""
    rows = []
    for c in fits.candidates.itertuples():
        history = fits.history[fits.history["channel"] == c.channel]
        x = np.linspace(0, history["effective_spend"].max() * 1.2, points)
        params = np.array([c.p1, c.p2, c.p3])
        chosen = fits.table.set_index("channel").loc[c.channel, "curve"] == c.curve
        rows.append(pd.DataFrame({"channel": c.channel, "curve": c.curve, "chosen": chosen, "spend": x,
                                  "customers": model_customers(c.curve, params, x)}))
    return pd.concat(rows, ignore_index=True)


def plot_fits(fits: CurveFits):
    """Per channel: observed periods (o), the chosen curve (solid) and the other candidates (dotted)."""
    data = fit_data(fits)
    names = list(fits.table["channel"])
    cols = min(3, len(names))
    rows = math.ceil(len(names) / cols)
    fig = _figure((4 * cols, 3 * rows + 0.6))
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax, name in zip(axes, names, strict=False):
        seen = fits.history[fits.history["channel"] == name]
        ax.plot(seen["effective_spend"], seen["customers"], "o", mfc="white", mec="black", ms=4, label="observed")
        for curve, part in data[data["channel"] == name].groupby("curve"):
            chosen = bool(part["chosen"].iloc[0])
            ax.plot(part["spend"], part["customers"], "-" if chosen else ":", color="black" if chosen else "0.55",
                    lw=1.6 if chosen else 1.0, label=curve + (" (chosen)" if chosen else ""))
        r2 = fits.table.set_index("channel").loc[name, "r2"]
        ax.set_title(f"{name}: R² {r2:.2f}", fontsize=10)
        _money_axis(ax.xaxis, 4)
        ax.tick_params(labelsize=8)
        ax.legend(fontsize=7)
    for ax in axes[len(names):]:
        ax.set_visible(False)
    spend = "effective spend (with carry-over)" if fits.adstock else "spend per period"
    fig.suptitle(f"Fitted response curves: customers by {spend}")
    return fig
