"""The common face of fitted models (after statsmodels' results and lifelines' fitters).

Every ``fit_*`` function of :mod:`journey.models`, and :func:`~journey.models.kaplan_meier`,
:func:`~journey.models.logrank_test` and :func:`~journey.models.cumulative_incidence`, returns a
:class:`FitResult` (a subclass of it) with

* ``params`` (named estimates), ``bse`` (standard errors; ``se`` is the same), ``cov``;
* ``conf_int(alpha)``: columns ``lower``, ``upper`` at level ``1 − alpha``;
* ``summary(alpha)``: the estimates table, columns ``estimate, se, ci_low, ci_high`` and, where
  a Wald test of zero is meaningful, ``z`` and ``p_value``;
* a header of facts before the numbers (:meth:`FitResult.header`: model, observations, events,
  log-likelihood, AIC, estimation scheme, convergence), the same keys in the same order for every
  model; ``str(result)`` / ``print_summary()`` print header, table and notes;
* ``loglik``, ``aic``, ``nobs``, ``events``, ``converged``, ``iterations``, ``notes``;
* ``predict(...)`` and ``plot(ax=None) -> Figure``.

Model-specific state lives in typed dataclass fields of each subclass (no untyped dict).

Wald intervals: ``θ̂ ± z·se`` (``ci_scale="linear"``) or, for positive parameters, on the log
scale mapped back, ``θ̂·exp(±z·se/θ̂)`` (``ci_scale="log"``, delta method), with
``z = Φ⁻¹(1 − alpha/2)``. The Wald test is ``z = θ̂/se`` with two-sided ``p = 2(1 − Φ(|z|))``
(Wald 1943). ``AIC = 2k − 2ℓ(θ̂)`` with k the number of estimated parameters (Akaike 1974).

Positive-parameter models (sBG, BG/NBD, Gamma-Gamma) are fitted by maximum likelihood on
log-parameters with :func:`fit_positive_mle`; standard errors come from the observed information
(the inverse numerical Hessian of the negative log-likelihood, Fisher 1922).

An optimiser that stops before its criterion emits :class:`journey.errors.ConvergenceWarning`
naming the model and what did not converge, and the result's ``converged`` is False.
"""

from __future__ import annotations

import math
import textwrap
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Literal, NamedTuple, TypeVar

import numpy as np
import pandas as pd
from scipy import optimize, stats
from statsmodels.tools.numdiff import approx_hess3
from statsmodels.tools.sm_exceptions import ConvergenceWarning as SMConvergenceWarning
from statsmodels.tools.sm_exceptions import HessianInversionWarning

from journey.errors import ParameterError

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["FitResult", "HEADER_KEYS", "SUMMARY_COLUMNS", "fit_positive_mle", "new_axes",
           "not_converged", "two_sided_z"]

SUMMARY_COLUMNS = ["estimate", "se", "ci_low", "ci_high"]
HEADER_KEYS = ("Model", "Observations", "Events", "Log-likelihood", "AIC", "Estimation",
               "Converged")
_DASH = "-"

T = TypeVar("T")


