"""Solvers by name: a class per backend with its availability, its status mapping and its dual signs.

Every backend takes a :class:`SegmentModel` (a maximization) and returns an :class:`Answer` in one
meaning: the solver's own status (PuLP 3 reports HiGHS's time and iteration limits as "Optimal", so
HiGHS's model status is read directly), column values, the objective, a proven bound for MILPs, and
row duals as d(objective) / d(right-hand side) (PuLP returns HiGHS's duals of a maximization with the
opposite sign to CBC's; measured). PuLP is imported only when a model is solved or written.
"""

from __future__ import annotations

import functools
import warnings
from pathlib import Path

import numpy as np

from optimizer.errors import SolverError
from optimizer.files.writers import atomic_write
from optimizer.model.choices import Solver
from optimizer.solve.answer import Answer, Basis, Outcome
from optimizer.solve.highs_direct import read_outcome, silence_banner, solve_direct
from optimizer.solve.segments import SegmentModel

__all__ = ["BACKENDS", "Answer", "Backend", "Basis", "Cbc", "Highs", "Outcome", "PulpHighs", "resolve_backend"]


class Backend:
    """A solver reached through PuLP; subclasses say how to make it and how to read its status."""

    name: Solver
    label: str
    dual_sign = 1.0
    hint = ""

    def available(self) -> bool:
        """Whether the solver is installed (cheap: nothing is solved)."""
        raise NotImplementedError

    def check(self) -> str | None:
        """Solve a one-variable LP; None when it works, else what went wrong (for ``ltvcac solvers``)."""
        if not self.available():
            return "not installed"
        model = _tiny_model()
        try:
            answer = self.solve(model)
        except Exception as exc:  # any failure means the solver does not work here
            return f"installed but failed ({exc})"
        return None if answer.outcome == Outcome.optimal and abs(answer.objective - 1.0) < 1e-6 else (
            f"installed but gave a wrong answer ({answer.outcome})")

    def make(self, time_limit: float | None, mip_gap: float | None):
        raise NotImplementedError

    def read_outcome(self, prob, is_mip: bool) -> Outcome:
        raise NotImplementedError

    def mip_bound(self, prob, objective: float) -> float:
        return objective + abs(objective) * 1e-7  # CBC proves the relative gap it was given

    def solve(self, model: SegmentModel, time_limit: float | None = None, mip_gap: float | None = None,
              start: np.ndarray | None = None, basis: Basis | None = None, abs_gap: float | None = None) -> Answer:
        """Solve ``model`` (``start``, a plan to start from, ``basis`` and ``abs_gap``, an absolute MIP gap,
        are not used through PuLP).

        Raises :class:`SolverError` when the solver fails for reasons not the model's.
        """
        import pulp  # PuLP costs start-up time; only solves need it

        prob, columns, rows = to_pulp(model)
        try:
            prob.solve(self.make(time_limit, mip_gap))
        except pulp.PulpSolverError as exc:
            raise SolverError(f"the solver {self.name.value!r} failed: {exc}") from None
        outcome = self.read_outcome(prob, model.is_mip)
        if outcome not in (Outcome.optimal, Outcome.time_limit):
            return Answer(outcome)
        values = np.array([v.varValue or 0.0 for v in columns])
        objective = float(model.cost @ values + model.constant)
        duals = None
        if not model.is_mip:
            duals = np.array([self.dual_sign * (c.pi or 0.0) for c in rows])
        bound = self.mip_bound(prob, objective) if model.is_mip else objective
        return Answer(outcome, values, objective, bound, duals)


class PulpHighs(Backend):
    """HiGHS through PuLP: the way ``--lp-file`` models are made, kept to cross-check the direct backend."""

    name, label, dual_sign = Solver.highs, "HiGHS", -1.0
    hint = "pip install highspy"

    def available(self) -> bool:
        return _importable("highspy")

    def make(self, time_limit, mip_gap):
        import pulp

        silence_banner()
        options = {"msg": False, "timeLimit": time_limit}
        if mip_gap is not None:
            options["gapRel"] = mip_gap
        return pulp.HiGHS(**options)

    def read_outcome(self, prob, is_mip: bool) -> Outcome:
        return read_outcome(prob.solverModel)

    def mip_bound(self, prob, objective: float) -> float:
        bound = -prob.solverModel.getInfo().mip_dual_bound + prob.objective.constant
        return max(objective, bound) if self.read_outcome(prob, True) == Outcome.optimal else bound


class Highs(PulpHighs):
    """HiGHS from the model's arrays (the default): no modelling layer between the arrays and the solver."""

    def solve(self, model: SegmentModel, time_limit: float | None = None, mip_gap: float | None = None,
              start: np.ndarray | None = None, basis: Basis | None = None, abs_gap: float | None = None) -> Answer:
        return solve_direct(model, time_limit, mip_gap, start, basis, abs_gap)


