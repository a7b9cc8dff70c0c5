"""Attribution as text for a terminal: the chosen model (or all, compared) with each channel's role.

Kept apart from the LTV and curve texts so that ``ltvcac attribute`` imports no model fitting.
"""

from __future__ import annotations

from optimizer.journeys.analyze import Analysis
from optimizer.words import money, whole


def format_attribution(found: Analysis) -> str:
    """Attribution by the chosen model (all models side by side when compared), with each channel's role."""
    models = found.models.set_index("channel")
    stats = found.channels.set_index("channel")
    paths = found.paths
    distinct = whole(len(paths))
    head = (f"{distinct} distinct paths, {money(paths.conversions.sum())} conversions, "
            f"{money((paths.conversions + paths.nulls).sum())} journeys; model: {found.model}")
    width = max(8, *(len(c) for c in models.index))
    names = list(models.columns)
    cols = [max(14, len(n) + 2) for n in names]  # a model's name is never cut
    lines = [head, "", f"{'Channel':<{width}}" + "".join(f"{n:>{w}}" for n, w in zip(names, cols, strict=True))
             + f"{'reach':>8}{'opens':>9}{'assists':>9}{'closes':>9}"]
    for channel, row in models.iterrows():
        s = stats.loc[channel]
        cells = "".join(f"{v:>{w},.1f}".replace(",", " ") for v, w in zip(row, cols, strict=True))
        roles = "".join(f"{whole(round(v)):>9}" for v in (s.opens, s.assists, s.closes))
        lines.append(f"{channel:<{width}}{cells}{s.reach:>8.1%}{roles}")
    days = found.days_to_conversion
    if len(days):
        q = days.quantile([0.1, 0.5, 0.9])
        lines += ["", f"Days from first touch to conversion: median {q[0.5]:.1f} (10 % within {q[0.1]:.1f}, "
                      f"90 % within {q[0.9]:.1f})"]
    top = found.top_paths.head(5)
    if len(top):
        lines += ["", "Most common converting paths:"]
        lines += [f"  {r.conversions:>10,.0f}  {r.path}".replace(",", " ") for r in top.itertuples()]
    return "\n".join(lines)