@dataclass(kw_only=True, repr=False)
class FitResult:
    """A fitted model: named estimates, their covariance, the log-likelihood and the sample size.

    Fields: ``params`` (estimates), ``cov`` (their covariance, or None), ``loglik``
    (NaN where there is none), ``nobs`` (observations), ``converged``, ``ci_scale``
    (``"log"`` for positive parameters, else ``"linear"``), ``events`` (number of events where
    the model has them, else None), ``method`` (estimation scheme, printed in the header),
    ``iterations`` (of the optimiser, None for closed forms) and ``notes`` (printed after the
    estimates). Subclasses add their own typed fields and set the class attributes
    ``model_name``, ``iterative`` (False for closed-form estimators) and ``wald_tests`` (True
    when ``summary`` carries ``z`` and ``p_value``).
    """

    params: pd.Series
    cov: pd.DataFrame | None
    loglik: float
    nobs: int
    converged: bool = True
    ci_scale: Literal["linear", "log"] = "linear"
    events: int | None = None
    method: str = ""
    iterations: int | None = None
    notes: tuple[str, ...] = ()

    model_name: ClassVar[str] = "fitted model"
    iterative: ClassVar[bool] = True
    wald_tests: ClassVar[bool] = False

    # ------------------------------------------------------------------ estimates

    @property
    def bse(self) -> pd.Series:
        """Standard errors ``sqrt(diag(cov))``; NaN without a covariance and where a variance is
        not positive (a singular information matrix gives no interval, not a zero-width one)."""
        if self.cov is None:
            return pd.Series(np.nan, index=self.params.index, name="se")
        var = np.diag(self.cov.to_numpy()).astype("float64")
        with np.errstate(invalid="ignore"):
            se = np.where(var > 0, np.sqrt(np.where(var > 0, var, 1.0)), np.nan)
        return pd.Series(se, index=self.params.index, name="se")

    @property
    def se(self) -> pd.Series:
        """Alias of :attr:`bse`."""
        return self.bse

    def conf_int(self, alpha: float = 0.05) -> pd.DataFrame:
        """Wald intervals at level ``1 − alpha``: columns ``lower``, ``upper`` (see the module
        docstring for the linear and log scales)."""
        z = two_sided_z(alpha)
        est, se = self.params.astype("float64"), self.bse
        if self.ci_scale == "log":
            half = z * se / est
            lo, hi = est * np.exp(-half), est * np.exp(half)
        else:
            lo, hi = est - z * se, est + z * se
        out = pd.DataFrame({"lower": lo, "upper": hi})
        out.index.name = "parameter"
        return out

    def summary(self, alpha: float = 0.05) -> pd.DataFrame:
        """The estimates table, one row per parameter: estimate, se, ci_low, ci_high (level
        ``1 − alpha``) and, for models with Wald tests, ``z = estimate/se`` and its two-sided
        ``p_value``."""
        ci = self.conf_int(alpha)
        out = pd.DataFrame({"estimate": self.params.astype("float64"), "se": self.bse,
                            "ci_low": ci["lower"], "ci_high": ci["upper"]})
        if self.wald_tests:
            out["z"] = out["estimate"] / out["se"]
            out["p_value"] = 2 * stats.norm.sf(np.abs(out["z"]))
        out.index.name = "parameter"
        return out

    @property
    def n_params(self) -> int:
        """Number of estimated parameters k (for the AIC)."""
        return len(self.params)

    @property
    def aic(self) -> float:
        """``AIC = 2k − 2ℓ`` (Akaike 1974); NaN without a log-likelihood."""
        return 2 * self.n_params - 2 * self.loglik

    # ------------------------------------------------------------------ printing

    def header(self) -> dict[str, str]:
        """Facts a reader needs before the numbers, the same keys in the same order for every
        model: Model, Observations, Events, Log-likelihood, AIC, Estimation, Converged
        (``-`` where a fact does not apply)."""
        if not self.iterative:
            conv = "closed form (not iterative)"
        else:
            conv = "yes" if self.converged else "NO"
            if self.iterations is not None:
                conv += f" ({self.iterations} iterations)"
        return {
            "Model": self.model_name,
            "Observations": f"{self.nobs:,}",
            "Events": _DASH if self.events is None else f"{self.events:,}",
            "Log-likelihood": _number(self.loglik),
            "AIC": _number(self.aic),
            "Estimation": self.method or _DASH,
            "Converged": conv,
        }

    def to_text(self, alpha: float = 0.05) -> str:
        """Header, estimates table (:meth:`summary`) and notes as one printable text."""
        table = self.summary(alpha).to_string(float_format=lambda v: f"{v:.4g}")
        width = max(72, *(len(line) for line in table.splitlines()))
        head = [textwrap.fill(v, width, initial_indent=f"{k + ':':<16}",
                              subsequent_indent=" " * 16) for k, v in self.header().items()]
        notes = [textwrap.fill(n, width, initial_indent="Note: ", subsequent_indent=" " * 6)
                 for n in self.notes]
        return "\n".join(["=" * width, *head, "-" * width, table, "=" * width, *notes])

    def __str__(self) -> str:
        return self.to_text()

    def __repr__(self) -> str:
        return (f"<{type(self).__name__}: {self.model_name}, {len(self.params)} parameters, "
                f"n={self.nobs}, converged={self.converged}>")

    def print_summary(self, alpha: float = 0.05) -> None:
        """Print :meth:`to_text` (as lifelines' ``print_summary``)."""
        print(self.to_text(alpha))

    # ------------------------------------------------------------------ per model

    def predict(self, *args: Any, **kwargs: Any) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError

    def plot(self, ax: Axes | None = None) -> Figure:  # pragma: no cover - overridden
        raise NotImplementedError


def _number(v: float) -> str:
    return _DASH if v is None or not math.isfinite(v) else f"{v:,.3f}"


def two_sided_z(alpha: float) -> float:
    """``z`` with ``P(|Z| > z) = alpha`` for a standard normal ``Z`` (e.g. 1.96 at 0.05)."""
    if not 0 < alpha < 1:
        raise ParameterError(f"alpha must lie in (0, 1), got {alpha}")
    return float(stats.norm.ppf(1 - alpha / 2))


