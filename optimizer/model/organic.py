"""Customers nobody paid for: organic and word-of-mouth arrivals that come whatever the budget.

Paid LTV:CAC is the value of the customers the spend buys over spend plus fixed costs; blended
LTV:CAC adds the organic customers' value (the portfolio's ``organic_customers`` x ``organic_ltv``,
and each channel's ``organic_customers`` x its ``ltv``, such as brand search at zero spend). The
organic value is a constant: no plan changes it, so it never enters the objective, and the ratio
floor applies to it only when asked (``blended``).
"""

from __future__ import annotations

from optimizer.model.channels import Channels


def organic_totals(table: Channels, settings) -> tuple[float, float]:
    """Organic customers and their lifetime value, portfolio and channels together."""
    customers = float(settings.organic_customers + table.organic.sum())
    value = float(settings.organic_customers * (settings.organic_ltv or 0.0) + table.organic @ table.ltv)
    return customers, value
