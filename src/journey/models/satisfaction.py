"""Satisfaction models: an ordinal model of survey ratings and the "honeymoon drop".

Ordinal ratings (statsmodels ``OrderedModel``; McCullagh 1980, cumulative-link model): a
latent ``y* = xβ + ε`` with ``ε`` logistic (proportional odds) or normal (ordered probit), and
``rating ≤ k`` when ``y* ≤ τ_k``, so ``P(rating ≤ k | x) = F(τ_k − xβ)``. No intercept: the
cut-points ``τ`` carry the level. statsmodels estimates ``τ_1`` and ``log(τ_k − τ_{k−1})``; the
summary reports the cut-points themselves with delta-method standard errors. The simulator's
answer is ``rating = clip(round(S + e), 0, 10)`` with ``e ~ N(0, σ²)``, so an ordered probit
on ``S`` has slope ``1/σ`` and cut-points ``(k + ½)/σ``.

Honeymoon drop (linear mixed model, statsmodels ``MixedLM``; Laird & Ware 1982): with customer
random intercepts ``u_i ~ N(0, τ²)``,

``y_it = μ + γ·courtship_it − Δ·settled_it + x_itθ + u_i + ε_it``,

where ``courtship`` marks months < 0, the honeymoon is months ``0 … k−1`` after signing (the
reference level ``μ``) and ``settled`` marks months ``≥ k``. ``Δ`` (reported as ``drop``) is
how far satisfaction falls from the honeymoon to the settled service phase — the post-signing
drop of the courtship-and-marriage study ("satisfaction a point or more lower six months after
signing", docs/model.md). Fitted by REML. The random intercept absorbs stable customer differences;
month-to-month autocorrelation of the adaptive ``S`` (docs/model.md) is not modelled, so on panel
``S`` the intervals are too narrow — use survey ratings, or thin the months, for inference.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar, Literal

import numpy as np
import pandas as pd
from statsmodels.miscmodels.ordinal_model import OrderedModel
from statsmodels.regression.mixed_linear_model import MixedLM
from statsmodels.tools.numdiff import approx_fprime

from journey.errors import ConvergenceWarning, ParameterError
from journey.models.base import FitResult, catch_statsmodels, check_maxiter, new_axes, not_converged
from journey.models.design import covariate_columns, numeric_column, require
from journey.schema import JourneyDataError, Journeys

if TYPE_CHECKING:
    from collections.abc import Sequence

    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["HoneymoonResult", "OrdinalResult", "fit_honeymoon", "fit_ordinal", "survey_ratings"]


def survey_ratings(data: Journeys) -> pd.DataFrame:
    """Answered surveys (``events.kind == "survey"`` with a rating), one row each, joined with
    that customer-month's panel state (S, phase, C, ... when present) and ``post_signing``."""
    if not isinstance(data, Journeys):
        raise JourneyDataError(f"data: expected Journeys, got {type(data).__name__}")
    ev = data.events
    require(ev, ("customer_id", "month", "kind", "rating"), "events")
    keep = (ev["kind"].astype("object") == "survey").to_numpy() & ev["rating"].notna().to_numpy()
    sv = ev.loc[keep, ["customer_id", "month", "rating"]].reset_index(drop=True)
    panel = data.panel
    cols = [c for c in panel.columns if c not in ("customer_id", "month")]
    if len(panel):
        sv = sv.merge(panel[["customer_id", "month", *cols]], on=["customer_id", "month"],
                      how="left", validate="many_to_one")
    sv["post_signing"] = (sv["month"] >= 0).astype("float64")
    return sv


def _matrix(df: pd.DataFrame, covariates: Sequence[str], where: str) -> pd.DataFrame:
    return pd.DataFrame(covariate_columns(df, covariates, where), index=df.index)


# --------------------------------------------------------------------------- ordinal


