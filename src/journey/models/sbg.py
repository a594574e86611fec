"""Shifted-beta-geometric (sBG) retention model for contractual settings with discrete renewals.

Fader & Hardie (2007), "How to project customer retention", *Journal of Interactive Marketing*
21(1): each customer has a constant churn probability θ per period, θ ~ Beta(α, β) across
customers. With ``B`` the beta function:

* ``P(T = t) = B(α + 1, β + t − 1) / B(α, β)``, t = 1, 2, … (churn at the end of period t)
* survival ``S(t) = B(α, β + t) / B(α, β)``
* retention rate ``r_t = S(t) / S(t − 1) = (β + t − 1) / (α + β + t − 1)``
* log-likelihood of a survivors table ``n_0, n_1, …, n_k`` (n_t alive after t periods):
  ``LL = Σ_{t=1..k} (n_{t−1} − n_t) ln P(T = t) + n_k ln S(k)``

Discounted expected residual lifetime (Fader & Hardie 2010, "Customer-base valuation in a
contractual setting: the perils of ignoring heterogeneity", *Marketing Science* 29(1), eq. 6):
for a customer who has made ``n − 1`` renewals (is in her n-th period), just before her n-th
renewal decision, with discount rate d per period,

``DERL(d | α, β, n − 1) = Σ_{t≥n} S(t)/S(n−1) · (1+d)^{−(t−n)}
                     = B(α, β + n)/B(α, β + n − 1) · ₂F₁(1, β + n; α + β + n; 1/(1 + d))``.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import numpy as np
import pandas as pd
from scipy import special

from journey.errors import ConvergenceWarning, JourneyDataError, ParameterError
from journey.models.base import FitResult, check_maxiter, fit_positive_mle, new_axes, not_converged
from journey.schema import durations, require_columns

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["SBGResult", "fit_sbg", "retention_table", "sbg_derl", "sbg_survival",
           "survivors_table"]


def sbg_survival(alpha: float, beta: float, t: np.ndarray | Sequence[int] | int) -> np.ndarray:
    """``S(t) = B(α, β + t) / B(α, β)`` (Fader & Hardie 2007, eq. 3)."""
    t = np.asarray(t, dtype=float)
    return np.exp(special.betaln(alpha, beta + t) - special.betaln(alpha, beta))


def _churn_logpmf(alpha: float, beta: float, t: np.ndarray) -> np.ndarray:
    """``ln P(T = t) = ln B(α + 1, β + t − 1) − ln B(α, β)`` (Fader & Hardie 2007, eq. 2)."""
    return special.betaln(alpha + 1, beta + t - 1) - special.betaln(alpha, beta)


def sbg_derl(alpha: float, beta: float, discount: float, renewals: int = 0) -> float:
    """Discounted expected residual lifetime, in periods (Fader & Hardie 2010, eq. 6).

    ``DERL = B(α, β + n)/B(α, β + n − 1) · ₂F₁(1, β + n; α + β + n; 1/(1 + d))`` with
    ``n = renewals + 1``: the customer has made ``renewals`` renewals and is about to decide on
    the next one; the next payment is not discounted. Multiply by the margin per period for the
    residual value of the customer.
    """
    if discount <= 0:
        raise ParameterError(f"discount must be > 0 (per period), got {discount}")
    if renewals < 0 or int(renewals) != renewals:
        raise ParameterError(f"renewals must be a whole number >= 0, got {renewals}")
    n = int(renewals) + 1
    lead = np.exp(special.betaln(alpha, beta + n) - special.betaln(alpha, beta + n - 1))
    return float(lead * special.hyp2f1(1.0, beta + n, alpha + beta + n, 1.0 / (1.0 + discount)))


def _check_survivors(survivors: Sequence[float] | np.ndarray | pd.Series) -> np.ndarray:
    s = np.asarray(survivors, dtype=float)
    if s.ndim != 1 or s.size < 2:
        raise JourneyDataError("survivors must be a 1-d sequence n_0, n_1, ... with at least 2"
                               " entries")
    if np.any(~np.isfinite(s)) or np.any(s < 0):
        raise JourneyDataError("survivors must be finite and non-negative")
    bad = np.flatnonzero(np.diff(s) > 0)
    if bad.size:
        i = int(bad[0]) + 1
        raise JourneyDataError(
            f"survivors must not increase: period {i} has {s[i]:g} > {s[i - 1]:g} at period {i - 1}"
        )
    if s[0] <= 0:
        raise JourneyDataError("survivors[0] (the cohort size at period 0) must be positive")
    return s


def _negll(theta: np.ndarray, churned: np.ndarray, censored: np.ndarray) -> float:
    """``−LL`` with ``churned[t−1]`` customers churning in period t and ``censored[t−1]`` known
    to have survived exactly t periods when observation stopped (t = 1 … k)."""
    a, b = theta
    t = np.arange(1, churned.size + 1)
    ll = (np.sum(churned * _churn_logpmf(a, b, t))
          + np.sum(censored * np.log(sbg_survival(a, b, t))))
    return -float(ll)


def _table_counts(s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A single cohort's survivors n_0 … n_k as (churned, censored): everyone still active
    after k periods is censored at k."""
    churned = s[:-1] - s[1:]
    censored = np.zeros(churned.size)
    censored[-1] = s[-1]
    return churned, censored


