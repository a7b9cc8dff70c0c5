"""Rules over dimensions: budgets per market, period or quarter, shares and floors over slices of cells,
flighting (how fast a cell's spend may change from one period to the next) and active periods (how
many periods a channel must be on air in each market).

Each rule is a typed value object; :func:`dimension_blocks` turns them into row blocks over every cell
at once, each row with its words ("the budget of market NO", "'TV' at most 40 % of spend in market
SE", "'Search / NO' may change at most 20 % from 2027-02 to 2027-03"). Amounts may be relative to
today's spend of the same slice ("+10%", "x0.9").
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, replace

import numpy as np

from optimizer.errors import UsageError
from optimizer.files.ranges import AMOUNT, POSITIVE, SHARE, check_number
from optimizer.model.blocks import ActiveSets, RowBlock, block
from optimizer.model.cells import TIME, CellIndex
from optimizer.model.program import lp_names
from optimizer.model.rules import GroupRule, RatioRule
from optimizer.model.settings import RANGES, parse_amount
from optimizer.words import money


@dataclass(frozen=True)
class DimBudget:
    """A budget for one value of a dimension (``dim="market", value="NO"``).

    ``amount`` is spent in full with an exact budget mode and is a ceiling otherwise; ``min`` and
    ``max`` are a floor and a ceiling whatever the mode. Each may be a number or relative to today's
    spend in that slice ("+10%", "x0.9").
    """

    dim: str
    value: str
    amount: float | str | None = None
    min: float | str | None = None
    max: float | str | None = None


@dataclass(frozen=True)
class CellRule:
    """Floors and ceilings over a slice of cells: channels (all when empty) where dimensions take the given
    values, as one rule or one per value of ``per``. Shares are of the spend of the same slice over
    every channel ("TV at most 40 % of each market": ``channels=("TV",), per="market", max_share=0.4``).
    """

    name: str
    channels: tuple[str, ...] = ()
    where: tuple[tuple[str, tuple[str, ...]], ...] = ()
    per: str | None = None
    min_share: float | None = None
    max_share: float | None = None
    min_spend: float | None = None
    max_spend: float | None = None

    def __post_init__(self) -> None:
        problems = [check_number(key, getattr(self, key), SHARE if key.endswith("share") else AMOUNT, parameter=False)
                    for key in ("min_share", "max_share", "min_spend", "max_spend")]
        if any(problems):
            raise UsageError(f"rule {self.name!r}: " + "; ".join(p for p in problems if p))


@dataclass(frozen=True)
class Flighting:
    """A cell's spend may change by at most ``max_change`` (0.2 = 20 %) from the previous period of the
    same channel and market; for ``channels`` only, or every channel when empty."""

    max_change: float
    channels: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        problem = check_number("max_period_change", self.max_change, RANGES["max_period_change"])
        if problem:
            raise UsageError(problem)


@dataclass(frozen=True)
class ActivePeriods:
    """A channel is active in at least ``min_periods`` periods of each market (each chain of a channel's
    cells across periods): active meaning it spends at least ``min_spend`` there, by default 1 % of the
    chain's average spend per period today (and at least 1). For ``channels`` only, or all when empty.
    Solved with an indicator binary per cell (a mixed-integer model)."""

    min_periods: int
    channels: tuple[str, ...] = ()
    min_spend: float | None = None

    def __post_init__(self) -> None:
        problems = [check_number("min_active_periods", self.min_periods, RANGES["min_active_periods"])]
        if self.min_spend is not None:
            problems.append(check_number("active_spend", self.min_spend, POSITIVE))
        if any(problems):
            raise UsageError("; ".join(p for p in problems if p))


DimensionRule = DimBudget | CellRule | Flighting | ActivePeriods


def cell_lp_names(cells: CellIndex) -> tuple[str, ...]:
    """LP-safe names of cells, "Search_NO_2027_03", made per part (fast for 100 000 cells)."""
    parts = [np.asarray(lp_names(cells.channels), dtype=object)[cells.channel]]
    parts += [np.asarray(lp_names(cells.levels[d]), dtype=object)[cells.codes[d]] for d in cells.dims]
    joined = parts[0]
    for part in parts[1:]:
        joined = joined + "_" + part
    names = tuple(joined)
    return names if len(set(names)) == len(names) else lp_names(cells.names())


def slice_of(cells: CellIndex, channels: tuple[str, ...] = (), where=()) -> np.ndarray:
    """A mask of the cells of ``channels`` (all when empty) where each dimension takes one of its values.

    Raises
    ------
    UsageError
        Naming an unknown channel, dimension or value.
    """
    mask = np.ones(len(cells), bool)
    if channels:
        mask &= np.isin(cells.channel, [_code(cells.channels, c, "channel") for c in channels])
    for dim, values in where:
        try:
            codes, levels = cells.grouping(dim)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        mask &= np.isin(codes, [_code(levels, v, dim) for v in values])
    return mask


def _code(levels: tuple[str, ...], value: str, what: str) -> int:
    try:
        return levels.index(str(value))
    except ValueError:
        close = difflib.get_close_matches(str(value), levels, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else f"; the table has {', '.join(levels[:8])}"
        raise UsageError(f"no {what} {value!r} in the table{hint}") from None


def resolve_budgets(rules, cells: CellIndex, spend: np.ndarray) -> list[tuple[DimBudget, np.ndarray, tuple]]:
    """Each budget with its cells and its (lower, upper, amount) in numbers, exact when ``amount`` is set."""
    out = []
    for rule in rules:
        if not isinstance(rule, DimBudget):
            continue
        member = np.flatnonzero(slice_of(cells, where=((rule.dim, (rule.value,)),)))
        today = float(spend[member].sum())
        what = f"budget of {rule.dim} {rule.value}"
        values = [None if v is None else parse_amount(v, today, what) for v in (rule.min, rule.max, rule.amount)]
        out.append((rule, member, tuple(values)))
    return out


def default_budget(rules, cells: CellIndex | None, spend: np.ndarray) -> float | None:
    """The total implied by budgets that cover every value of a dimension (None when none do)."""
    if cells is None:
        return None
    by_dim: dict[str, dict[str, float]] = {}
    for rule, _, (_, _, amount) in resolve_budgets(rules, cells, spend):
        if amount is not None:
            by_dim.setdefault(rule.dim, {})[rule.value] = amount
    for dim, amounts in by_dim.items():
        if set(amounts) == set(cells.grouping(dim)[1]):
            return float(sum(amounts.values()))
    return None


def dimension_blocks(rules, cells: CellIndex, spend: np.ndarray, exact: bool, names: tuple[str, ...]
                     ) -> list[RowBlock]:
    """Row blocks for every dimension rule, over the cells (``names``: their LP names)."""
    blocks = []
    budgets = resolve_budgets(rules, cells, spend)
    for dim in dict.fromkeys(r.dim for r, _, _ in budgets):
        rows = [(r, m, v) for r, m, v in budgets if r.dim == dim]
        lower = [max(lo if lo is not None else -np.inf, a if a is not None and exact else -np.inf)
                 for _, _, (lo, _, a) in rows]
        upper = [min(up if up is not None else np.inf, a if a is not None else np.inf) for _, _, (_, up, a) in rows]
        tags = lp_names(tuple(r.value for r, _, _ in rows))
        texts = [_budget_text(r, lo, up) for (r, _, _), lo, up in zip(rows, lower, upper, strict=True)]
        blocks.append(block(f"budget_{dim}", [(m, 1.0) for _, m, _ in rows], lower, upper,
                            [f"budget_{dim}_{t}" for t in tags], texts))
    for rule in rules:
        if isinstance(rule, CellRule):
            blocks += _cell_rule_blocks(rule, cells)
        elif isinstance(rule, Flighting):
            blocks += _flighting_blocks(rule, cells, names)
    return blocks


def _budget_text(rule: DimBudget, lower: float, upper: float) -> str:
    if lower == upper:
        return f"the budget of {rule.dim} {rule.value} ({money(upper)})"
    parts = ([f"at least {money(lower)}"] if np.isfinite(lower) else []) + (
        [f"at most {money(upper)}"] if np.isfinite(upper) else [])
    return f"the budget of {rule.dim} {rule.value} ({' and '.join(parts)})"


def _cell_rule_blocks(rule: CellRule, cells: CellIndex) -> list[RowBlock]:
    mine = slice_of(cells, rule.channels, rule.where)
    base = slice_of(cells, (), rule.where)
    codes, levels = (cells.grouping(rule.per) if rule.per else (np.zeros(len(cells), np.int64), ("",)))
    who = "+".join(rule.channels) if rule.channels else "spend"
    tag = lp_names((rule.name,))[0]
    out = []
    for key, word, sense in (("min_share", "at least", 1), ("max_share", "at most", -1),
                             ("min_spend", "at least", 1), ("max_spend", "at most", -1)):
        value = getattr(rule, key)
        if value is None:
            continue
        rows, labels, texts = [], [], []
        for k, level in enumerate(levels):
            here = codes == k
            member = np.flatnonzero(mine & here)
            if key.endswith("share"):  # slice spend - share * spend of the same cells over every channel
                others = np.flatnonzero(base & here & ~mine)
                cell = np.concatenate([member, others])
                q = np.concatenate([np.full(len(member), 1.0 - value), np.full(len(others), -value)])
                rows.append((cell, q))
            else:
                rows.append((member, 1.0))
            where = f" in {rule.per} {level}" if rule.per else ""
            amount = f"{value:.0%} of spend" if key.endswith("share") else money(value)
            labels.append(f"{tag}_{key}" + (f"_{lp_names((level,))[0]}" if rule.per else ""))
            texts.append(f"{rule.name!r} ({who}) {word} {amount}{where}")
        rhs = 0.0 if key.endswith("share") else value
        lower, upper = (rhs, np.inf) if sense > 0 else (-np.inf, rhs)
        out.append(block(f"{tag}_{key}", rows, lower, upper, labels, texts))
    return out


def _flighting_blocks(rule: Flighting, cells: CellIndex, names: tuple[str, ...]) -> list[RowBlock]:
    """x_t - (1 + f) x_(t-1) <= 0 and x_t - (1 - f) x_(t-1) >= 0 for each cell and its previous period."""
    if TIME not in cells.dims:
        raise UsageError("flighting (`max_period_change`) needs a period column in the channel table")
    now, before = cells.chains()
    if rule.channels:
        keep = slice_of(cells, rule.channels)[now]
        now, before = now[keep], before[keep]
    k, f = len(now), rule.max_change
    row = np.repeat(np.arange(k), 2)
    cell = np.column_stack([now, before]).ravel()
    label = np.asarray(names, dtype=object)
    periods = np.asarray(cells.levels[TIME], dtype=object)[cells.codes[TIME]]
    who = np.asarray([n.rsplit(" / ", 1)[0] for n in cells.names()], dtype=object) if k else label[:0]
    texts = tuple("'" + who[now] + f"' may change at most {f:.0%} from " + periods[before] + " to " + periods[now])
    out = []
    scope = "_".join(lp_names(rule.channels)) + "_" if rule.channels else ""
    for side, factor, lower, upper in (("up", 1 + f, -np.inf, 0.0), ("down", 1 - f, 0.0, np.inf)):
        q = np.column_stack([np.ones(k), np.full(k, -factor)]).ravel()
        out.append(RowBlock(f"flight_{scope}{side}", row, cell, q, np.full(k, lower), np.full(k, upper),
                            tuple("flight_" + side + "_" + label[now]), texts, itemize=False,
                            members=()))
    return out


def active_sets(rules, cells: CellIndex, spend: np.ndarray) -> ActiveSets | None:
    """The cells each :class:`ActivePeriods` rule counts, chain by chain (None without such rules)."""
    parts = []
    for rule in rules:
        if not isinstance(rule, ActivePeriods):
            continue
        if TIME not in cells.dims:
            raise UsageError("active periods (`min_active_periods`) need a period column in the channel table")
        scope = slice_of(cells, rule.channels)
        others = [cells.channel] + [cells.codes[d] for d in cells.dims if d != TIME]
        chain = np.unique(np.column_stack(others), axis=0, return_inverse=True)[1].ravel()
        chain = np.where(scope, chain, -1)
        members = [np.flatnonzero(chain == k) for k in np.unique(chain[chain >= 0])]
        for member in members:
            level = rule.min_spend if rule.min_spend is not None else max(0.01 * float(spend[member].mean()), 1.0)
            who = names_of(cells, member[0])
            parts.append((member, level, rule.min_periods,
                          f"'{who}' active (spending at least {money(level)}) in at least {rule.min_periods} "
                          f"of its {len(member)} periods"))
    if not parts:
        return None
    return ActiveSets(np.concatenate([m for m, _, _, _ in parts]).astype(np.int64),
                      np.repeat(np.arange(len(parts)), [len(m) for m, _, _, _ in parts]),
                      np.concatenate([np.full(len(m), lv, float) for m, lv, _, _ in parts]),
                      np.array([k for _, _, k, _ in parts], np.int64), tuple(t for _, _, _, t in parts))


def names_of(cells: CellIndex, i: int) -> str:
    """A cell's channel and dimensions other than the period: "Search / NO"."""
    return " / ".join([cells.channels[cells.channel[i]], *(cells.levels[d][cells.codes[d][i]] for d in cells.dims
                                                           if d != TIME)])