class _OrderedModel(OrderedModel):
    """statsmodels' ``OrderedModel`` with the analytic score (statsmodels differentiates the
    log-likelihood numerically, ~10x slower on survey-sized data) and the Hessian as the
    numerical Jacobian of that score. Same likelihood, same estimates.

    With ``u_hi = τ_{y} − xβ``, ``u_lo = τ_{y−1} − xβ`` and ``p = F(u_hi) − F(u_lo)``:
    ``∂ℓ/∂β = −x·(f(u_hi) − f(u_lo))/p``, ``∂ℓ/∂τ_j = (f(u_hi)[j = y] − f(u_lo)[j = y−1])/p``,
    carried to statsmodels' ``(τ_1, log(τ_j − τ_{j−1}))`` by the chain rule."""

    def score(self, params: np.ndarray) -> np.ndarray:
        params = np.asarray(params, dtype=float)
        low, upp = self._bounds(params)
        prob = self.prob(low, upp) + 1e-20  # statsmodels' loglike adds the same guard
        f_lo, f_hi = self.pdf(low) / prob, self.pdf(upp) / prob
        k, m = self.exog.shape[1], self.k_levels
        y = np.asarray(self.endog, dtype=np.int64)
        g_beta = -(self.exog.T @ (f_hi - f_lo))
        g_tau = (np.bincount(y + 1, f_hi, m + 1) - np.bincount(y, f_lo, m + 1))[1:m]
        tail = np.cumsum(g_tau[::-1])[::-1]  # Σ_{j ≥ i} ∂ℓ/∂τ_j
        g_th = tail.copy()
        g_th[1:] *= np.exp(params[k + 1:])
        return np.concatenate([g_beta, g_th])

    def hessian(self, params: np.ndarray) -> np.ndarray:
        h = approx_fprime(np.asarray(params, dtype=float), self.score, centered=True)
        return (h + h.T) / 2


@dataclass(kw_only=True, repr=False)
class OrdinalResult(FitResult):
    """A fitted cumulative-link model: covariate slopes β and cut-points ``cut[a|b]``.

    Typed fields: ``distr`` (``"logit"`` / ``"probit"``), ``covariates`` (as given),
    ``columns`` (design columns after dummy coding), ``levels`` (the observed ratings),
    ``observed_share`` / ``fitted_share`` per level, and statsmodels' model and raw parameters
    (``sm_model``, ``sm_params``) for prediction.
    """

    distr: str
    covariates: list[str]
    columns: list[str]
    levels: list[float | int]
    observed_share: np.ndarray
    fitted_share: np.ndarray
    sm_model: _OrderedModel = field(repr=False)
    sm_params: np.ndarray = field(repr=False)

    model_name: ClassVar[str] = "ordinal ratings (cumulative link)"
    wald_tests: ClassVar[bool] = True

    def predict(self, data: pd.DataFrame) -> pd.DataFrame:
        """Probability of each rating level per row (columns = the observed levels)."""
        x = _matrix(data, self.covariates, "data")[self.columns]
        prob = self.sm_model.predict(self.sm_params, exog=x.to_numpy())
        return pd.DataFrame(prob, index=data.index, columns=self.levels)

    def plot(self, ax: Axes | None = None) -> Figure:
        """Observed share of each rating level beside the model's mean predicted share."""
        fig, ax = new_axes(ax)
        lv = np.arange(len(self.levels))
        ax.bar(lv - 0.2, self.observed_share, width=0.4, label="observed")
        ax.bar(lv + 0.2, self.fitted_share, width=0.4, label="fitted")
        ax.set_xticks(lv, [str(v) for v in self.levels])
        ax.set_xlabel("rating")
        ax.set_ylabel("share")
        ax.legend()
        return fig


