"""Cox proportional hazards (Cox 1972) for the relationship length (inputs as in
:mod:`journey.models.survival`): ``λ(t | x) = λ0(t)·exp(xβ)``, maximising the partial
likelihood with tied event times handled exactly as grouped times, over the distinct event
times ``t_j`` with ``d_j`` events, event set ``D_j`` and risk set ``R_j = {i: T_i ≥ t_j}``:

- Breslow (1974): ``ℓ(β) = Σ_j [ Σ_{i∈D_j} x_iβ − d_j·log Σ_{i∈R_j} e^{x_iβ} ]``;
- Efron (1977): ``ℓ(β) = Σ_j [ Σ_{i∈D_j} x_iβ − Σ_{l=0}^{d_j−1} log( Σ_{R_j} e^{xβ}
  − (l/d_j)·Σ_{D_j} e^{xβ} ) ]``.

Standard errors are ``sqrt(diag(I(β̂)^{-1}))`` with the observed information ``I = −∂²ℓ``;
intervals are Wald intervals ``β̂ ± z·se``. The baseline cumulative hazard is Breslow's (1972)
estimator ``Λ0(t) = Σ_{t_j ≤ t} d_j / Σ_{i∈R_j} e^{(x_i − x̄)β}`` at the mean covariates, and
``S(t | x) = exp(−Λ0(t)·e^{(x − x̄)β})``.

The Cox route, decided on measurements. The issue measured, on 100,000 customers with monthly
(tied) durations, lifelines' CoxPHFitter at 0.11 s and statsmodels' PHReg at 0.58 s (Breslow) /
0.65 s (Efron). A customer tenure has at most a few hundred distinct months, so the partial
likelihood, its gradient and its Hessian reduce to sums over the distinct times: per-time sums
of ``w``, ``w·x`` and ``w·x·xᵀ`` (``w = e^{xβ}``) by ``numpy.add.reduceat`` on the sorted data,
risk-set sums by a reversed cumulative sum, and Efron's within-tie terms by ``bincount`` over the
events. Newton–Raphson (with step halving) converges in 5–6 steps. Measured here
(``benchmarks/bench_cox.py``: 2 cores shared with other jobs, best of 7 round-robin runs;
100,000 customers, 40,743 exits, 3 covariates, 36 monthly times): this implementation 0.032 s
(Efron) / 0.021 s (Breslow); lifelines 0.060 s (Efron only); statsmodels PHReg 0.43 s (Efron) /
0.39 s (Breslow). Estimates equal PHReg's to 1e-15, and lifelines' to 1e-12 once its stopping
precision is tightened to 1e-10 (its default rule, a Newton decrement below 1e-7, stops
3e-6 short here). Kaplan–Meier: 0.006 s against lifelines' 0.008 s. So the library keeps its
own exact grouped-time Cox: about twice as fast as lifelines and twelve times PHReg, both ties
methods, no dependency on lifelines (which caps pandas below 3); lifelines and PHReg serve as
the references in the tests. Exact for any durations (continuous times are groups of one);
strata and case weights are not offered.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar, Literal, NamedTuple

import numpy as np
import pandas as pd

from journey.errors import ConvergenceWarning, ParameterError
from journey.models.base import FitResult, check_maxiter, new_axes, not_converged
from journey.models.survival import survival_frame
from journey.schema import JourneyDataError, Journeys

if TYPE_CHECKING:
    from collections.abc import Sequence

    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

Ties = Literal["efron", "breslow"]

__all__ = ["CoxResult", "fit_cox"]


# --------------------------------------------------------------------------- Cox PH


class _GroupedCox:
    """Partial likelihood, gradient and Hessian over the distinct times (vectorised)."""

    def __init__(self, dur: np.ndarray, ev: np.ndarray, x: np.ndarray, ties: Ties):
        order = np.argsort(dur, kind="stable")
        self.t, e, x = dur[order], ev[order], x[order]
        self.xbar = x.mean(axis=0)
        self.x = x - self.xbar  # centring keeps exp(xβ) in range; β is unchanged by it
        self.e = e
        self.ties = ties
        self.times, self.starts = np.unique(self.t, return_index=True)
        d = np.add.reduceat(e, self.starts)
        self.keep = d > 0
        self.d = d[self.keep]
        self.xsum = np.add.reduceat(self.x * e[:, None], self.starts, axis=0)[self.keep]
        if ties == "efron":
            # event rows only, for the tied-event sums D0, D1, D2 (one block per event time)
            self.ev_idx = np.flatnonzero(e)
            self.xe = self.x[self.ev_idx]
            self.ev_starts = np.concatenate([[0], np.cumsum(self.d[:-1])]).astype(np.int64)
            di = self.d.astype(np.int64)
            self.gk = np.repeat(np.arange(di.size), di)
            first = np.repeat(np.cumsum(di) - di, di)
            self.c = (np.arange(self.gk.size) - first) / self.d[self.gk]

    def _group(self, wx: np.ndarray) -> np.ndarray:
        return np.add.reduceat(wx, self.starts, axis=0)

    def _group2(self, w: np.ndarray, x: np.ndarray | None = None,
                starts: np.ndarray | None = None) -> np.ndarray:
        x = self.x if x is None else x
        starts = self.starts if starts is None else starts
        p = x.shape[1]
        out = np.empty((starts.size, p, p))
        for a in range(p):  # one column at a time keeps memory at n·p
            out[:, a, :] = np.add.reduceat((w * x[:, a])[:, None] * x, starts, axis=0)
        return out

    @staticmethod
    def _suffix(g: np.ndarray) -> np.ndarray:
        return np.cumsum(g[::-1], axis=0)[::-1]

    def risk_sums(self, beta: np.ndarray) -> np.ndarray:
        """Σ_{R_j} exp((x − x̄)β) at each distinct event time."""
        w = np.exp(self.x @ beta)
        return self._suffix(self._group(w))[self.keep]

    def __call__(self, beta: np.ndarray, hessian: bool = True):
        w = np.exp(self.x @ beta)
        k = self.keep
        r0 = self._suffix(self._group(w))[k]
        r1 = self._suffix(self._group(w[:, None] * self.x))[k]
        ll = float(self.xsum.sum(axis=0) @ beta)
        if self.ties == "breslow":
            ll -= float(self.d @ np.log(r0))
            m1 = r1 / r0[:, None]
            g = (self.xsum - self.d[:, None] * m1).sum(axis=0)
            if not hessian:
                return ll, g, None
            r2 = self._suffix(self._group2(w))[k]
            h = -np.einsum("j,jab->ab", self.d, r2 / r0[:, None, None]
                           - m1[:, :, None] * m1[:, None, :])
            return ll, g, h
        we, xe, st = w[self.ev_idx], self.xe, self.ev_starts
        d0 = np.add.reduceat(we, st)
        d1 = np.add.reduceat(we[:, None] * xe, st, axis=0)
        gk, c, m = self.gk, self.c, self.d.size
        phi = r0[gk] - c * d0[gk]
        a = 1.0 / phi
        a0, a1 = np.bincount(gk, a, m), np.bincount(gk, c * a, m)
        ll -= float(np.log(phi).sum())
        g = (self.xsum - r1 * a0[:, None] + d1 * a1[:, None]).sum(axis=0)
        if not hessian:
            return ll, g, None
        a2 = a * a
        b0, b1, b2 = (np.bincount(gk, a2, m), np.bincount(gk, c * a2, m),
                      np.bincount(gk, c * c * a2, m))
        r2 = self._suffix(self._group2(w))[k]
        d2 = self._group2(we, xe, st)

        def outer(u: np.ndarray, v: np.ndarray) -> np.ndarray:
            return u[:, :, None] * v[:, None, :]

        # Σ_l (S2 − c_l D2)/φ_l − (S1 − c_l D1)(S1 − c_l D1)ᵀ/φ_l², expanded in sums over l
        h = -(np.einsum("j,jab->ab", a0, r2) - np.einsum("j,jab->ab", a1, d2)
              - np.einsum("j,jab->ab", b0, outer(r1, r1))
              + np.einsum("j,jab->ab", b1, outer(r1, d1) + outer(d1, r1))
              - np.einsum("j,jab->ab", b2, outer(d1, d1)))
        return ll, g, h


class _Newton(NamedTuple):
    beta: np.ndarray
    loglik: float
    hessian: np.ndarray
    loglik_null: float
    converged: bool
    iterations: int
    message: str


def _newton(f: _GroupedCox, p: int, tol: float = 1e-10, maxiter: int = 100) -> _Newton:
    """Newton–Raphson with step halving from β = 0 until the largest step is below ``tol``."""
    beta = np.zeros(p)
    ll, g, h = f(beta)
    ll_null = ll
    step, t = np.full(p, np.inf), 1.0
    for it in range(1, maxiter + 1):
        try:
            step = np.linalg.solve(-h, g)
        except np.linalg.LinAlgError:
            return _Newton(beta, ll, h, ll_null, False, it,
                           "the information matrix is singular (collinear covariates?)")
        t = 1.0
        while True:  # step halving keeps every step an ascent step (rarely needed)
            new = f(beta + t * step)
            if np.isfinite(new[0]) and new[0] >= ll - 1e-12 * abs(ll):
                break
            t /= 2
            if t < 1e-8:
                return _Newton(beta, ll, h, ll_null, False, it,
                               "no step increases the partial likelihood (separation?)")
        beta = beta + t * step
        ll, g, h = new
        if np.max(np.abs(t * step)) < tol:
            return _Newton(beta, ll, h, ll_null, True, it, "")
    return _Newton(beta, ll, h, ll_null, False, maxiter,
                   f"Newton-Raphson's largest step is still {np.max(np.abs(t * step)):.3g} >"
                   f" {tol:g} after maxiter={maxiter} iterations")


@dataclass(kw_only=True, repr=False)
class CoxResult(FitResult):
    """A fitted Cox model; ``params`` are log hazard ratios β.

    Typed fields: ``ties`` (``"efron"`` / ``"breslow"``), ``baseline`` (time, cum_hazard
    Λ0(t) at the mean covariates), ``xbar`` (the mean covariates), ``event_times`` (distinct
    event times) and ``loglik_null`` (partial log-likelihood at β = 0); ``events`` is the
    number of events. ``loglik`` and ``aic`` are the partial likelihood's.
    """

    ties: Ties
    baseline: pd.DataFrame = field(repr=False)
    xbar: pd.Series
    event_times: int
    loglik_null: float

    model_name: ClassVar[str] = "Cox proportional hazards"
    wald_tests: ClassVar[bool] = True

    def summary(self, alpha: float = 0.05) -> pd.DataFrame:
        """estimate (β), se, ci_low, ci_high, z, p_value and hazard_ratio = exp(β)."""
        out = super().summary(alpha)
        out["hazard_ratio"] = np.exp(out["estimate"])
        return out

    def _x(self, data: pd.DataFrame) -> np.ndarray:
        missing = [c for c in self.params.index if c not in data.columns]
        if missing:
            raise JourneyDataError(f"data: covariate column(s) {', '.join(missing)} missing")
        return data[list(self.params.index)].to_numpy(dtype="float64") - self.xbar.to_numpy()

    def predict(self, data: pd.DataFrame, times: Sequence[float] | None = None
                ) -> pd.Series | pd.DataFrame:
        """Partial hazard ``exp((x − x̄)β)`` per row, or with ``times`` the survival
        ``S(t | x) = exp(−Λ0(t)·exp((x − x̄)β))`` (rows = times, columns = data rows)."""
        ph = np.exp(self._x(data) @ self.params.to_numpy())
        if times is None:
            return pd.Series(ph, index=data.index, name="partial_hazard")
        tt = np.asarray(times, dtype=float)
        b = self.baseline
        idx = np.searchsorted(b["time"].to_numpy(), tt, side="right")
        cum = np.concatenate([[0.0], b["cum_hazard"].to_numpy()])[idx]
        return pd.DataFrame(np.exp(-np.outer(cum, ph)), index=pd.Index(tt, name="time"),
                            columns=data.index)

    def plot(self, ax: Axes | None = None, alpha: float = 0.05) -> Figure:
        """Hazard ratios with their intervals on a log axis (a forest plot)."""
        fig, ax = new_axes(ax)
        s = self.summary(alpha)
        y = np.arange(len(s))[::-1]
        hr = np.exp(s["estimate"].to_numpy())
        err = np.vstack([hr - np.exp(s["ci_low"]), np.exp(s["ci_high"]) - hr])
        ax.errorbar(hr, y, xerr=err, fmt="o", capsize=3)
        ax.axvline(1.0, color="grey", linewidth=0.8, linestyle="--")
        ax.set_xscale("log")
        ax.set_yticks(y, list(s.index))
        ax.set_xlabel(f"hazard ratio ({self.ties} ties, {100 * (1 - alpha):g}% CI)")
        return fig


def fit_cox(
    data: pd.DataFrame | Journeys,
    covariates: Sequence[str],
    duration: str | None = None,
    event: str | None = None,
    ties: Ties = "efron",
    maxiter: int = 100,
) -> CoxResult:
    """Cox proportional-hazards model (Cox 1972), exact grouped-time partial likelihood with
    ``ties="efron"`` (Efron 1977, the default, as lifelines and R) or ``"breslow"`` (Breslow
    1974); formulas in the module docstring. Newton–Raphson runs at most ``maxiter``
    iterations.

    Returns
    -------
    CoxResult
        With the ties method, the number of events and of distinct event times as fields.

    Warns
    -----
    ConvergenceWarning
        When Newton–Raphson stops short (separation or collinear covariates); ``converged``
        is then False.
    """
    if ties not in ("efron", "breslow"):
        raise ParameterError(f"ties must be 'efron' or 'breslow', got {ties!r}")
    maxiter = check_maxiter(maxiter)
    if isinstance(covariates, str):
        covariates = [covariates]
    if len(covariates) == 0:
        raise ParameterError("covariates: give at least one covariate column")
    df = survival_frame(data, duration, event, covariates)
    names = [c for c in df.columns if c not in ("duration", "event")]
    if df["event"].sum() == 0:
        raise JourneyDataError("data: no events (nobody exits); a Cox model needs events")
    x = df[names].to_numpy()
    const = np.ptp(x, axis=0) == 0
    if const.any():
        raise JourneyDataError(f"data: covariate '{names[int(np.flatnonzero(const)[0])]}' is"
                               " constant; it is not identifiable in a Cox model")
    f = _GroupedCox(df["duration"].to_numpy(), df["event"].to_numpy(), x, ties)
    nr = _newton(f, len(names), maxiter=maxiter)
    if not nr.converged:
        warnings.warn(not_converged("fit_cox", nr.message), ConvergenceWarning, stacklevel=2)
    try:
        cov_df = pd.DataFrame(np.linalg.inv(-nr.hessian), index=names, columns=names)
    except np.linalg.LinAlgError:
        cov_df = None
    baseline = pd.DataFrame({"time": f.times[f.keep],
                             "cum_hazard": np.cumsum(f.d / f.risk_sums(nr.beta))})
    return CoxResult(params=pd.Series(nr.beta, index=names), cov=cov_df, loglik=nr.loglik,
                     nobs=len(df), converged=nr.converged, events=int(f.d.sum()),
                     iterations=nr.iterations,
                     method=f"partial likelihood, {ties.capitalize()} ties, Newton-Raphson",
                     ties=ties, baseline=baseline, xbar=pd.Series(f.xbar, index=names),
                     event_times=int(f.d.size), loglik_null=nr.loglik_null)
