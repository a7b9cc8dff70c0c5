"""BG/NBD repeat purchases and Gamma-Gamma spend per purchase, fitted by maximum likelihood.

Fader, Hardie and Lee (2005), "Counting Your Customers the Easy Way", Marketing Science 24(2),
and "RFM and CLV: Using Iso-Value Curves" (2005) for Gamma-Gamma. Customers are given as
(frequency x, recency t_x, age T) in one time unit, optionally with weights (counts of
identical customers), which is how large logs fit in seconds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize
from scipy.special import betaln, gammaln, hyp2f1


@dataclass(frozen=True)
class BgNbd:
    """BG/NBD parameters: purchase rates ~ Gamma(r, alpha), dropout ~ Beta(a, b)."""

    r: float
    alpha: float
    a: float
    b: float
    loglik: float = float("nan")
    covariance: np.ndarray | None = None  # of (log r, log alpha, log a, log b)

    def expected_new(self, t: np.ndarray | float) -> np.ndarray:
        """Expected repeat purchases in ``t`` units after a customer's first purchase."""
        return expected_repeat(np.array([self.r, self.alpha, self.a, self.b]), np.asarray(t, float))

    def expected_given(self, t: float, x: float, t_x: float, big_t: float) -> float:
        """Expected purchases in the next ``t`` units of a customer with history (x, t_x, T)."""
        r, alpha, a, b = self.r, self.alpha, self.a, self.b
        head = (a + b + x - 1) / (a - 1)
        z = t / (alpha + big_t + t)
        body = 1 - ((alpha + big_t) / (alpha + big_t + t)) ** (r + x) * hyp2f1(r + x, b + x, a + b + x - 1, z)
        alive = 1 + (x > 0) * (a / (b + x - 1)) * ((alpha + big_t) / (alpha + t_x)) ** (r + x)
        return float(head * body / alive)


@dataclass(frozen=True)
class GammaGamma:
    """Gamma-Gamma spend per purchase: mean spend p * gamma / (q - 1) for a new customer."""

    p: float
    q: float
    gamma: float
    loglik: float = float("nan")
    covariance: np.ndarray | None = None  # of (log p, log q, log gamma)

    @property
    def mean_spend(self) -> float:
        return self.p * self.gamma / (self.q - 1) if self.q > 1 else float("inf")


def bgnbd_loglik(params: np.ndarray, x: np.ndarray, t_x: np.ndarray, big_t: np.ndarray,
                 weights: np.ndarray | None = None) -> float:
    """The BG/NBD log-likelihood of customers (x, t_x, T) at ``params`` = (r, alpha, a, b)."""
    r, alpha, a, b = params
    a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    a2 = betaln(a, b + x) - betaln(a, b)
    a3 = -(r + x) * np.log(alpha + big_t)
    with np.errstate(divide="ignore", invalid="ignore"):
        a4 = np.where(x > 0, np.log(a) - np.log(np.maximum(b + x - 1, 1e-300)) - (r + x) * np.log(alpha + t_x), -np.inf)
    ll = a1 + a2 + np.logaddexp(a3, a4)
    return float(ll.sum() if weights is None else ll @ weights)


def fit_bgnbd(x, t_x, big_t, weights=None, start=(1.0, 1.0, 1.0, 1.0)) -> BgNbd:
    """Maximum-likelihood BG/NBD parameters, with their covariance from the Hessian (log scale)."""
    x, t_x, big_t = (np.asarray(v, float) for v in (x, t_x, big_t))
    x, t_x, big_t, weights = _compress(weights, x, t_x, big_t)
    scale = float(weights.sum())

    def negative(theta):
        return -bgnbd_loglik(np.exp(theta), x, t_x, big_t, weights) / scale

    theta = _minimize(negative, np.log(start))
    cov = _covariance(negative, theta, scale)
    r, alpha, a, b = np.exp(theta)
    return BgNbd(r, alpha, a, b, -negative(theta) * scale, cov)


def gamma_gamma_loglik(params: np.ndarray, x: np.ndarray, m: np.ndarray, weights=None) -> float:
    """The Gamma-Gamma log-likelihood of repeat customers with x purchases of mean value m."""
    p, q, gamma = params
    ll = (gammaln(p * x + q) - gammaln(p * x) - gammaln(q) + q * np.log(gamma)
          + (p * x - 1) * np.log(m) + p * x * np.log(x) - (p * x + q) * np.log(gamma + m * x))
    return float(ll.sum() if weights is None else ll @ weights)


def fit_gamma_gamma(x, m, weights=None, start=(1.0, 1.0, 1.0)) -> GammaGamma:
    """Maximum-likelihood Gamma-Gamma parameters from repeat customers (x > 0, m > 0)."""
    x, m = np.asarray(x, float), np.asarray(m, float)
    keep = (x > 0) & (m > 0)
    w = np.ones(len(x)) if weights is None else np.asarray(weights, float)
    x, m, w = x[keep], m[keep], w[keep]
    scale = float(w.sum())

    def negative(theta):
        return -gamma_gamma_loglik(np.exp(theta), x, m, w) / scale

    theta = _minimize(negative, np.log(start))
    cov = _covariance(negative, theta, scale)
    p, q, gamma = np.exp(theta)
    return GammaGamma(p, q, gamma, -negative(theta) * scale, cov)


def expected_repeat(params: np.ndarray, t: np.ndarray) -> np.ndarray:
    """E[X(t)], repeat purchases of a new customer in ``t`` units (Fader, Hardie, Lee eq. 9)."""
    r, alpha, a, b = params
    z = t / (alpha + t)
    return (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r * hyp2f1(r, b, a + b - 1, z))


def _compress(weights, *columns):
    """Identical customers as one row with a weight: the likelihood is the same, much faster."""
    stacked = np.column_stack(columns)
    w = np.ones(len(stacked)) if weights is None else np.asarray(weights, float)
    unique, inverse = np.unique(stacked, axis=0, return_inverse=True)
    counts = np.bincount(inverse.ravel(), weights=w)
    return (*unique.T, counts)


def _minimize(negative, theta0: np.ndarray) -> np.ndarray:
    best = minimize(negative, theta0, method="L-BFGS-B")
    polished = minimize(negative, best.x, method="Nelder-Mead",
                        options={"xatol": 1e-10, "fatol": 1e-14, "maxiter": 20_000, "maxfev": 40_000})
    return polished.x if polished.fun <= best.fun else best.x


def _covariance(negative, theta: np.ndarray, scale: float) -> np.ndarray | None:
    """Inverse Hessian of the negative log-likelihood (central differences on the log scale)."""
    k, h = len(theta), 1e-4
    hess = np.zeros((k, k))
    for i in range(k):
        for j in range(i, k):
            ei, ej = np.eye(k)[i] * h, np.eye(k)[j] * h
            hess[i, j] = hess[j, i] = (negative(theta + ei + ej) - negative(theta + ei - ej)
                                       - negative(theta - ei + ej) + negative(theta - ei - ej)) / (4 * h * h)
    try:
        return np.linalg.inv(hess * scale)
    except np.linalg.LinAlgError:
        return None
