"""HiGHS reached directly: a segment model's arrays go to ``highspy`` as they are, with no modelling layer.

PuLP makes one Python object per variable and per term, which costs more than the solve itself from a
few thousand channels on; here the column bounds, costs, integrality and the row-wise matrix are
passed as numpy arrays in one call. The model is a maximization; HiGHS minimizes ``-cost``, so its
row duals are negated to read as d(objective) / d(right-hand side), and its MIP dual bound is negated
into a proven upper bound. HiGHS's own model status decides the outcome (a time limit is never read
as optimal). A mixed-integer model may start from a known plan (``start``): the previous round's; an LP
from a basis (``basis``): the previous round's, carried to the finer grid.
"""

from __future__ import annotations

import functools
import os
import sys

import numpy as np

from optimizer.errors import SolverError
from optimizer.solve.answer import Answer, Basis, Outcome
from optimizer.solve.segments import SegmentModel


def solve_direct(model: SegmentModel, time_limit: float | None = None, mip_gap: float | None = None,
                 start: np.ndarray | None = None, basis: Basis | None = None, abs_gap: float | None = None
                 ) -> Answer:
    """Solve ``model`` with HiGHS from its arrays; ``start`` (column values) warm-starts a MILP, ``basis`` an LP;
    a MILP stops at the relative gap ``mip_gap`` or the absolute gap ``abs_gap``, whichever comes first."""
    import highspy

    h = new_highs()
    if h.passModel(highs_lp(model)) == highspy.HighsStatus.kError:
        raise SolverError("HiGHS refused the model (a bug in ltvcac: the model's arrays are inconsistent)")
    if basis is not None and not model.is_mip:
        set_basis(h, basis)
    if time_limit is not None:
        h.setOptionValue("time_limit", float(time_limit))
    if mip_gap is not None:
        h.setOptionValue("mip_rel_gap", float(mip_gap))
    if abs_gap is not None:
        h.setOptionValue("mip_abs_gap", float(abs_gap))
    if start is not None and model.is_mip and len(start) == len(model.lower):
        solution = highspy.HighsSolution()
        solution.col_value = np.clip(start, model.lower, model.upper).tolist()
        solution.value_valid = True
        h.setSolution(solution)
    h.run()
    outcome = read_outcome(h)
    if outcome not in (Outcome.optimal, Outcome.time_limit):
        return Answer(outcome)
    solution = h.getSolution()
    values = np.asarray(solution.col_value, float)
    objective = float(model.cost @ values + model.constant)
    if model.is_mip:
        bound = -float(h.getInfo().mip_dual_bound) + model.constant
        bound = max(bound, objective) if outcome == Outcome.optimal else bound
        return Answer(outcome, values, objective, bound)
    return Answer(outcome, values, objective, objective, -np.asarray(solution.row_dual, float), get_basis(h))


def get_basis(h) -> Basis | None:
    """HiGHS's basis as arrays of status codes (None when it has no valid one)."""
    basis = h.getBasis()
    if not basis.valid:
        return None
    return Basis(np.fromiter(map(int, basis.col_status), np.int8), np.fromiter(map(int, basis.row_status), np.int8))


def set_basis(h, basis: Basis) -> None:
    """Start HiGHS from ``basis``; HiGHS starts from scratch when it does not accept it."""
    import highspy

    codes = [highspy.HighsBasisStatus(k) for k in range(5)]
    start = highspy.HighsBasis()
    start.col_status = [codes[k] for k in basis.columns.tolist()]
    start.row_status = [codes[k] for k in basis.rows.tolist()]
    start.valid = True
    if h.setBasis(start) == highspy.HighsStatus.kError:
        h.setBasis()  # back to the slack basis


def highs_lp(model: SegmentModel):
    """The model as a ``highspy.HighsLp`` (minimize ``-cost``), built from its arrays."""
    import highspy

    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = len(model.lower), len(model.row_lower)
    lp.col_cost_ = -model.cost
    lp.col_lower_, lp.col_upper_ = model.lower, model.upper
    lp.row_lower_, lp.row_upper_ = model.row_lower, model.row_upper
    start, index, value = model.csr()
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.start_ = start.astype(np.int32)
    lp.a_matrix_.index_ = index.astype(np.int32)
    lp.a_matrix_.value_ = value
    if model.is_mip:
        lp.integrality_ = [highspy.HighsVarType.kInteger if k else highspy.HighsVarType.kContinuous
                           for k in model.integer]
    return lp


def new_highs():
    """A silent HiGHS instance."""
    import highspy

    silence_banner()
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    return h


def read_outcome(h) -> Outcome:
    """HiGHS's model status as an :class:`Outcome`; a status that is neither raises :class:`SolverError`."""
    import highspy

    status = h.getModelStatus()
    known = {highspy.HighsModelStatus.kOptimal: Outcome.optimal,
             highspy.HighsModelStatus.kInfeasible: Outcome.infeasible,
             highspy.HighsModelStatus.kUnboundedOrInfeasible: Outcome.infeasible,
             highspy.HighsModelStatus.kUnbounded: Outcome.unbounded}
    if status in known:
        return known[status]
    if status == highspy.HighsModelStatus.kTimeLimit:
        return Outcome.time_limit if h.getSolution().value_valid else Outcome.no_plan
    raise SolverError(f"HiGHS stopped without a proven optimum (model status: {h.modelStatusToString(status)})")


@functools.cache
def silence_banner() -> None:
    """HiGHS prints a banner to standard output when its first instance is made, whatever the options;
    make that first instance with standard output closed, so that outputs stay ours."""
    import highspy

    sys.stdout.flush()
    saved, devnull = os.dup(1), os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)
