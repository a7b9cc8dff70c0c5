"""Payback rules as the optimizer's own terms: a spend range per channel, and a row for the portfolio.

- A channel's ``max_payback`` of M months holds when its average CAC, spend / customers(spend), is
  at most v = value_M, the channel's cumulative value per customer by month M. On a concave curve
  the average CAC rises with spend, so the rule is a spend ceiling, found in closed form:

  - linear: CAC = 1 / p1 is constant: no ceiling when 1 / p1 <= v, else nothing may be spent;
  - power (x ** e): x / (p1 x^e) <= v  <=>  x <= (p1 v) ** (1 / (1 - e));
  - saturating, M (1 - exp(-x / k)): with a = k / (M v) < 1, the ceiling is
    k (1 / a + W0(-exp(-1 / a) / a)), W0 the principal branch of Lambert's W;
  - Hill with shape 1: (x + h) / M <= v  <=>  x <= M v - h; other Hill shapes by bisection. An
    S-curve's average CAC falls before it rises, so its rule holds on [floor, ceiling]: the channel
    is off or spends within that range, a buy-in at the floor.

- The portfolio's ``max_payback`` of M months holds when the cohort's cumulative value by month M
  covers spend plus fixed costs: sum(value_M * customers) - sum(spend) >= fixed costs, a linear
  row named ``max_payback``, certified and priced like every other row.
"""

from __future__ import annotations

import numpy as np

from optimizer.errors import UsageError
from optimizer.model.channels import Channels
from optimizer.model.curves import HILL, LINEAR, POWER, SATURATING, Curves
from optimizer.model.program import Row, Sense
from optimizer.model.rules import RuleRow
from optimizer.model.timeline import Timeline, payback_months
from optimizer.words import money

_ROUNDS = 200