@dataclass(kw_only=True, repr=False)
class SBGResult(FitResult):
    """A fitted sBG model: ``params`` holds ``alpha`` and ``beta``; ``survivors`` is the fitted
    table ``n_0 … n_k``, ``polarization`` the index ``φ = 1/(α + β + 1)`` (Fader & Hardie
    2007: 0 when every customer has the same churn probability, 1 when churn probabilities sit
    at 0 and 1)."""

    survivors: np.ndarray
    polarization: float

    model_name: ClassVar[str] = "shifted-beta-geometric (sBG) retention"

    @property
    def alpha(self) -> float:
        return float(self.params["alpha"])

    @property
    def beta(self) -> float:
        return float(self.params["beta"])

    def survival(self, t: np.ndarray | Sequence[int] | int) -> np.ndarray:
        """Projected survival ``S(t)`` after t periods."""
        return sbg_survival(self.alpha, self.beta, t)

    def retention(self, t: np.ndarray | Sequence[int] | int) -> np.ndarray:
        """Retention rate in period t, ``r_t = (β + t − 1)/(α + β + t − 1)`` (t ≥ 1)."""
        t = np.asarray(t, dtype=float)
        if np.any(t < 1):
            raise ParameterError("retention is defined for periods t >= 1")
        return (self.beta + t - 1) / (self.alpha + self.beta + t - 1)

    def derl(self, discount: float, renewals: int = 0) -> float:
        """Discounted expected residual lifetime (see :func:`sbg_derl`)."""
        return sbg_derl(self.alpha, self.beta, discount, renewals)

    def predict(self, periods: int | Sequence[int] = 12, n0: float | None = None) -> pd.DataFrame:
        """Projection table: period, survival S(t), retention r_t and expected survivors n0·S(t).

        ``periods`` is the last period (0..periods) or an explicit sequence of periods;
        ``n0`` defaults to the fitted cohort size.
        """
        t = np.arange(int(periods) + 1) if np.ndim(periods) == 0 else np.asarray(periods)
        if n0 is None:
            n0 = float(self.survivors[0])
        surv = self.survival(t)
        ret = np.where(t >= 1, (self.beta + t - 1) / (self.alpha + self.beta + t - 1), np.nan)
        return pd.DataFrame({"period": t, "survival": surv, "retention": ret,
                             "expected_survivors": n0 * surv})

    def plot(self, ax: Axes | None = None, periods: int | None = None) -> Figure:
        """Observed survivors (points) beside the projected curve; the fit window is shaded."""
        fig, ax = new_axes(ax)
        k = self.survivors.size - 1
        horizon = periods if periods is not None else max(2 * k, 12)
        pred = self.predict(horizon)
        ax.plot(pred["period"], pred["expected_survivors"], label="sBG projection")
        ax.plot(np.arange(k + 1), self.survivors, "o", label="observed (fit)")
        ax.axvspan(0, k, alpha=0.1, color="grey")
        ax.set_xlabel("period")
        ax.set_ylabel("survivors")
        ax.set_title(f"sBG  α={self.alpha:.3f}  β={self.beta:.3f}")
        ax.legend()
        return fig


