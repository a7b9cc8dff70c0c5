"""BG/NBD repeat purchases and Gamma-Gamma spend per purchase, fitted by maximum likelihood.

Fader, Hardie and Lee (2005), "Counting Your Customers the Easy Way", Marketing Science 24(2),
and "RFM and CLV: Using Iso-Value Curves" (2005) for Gamma-Gamma. Customers are given as
(frequency x, recency t_x, age T) in one time unit, optionally with weights (counts of
identical customers), which is how large logs fit in seconds.

Both log-likelihoods come with their analytic gradient and Hessian on the log scale of the
parameters. BG/NBD's likelihood is a sum of two terms, L = log(e^l3 + e^l4) (l4 only for x > 0);
with p3 = e^(l3 - L) and p4 = 1 - p3 its derivatives are p3 dl3 + p4 dl4 and
p3 H3 + p4 H4 + p3 p4 (dl3 - dl4)(dl3 - dl4)'. A fit is BFGS on the analytic gradient, then Newton
steps on the analytic Hessian until the gradient vanishes to rounding; Nelder-Mead runs only when
that fails. The covariance is the inverse of the analytic Hessian.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize
from scipy.special import digamma, gammaln, hyp2f1, polygamma


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
    ll, _, _ = bgnbd_terms(np.log(params), x, t_x, big_t, weights, order=0)
    return ll


def bgnbd_terms(theta: np.ndarray, x, t_x, big_t, weights=None, order: int = 2):
    """Log-likelihood, gradient and Hessian (``order`` 0, 1 or 2) in theta = log(r, alpha, a, b)."""
    return _bgnbd_terms(theta, _Rows(x, t_x, big_t, weights=weights), order)


SAMPLE = 4000  # rows of the sample whose maximum starts the fit on many rows (Newton's steps then finish)


class _Rows:
    """Customers for a likelihood, with each column's distinct values: special functions and logarithms
    are evaluated once per distinct frequency, recency or age (a few hundred) and gathered per row."""

    def __init__(self, *columns, weights=None):
        self.columns = [np.asarray(c, float) for c in columns]
        self.w = np.ones(len(self.columns[0])) if weights is None else np.asarray(weights, float)
        self.levels = [np.unique(c, return_inverse=True) for c in self.columns]

    def apply(self, k: int, f) -> np.ndarray:
        """``f`` of column ``k``, computed on its distinct values."""
        values, index = self.levels[k]
        return f(values)[index.ravel()]

    def sample(self, most: int) -> _Rows | None:
        """Every k-th row (rows come sorted, so a sample across the values), weighted up to the whole's weight,
        with at most ``most`` rows; None when there are no more rows than that."""
        step = -(-len(self.w) // most)
        if step <= 1:
            return None
        w = self.w[::step]
        return _Rows(*(c[::step] for c in self.columns), weights=w * (self.w.sum() / w.sum()))


def _bgnbd_terms(theta: np.ndarray, rows: _Rows, order: int):
    r, alpha, a, b = np.exp(theta)
    x, t_x, big_t = rows.columns
    w = rows.w
    log_t = rows.apply(2, lambda v: np.log(alpha + v))
    ll3 = -(r + x) * log_t
    repeat = x > 0
    bx1 = np.where(repeat, b + x - 1, 1.0)
    log_tx = rows.apply(1, lambda v: np.log(alpha + v))
    ll4 = np.where(repeat, np.log(a) - rows.apply(0, lambda v: np.log(np.where(v > 0, b + v - 1, 1.0)))
                   - (r + x) * log_tx, -np.inf)
    mix = np.logaddexp(ll3, ll4)
    const = rows.apply(0, lambda v: gammaln(r + v) - gammaln(a + b + v) + gammaln(b + v))
    total = float((const + mix) @ w) + w.sum() * (r * np.log(alpha) - gammaln(r) - gammaln(b) + gammaln(a + b))
    if order == 0:
        return total, None, None
    p3 = np.exp(ll3 - mix)
    p4 = 1.0 - p3
    zero = np.zeros(len(x))
    d3 = np.stack([-log_t, -(r + x) / (alpha + big_t), zero, zero])
    d4 = np.stack([-log_tx, -(r + x) / (alpha + t_x), np.full(len(x), 1 / a), -1 / bx1]) * repeat
    dig = [rows.apply(0, lambda v, c=c: digamma(c + v)) for c in (r, a + b, b)]
    base = np.stack([dig[0] - digamma(r) + np.log(alpha), np.full(len(x), r / alpha), digamma(a + b) - dig[1],
                     dig[2] - dig[1] - digamma(b) + digamma(a + b)])
    params = np.array([r, alpha, a, b])
    grad = params * ((base + p3 * d3 + p4 * d4) @ w)
    if order == 1:
        return total, grad, None
    h = np.zeros((4, 4, len(x)))
    h[0, 0] = rows.apply(0, lambda v: polygamma(1, r + v)) - polygamma(1, r)
    h[0, 1] = h[1, 0] = 1 / alpha - p3 / (alpha + big_t) - p4 / (alpha + t_x)
    h[1, 1] = -r / alpha**2 + p3 * (r + x) / (alpha + big_t) ** 2 + p4 * (r + x) / (alpha + t_x) ** 2
    t_ab, t_abx = polygamma(1, a + b), rows.apply(0, lambda v: polygamma(1, a + b + v))
    h[2, 2] = t_ab - t_abx - p4 / a**2
    h[2, 3] = h[3, 2] = t_ab - t_abx
    h[3, 3] = rows.apply(0, lambda v: polygamma(1, b + v)) - t_abx - polygamma(1, b) + t_ab + p4 / bx1**2 * repeat
    diff = d3 - d4
    h += (p3 * p4) * diff[:, None, :] * diff[None, :, :]
    return total, grad, np.einsum("ijn,n->ij", h, w) * np.outer(params, params) + np.diag(grad)


def fit_bgnbd(x, t_x, big_t, weights=None, start=(1.0, 1.0, 1.0, 1.0)) -> BgNbd:
    """Maximum-likelihood BG/NBD parameters, with their covariance from the analytic Hessian (log scale)."""
    x, t_x, big_t = (np.asarray(v, float) for v in (x, t_x, big_t))
    *columns, counts = compress(weights, x, t_x, big_t)
    rows = _Rows(*columns, weights=counts)
    sample = rows.sample(SAMPLE)
    theta, hess = _maximize(lambda th, k: _bgnbd_terms(th, rows, k), np.log(start),
                            sample and (lambda th, k: _bgnbd_terms(th, sample, k)))
    r, alpha, a, b = np.exp(theta)
    loglik = _bgnbd_terms(theta, rows, 0)[0]
    return BgNbd(r, alpha, a, b, loglik, _inverse(hess))


def gamma_gamma_loglik(params: np.ndarray, x: np.ndarray, m: np.ndarray, weights=None) -> float:
    """The Gamma-Gamma log-likelihood of repeat customers with x purchases of mean value m."""
    return gamma_gamma_terms(np.log(params), x, m, weights, order=0)[0]


def gamma_gamma_terms(theta: np.ndarray, x, m, weights=None, order: int = 2):
    """Log-likelihood, gradient and Hessian (``order`` 0, 1 or 2) in theta = log(p, q, gamma)."""
    return _gamma_gamma_terms(theta, _Rows(x, m, weights=weights), order)


def _gamma_gamma_terms(theta: np.ndarray, rows: _Rows, order: int):
    p, q, gamma = np.exp(theta)
    x, m = rows.columns
    w = rows.w
    px, gm = p * x, gamma + m * x
    log_gm = np.log(gm)
    by_x = rows.apply(0, lambda v: gammaln(p * v + q) - gammaln(p * v) + p * v * np.log(v))
    ll = by_x + q * np.log(gamma) + (px - 1) * rows.apply(1, np.log) - (px + q) * log_gm
    total = float(ll @ w) - w.sum() * gammaln(q)
    if order == 0:
        return total, None, None
    dig = rows.apply(0, lambda v: digamma(p * v + q))
    grad_p = np.stack([x * (dig - rows.apply(0, lambda v: digamma(p * v) - np.log(v)) + rows.apply(1, np.log) - log_gm),
                       dig - digamma(q) + np.log(gamma) - log_gm, q / gamma - (px + q) / gm])
    params = np.array([p, q, gamma])
    grad = params * (grad_p @ w)
    if order == 1:
        return total, grad, None
    tri = rows.apply(0, lambda v: polygamma(1, p * v + q))
    h = np.zeros((3, 3, len(x)))
    h[0, 0] = x**2 * (tri - rows.apply(0, lambda v: polygamma(1, p * v)))
    h[0, 1] = h[1, 0] = x * tri
    h[0, 2] = h[2, 0] = -x / gm
    h[1, 1] = tri - polygamma(1, q)
    h[1, 2] = h[2, 1] = 1 / gamma - 1 / gm
    h[2, 2] = -q / gamma**2 + (px + q) / gm**2
    return total, grad, np.einsum("ijn,n->ij", h, w) * np.outer(params, params) + np.diag(grad)


def fit_gamma_gamma(x, m, weights=None, start=(1.0, 1.0, 1.0)) -> GammaGamma:
    """Maximum-likelihood Gamma-Gamma parameters from repeat customers (x > 0, m > 0)."""
    x, m = np.asarray(x, float), np.asarray(m, float)
    keep = (x > 0) & (m > 0)
    w = None if weights is None else np.asarray(weights, float)[keep]
    x, m, w = compress(w, x[keep], m[keep])
    rows = _Rows(x, m, weights=w)
    sample = rows.sample(SAMPLE)
    theta, hess = _maximize(lambda th, k: _gamma_gamma_terms(th, rows, k), np.log(start),
                            sample and (lambda th, k: _gamma_gamma_terms(th, sample, k)))
    p, q, gamma = np.exp(theta)
    return GammaGamma(p, q, gamma, _gamma_gamma_terms(theta, rows, 0)[0], _inverse(hess))


def expected_repeat(params: np.ndarray, t: np.ndarray) -> np.ndarray:
    """E[X(t)], repeat purchases of a new customer in ``t`` units (Fader, Hardie, Lee eq. 9)."""
    r, alpha, a, b = params
    z = t / (alpha + t)
    return (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r * hyp2f1(r, b, a + b - 1, z))


def compress(weights, *columns):
    """Identical customers as one row with a weight: the likelihood is the same, much faster.

    Exact: rows are grouped on equal values (recency and age are whole days in the data's unit).
    """
    w = np.ones(len(columns[0])) if weights is None else np.asarray(weights, float)
    if not len(w):
        return (*columns, w)
    order = np.lexsort(columns[::-1])
    sorted_cols = [c[order] for c in columns]
    new = np.zeros(len(order), dtype=bool)
    new[0] = True
    for c in sorted_cols:
        new[1:] |= c[1:] != c[:-1]
    starts = np.flatnonzero(new)
    return (*(c[starts] for c in sorted_cols), np.add.reduceat(w[order], starts))


def _maximize(terms, theta0: np.ndarray, coarse=None) -> tuple[np.ndarray, np.ndarray]:
    """The maximum of a log-likelihood given by ``terms(theta, order)``, and its Hessian there.

    With ``coarse`` (the same likelihood on a sample of the rows), its maximum is the start and Newton's
    steps on every row finish, when they converge. Otherwise BFGS on the analytic gradient (scaled per
    customer), then Newton steps on the analytic Hessian while they raise the likelihood; Nelder-Mead only
    if the result is not a maximum.
    """
    if coarse is not None:
        theta0 = _maximize(coarse, theta0)[0]
        theta, hess, converged = _newton(terms, theta0, steps=20, report=True)
        if converged and _is_maximum(hess):
            return theta, hess
    scale = max(abs(terms(theta0, 0)[0]), 1.0)

    def negative(theta):
        ll, grad, _ = terms(theta, 1)
        return (-ll / scale, -grad / scale) if np.isfinite(ll) else (np.inf, np.zeros_like(theta))

    theta = minimize(negative, theta0, jac=True, method="BFGS", options={"gtol": 1e-7}).x
    theta, hess = _newton(terms, theta)
    if not _is_maximum(hess):
        theta = minimize(lambda t: negative(t)[0], theta, method="Nelder-Mead",
                         options={"xatol": 1e-10, "fatol": 1e-14, "maxiter": 20_000, "maxfev": 40_000}).x
        theta, hess = _newton(terms, theta)
    return theta, hess


def _newton(terms, theta: np.ndarray, steps: int = 8, report: bool = False):
    """Newton steps from near a maximum, each kept only if it does not lower the likelihood: theta and the
    Hessian there (and, with ``report``, whether the steps converged: the last one below 1e-9)."""
    ll, grad, hess = terms(theta, 2)
    converged = False
    for _ in range(steps):
        if not _is_maximum(hess):
            break
        step = np.linalg.solve(hess, -grad)
        new_ll, new_grad, new_hess = terms(theta + step, 2)
        if not new_ll >= ll - 1e-9 * abs(ll):
            break
        theta, ll, grad, hess = theta + step, new_ll, new_grad, new_hess
        if np.max(np.abs(step)) < 1e-9:
            converged = True
            break
    return (theta, hess, converged) if report else (theta, hess)


def _is_maximum(hess: np.ndarray) -> bool:
    return bool(np.all(np.isfinite(hess)) and np.all(np.linalg.eigvalsh(hess) < 0))


def _inverse(hess: np.ndarray) -> np.ndarray | None:
    """Covariance on the log scale: the inverse of minus the Hessian, when the Hessian is a maximum's."""
    return np.linalg.inv(-hess) if _is_maximum(hess) else None