class Cbc(Backend):
    name, label = Solver.cbc, "CBC"
    hint = "reinstall pulp, which bundles CBC"

    def available(self) -> bool:
        return self.make(None, None).available()

    def make(self, time_limit, mip_gap):
        import pulp

        with warnings.catch_warnings():  # PuLP 3 warns that the bundled CBC moves to an extra in PuLP 4
            warnings.simplefilter("ignore", DeprecationWarning)
            solver = pulp.PULP_CBC_CMD(msg=False, timeLimit=time_limit)
        if mip_gap is not None:
            solver.optionsDict["gapRel"] = mip_gap
        return solver

    def read_outcome(self, prob, is_mip: bool) -> Outcome:
        import pulp

        known = {pulp.LpStatusOptimal: Outcome.optimal, pulp.LpStatusInfeasible: Outcome.infeasible,
                 pulp.LpStatusUnbounded: Outcome.unbounded}
        if prob.status not in known:
            raise SolverError(f"CBC stopped without a proven optimum (status: {pulp.LpStatus[prob.status]})")
        return known[prob.status]


BACKENDS: dict[Solver, Backend] = {Solver.highs: Highs(), Solver.cbc: Cbc()}
DEFAULT, FALLBACK = Solver.highs, Solver.cbc


def resolve_backend(name: Solver | str | None) -> tuple[Backend, tuple[str, ...]]:
    """The backend to use and a note when the default had to fall back.

    Raises
    ------
    SolverError
        When the named solver is unknown or not installed.
    """
    if name is None:
        if BACKENDS[DEFAULT].available():
            return BACKENDS[DEFAULT], ()
        return BACKENDS[FALLBACK], ("HiGHS (highspy) is not installed; solved with CBC instead",)
    try:
        backend = BACKENDS[Solver(str(name).lower())]
    except ValueError:
        raise SolverError(f"unknown solver {name!r}; choose one of {', '.join(s.value for s in Solver)}") from None
    if not backend.available():
        raise SolverError(f"the solver {backend.name.value!r} is not available here; {backend.hint}, "
                          "or choose another with `solver`")
    return backend, ()


def solver_report() -> dict[str, str | None]:
    """Each solver's name and None when it works here, else what is wrong with it."""
    return {name.value: backend.check() for name, backend in BACKENDS.items()}


def to_pulp(model: SegmentModel):
    """The model as a PuLP problem (for CBC, for HiGHS through PuLP, and for LP files), its columns and rows."""
    import pulp

    prob = pulp.LpProblem(model.title, pulp.LpMaximize)
    cats = np.where(model.integer, pulp.LpInteger, pulp.LpContinuous)  # PuLP resets a Binary's bounds to 0..1
    columns = [prob.add_variable(name, _finite(lo), _finite(up), cat=cat) for name, lo, up, cat in
               zip(model.column_names, model.lower, model.upper, cats, strict=True)]
    keep = model.cost != 0
    prob.setObjective(pulp.LpAffineExpression(
        [(columns[j], float(c)) for j, c in zip(np.flatnonzero(keep), model.cost[keep], strict=True)],
        constant=model.constant, name="objective"))
    start, index, value = model.csr()
    rows = []
    for r, name in enumerate(model.row_names):
        terms = [(columns[j], float(v)) for j, v in zip(index[start[r]:start[r + 1]], value[start[r]:start[r + 1]],
                                                         strict=True)]
        lo, up = model.row_lower[r], model.row_upper[r]
        sense, rhs = ((pulp.LpConstraintEQ, lo) if lo == up else (pulp.LpConstraintLE, up) if np.isinf(lo)
                      else (pulp.LpConstraintGE, lo))
        row = pulp.LpConstraint(pulp.LpAffineExpression(terms), sense, name, float(rhs))
        prob.addConstraint(row)
        rows.append(row)
    return prob, columns, rows


def write_lp(model: SegmentModel, path: str | Path) -> Path:
    """Write ``model`` in CPLEX LP format, in the channels' names."""
    prob = to_pulp(model)[0]
    return atomic_write(path, lambda tmp: prob.writeLP(str(tmp)))


def _finite(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None


@functools.cache
def _importable(module: str) -> bool:
    try:
        __import__(module)
    except ImportError:
        return False
    return True


def _tiny_model() -> SegmentModel:
    one = np.ones(1)
    return SegmentModel("check", np.zeros(1), one, one, np.zeros(1, bool), 0.0, np.zeros(1, np.int64),
                        np.zeros(1, np.int64), one, np.full(1, -np.inf), one, np.zeros(1, np.int64), {"cap": 0},
                        lambda: (("x",), ("cap",)))
