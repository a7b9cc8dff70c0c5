"""Response curves: through the reference point, derivatives, and the inverse of the marginal."""

from __future__ import annotations

import numpy as np
import pytest

from optimizer.model.curves import fit_through_point, make_curves
from optimizer.model.program import lp_names

CURVES = make_curves([
    fit_through_point("linear", 1000.0, 50.0),
    fit_through_point("power", 1000.0, 50.0, elasticity=0.4),
    fit_through_point("saturating", 1000.0, 50.0, max_customers=80.0),
])


def test_every_curve_passes_through_its_point():
    assert CURVES.customers(np.full(3, 1000.0)) == pytest.approx([50, 50, 50])
    assert CURVES.customers(np.zeros(3)) == pytest.approx([0, 0, 0])


def test_closed_forms_of_power_and_saturating():
    x = np.full(3, 2500.0)
    k = -1000 / np.log(1 - 50 / 80)
    assert CURVES.customers(x) == pytest.approx([125, 50 * 2.5**0.4, 80 * (1 - np.exp(-2500 / k))])


@pytest.mark.parametrize("x", [10.0, 700.0, 5000.0])
def test_marginal_is_the_derivative(x):
    h = x * 1e-6
    xs = np.full(3, x)
    numeric = (CURVES.customers(xs + h) - CURVES.customers(xs - h)) / (2 * h)
    assert CURVES.marginal(xs) == pytest.approx(numeric, rel=1e-6)


def test_spend_at_marginal_inverts_the_marginal():
    x = np.array([123.0, 456.0, 789.0])
    spend = CURVES.spend_at_marginal(CURVES.marginal(x))
    assert spend[1:] == pytest.approx(x[1:])  # a linear curve has one marginal everywhere
    assert CURVES.spend_at_marginal(np.array([1.0, 1e-9, 1.0]))[1] > 1e6  # tiny price: spend a lot
    assert CURVES.spend_at_marginal(np.array([0.01, 1.0, 1.0]))[0] == np.inf  # 0.05 > 0.01: no end


def test_lp_names_are_unique_readable_and_ascii():
    names = lp_names(("Søk", "Påverkare", "E-mail (NO)", "E mail NO", "=x"))
    assert names == ("Sok", "Paverkare", "E_mail_NO", "E_mail_NO_2", "x")
