"""Gamma-Gamma model of spend per transaction.

Fader, Hardie & Lee (2005), "RFM and CLV: using iso-value curves for customer base analysis",
*Journal of Marketing Research* 42(4); notation of Fader & Hardie (2013), "The Gamma-Gamma model of
monetary value". A customer's transaction values are Gamma(p, ν) around her mean p/ν, and
ν ~ Gamma(q, γ) across customers (``v`` below is γ). For a customer with ``x`` transactions of
mean value ``m_x``:

``f(m_x | p, q, γ; x) = Γ(px + q)/(Γ(px) Γ(q)) · γ^q · m_x^{px−1} · x^{px} / (γ + x·m_x)^{px+q}``

Conditional expected spend per transaction (FHL 2005, eq. 5):

``E[M | p, q, γ, m_x, x] = (q − 1)/(px + q − 1) · γp/(q − 1) + px/(px + q − 1) · m_x
                        = p (γ + x·m_x) / (px + q − 1)``

a weighted mean of the population mean ``γp/(q − 1)`` and the customer's own mean.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

import numpy as np
import pandas as pd
from scipy import special

from journey.errors import ConvergenceWarning, JourneyDataError
from journey.models.base import FitResult, check_maxiter, fit_positive_mle, new_axes, not_converged

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["GammaGammaResult", "fit_gammagamma"]

NAMES = ["p", "q", "v"]


def _arrays(x: np.ndarray, m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(x, dtype=float)
    m = np.asarray(m, dtype=float)
    if x.shape != m.shape or x.ndim != 1 or x.size == 0:
        raise JourneyDataError("x and m (mean spend) must be 1-d arrays of the same non-zero"
                               " length")
    bad = np.flatnonzero(~np.isfinite(x) | (x < 1) | (x != np.floor(x)))
    if bad.size:
        raise JourneyDataError(f"x row {bad[0]}: {x[bad[0]]!r}; expected a whole number >= 1 "
                               "(fit only customers with at least one transaction)")
    bad = np.flatnonzero(~np.isfinite(m) | (m <= 0))
    if bad.size:
        raise JourneyDataError(f"m row {bad[0]}: {m[bad[0]]!r}; expected a mean spend > 0")
    return x, m


def gammagamma_loglik(params: np.ndarray, x: np.ndarray, m: np.ndarray) -> np.ndarray:
    """Per-customer log density of the mean spend ``m_x`` (Fader & Hardie 2013, eq. 3)."""
    p, q, v = params
    px = p * x
    return (special.gammaln(px + q) - special.gammaln(px) - special.gammaln(q)
            + q * np.log(v) + (px - 1) * np.log(m) + px * np.log(x)
            - (px + q) * np.log(v + x * m))


@dataclass(kw_only=True, repr=False)
class GammaGammaResult(FitResult):
    """A fitted Gamma-Gamma model: ``params`` holds p, q, v (v = γ); ``x`` and ``m`` are the
    fitted customers' transaction counts and mean spend."""

    x: np.ndarray = field(repr=False)
    m: np.ndarray = field(repr=False)

    model_name: ClassVar[str] = "Gamma-Gamma spend per transaction"

    @property
    def population_mean(self) -> float:
        """Mean spend per transaction in the population, ``γp/(q − 1)`` (needs q > 1)."""
        p, q, v = (float(self.params[n]) for n in NAMES)
        return v * p / (q - 1) if q > 1 else float("inf")

    def conditional_expected_spend(self, x: np.ndarray, m: np.ndarray) -> np.ndarray:
        """``E[M | x, m_x] = p (γ + x·m_x)/(px + q − 1)`` (FHL 2005, eq. 5)."""
        x = np.asarray(x, dtype=float)
        m = np.asarray(m, dtype=float)
        p, q, v = (float(self.params[n]) for n in NAMES)
        # customers without transactions get the population mean (x = 0 in the formula)
        m = np.where(x > 0, m, 0.0)
        return p * (v + x * m) / (p * x + q - 1)

    def predict(self, x: np.ndarray, m: np.ndarray) -> pd.DataFrame:
        """Per customer: conditional expected spend per transaction."""
        return pd.DataFrame({"expected_spend": self.conditional_expected_spend(x, m)})

    def plot(self, ax: Axes | None = None) -> Figure:
        """Observed mean spend beside the model's expected spend, one point per customer."""
        fig, ax = new_axes(ax)
        x, m = self.x, self.m
        ax.scatter(m, self.conditional_expected_spend(x, m), s=8, alpha=0.5)
        lim = [0, float(np.quantile(m, 0.99))]
        ax.plot(lim, lim, color="grey", lw=1)
        ax.axhline(self.population_mean, ls="--", color="grey", label="population mean")
        ax.set_xlabel("observed mean spend m_x")
        ax.set_ylabel("E[M | x, m_x]")
        ax.legend()
        return fig


def fit_gammagamma(x: np.ndarray | pd.Series, m: np.ndarray | pd.Series,
                   x0: tuple[float, float, float] | None = None,
                   maxiter: int = 2000) -> GammaGammaResult:
    """Fit the Gamma-Gamma model by maximum likelihood on customers with ``x ≥ 1`` (BFGS on the
    log-parameters, at most ``maxiter`` iterations).

    ``x`` is the number of (repeat) transactions and ``m`` their mean value, as in FHL (2005).
    The default start ``(p, q, γ) = (1, 2, mean(m))`` puts the implied population mean
    ``γp/(q − 1)`` at the sample mean; a start far off in scale (e.g. γ = 1 for spend in tens of
    dollars) can stall on the flat ridge p → ∞, γ → 0. Warns
    :class:`~journey.errors.ConvergenceWarning` (and ``converged`` is False) when BFGS stops
    short.
    """
    x, m = _arrays(np.asarray(x), np.asarray(m))
    if x0 is None:
        x0 = (1.0, 2.0, float(np.mean(m)))
    fit = fit_positive_mle(lambda th: -float(gammagamma_loglik(th, x, m).sum()), x0, NAMES,
                           maxiter=check_maxiter(maxiter))
    if not fit.converged:
        warnings.warn(not_converged("fit_gammagamma", fit.message), ConvergenceWarning,
                      stacklevel=2)
    return GammaGammaResult(params=fit.params, cov=fit.cov, loglik=fit.loglik, nobs=int(x.size),
                            converged=fit.converged, ci_scale="log", iterations=fit.iterations,
                            method="maximum likelihood, BFGS on log-parameters; se from the"
                                   " observed information",
                            x=x, m=m)
