"""What the rules over cells are worth: each budget per market or period with its shadow price, and the
thousands of flighting rows summed up (how many bind, the largest shadow price), read off the same
multipliers that certify the plan."""

from __future__ import annotations

import numpy as np

from optimizer.model.choices import Objective
from optimizer.model.settings import Settings
from optimizer.results.result import Portfolio, RuleCheck
from optimizer.words import whole

MOST_BINDING = 50  # rows over cells named in a channel's "held by", at most


def block_checks(blocks, spend: np.ndarray, duals: dict, settings: Settings, after: Portfolio
                 ) -> tuple[RuleCheck, ...]:
    """Each listed row's value, limit, whether it binds and what one more unit of it is worth; one line per
    block of rows that are not listed one by one (flighting)."""
    per_unit = 1 / after.cost if settings.objective == Objective.ratio else 1.0
    out = []
    for blk in blocks:
        value = blk.activity(spend)
        y = np.asarray(duals.get(blk.name, np.zeros(len(blk))), float) * per_unit
        tol = 1e-6 * max(after.spend, 1.0)
        at_upper, at_lower = np.abs(value - blk.upper) <= tol, np.abs(value - blk.lower) <= tol
        binding = at_upper | at_lower
        worth = np.where(blk.lower == blk.upper, y, np.where(at_upper, np.maximum(y, 0), np.maximum(-y, 0)))
        worth = np.where(binding, worth, 0.0)
        limit = np.where(at_lower | np.isinf(blk.upper), blk.lower, blk.upper)
        if blk.itemize:
            out += [RuleCheck(blk.labels[k], blk.texts[k], float(value[k]), float(limit[k]), bool(binding[k]),
                              float(worth[k])) for k in range(len(blk))]
        else:
            count = int(binding.sum())
            example = blk.texts[int(np.argmax(np.abs(worth)))]
            text = (f"{whole(count)} of {whole(len(blk))} rows bind, such as: {example}" if count
                    else f"none of its {whole(len(blk))} rows binds")
            out.append(RuleCheck(blk.name, f"flighting ({blk.name}): {text}", float(count), float(len(blk)),
                                 count > 0, float(np.abs(worth).max()) if len(blk) else 0.0))
    return tuple(out)


def binding_members(blocks, checks: tuple[RuleCheck, ...], n: int) -> list[tuple[str, np.ndarray]]:
    """(words, cells) of the listed rows that bind, for what holds each cell."""
    binding = {c.name for c in checks if c.binding}
    out = []
    for blk in blocks:
        if not blk.itemize:
            continue
        for k, label in enumerate(blk.labels):
            if label in binding and len(out) < MOST_BINDING:
                mask = np.zeros(n, bool)
                mask[blk.cell[blk.row == k]] = True
                out.append((blk.texts[k], mask))
    return out


def active_checks(active, spend: np.ndarray) -> tuple[RuleCheck, ...]:
    """One line for the active-period rules: how many chains are at their least number of active periods
    (a mixed-integer rule: no shadow price)."""
    if active is None:
        return ()
    count = active.active(spend)
    at_least = count <= active.least
    k = int(np.argmax(at_least)) if at_least.any() else 0
    text = (f"{int(at_least.sum())} of {len(active)} at their least, such as: {active.texts[k]}" if at_least.any()
            else f"none of its {len(active)} at its least")
    return (RuleCheck("min_active_periods", f"active periods: {text}", float((count - active.least).min()), 0.0,
                      bool(at_least.any()), 0.0),)