def fit_ordinal(
    data: pd.DataFrame | Journeys,
    covariates: Sequence[str],
    outcome: str = "rating",
    distr: Literal["logit", "probit"] = "logit",
    maxiter: int = 2000,
) -> OrdinalResult:
    """Ordinal (cumulative-link) model of ratings on covariates (McCullagh 1980), fitted by
    statsmodels ``OrderedModel``; formula in the module docstring. A ``Journeys`` is turned
    into its answered surveys by :func:`survey_ratings` (covariates may then be panel columns
    such as ``S`` or ``post_signing``). BFGS runs at most ``maxiter`` iterations; when it stops
    short, :class:`~journey.errors.ConvergenceWarning` is emitted (statsmodels' own warning is
    caught and re-emitted) and ``converged`` is False."""
    maxiter = check_maxiter(maxiter)
    if distr not in ("logit", "probit"):
        raise ParameterError(f"distr must be 'logit' or 'probit', got {distr!r}")
    if isinstance(covariates, str):
        covariates = [covariates]
    if len(covariates) == 0:
        raise ParameterError("covariates: give at least one covariate column")
    df = survey_ratings(data) if isinstance(data, Journeys) else data
    if not isinstance(df, pd.DataFrame):
        raise JourneyDataError(f"data: expected a DataFrame or Journeys, got {type(df).__name__}")
    if outcome not in df.columns:
        raise JourneyDataError(f"data: outcome column '{outcome}' is missing")
    y = numeric_column(df, outcome, "data")
    levels = np.unique(y)
    if len(levels) < 2:
        raise JourneyDataError(f"data: column '{outcome}' has {len(levels)} distinct rating(s);"
                               " an ordinal model needs at least two (no surveyed ratings?)")
    x = _matrix(df, covariates, "data")
    endog = pd.Series(pd.Categorical(y, categories=levels, ordered=True), index=df.index)
    model = _OrderedModel(endog, x, distr=distr)
    res, caught = catch_statsmodels(lambda: model.fit(method="bfgs", disp=False,
                                                      maxiter=maxiter, gtol=1e-8))
    converged = bool(res.mle_retvals.get("converged", True)) and not caught
    if not converged:
        what = "; ".join(caught) or "BFGS did not converge"
        warnings.warn(not_converged("fit_ordinal", f"statsmodels OrderedModel (BFGS,"
                                    f" maxiter={maxiter}): {what}"),
                      ConvergenceWarning, stacklevel=2)
    raw = np.asarray(res.params, dtype=float)
    k = x.shape[1]
    cuts = model.transform_threshold_params(raw)[1:-1]
    # Jacobian of (β, τ) with respect to statsmodels' (β, τ_1, log increments)
    jac = np.eye(len(raw))
    th = raw[k:]
    for i in range(1, len(th)):
        jac[k + i, k] = 1.0
        jac[k + i, k + 1: k + i + 1] = np.exp(th[1: i + 1])
    names = list(x.columns) + [f"cut[{_fmt(a)}|{_fmt(b)}]" for a, b in zip(levels[:-1],
                                                                           levels[1:],
                                                                           strict=True)]
    est = np.concatenate([raw[:k], cuts])
    try:
        cov = jac @ np.asarray(res.cov_params()) @ jac.T
        cov_df = pd.DataFrame(cov, index=names, columns=names)
    except (np.linalg.LinAlgError, ValueError):
        cov_df = None
    observed = np.array([(y == lv).mean() for lv in levels])
    fitted = np.asarray(res.predict()).mean(axis=0)
    link = "proportional odds (logit)" if distr == "logit" else "ordered probit"
    return OrdinalResult(params=pd.Series(est, index=names), cov=cov_df, loglik=float(res.llf),
                         nobs=len(y), converged=converged,
                         method=f"maximum likelihood, {link}, BFGS (statsmodels OrderedModel)",
                         distr=distr, covariates=list(covariates), columns=list(x.columns),
                         levels=[_fmt(v) for v in levels], observed_share=observed,
                         fitted_share=fitted, sm_model=model, sm_params=raw)


def _fmt(v: float) -> float | int:
    return int(v) if float(v).is_integer() else float(v)


# --------------------------------------------------------------------------- honeymoon