def active_conflicts(active: ActiveSets | None, hi: np.ndarray, most: int = 8) -> list[str]:
    """Sets whose cells cannot be active often enough: fewer periods than asked, or ceilings below the level."""
    if active is None:
        return []
    size = np.bincount(active.group, minlength=len(active))
    can = np.bincount(active.group, hi[active.cell] >= active.level * (1 - 1e-9), minlength=len(active)).astype(int)
    out = [f"{active.texts[k]}: it has only {size[k]}; lower `min_active_periods`"
           for k in np.flatnonzero(size < active.least)[:most]]
    return out + [f"{active.texts[k]}: only {can[k]} of them can spend that much (their max_spend and other "
                  "limits); lower `min_active_periods` or the active spend, or raise the ceilings"
                  for k in np.flatnonzero((can < active.least) & (size >= active.least))[:most]]


def expand_channels(rule, table) -> GroupRule | RatioRule:
    """A group or ratio rule over a table of cells: each channel it names stands for all its cells."""
    cells, names = table.cells, np.asarray(table.names, dtype=object)

    def cells_of(channels: tuple[str, ...]) -> tuple[str, ...]:
        known = [c for c in channels if c in cells.channels]
        return tuple(names[slice_of(cells, tuple(known))]) + tuple(c for c in channels if c not in cells.channels)

    if isinstance(rule, GroupRule):
        return replace(rule, channels=cells_of(rule.channels))
    return replace(rule, left_channels=cells_of(rule.left_channels), right_channels=cells_of(rule.right_channels))


def block_conflicts(blocks, limits, most: int = 8) -> list[str]:
    """Rows over cells that the cells' own limits cannot meet, in the rows' words (budgets per market, ...)."""
    out = []
    for blk in blocks:
        if np.any(blk.q < 0) or blk.has_customers:
            continue
        floor = np.bincount(blk.row, blk.q * limits.lo[blk.cell], minlength=len(blk))
        ceiling = np.bincount(blk.row, blk.q * np.minimum(limits.hi, limits.budget)[blk.cell], minlength=len(blk))
        slack = 1e-9 * np.maximum(np.abs(blk.upper), 1.0)
        for k in np.flatnonzero(floor > blk.upper + slack)[:most]:
            out.append(f"the minimum spends in {blk.texts[k]} add up to {money(floor[k])}, above "
                       f"{money(blk.upper[k])}; lower them or raise that budget")
        for k in np.flatnonzero(ceiling < blk.lower - slack)[:most]:
            out.append(f"{blk.texts[k]} needs {money(blk.lower[k])} but its cells can take at most "
                       f"{money(ceiling[k])}; raise their ceilings or lower it")
    return out
