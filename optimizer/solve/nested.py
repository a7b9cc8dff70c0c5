"""Exact optimum when the budgets nest (total > market > cell, a tree of group caps): nested multipliers.

When every rule is a floor or ceiling on the spend of a set of cells, and the sets form a tree (any two
are nested or disjoint), the optimum prices each unit of a cell's spend at one multiplier per set on its
path to the root. Bottom-up, each set's threshold is the price at which its cells (under their own sets'
thresholds) spend exactly its floor or ceiling, found for all sets of one depth at once by Newton's steps
on the price, safeguarded by bisection; top-down, a set's price is its parent's, clipped to its
thresholds. Cells then take the spend where their marginal value meets that price. Cells with constant
returns that tie at a price share what is left in proportion to their room. A share of an exactly spent
total is a ceiling (share x budget) like any other. The Lagrangian at these multipliers bounds the
optimum, so the plan is certified like every other.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from optimizer.model.program import LinearObjective, Program, Sense

_ROUNDS = 200
_CLOSE = 1e-13  # a set's spend this close to its target (relatively) has found its price


@dataclass
class Tree:
    """Sets of cells in a tree: node 0 is every cell; each row that made a node, by its side."""

    parent: list[int]
    cells: list[np.ndarray]
    lower: list[float]
    upper: list[float]
    lower_row: list[tuple | None]
    upper_row: list[tuple | None]


def nested_tree(program: Program) -> tuple[Tree, dict] | None:
    """The tree of the program's rows, or None when some row is not a bound on a set's spend or the sets
    cross; with the shares of the total found (row -> share), whose duals move to the budget's."""
    n, budget = len(program.lo), program.rows[0]
    if budget.name != "budget" or np.any(budget.p) or not np.all(budget.q == 1):
        return None
    sets, shares = [(np.arange(n), budget.sense, budget.rhs, ("row", "budget"))], {}
    for row in program.rows[1:]:
        if np.any(row.p):
            return None
        member, share = _indicator(row.q), 0.0
        if member is None and budget.sense == Sense.eq:  # a share of a total that is spent in full
            share = _constant_share(row.q)
            member = _indicator(row.q + share) if share else None
        if member is None:
            return None
        sets.append((member, row.sense, row.rhs + share * budget.rhs, ("row", row.name)))
        if share:
            shares[row.name] = share
    for blk in program.blocks:
        if blk.has_customers or not np.all(blk.q == 1):
            return None
        order = np.argsort(blk.row, kind="stable")
        split = np.split(blk.cell[order], np.cumsum(np.bincount(blk.row, minlength=len(blk)))[:-1])
        for k, member in enumerate(split):
            lo, up = blk.lower[k], blk.upper[k]
            sense = Sense.eq if lo == up else Sense.le if np.isinf(lo) else Sense.ge if np.isinf(up) else None
            if sense is None:
                sets += [(member, Sense.ge, lo, ("block", blk.name, k)), (member, Sense.le, up, ("block", blk.name, k))]
            else:
                sets.append((member, sense, up if sense != Sense.ge else lo, ("block", blk.name, k)))
    tree = _laminar(n, sets)
    return (tree, shares) if tree is not None else None


def _indicator(q: np.ndarray) -> np.ndarray | None:
    """The cells of a row that sums their spend (coefficients 0 or 1), else None."""
    one = np.abs(q - 1) <= 1e-12
    return np.flatnonzero(one) if one.any() and np.all(one | (np.abs(q) <= 1e-12)) else None


def _constant_share(q: np.ndarray) -> float:
    """For q = member - share: the share (the most common negative value), else 0."""
    negative = q[q < 0]
    return float(-negative[0]) if len(negative) and np.allclose(negative, negative[0]) else 0.0


def _laminar(n: int, sets: list) -> Tree | None:
    """Sets, largest first, each inside the deepest set holding its first cell; None when two cross."""
    tree = Tree([-1], [np.arange(n)], [-np.inf], [np.inf], [None], [None])
    node_of = np.zeros(n, np.int64)
    for member, sense, rhs, ref in sorted(sets, key=lambda s: -len(s[0])):
        if len(member) == 0:
            continue
        holders = np.unique(node_of[member])
        if len(holders) != 1:
            return None
        v = int(holders[0])
        if len(tree.cells[v]) != len(member):  # a new, smaller set
            tree.parent.append(v)
            tree.cells.append(member)
            tree.lower.append(-np.inf)
            tree.upper.append(np.inf)
            tree.lower_row.append(None)
            tree.upper_row.append(None)
            v = len(tree.parent) - 1
            node_of[member] = v
        if sense in (Sense.le, Sense.eq) and rhs < tree.upper[v]:
            tree.upper[v], tree.upper_row[v] = float(rhs), ref
        if sense in (Sense.ge, Sense.eq) and rhs > tree.lower[v]:
            tree.lower[v], tree.lower_row[v] = float(rhs), ref
    return tree