def fit_sbg(survivors: Sequence[float] | np.ndarray | pd.Series | pd.DataFrame,
            x0: tuple[float, float] = (1.0, 1.0), maxiter: int = 2000,
            period_months: int | None = None) -> SBGResult:
    """Fit the sBG model by maximum likelihood, to a survivors table or to censored individual
    durations.

    ``survivors`` is either a survivors table ``n_0, n_1, …, n_k`` of one cohort (``n_t`` still
    active after t periods, e.g. Fader & Hardie (2007) years 0–7), or a ``customers`` table
    (staggered entry: customers observed for different lengths), turned into churn and
    censoring counts by :func:`retention_table` with ``period_months``, or such a retention
    table itself (columns period, churned, censored). With right-censoring the likelihood is
    ``LL = Σ_t c_t ln P(T = t) + Σ_t r_t ln S(t)`` (c_t churned in period t, r_t known to have
    survived exactly t periods when observation stopped; Fader & Hardie 2007, eq. 5, with
    censoring at every t rather than at the table's end); for one cohort's table it is the
    module docstring's likelihood. BFGS on ``log α, log β`` runs at most ``maxiter`` iterations.

    Returns
    -------
    SBGResult
        ``events`` is the number who churned; ``survivors`` the survivors table of a single
        cohort, or of the retention table's risk sets (``at_risk`` by period, then those alive
        after the last period).

    Warns
    -----
    ConvergenceWarning
        When BFGS stops short, or when retention does not rise with tenure (no heterogeneity:
        α and β run off to infinity at a fixed ratio, the geometric limit, where the
        likelihood is flat); ``converged`` is then False and no interval is reported.
    """
    if isinstance(survivors, pd.DataFrame):
        table = (survivors if {"churned", "censored"} <= set(survivors.columns)
                 else retention_table(survivors, period_months))
        churned, censored, s = _counts_of(table)
    else:
        s = _check_survivors(survivors)
        churned, censored = _table_counts(s)
    if churned.sum() == 0:
        raise JourneyDataError("sBG: nobody churned in the data; the churn distribution is not"
                               " identified")
    fit = fit_positive_mle(lambda th: _negll(th, churned, censored), x0, ["alpha", "beta"],
                           maxiter=check_maxiter(maxiter))
    params, ll, ok, cov = fit.params, fit.loglik, fit.converged, fit.cov
    phi = float(1.0 / (params.sum() + 1.0))
    notes: list[str] = []
    what = fit.message
    if phi < 0.005 or not np.isfinite(ll) or ll >= 0:
        # alpha, beta -> infinity at a fixed ratio is the sBG's limit without heterogeneity
        # (a constant churn rate); the likelihood is flat there and not identified
        notes.append(
            "no heterogeneity in churn: retention does not rise with tenure, so alpha and beta"
            " run off to infinity (the geometric limit); use a constant churn rate instead")
        what = f"alpha and beta did not converge ({notes[0]})"
        cov = None  # a flat likelihood gives no interval
    if what:
        ok = False
        warnings.warn(not_converged("fit_sbg", what), ConvergenceWarning, stacklevel=2)
    return SBGResult(params=params, cov=cov, loglik=ll, nobs=int(s[0]), converged=ok,
                     ci_scale="log", events=int(churned.sum()), iterations=fit.iterations,
                     method="maximum likelihood, BFGS on log-parameters; se from the observed"
                            " information",
                     notes=tuple(notes), survivors=s, polarization=phi)