def payback_range(curves: Curves, value: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per channel, the spend range [floor, ceiling] where the average CAC is at most ``value``.

    NaN ``value`` (no rule) gives [0, inf]; a range of [0, 0] means only zero spend keeps the rule.
    """
    n = len(curves)
    floor, ceiling = np.zeros(n), np.full(n, np.inf)
    ruled = ~np.isnan(value)
    if not ruled.any():
        return floor, ceiling
    v = np.where(ruled, value, 1.0)
    if not isinstance(curves, Curves):  # curves averaged over draws (risk-aware plans): concave, no closed form
        return floor, np.where(ruled, _concave_ceiling(curves, v), ceiling)
    p1, p2, p3, kind = curves.p1, curves.p2, curves.p3, curves.kind
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        flat = (kind == LINEAR) | ((kind == POWER) & (p2 == 1.0))
        ceiling = np.where(ruled & flat, np.where(p1 * v >= 1.0 - 1e-12, np.inf, 0.0), ceiling)
        power = ruled & (kind == POWER) & (p2 < 1.0)
        ceiling = np.where(power, np.power(p1 * v, 1.0 / (1.0 - p2)), ceiling)
        saturating = ruled & (kind == SATURATING)
        if saturating.any():
            ceiling = np.where(saturating, _saturating_ceiling(p1, p2, v), ceiling)
        hill1 = ruled & (kind == HILL) & (p3 == 1.0)
        ceiling = np.where(hill1, np.maximum(p1 * v - p2, 0.0), ceiling)
    for i in np.flatnonzero(ruled & (kind == HILL) & (p3 != 1.0)):
        floor[i], ceiling[i] = _hill_range(p1[i], p2[i], p3[i], v[i])
    ceiling = np.where(ruled & (p1 <= 0), 0.0, ceiling)  # a curve that acquires no one never pays back
    return floor, ceiling


def _concave_ceiling(curves, v: np.ndarray) -> np.ndarray:
    """The largest spend whose average CAC, spend / customers(spend), is at most ``v``, by bisection
    (on a concave curve the average CAC never falls as spend grows)."""
    def over(x):
        with np.errstate(divide="ignore", invalid="ignore"):
            return ~(x <= v * curves.customers(x))

    small = np.full(len(v), 1e-9)
    lo, hi = np.zeros(len(v)), np.ones(len(v))
    while (grow := ~over(hi) & (hi < 1e15)).any():
        lo, hi = np.where(grow, hi, lo), np.where(grow, hi * 4, hi)
    for _ in range(_ROUNDS):
        mid = 0.5 * (lo + hi)
        lo, hi = np.where(over(mid), lo, mid), np.where(over(mid), mid, hi)
    return np.where(over(small), 0.0, np.where(hi >= 1e15, np.inf, lo))


def _saturating_ceiling(m: np.ndarray, k: np.ndarray, v: np.ndarray) -> np.ndarray:
    from scipy.special import lambertw

    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        a = k / (m * v)  # the average CAC at zero spend, as a share of v
        inv = 1.0 / np.where(a < 1, a, 0.5)
        u = inv + np.real(lambertw(-np.exp(-inv) * inv, 0))
    return np.where(a < 1, k * u, 0.0)


def _hill_range(m: float, h: float, s: float, v: float) -> tuple[float, float]:
    """Hill curves with shape != 1: average CAC = (x + h^s x^(1-s)) / m, by bisection."""
    def excess(x):
        return x + h**s * x ** (1.0 - s) - m * v

    if s < 1:  # rising from 0: one crossing
        return 0.0, _cross(excess, 0.0, _above(excess, max(h, 1.0)), rising=True)
    low_point = h * (s - 1.0) ** (1.0 / s)  # where an S-curve's average CAC is lowest
    if excess(low_point) > 0:
        return 0.0, 0.0
    return (_cross(excess, 0.0, low_point, rising=False),
            _cross(excess, low_point, _above(excess, max(low_point, 1.0)), rising=True))


def _above(excess, x: float) -> float:
    while excess(x) <= 0 and x < 1e300:
        x *= 4.0
    return x


def _cross(excess, lo: float, hi: float, rising: bool) -> float:
    """Where ``excess`` crosses 0 between lo and hi (the side that keeps the rule is returned)."""
    for _ in range(_ROUNDS):
        mid = 0.5 * (lo + hi)
        if mid in (lo, hi):
            break
        if (excess(mid) <= 0) == rising:
            lo = mid
        else:
            hi = mid
    return lo if rising else hi


def channel_ranges(curves: Curves, timeline: Timeline, max_payback: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each channel's payback spend range from its own ``max_payback`` (no rule: [0, inf])."""
    value = np.full(len(curves), np.nan)
    for months in np.unique(max_payback[~np.isnan(max_payback)]):  # one pass over the timelines per limit
        ruled = max_payback == months
        value[ruled] = timeline.value_at(float(months))[ruled]
    return payback_range(curves, value)


def channel_conflict(name: str, curves: Curves, timeline: Timeline, i: int, months: float, spend: float,
                     what: str) -> str:
    """Why channel ``i`` cannot keep its ``months`` payback at its floor ``spend`` (``what`` says which floor)."""
    one = curves.subset(np.array([i]))
    customers = float(one.customers(np.array([spend]))[0])
    cac = spend / customers if customers > 0 else np.inf
    needed = payback_months(*timeline.points(i), cac)
    when = "never pays back within its value timeline" if np.isinf(needed) else f"pays back in {needed:.1f} months"
    return (f"channel {name!r}: its {months:g}-month payback cannot hold at its {what} {money(spend)} (average CAC "
            f"{money(cac)} there; a customer is worth {money(timeline.value_at(months)[i])} by month {months:g}, so "
            f"it {when}); raise its max_payback or lower its floor")


def payback_rule(table: Channels, hi: np.ndarray, settings) -> RuleRow | None:
    """The row of the portfolio's ``max_payback`` (None without one): the value of the customers the spend
    buys, by month M, covers spend plus fixed costs.

    Raises
    ------
    UsageError
        When a channel that may spend has no value timeline, or one that ends before month M.
    """
    months = settings.max_payback
    if months is None:
        return None
    values = values_by(table, hi, months)
    row = Row("max_payback", values, -np.ones(len(values)), Sense.ge, float(settings.fixed_costs))
    return RuleRow(row, f"portfolio payback within {months:g} months")


def values_by(table: Channels, hi: np.ndarray, months: float) -> np.ndarray:
    """Each channel's value per customer by ``months`` (0 for channels that cannot spend); a UsageError
    naming the channels that may spend but whose timeline is missing or ends sooner."""
    names, timeline = table.names, table.timeline
    values = timeline.value_at(months)
    horizon = timeline.horizon
    may_spend = hi > 0
    missing = [names[i] for i in np.flatnonzero(may_spend & ~timeline.known)]
    short = [f"{names[i]!r} (to {horizon[i]:g} months)" for i in np.flatnonzero(may_spend & timeline.known)
             if np.isnan(values[i])]
    problems = []
    if missing:
        problems.append(f"`max_payback` needs a value timeline (value_<N>m columns) for every channel that can "
                        f"receive budget; {', '.join(repr(m) for m in missing[:5])} "
                        f"{'has' if len(missing) == 1 else 'have'} none; write them with 'ltvcac set-ltv --timeline', "
                        "or by hand for a channel with no history yet")
    if short:
        problems.append(f"`max_payback` {months:g} months is beyond the value timeline of {', '.join(short[:5])}; "
                        "lower it or add value columns up to that month")
    if problems:
        raise UsageError("; ".join(problems))
    return np.where(may_spend, values, 0.0)


def shortest_horizon(table: Channels, hi: np.ndarray) -> float:
    """The last month every timeline of a channel that may spend reaches."""
    horizon = table.timeline.horizon[hi > 0]
    return float(np.nanmin(horizon)) if len(horizon) and not np.isnan(horizon).all() else 0.0


def check_payback_settings(settings, needs_integers: bool) -> None:
    """Refuse a portfolio payback rule the mixed-integer model cannot certify yet."""
    if settings.max_payback is not None and needs_integers:
        raise UsageError("the portfolio `max_payback` is not yet supported with S-shaped curves, buy-ins or "
                         "`max_active`; per-channel max_payback columns are")

