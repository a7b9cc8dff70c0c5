"""LP solvers by name, with an availability check and one meaning for status and duals.

PuLP reports row duals with different signs per solver (HiGHS solves a maximization as the
minimization of its negative); every dual here is d(objective) / d(right-hand side).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import pulp

from optimizer.errors import SolverError

DEFAULT, FALLBACK = "highs", "cbc"


@dataclass(frozen=True)
class LpOutcome:
    """What a solve produced: ``status`` is optimal, infeasible or unbounded."""

    status: str
    objective: float
    duals: dict[str, float]


def _highs() -> pulp.LpSolver:
    return pulp.HiGHS(msg=False)


def _cbc() -> pulp.LpSolver:
    # PuLP 3 warns that the bundled CBC moves to an extra in PuLP 4; we pin pulp<4.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return pulp.PULP_CBC_CMD(msg=False)


SOLVERS = {"highs": _highs, "cbc": _cbc}


def available_solvers() -> list[str]:
    """Names of the solvers that work on this machine."""
    return [name for name, make in SOLVERS.items() if make().available()]


def resolve_solver(name: str | None) -> tuple[str, tuple[str, ...]]:
    """The solver to use and a note when the default had to fall back.

    Raises
    ------
    SolverError
        When the named solver is unknown or not installed.
    """
    if name is None:
        if SOLVERS[DEFAULT]().available():
            return DEFAULT, ()
        return FALLBACK, ("HiGHS (highspy) is not installed; solved with CBC instead",)
    key = name.lower()
    if key not in SOLVERS:
        raise SolverError(f"unknown solver {name!r}; choose one of {', '.join(SOLVERS)}")
    if not SOLVERS[key]().available():
        hint = "pip install highspy" if key == "highs" else "reinstall pulp, which bundles CBC"
        raise SolverError(f"the solver {name!r} is not available here; {hint}, or choose another with --solver")
    return key, ()


def solve(prob: pulp.LpProblem, name: str, rows: tuple[str, ...] = ()) -> LpOutcome:
    """Solve ``prob`` (a maximization) and read its status and the duals of ``rows``."""
    try:
        prob.solve(SOLVERS[name]())
    except pulp.PulpSolverError as exc:
        raise SolverError(f"the solver {name!r} failed: {exc}") from None
    status = _highs_status(prob) if name == "highs" else _pulp_status(prob)
    sign = -1.0 if name == "highs" else 1.0
    duals = {}
    if status == "optimal":
        duals = {k: sign * (prob.get_constraint_by_name(k).pi or 0.0) for k in rows}
    objective = pulp.value(prob.objective) if status == "optimal" else float("nan")
    return LpOutcome(status, float(objective or 0.0), duals)


def _highs_status(prob: pulp.LpProblem) -> str:
    # PuLP maps HiGHS's time and iteration limits to "Optimal"; ask HiGHS itself.
    import highspy

    status = prob.solverModel.getModelStatus()
    known = {
        highspy.HighsModelStatus.kOptimal: "optimal",
        highspy.HighsModelStatus.kInfeasible: "infeasible",
        highspy.HighsModelStatus.kUnboundedOrInfeasible: "infeasible",
        highspy.HighsModelStatus.kUnbounded: "unbounded",
    }
    if status not in known:
        text = prob.solverModel.modelStatusToString(status)
        raise SolverError(f"HiGHS stopped without a proven optimum (model status: {text})")
    return known[status]


def _pulp_status(prob: pulp.LpProblem) -> str:
    known = {pulp.LpStatusOptimal: "optimal", pulp.LpStatusInfeasible: "infeasible",
             pulp.LpStatusUnbounded: "unbounded"}
    if prob.status not in known:
        raise SolverError(f"the solver stopped without a proven optimum (status: {pulp.LpStatus[prob.status]})")
    return known[prob.status]