@dataclass(kw_only=True, repr=False)
class HoneymoonResult(FitResult):
    """Fixed effects of the honeymoon model: ``honeymoon`` level, ``courtship`` (difference
    to the honeymoon), ``drop`` (honeymoon minus settled) and any covariates.

    Typed fields: ``outcome``, ``honeymoon_months``, ``covariates``, ``customer_sd`` (τ, the
    random-intercept sd), ``residual_sd`` (σ), ``customers`` (number of groups) and
    ``mean_by_month`` (observed mean outcome per month, for the plot). ``loglik`` is the REML
    log-likelihood; the AIC is not defined under REML (NaN, as statsmodels).
    """

    outcome: str
    honeymoon_months: int
    covariates: list[str]
    customer_sd: float
    residual_sd: float
    customers: int
    mean_by_month: pd.Series = field(repr=False)

    model_name: ClassVar[str] = "honeymoon drop (linear mixed model)"
    wald_tests: ClassVar[bool] = True

    @property
    def aic(self) -> float:
        """NaN: REML likelihoods of models with different fixed effects are not comparable."""
        return float("nan")

    def predict(self, data: pd.DataFrame) -> pd.Series:
        """Population-mean outcome (random intercept 0) for rows with a ``month`` column."""
        x = _honeymoon_design(data, self.honeymoon_months, self.covariates,
                              "courtship" in self.params.index)
        coef = self.params.rename({"drop": "settled"})
        coef["settled"] = -coef["settled"]
        return pd.Series(x[list(coef.index)].to_numpy() @ coef.to_numpy(), index=data.index,
                         name="fitted")

    def plot(self, ax: Axes | None = None) -> Figure:
        """Observed mean by month with the fitted period levels (courtship, honeymoon,
        settled)."""
        fig, ax = new_axes(ax)
        m = self.mean_by_month
        ax.plot(m.index, m.to_numpy(), "o-", ms=3, label="observed mean")
        k = self.honeymoon_months
        lo, hi = float(m.index.min()), float(m.index.max())
        p = self.params
        if "courtship" in p.index and lo < 0:
            ax.hlines(p["honeymoon"] + p["courtship"], lo, -0.5, colors="C1")
        ax.hlines(p["honeymoon"], -0.5, k - 0.5, colors="C1", label="fitted level")
        ax.hlines(p["honeymoon"] - p["drop"], k - 0.5, hi, colors="C1")
        ax.axvline(-0.5, color="grey", linestyle="--", linewidth=0.8)
        ax.set_xlabel("months since signing")
        ax.set_ylabel(self.outcome)
        ax.legend()
        return fig


def _honeymoon_design(df: pd.DataFrame, k: int, covariates: Sequence[str],
                      courtship: bool) -> pd.DataFrame:
    if "month" not in df.columns:
        raise JourneyDataError("data: column 'month' is missing; expected months since signing")
    m = df["month"].to_numpy(dtype="float64")
    x = {"honeymoon": np.ones(len(df))}
    if courtship:
        x["courtship"] = (m < 0).astype("float64")
    x["settled"] = (m >= k).astype("float64")
    out = pd.DataFrame(x, index=df.index)
    if covariates:
        out = pd.concat([out, _matrix(df, covariates, "data")], axis=1)
    return out


