"""The common face of fitted models: estimates with standard errors and intervals, a log-likelihood,
``predict`` and ``plot``.

Positive-parameter models (sBG, BG/NBD, Gamma-Gamma) are fitted by maximum likelihood on
log-parameters with :func:`fit_positive_mle`; standard errors come from the observed information
(the inverse numerical Hessian of the negative log-likelihood, Fisher 1922) and the 95% intervals
are Wald intervals on the log scale mapped back, ``exp(log θ ± z·se(θ)/θ)`` (delta method), so they
stay positive.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import optimize, stats
from statsmodels.tools.numdiff import approx_hess3

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

SUMMARY_COLUMNS = ["estimate", "se", "ci_low", "ci_high"]


@dataclass
class FitResult:
    """A fitted model: named estimates, their covariance, the log-likelihood and the sample size.

    ``ci_scale`` is ``"log"`` for positive parameters (intervals built on the log scale) or
    ``"linear"`` (plain Wald intervals ``θ ± z·se``).
    """

    params: pd.Series
    cov: pd.DataFrame | None
    loglik: float
    nobs: int
    converged: bool = True
    ci_scale: str = "linear"
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def se(self) -> pd.Series:
        if self.cov is None:
            return pd.Series(np.nan, index=self.params.index)
        return pd.Series(np.sqrt(np.clip(np.diag(self.cov.to_numpy()), 0, None)),
                         index=self.params.index)

    def summary(self, alpha: float = 0.05) -> pd.DataFrame:
        """Tidy table, one row per parameter: estimate, se, ci_low, ci_high (level 1 − alpha)."""
        z = two_sided_z(alpha)
        est, se = self.params, self.se
        if self.ci_scale == "log":
            half = z * se / est
            lo, hi = est * np.exp(-half), est * np.exp(half)
        else:
            lo, hi = est - z * se, est + z * se
        out = pd.DataFrame({"estimate": est, "se": se, "ci_low": lo, "ci_high": hi})
        out.index.name = "parameter"
        return out

    @property
    def aic(self) -> float:
        return 2 * len(self.params) - 2 * self.loglik

    def predict(self, *args: Any, **kwargs: Any) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError

    def plot(self, ax: Axes | None = None) -> Figure:  # pragma: no cover - overridden
        raise NotImplementedError


def two_sided_z(alpha: float) -> float:
    """``z`` with ``P(|Z| > z) = alpha`` for a standard normal ``Z`` (e.g. 1.96 at 0.05)."""
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must lie in (0, 1), got {alpha}")
    return float(stats.norm.ppf(1 - alpha / 2))


def new_axes(ax: Axes | None) -> tuple[Figure, Axes]:
    """Return (figure, axes): the given axes' figure, or a fresh figure not registered in pyplot."""
    if ax is not None:
        return ax.figure, ax
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6, 4))
    return fig, fig.add_subplot()


def fit_positive_mle(
    negll: Callable[[np.ndarray], float],
    x0: Sequence[float],
    names: Sequence[str],
    grad: Callable[[np.ndarray], np.ndarray] | None = None,
) -> tuple[pd.Series, pd.DataFrame | None, float, bool]:
    """Minimise ``negll(θ)`` over θ > 0 by optimising on ``log θ`` (L-BFGS-B, then BFGS polish).

    ``grad`` (optional) is the gradient of ``negll`` with respect to θ; the chain rule
    ``∂/∂log θ = θ·∂/∂θ`` carries it to the log scale. Returns (estimates, covariance = inverse
    Hessian of ``negll`` at the optimum on the natural scale, log-likelihood, converged).
    """
    x0 = np.asarray(x0, dtype=float)
    if np.any(x0 <= 0):
        raise ValueError(f"starting values must be positive, got {x0.tolist()}")

    def f(u: np.ndarray) -> float:
        v = negll(np.exp(u))
        return v if np.isfinite(v) else 1e300

    jac = None
    if grad is not None:
        def jac(u: np.ndarray) -> np.ndarray:
            th = np.exp(u)
            return grad(th) * th

    res = optimize.minimize(f, np.log(x0), jac=jac, method="BFGS",
                            options={"gtol": 1e-8, "maxiter": 2000})
    theta = np.exp(res.x)
    # BFGS may stop on "precision loss" at the optimum; accept a vanishing gradient then
    g = jac(res.x) if jac is not None else optimize.approx_fprime(res.x, f, 1e-7)
    # (relative to the size of the log-likelihood: a cohort of 10^4 has |negll| of 10^4 or more)
    converged = bool(res.success) or float(np.max(np.abs(g))) < max(1e-3, 1e-6 * abs(res.fun))
    cov = None
    try:
        h = approx_hess3(theta, negll)
        c = np.linalg.inv(h)
        if np.all(np.isfinite(c)):
            cov = pd.DataFrame(c, index=list(names), columns=list(names))
    except (np.linalg.LinAlgError, ValueError):
        cov = None
    return pd.Series(theta, index=list(names)), cov, -float(res.fun), converged
