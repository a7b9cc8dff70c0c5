"""The Lagrangian upper bound of a separable program, maximized channel by channel: the certificate.

Given a multiplier per linking row, the Lagrangian separates by channel, and each channel's part,
a * customers(x) - b * x on [lo, hi], has its maximizer in closed form for concave curves. Its value
bounds every plan that keeps the rules, so a plan whose true value comes within a tolerance of it is
proven optimal within that tolerance.
"""

from __future__ import annotations

import numpy as np

from optimizer.model.program import LinearObjective, Program, Sense


def lagrangian_bound(program: Program, objective: LinearObjective, duals: dict[str, float]
                     ) -> tuple[float, np.ndarray]:
    """An upper bound on the true optimum from row multipliers, and each channel's maximizer.

    Every multiplier is first given the sign that keeps the bound valid (any such choice is
    valid; the LP's duals make it tight).
    """
    a, b, constant = channel_coefficients(program, objective, duals)
    curves, lo, hi = program.curves, program.lo, program.hi
    with np.errstate(divide="ignore", invalid="ignore"):
        stationary = np.where(a > 0, curves.spend_at_marginal(b / np.where(a > 0, a, 1.0)), lo)
    candidates = np.vstack([lo, hi, np.clip(stationary, lo, hi)])
    scores = np.vstack([a * curves.customers(c) - b * c for c in candidates])
    pick = np.argmax(scores, axis=0)
    cols = np.arange(len(lo))
    return float(constant + scores[pick, cols].sum()), candidates[pick, cols]


def channel_coefficients(program: Program, objective: LinearObjective, duals: dict[str, float]
                         ) -> tuple[np.ndarray, np.ndarray, float]:
    """Each channel's Lagrangian ``a * customers(x) - b * x`` and the constant, for these multipliers.

    ``duals`` holds a number per row name and an array per row block's name.

    ``a * marginal(x) - b`` is then what one more unit of the channel's spend is worth to the
    objective once every rule's price is paid: zero for a free channel, a limit's shadow price
    for a channel held at that limit.
    """
    a, b = objective.alpha.astype(float).copy(), objective.beta.astype(float).copy()
    constant = objective.constant
    for row in program.rows:
        y = duals.get(row.name, 0.0)
        y = max(y, 0.0) if row.sense == Sense.le else min(y, 0.0) if row.sense == Sense.ge else y
        a -= y * row.p
        b += y * row.q
        constant += y * row.rhs
    for blk in program.blocks:  # a block's multipliers are one array under its name
        y, rhs = blk.priced(np.asarray(duals.get(blk.name, np.zeros(len(blk))), float))
        yp, yq = blk.scatter(y, len(a))
        a -= yp
        b += yq
        constant += float(y @ rhs)
    return a, b, constant