def new_axes(ax: Axes | None) -> tuple[Figure, Axes]:
    """Return (figure, axes): the given axes' figure, or a fresh figure not registered in pyplot."""
    if ax is not None:
        return ax.figure, ax
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6, 4))
    return fig, fig.add_subplot()


def not_converged(model: str, what: str) -> str:
    """The message of a :class:`~journey.errors.ConvergenceWarning`: the model, what did not
    converge, and what that means for the result."""
    return (f"{model}: {what}; the estimates may be off and their standard errors unreliable"
            " (result.converged is False)")


def check_maxiter(maxiter: int) -> int:
    """``maxiter`` as a positive int, else a ValueError naming it."""
    if isinstance(maxiter, bool) or not isinstance(maxiter, int | np.integer) or maxiter < 1:
        raise ParameterError(f"maxiter must be an integer >= 1, got {maxiter!r}")
    return int(maxiter)


def catch_statsmodels(fit: Callable[[], T]) -> tuple[T, list[str]]:
    """Run a statsmodels fit and return (its result, the messages of the ``ConvergenceWarning``
    and ``HessianInversionWarning`` it raised). Those two are caught so that the caller can
    re-emit them as journey's :class:`~journey.errors.ConvergenceWarning`; other warnings pass
    through unchanged."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = fit()
    messages: list[str] = []
    for w in caught:
        if issubclass(w.category, SMConvergenceWarning | HessianInversionWarning):
            # statsmodels' wording, without its pointer to its own internals, once each
            text = str(w.message).replace(" Check mle_retvals", "").rstrip(". ")
            if text not in messages:
                messages.append(text)
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return out, messages


class MLEFit(NamedTuple):
    """What :func:`fit_positive_mle` returns."""

    params: pd.Series
    cov: pd.DataFrame | None
    loglik: float
    converged: bool
    iterations: int
    message: str


def fit_positive_mle(
    negll: Callable[[np.ndarray], float],
    x0: Sequence[float],
    names: Sequence[str],
    grad: Callable[[np.ndarray], np.ndarray] | None = None,
    maxiter: int = 2000,
) -> MLEFit:
    """Minimise ``negll(θ)`` over θ > 0 by BFGS on ``log θ`` (at most ``maxiter`` iterations).

    ``grad`` (optional) is the gradient of ``negll`` with respect to θ; the chain rule
    ``∂/∂log θ = θ·∂/∂θ`` carries it to the log scale. Returns estimates, covariance = inverse
    Hessian of ``negll`` at the optimum on the natural scale, log-likelihood, converged,
    iterations and, when not converged, what stopped the optimiser.
    """
    x0 = np.asarray(x0, dtype=float)
    if np.any(x0 <= 0):
        raise ParameterError(f"starting values must be positive, got {x0.tolist()}")
    maxiter = check_maxiter(maxiter)

    def f(u: np.ndarray) -> float:
        v = negll(np.exp(u))
        return v if np.isfinite(v) else 1e300

    jac = None
    if grad is not None:
        def jac(u: np.ndarray) -> np.ndarray:
            th = np.exp(u)
            return grad(th) * th

    res = optimize.minimize(f, np.log(x0), jac=jac, method="BFGS",
                            options={"gtol": 1e-8, "maxiter": maxiter})
    theta = np.exp(res.x)
    # BFGS may stop on "precision loss" at the optimum; accept a vanishing gradient then
    g = jac(res.x) if jac is not None else optimize.approx_fprime(res.x, f, 1e-7)
    # (relative to the size of the log-likelihood: a cohort of 10^4 has |negll| of 10^4 or more)
    gmax = float(np.max(np.abs(g)))
    converged = bool(res.success) or gmax < max(1e-3, 1e-6 * abs(res.fun))
    message = "" if converged else (f"BFGS stopped after {int(res.nit)} iterations"
                                    f" (maxiter={maxiter}) with |gradient| {gmax:.3g}"
                                    f" ({str(res.message).rstrip('. ')})")
    cov = None
    try:
        h = approx_hess3(theta, negll)
        c = np.linalg.inv(h)
        if np.all(np.isfinite(c)):
            cov = pd.DataFrame(c, index=list(names), columns=list(names))
    except (np.linalg.LinAlgError, ValueError):
        cov = None
    return MLEFit(pd.Series(theta, index=list(names)), cov, -float(res.fun), converged,
                  int(res.nit), message)
