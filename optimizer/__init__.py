"""ltvcac: where the next unit of acquisition budget should go, by LTV:CAC, proven optimal."""

from optimizer.api import optimize
from optimizer.channels import Channels, read_channels
from optimizer.errors import InputError, OptimizerError, SolverError, UsageError
from optimizer.result import Portfolio, Result
from optimizer.settings import BudgetMode, Objective, Settings

__all__ = [
    "BudgetMode", "Channels", "InputError", "Objective", "OptimizerError", "Portfolio",
    "Result", "Settings", "SolverError", "UsageError", "optimize", "read_channels",
]
