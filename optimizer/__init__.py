"""ltvcac: where the next unit of acquisition budget should go, by LTV:CAC, proven optimal."""

from optimizer.api import optimize
from optimizer.channels import Channels, read_channels
from optimizer.errors import InputError, OptimizerError, SolverError, UsageError
from optimizer.result import Portfolio, Result, RuleCheck
from optimizer.rules import GroupRule, RatioRule
from optimizer.settings import BudgetMode, Objective, Settings

__all__ = [
    "BudgetMode", "Channels", "GroupRule", "InputError", "Objective", "OptimizerError", "Portfolio",
    "RatioRule", "Result", "RuleCheck", "Settings", "SolverError", "UsageError", "optimize",
    "read_channels",
]