def _counts_of(table: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(churned, censored, survivors-by-risk-set) of a retention table, periods 1 … k."""
    t = table.sort_values("period")
    t = t.loc[t["period"].to_numpy() >= 1]
    if t.empty or not np.array_equal(t["period"].to_numpy(), np.arange(1, len(t) + 1)):
        raise JourneyDataError("retention table: expected periods 1, 2, … without gaps")
    churned = t["churned"].to_numpy("float64")
    censored = t["censored"].to_numpy("float64")
    if (churned < 0).any() or (censored < 0).any():
        raise JourneyDataError("retention table: counts must be >= 0")
    n0 = churned.sum() + censored.sum()
    alive_after = n0 - np.cumsum(churned + censored) + censored  # survived t periods
    return churned, censored, np.r_[n0, alive_after]


def retention_table(customers: pd.DataFrame, period_months: int | None = None) -> pd.DataFrame:
    """Churn and censoring by renewal period, for staggered entry (signed customers only).

    Time convention of docs/model.md: a customer at risk in months ``0 … d`` (``d =
    tenure_months − 1``) who churned (``exit_month = d``) churned in period ``T = ⌊d/p⌋ + 1``
    (``p = period_months``); one still active was observed for ``d + 1`` months and is known to
    have survived ``⌊(d + 1)/p⌋`` periods. ``period_months`` defaults to the one contract term
    of the signed customers, else 1 (monthly renewals).

    Returns columns period (1 … k), at_risk (active at the period's start), churned (in the
    period), censored (observation stopped after exactly this many periods survived).
    Customers observed for less than one whole period and still active carry no information
    and are left out.
    """
    dur = durations(customers, "retention_table")
    if dur.ids.size == 0:
        raise JourneyDataError("customers: no signed customer with service months;"
                               " retention_table needs a cohort")
    c = customers.loc[np.isin(customers["customer_id"].to_numpy(), dur.ids)]
    p = _period(c, period_months)
    d, exited = dur.last, dur.exited
    T = d[exited] // p + 1
    survived = (d[~exited] + 1) // p
    survived = survived[survived >= 1]
    k = int(max(T.max() if T.size else 0, survived.max() if survived.size else 0))
    churned = np.bincount(T, minlength=k + 1)[1:]
    censored = np.bincount(survived, minlength=k + 1)[1:]
    at_risk = churned.sum() + censored.sum() - np.r_[0, np.cumsum(churned + censored)[:-1]]
    return pd.DataFrame({"period": np.arange(1, k + 1), "at_risk": at_risk.astype("int64"),
                         "churned": churned.astype("int64"),
                         "censored": censored.astype("int64")})


def _period(c: pd.DataFrame, period_months: int | None) -> int:
    if period_months is not None:
        if int(period_months) != period_months or period_months < 1:
            raise JourneyDataError(f"period_months must be a whole number of months >= 1, got"
                                   f" {period_months}")
        return int(period_months)
    if "term_months" in c.columns:
        terms = np.unique(c["term_months"].to_numpy())
        terms = terms[terms > 0]
        if terms.size == 1:
            return int(terms[0])
        if terms.size > 1:
            raise JourneyDataError(
                f"customers: several contract terms ({', '.join(map(str, terms))}); pass"
                " period_months or fit each term's customers separately")
    return 1


def survivors_table(customers: pd.DataFrame, period_months: int | None = None,
                    n_periods: int | None = None) -> pd.DataFrame:
    """Survivors by renewal period from the journey ``customers`` table (signed customers only).

    A customer has survived k periods of ``period_months`` when ``exit_month ≥ k·period_months``
    (she left in a later month) or, if censored, when ``tenure_months ≥ k·period_months``.
    ``period_months`` defaults to the contract term when all signed customers share one
    positive ``term_months``. Periods run up to ``n_periods``, or by default as far as every
    censored customer is observed, so that no one's status is unknown. Returns columns
    ``period`` and ``survivors`` (period 0 = the cohort size).
    """
    require = ["signed", "term_months", "exit_month", "tenure_months"]
    missing = [c for c in require if c not in customers.columns]
    if missing:
        require_columns(customers, require, "customers", "survivors_table")
    signed = customers.loc[customers["signed"].astype(bool)]
    if signed.empty:
        raise JourneyDataError("customers: no signed customers; survivors_table needs a cohort")
    if period_months is None:
        terms = np.unique(signed["term_months"].to_numpy())
        terms = terms[terms > 0]
        if terms.size != 1:
            raise JourneyDataError(
                "period_months: customers have no single contract term "
                f"(term_months values {terms.tolist()}); pass period_months explicitly"
            )
        period_months = int(terms[0])
    if period_months <= 0:
        raise ParameterError(f"period_months must be positive, got {period_months}")
    exit_m = signed["exit_month"].to_numpy(dtype="float64", na_value=np.nan)
    tenure = signed["tenure_months"].to_numpy(dtype="float64")
    censored = np.isnan(exit_m)
    # whole periods each customer is known to have survived
    lived = np.where(censored, tenure, exit_m) // period_months
    # with nobody censored every status is known at any horizon (survivors are 0 after the last
    # exit); otherwise only up to the shortest censored observation
    known = int(np.min(lived[censored])) if censored.any() else None
    if known == 0 and n_periods is None:
        raise JourneyDataError(
            "customers: some customers are still active after less than one period of"
            f" {period_months} months (staggered entry), so no period has every customer's"
            " status known; use retention_table(customers) and fit_sbg(customers), which"
            " take each customer's own observation length")
    if n_periods is None:
        n_periods = known if known is not None else int(np.max(lived))
    elif known is not None and n_periods > known:
        raise ParameterError(
            f"n_periods={n_periods} exceeds the {known} periods over which every censored "
            "customer is observed"
        )
    k = np.arange(n_periods + 1)
    surv = (lived[None, :] >= k[:, None]).sum(axis=1)
    return pd.DataFrame({"period": k, "survivors": surv.astype("int64")})