def solve_nested(program: Program, objective: LinearObjective, tree: Tree, shares: dict
                 ) -> tuple[np.ndarray, dict[str, float | np.ndarray]]:
    """The optimal spend and the multipliers of the program's rows (by name; an array per block)."""
    solver = _Nested(program, objective, tree)
    threshold = solver.thresholds()
    low, high = solver.prices(threshold)
    x = solver.share_ties(low, high)
    spent = solver.subtree(x)
    slack = 1e-9 * np.maximum(np.abs(spent), 1.0) + 1e-9
    if np.any(spent > solver.upper + slack) or np.any(spent < solver.lower - slack):
        return None, {}  # the sets' floors and ceilings cannot all hold
    return x, solver.duals(0.5 * (low + high), shares)


class _Nested:
    def __init__(self, program: Program, objective: LinearObjective, tree: Tree):
        self.program, self.tree = program, tree
        self.a, self.beta = objective.alpha.astype(float), objective.beta.astype(float)
        m = len(tree.parent)
        self.depth = np.zeros(m, np.int64)
        for v in range(1, m):
            self.depth[v] = self.depth[tree.parent[v]] + 1
        n = len(program.lo)
        self.path = np.full((int(self.depth.max()) + 1, n), -1, np.int64)  # each cell's set at each depth
        for v in np.argsort(self.depth, kind="stable"):
            self.path[self.depth[v], tree.cells[v]] = v
        for d in range(1, len(self.path)):  # a cell with no set at this depth keeps its parent's
            self.path[d] = np.where(self.path[d] < 0, self.path[d - 1], self.path[d])
        self.lower, self.upper = np.array(tree.lower), np.array(tree.upper)
        self.parent = np.array(tree.parent)

    def spend(self, price: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each cell's best spend at its price (concave curves: the clipped stationary point), and how fast
        that spend moves with the price (0 at a limit, and where constant returns jump from one limit to the other)."""
        p, a = self.program, self.a
        with np.errstate(divide="ignore", invalid="ignore"):
            stationary = p.curves.spend_at_marginal((self.beta + price) / np.where(a > 0, a, 1.0))
            x = np.where(a > 0, np.clip(stationary, p.lo, p.hi), p.lo)
            inside = (a > 0) & (x > p.lo) & (x < p.hi)
            dx = np.zeros(len(x))
            dx[inside] = 1.0 / (a[inside] * p.curves.subset(np.flatnonzero(inside)).curvature(x[inside]))
        return x, np.where(np.isfinite(dx), dx, 0.0)

    def totals(self, x: np.ndarray, depth: int, dx: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Each set's spend from the cells' ``x`` (and its rate of change from theirs, ``dx``): sets below
        ``depth`` held within their floor and ceiling (a set whose price is clipped spends exactly its bound,
        whatever the price), sets at ``depth`` as they come."""
        m = len(self.lower)
        total = np.bincount(self.path[-1], x, minlength=m)
        rate = np.bincount(self.path[-1], dx, minlength=m) if dx is not None else np.zeros(m)
        for d in range(len(self.path) - 1, depth, -1):
            nodes = np.flatnonzero(self.depth == d)
            held = (total[nodes] < self.lower[nodes]) | (total[nodes] > self.upper[nodes])
            total[nodes] = np.clip(total[nodes], self.lower[nodes], self.upper[nodes])
            rate[nodes[held]] = 0.0
            np.add.at(total, self.parent[nodes], total[nodes])
            np.add.at(rate, self.parent[nodes], rate[nodes])
        return total, rate

    def thresholds(self) -> tuple[np.ndarray, np.ndarray]:
        """Per set, the price at which it spends its ceiling (low end) and its floor (high end)."""
        m = len(self.lower)
        cut = (np.full(m, -np.inf), np.full(m, np.inf))  # no set below the ones at hand is clipped yet
        for depth in range(len(self.path) - 1, -1, -1):
            at = np.flatnonzero(self.depth == depth)
            nodes = at[np.isfinite(self.upper[at])]
            if len(nodes):
                cut[0][nodes] = self._price_for(nodes, depth, self.upper[nodes])
            same = at[self.lower[at] == self.upper[at]]  # a set spent exactly: one price for both ends
            cut[1][same] = cut[0][same]
            nodes = at[np.isfinite(self.lower[at]) & (self.lower[at] != self.upper[at])]
            if len(nodes):
                cut[1][nodes] = self._price_for(nodes, depth, self.lower[nodes])
        return cut

    def _price_for(self, nodes: np.ndarray, depth: int, target: np.ndarray) -> np.ndarray:
        """Prices at which each of ``nodes`` spends ``target`` (spend falls as the price rises).

        Newton's steps on the price, from the spend's rate of change, inside a bracket that every step
        narrows; a step that would leave the bracket, or after one that did not halve the miss, bisects it.
        Constant returns make the spend jump at a price: there bisection finds the jump to machine precision.
        """
        m = len(self.lower)

        def total(prices: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            top = np.zeros(m)
            top[nodes] = prices
            x, dx = self.spend(top[self.path[depth]])
            spent, rate = self.totals(x, depth, dx)
            return spent[nodes], rate[nodes]

        low, high = np.full(len(nodes), -1.0), np.ones(len(nodes))
        for _ in range(100):  # widen until spend(low) >= target >= spend(high)
            up, down = total(high)[0] > target, total(low)[0] < target
            if not (up.any() or down.any()):
                break
            high, low = np.where(up, high * 4, high), np.where(down, low * 4, low)
        price, newton = 0.5 * (low + high), np.zeros(len(nodes), bool)
        done, miss = np.zeros(len(nodes), bool), np.full(len(nodes), np.inf)
        for _ in range(_ROUNDS):
            spent, rate = total(price)
            more = spent >= target
            low, high = np.where(more, price, low), np.where(more, high, price)
            slow = newton & (np.abs(spent - target) > 0.5 * miss)  # the last Newton step did not halve the miss
            miss = np.abs(spent - target)
            done |= miss <= _CLOSE * np.maximum(np.abs(target), 1.0)
            mid = 0.5 * (low + high)
            done |= (mid == low) | (mid == high)
            if done.all():
                break
            with np.errstate(divide="ignore", invalid="ignore"):
                step = price - (spent - target) / rate
            newton = (rate < 0) & (step > low) & (step < high) & ~slow
            price = np.where(done, price, np.where(newton, step, mid))
        return price

    def prices(self, cut) -> tuple[np.ndarray, np.ndarray]:
        """Every set's price, top-down: the parent's, clipped to its own thresholds, as a tight bracket."""
        m = len(self.lower)
        price = np.zeros(m)
        for v in np.argsort(self.depth, kind="stable"):
            above = 0.0 if v == 0 else price[self.tree.parent[v]]
            price[v] = min(max(above, cut[0][v]), cut[1][v])
        eps = 4 * np.spacing(np.maximum(np.abs(price), 1e-300))
        return price - eps, price + eps

    def subtree(self, x: np.ndarray) -> np.ndarray:
        """Each set's spend: the sum of ``x`` over its cells."""
        m = len(self.lower)
        return sum(np.bincount(self.path[d], x, minlength=m) * (self.depth == d) for d in range(len(self.path)))

    def share_ties(self, low: np.ndarray, high: np.ndarray) -> np.ndarray:
        """Spend at each set's price; where constant returns tie, what a set must spend passes down to
        the cells and the sets that take their parent's price, in proportion to their room."""
        deepest, m = self.path[-1], len(self.lower)
        x_min, x_max = self.spend(high[deepest])[0], self.spend(low[deepest])[0]
        s_min, s_max = self.subtree(x_min), self.subtree(x_max)
        price = 0.5 * (low + high)
        parent = np.array(self.tree.parent)
        above = np.where(parent >= 0, price[np.maximum(parent, 0)], 0.0)
        binding = price != above  # a set whose price rose (or fell) above its parent's spends its bound
        bound = np.where(price > above, self.upper, self.lower)
        r_min = np.where(binding, bound, np.clip(s_min, self.lower, self.upper))
        r_max = np.where(binding, bound, np.clip(s_max, self.lower, self.upper))
        own_min = np.bincount(deepest, x_min, minlength=m)
        own_width = np.bincount(deepest, x_max - x_min, minlength=m)
        target, ratio = r_min.copy(), np.zeros(m)
        for v in np.argsort(self.depth, kind="stable"):
            if v:
                target[v] = r_min[v] + ratio[parent[v]] * (r_max[v] - r_min[v])
            children = np.flatnonzero(parent == v)
            low_sum = own_min[v] + r_min[children].sum()
            width = own_width[v] + (r_max[children] - r_min[children]).sum()
            ratio[v] = np.clip((target[v] - low_sum) / width, 0.0, 1.0) if width > 0 else 0.0
        return x_min + ratio[deepest] * (x_max - x_min)

    def duals(self, price: np.ndarray, shares: dict) -> dict[str, float | np.ndarray]:
        """Each row's multiplier: the rise of its set's price over its parent's (0 where it does not bind)."""
        out: dict[str, float | np.ndarray] = {blk.name: np.zeros(len(blk)) for blk in self.program.blocks}
        out.update({row.name: 0.0 for row in self.program.rows})
        for v in range(len(price)):
            above = 0.0 if v == 0 else price[self.tree.parent[v]]
            step = price[v] - above
            ref = self.tree.upper_row[v] if step > 0 else self.tree.lower_row[v] if step < 0 else None
            if ref is None and v == 0 and self.tree.upper_row[0] == self.tree.lower_row[0]:
                ref = self.tree.upper_row[0]
            if ref is None:
                continue
            if ref[0] == "row":
                out[ref[1]] = float(step)
            else:
                out[ref[1]][ref[2]] = step
        out["budget"] = float(out["budget"]) + sum(out[name] * share for name, share in shares.items())
        return out
