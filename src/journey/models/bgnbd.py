"""BG/NBD model of repeat purchasing in a non-contractual setting.

Fader, Hardie & Lee (2005), "'Counting your customers' the easy way: an alternative to the
Pareto/NBD model", *Marketing Science* 24(2). Each customer buys at Poisson rate λ while alive,
λ ~ Gamma(r, α); after each purchase she drops out with probability p, p ~ Beta(a, b). Data per
customer: frequency ``x`` (repeat purchases), recency ``t_x`` (time of the last one) and age ``T``.

Likelihood (eq. 6), with ``A = Γ(r + x) α^r / Γ(r)``:

``L = A · [ B(a, b + x)/B(a, b) · (α + T)^{−(r+x)}
          + 1{x>0} · B(a + 1, b + x − 1)/B(a, b) · (α + t_x)^{−(r+x)} ]``

Conditional expectation of purchases in (T, T + t] (eq. 10):

``E[Y(t) | x, t_x, T] = (a + b + x − 1)/(a − 1) ·
  [1 − ((α + T)/(α + T + t))^{r+x} ₂F₁(r + x, b + x; a + b + x − 1; t/(α + T + t))]
  / [1 + 1{x>0} · a/(b + x − 1) · ((α + T)/(α + t_x))^{r+x}]``

Probability alive (Fader, Hardie & Lee 2005, Appendix / eq. 11 note):
``P(alive | x, t_x, T) = 1 / [1 + 1{x>0} · a/(b + x − 1) · ((α + T)/(α + t_x))^{r+x}]``.

Unconditional expected purchases in (0, t] (eq. 9):
``E[X(t)] = (a + b − 1)/(a − 1) · [1 − (α/(α + t))^r ₂F₁(r, b; a + b − 1; t/(α + t))]``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

import numpy as np
import pandas as pd
from scipy import special

from journey.errors import ConvergenceWarning, JourneyDataError, ParameterError
from journey.models.base import FitResult, check_maxiter, fit_positive_mle, new_axes, not_converged

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["BGNBDResult", "fit_bgnbd", "bgnbd_loglik"]

NAMES = ["r", "alpha", "a", "b"]


def _arrays(x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> tuple[np.ndarray, ...]:
    x = np.asarray(x, dtype=float)
    t_x = np.asarray(t_x, dtype=float)
    T = np.asarray(T, dtype=float)
    if not (x.shape == t_x.shape == T.shape) or x.ndim != 1 or x.size == 0:
        raise JourneyDataError("x, t_x and T must be 1-d arrays of the same non-zero length")
    for name, v in (("x", x), ("t_x", t_x), ("T", T)):
        bad = np.flatnonzero(~np.isfinite(v) | (v < 0))
        if bad.size:
            raise JourneyDataError(f"{name} row {bad[0]}: {v[bad[0]]!r}; expected a finite"
                                   " value >= 0")
    bad = np.flatnonzero(x != np.floor(x))
    if bad.size:
        raise JourneyDataError(f"x row {bad[0]}: {x[bad[0]]!r}; expected a whole number of"
                               " purchases")
    bad = np.flatnonzero(t_x > T + 1e-12)
    if bad.size:
        raise JourneyDataError(f"t_x row {bad[0]}: recency {t_x[bad[0]]} exceeds age T={T[bad[0]]}")
    bad = np.flatnonzero((x == 0) & (t_x != 0))
    if bad.size:
        raise JourneyDataError(f"t_x row {bad[0]}: must be 0 when x = 0, got {t_x[bad[0]]}")
    return x, t_x, T


def bgnbd_loglik(params: np.ndarray, x: np.ndarray, t_x: np.ndarray, T: np.ndarray,
                 weights: np.ndarray | None = None) -> np.ndarray:
    """Per-customer log-likelihood of the BG/NBD model (Fader, Hardie & Lee 2005, eq. 6)."""
    r, alpha, a, b = params
    lnA = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
    lnB0 = special.betaln(a, b)
    t1 = special.betaln(a, b + x) - lnB0 - (r + x) * np.log(alpha + T)
    pos = x > 0
    t2 = np.full_like(x, -np.inf)
    xp = x[pos]
    t2[pos] = (special.betaln(a + 1, b + xp - 1) - lnB0
               - (r + xp) * np.log(alpha + t_x[pos]))
    ll = lnA + np.logaddexp(t1, t2)
    return ll if weights is None else ll * weights


@dataclass(kw_only=True, repr=False)
class BGNBDResult(FitResult):
    """A fitted BG/NBD model: ``params`` holds r, alpha, a, b (time unit of the data); ``x``,
    ``t_x`` and ``T`` are the fitted customers' frequency, recency and age."""

    x: np.ndarray = field(repr=False)
    t_x: np.ndarray = field(repr=False)
    T: np.ndarray = field(repr=False)

    model_name: ClassVar[str] = "BG/NBD repeat purchasing"

    def _p(self) -> tuple[float, float, float, float]:
        return tuple(float(self.params[n]) for n in NAMES)  # type: ignore[return-value]

    def p_alive(self, x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> np.ndarray:
        """P(alive | x, t_x, T) (see module docstring)."""
        x, t_x, T = _arrays(x, t_x, T)
        return 1.0 / (1.0 + self._odds(x, t_x, T))

    def _odds(self, x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> np.ndarray:
        r, alpha, a, b = self._p()
        pos = x > 0
        out = np.zeros_like(x)
        xp = x[pos]
        out[pos] = a / (b + xp - 1) * np.exp((r + xp) * (np.log(alpha + T[pos])
                                                         - np.log(alpha + t_x[pos])))
        return out

    def conditional_expected_purchases(self, t: float, x: np.ndarray, t_x: np.ndarray,
                                       T: np.ndarray) -> np.ndarray:
        """E[Y(t) | x, t_x, T]: expected purchases in the next t time units (eq. 10)."""
        if t < 0:
            raise ParameterError(f"t must be >= 0, got {t}")
        x, t_x, T = _arrays(x, t_x, T)
        r, alpha, a, b = self._p()
        if np.isclose(a, 1.0):  # (a − 1) in the denominator; eq. 10 holds for a ≠ 1
            raise ParameterError(f"the conditional expectation needs a != 1, fitted a={a:.4g}")
        z = t / (alpha + T + t)
        hyp = special.hyp2f1(r + x, b + x, a + b + x - 1, z)
        num = 1.0 - np.exp((r + x) * (np.log(alpha + T) - np.log(alpha + T + t))) * hyp
        return (a + b + x - 1) / (a - 1) * num / (1.0 + self._odds(x, t_x, T))

    def expected_purchases(self, t: np.ndarray | float) -> np.ndarray:
        """E[X(t)]: expected repeat purchases of a new customer in (0, t] (eq. 9)."""
        t = np.asarray(t, dtype=float)
        r, alpha, a, b = self._p()
        hyp = special.hyp2f1(r, b, a + b - 1, t / (alpha + t))
        return (a + b - 1) / (a - 1) * (1.0 - (alpha / (alpha + t)) ** r * hyp)

    def predict(self, t: float, x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> pd.DataFrame:
        """Per customer: expected purchases in the next ``t`` and P(alive)."""
        return pd.DataFrame({
            "expected_purchases": self.conditional_expected_purchases(t, x, t_x, T),
            "p_alive": self.p_alive(x, t_x, T),
        })

    def plot(self, ax: Axes | None = None, max_x: int = 7) -> Figure:
        """Calibration: observed vs expected number of customers by repeat frequency 0..max_x+.

        Expected counts come from the model's P(X(T) = x) (Fader, Hardie & Lee 2005, eq. 8),
        summed over the customers' own ages T.
        """
        fig, ax = new_axes(ax)
        x, T = self.x, self.T
        ks = np.arange(max_x + 1)
        exp = np.array([np.exp(self._log_pmf(k, T)).sum() for k in ks])
        exp[-1] = len(x) - exp[:-1].sum()
        obs = np.array([(x == k).sum() for k in ks[:-1]] + [(x >= max_x).sum()])
        w = 0.4
        ax.bar(ks - w / 2, obs, w, label="observed")
        ax.bar(ks + w / 2, exp, w, label="BG/NBD")
        ax.set_xticks(ks, [str(k) for k in ks[:-1]] + [f"{max_x}+"])
        ax.set_xlabel("repeat purchases")
        ax.set_ylabel("customers")
        ax.legend()
        return fig

    def _log_pmf(self, k: int, T: np.ndarray) -> np.ndarray:
        """ln P(X(T) = k) (Fader, Hardie & Lee 2005, eq. 8)."""
        r, alpha, a, b = self._p()
        lnB0 = special.betaln(a, b)
        base = (special.gammaln(r + k) - special.gammaln(r) - special.gammaln(k + 1)
                + r * np.log(alpha / (alpha + T)) + k * np.log(T / (alpha + T)))
        first = special.betaln(a, b + k) - lnB0 + base
        if k == 0:
            return first
        j = np.arange(k)
        lg = special.gammaln(r + j) - special.gammaln(r) - special.gammaln(j + 1)
        tail = lg[:, None] + j[:, None] * np.log(T / (alpha + T))[None, :]
        s = np.exp(r * np.log(alpha / (alpha + T)) + special.logsumexp(tail, axis=0))
        second = (np.exp(special.betaln(a + 1, b + k - 1) - lnB0)) * (1.0 - s)
        return np.log(np.exp(first) + second)


def fit_bgnbd(x: np.ndarray | pd.Series, t_x: np.ndarray | pd.Series, T: np.ndarray | pd.Series,
              x0: tuple[float, float, float, float] = (1.0, 1.0, 1.0, 1.0),
              maxiter: int = 2000) -> BGNBDResult:
    """Fit the BG/NBD model by maximum likelihood (eq. 6 summed over customers), BFGS on the
    log-parameters with at most ``maxiter`` iterations.

    Customers with identical (x, t_x, T) are pooled with weights, which leaves the likelihood
    unchanged and speeds the fit. Warns :class:`~journey.errors.ConvergenceWarning` (and
    ``converged`` is False) when BFGS stops short.
    """
    x, t_x, T = _arrays(np.asarray(x), np.asarray(t_x), np.asarray(T))
    keys, inv, counts = np.unique(np.column_stack([x, t_x, T]), axis=0, return_inverse=True,
                                  return_counts=True)
    ux, ut, uT = keys[:, 0], keys[:, 1], keys[:, 2]
    w = counts.astype(float)

    def negll(th: np.ndarray) -> float:
        return -float(bgnbd_loglik(th, ux, ut, uT, w).sum())

    fit = fit_positive_mle(negll, x0, NAMES, maxiter=check_maxiter(maxiter))
    if not fit.converged:
        warnings.warn(not_converged("fit_bgnbd", fit.message), ConvergenceWarning, stacklevel=2)
    return BGNBDResult(params=fit.params, cov=fit.cov, loglik=fit.loglik, nobs=int(x.size),
                       converged=fit.converged, ci_scale="log", iterations=fit.iterations,
                       method="maximum likelihood, BFGS on log-parameters; se from the"
                              " observed information",
                       x=x, t_x=t_x, T=T)