def fit_honeymoon(
    data: pd.DataFrame | Journeys,
    outcome: str = "S",
    honeymoon_months: int = 3,
    covariates: Sequence[str] = (),
    customer: str = "customer_id",
    maxiter: int | None = None,
) -> HoneymoonResult:
    """Honeymoon-drop mixed model (Laird & Ware 1982) by statsmodels ``MixedLM`` (REML) with
    customer random intercepts; formula in the module docstring. ``outcome`` is a panel column
    (``S``) or ``"rating"`` (then a ``Journeys`` is turned into its answered surveys).
    The result holds ``customer_sd`` (τ) and ``residual_sd`` (σ). ``maxiter`` caps each of
    MixedLM's optimisers (BFGS, then L-BFGS, then CG; statsmodels' defaults when None). When
    the optimisation fails, or the Hessian is not positive definite, statsmodels' warning is
    re-emitted as :class:`~journey.errors.ConvergenceWarning` and ``converged`` is False; a
    random-intercept variance on the boundary (τ near 0) is a note, not a failure."""
    if maxiter is not None:
        maxiter = check_maxiter(maxiter)
    if not isinstance(honeymoon_months, int | np.integer) or honeymoon_months < 1:
        raise ParameterError(f"honeymoon_months must be an integer >= 1, got {honeymoon_months!r}")
    if isinstance(data, Journeys):
        df = survey_ratings(data) if outcome == "rating" else data.panel
    else:
        df = data
    if not isinstance(df, pd.DataFrame):
        raise JourneyDataError(f"data: expected a DataFrame or Journeys, got {type(df).__name__}")
    for c in (outcome, customer, "month"):
        if c not in df.columns:
            raise JourneyDataError(f"data: column '{c}' is missing")
    y = numeric_column(df, outcome, "data")
    m = df["month"].to_numpy()
    if not ((m >= 0) & (m < honeymoon_months)).any() or not (m >= honeymoon_months).any():
        raise JourneyDataError(f"data: need rows both in the honeymoon (months 0.."
                               f"{honeymoon_months - 1}) and after it to estimate the drop")
    x = _honeymoon_design(df, honeymoon_months, covariates, bool((m < 0).any()))
    groups = df[customer].to_numpy()
    kw = {} if maxiter is None else {"maxiter": maxiter}
    res, caught = catch_statsmodels(
        lambda: MixedLM(y, x.to_numpy(), groups=groups).fit(reml=True, **kw))
    converged, failures, notes = _mixed_convergence(res, caught)
    if not converged:
        cap = "" if maxiter is None else f" (maxiter={maxiter} for each optimiser)"
        warnings.warn(not_converged("fit_honeymoon", "statsmodels MixedLM: "
                                    + "; ".join(failures) + cap),
                      ConvergenceWarning, stacklevel=2)
    k = x.shape[1]
    names = ["drop" if c == "settled" else c for c in x.columns]
    sign = np.array([-1.0 if c == "settled" else 1.0 for c in x.columns])
    fe = np.asarray(res.fe_params) * sign
    cov = np.asarray(res.cov_params())[:k, :k] * np.outer(sign, sign)
    return HoneymoonResult(
        params=pd.Series(fe, index=names), cov=pd.DataFrame(cov, index=names, columns=names),
        loglik=float(res.llf), nobs=len(y), converged=converged, notes=notes,
        method="REML (statsmodels MixedLM), customer random intercepts",
        outcome=outcome, honeymoon_months=int(honeymoon_months), covariates=list(covariates),
        customer_sd=float(np.sqrt(max(float(np.asarray(res.cov_re)[0, 0]), 0.0))),
        residual_sd=float(np.sqrt(res.scale)), customers=int(len(np.unique(groups))),
        mean_by_month=pd.Series(y, index=m).groupby(level=0).mean())


_BOUNDARY = "boundary of the parameter space"
_RETRY = "Retrying MixedLM optimization"


def _mixed_convergence(res: object, caught: list[str]) -> tuple[bool, list[str], tuple[str, ...]]:
    """(converged, what failed, notes) of a MixedLM fit from its flag and caught warnings.

    statsmodels warns ``ConvergenceWarning`` for three different things: a failed optimiser
    (failure), a retry with the next optimiser (dropped when the retry converges) and a
    variance component near zero (the MLE on the boundary: a note, the fit is fine)."""
    failures = [m for m in caught if _BOUNDARY not in m and _RETRY not in m]
    notes = tuple("the customer random-intercept variance is near zero (statsmodels: the MLE"
                  " may be on the boundary of the parameter space)" for m in caught
                  if _BOUNDARY in m)
    ok = bool(getattr(res, "converged", True))
    if not ok and not failures:
        failures = ["MixedLM's optimisers did not converge"]
    return ok and not failures, failures, notes
