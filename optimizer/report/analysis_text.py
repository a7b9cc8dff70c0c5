"""LTV estimates and curve fits as text for a terminal (attribution: :mod:`optimizer.report.attribution_text`)."""

from __future__ import annotations

from optimizer.fitting.fit import CurveFits
from optimizer.ltv.estimate import LtvResult
from optimizer.words import money, whole


def format_ltv(result: LtvResult, with_timeline: bool = False) -> str:
    """LTV per channel with its interval and how it was estimated (and the value by period, when asked)."""
    s = result.settings
    level = f"{s.confidence:.0%}"
    lines = [f"LTV of a new customer: {s.model}, horizon {s.horizon:g} {s.unit}, discount {s.discount:g} per "
             f"{s.unit[:-1]}, margin {s.margin:g}"
             + (" (revenue counted as value: give `margin`, such as 0.3, for gross margin)" if s.margin == 1 else ""),
             ""]
    t = result.table
    width = max(8, *(len(c) for c in t["channel"]))
    lines.append(f"{'Channel':<{width}}{'customers':>11}{'repeat':>9}{'LTV':>12}   {level + ' interval':<24}fit")
    for r in t.itertuples():
        interval = f"{money(r.ltv_low)} - {money(r.ltv_high)}"
        lines.append(f"{r.channel:<{width}}{whole(r.customers):>11}{whole(r.repeat_customers):>9}{money(r.ltv):>12}   "
                     f"{interval:<24}{r.fit}")
    if with_timeline and result.timeline is not None:
        lines += ["", *_timeline_lines(result.timeline, s.unit.value, width)]
    notes = result.notes
    return "\n".join(lines + (["", "Notes:", *(f"  - {n}" for n in notes)] if notes else []))


def _timeline_lines(timeline, unit: str, width: int) -> list[str]:
    """Cumulative value per new customer at a few period ends (the first purchase, then 1, 3, 6, ...)."""
    last = timeline["period"].max()
    shown = [p for p in (0, 1, 3, 6, 12, 24, 36, 52, 104) if p < last] + [last]
    lines = [f"Cumulative value per new customer by the end of each {unit[:-1]} (period 0: the first purchase)",
             f"{'Channel':<{width}}" + "".join(f"{p:>10g}" for p in shown)]
    for name, part in timeline.groupby("channel", sort=True):
        at = part.set_index("period")["cumulative_value"]
        lines.append(f"{name:<{width}}" + "".join(f"{money(at.get(p, float('nan'))):>10}" for p in shown))
    return lines


def format_fits(fits: CurveFits) -> str:
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
