"""A measurement model for satisfaction from what a firm observes: sparse survey ratings and
the logged event history.

The firm never sees the latent satisfaction ``S_it`` of customer ``i`` in service month ``t``;
it sees a rating in the months a customer answers a survey and a log of what happened to the
customer (problems, resolutions, calls, staff changes, the contract's renewals). This module
estimates the conditional mean and variance of ``S_it`` given that history **up to and
including month t** (a filter, never a smoother: a rating after ``t`` exists only for
customers who survived ``t``, so using it would condition on the outcome).

Model (a regression with a latent AR(1) state, in state-space form; Harvey 1989, ch. 3;
Durbin & Koopman 2012, ch. 4)::

    S_it = m_it + c_it·z_it                  (satisfaction)
    m_it = x_it(ρ)'β                         (what the event history predicts)
    z_it = φ·z_i,t−1 + η_it,  η ~ N(0, σ_z²(1 − φ²)),  z_i0 ~ N(0, σ_z²)
    c_it = exp(½·(γ1·u_it + γ2·u_it²)),  u_it = m_it − m̄   (heteroscedastic state)
    y_it = S_it + e_it,  e ~ N(0, σ_e²)     (a rating, when answered)

with features ``x_it(ρ)``: indicators of months since signing (0, 1, …, ``tenure_months``
and over), the exponentially decayed count of each logged event kind
``Σ_{s ≤ t} ρ^{t−s}·n_is(kind)`` (the simulator's satisfaction is an exponential smoother of
perceived quality, ``S_t = (1 − λ)S_{t−1} + λ·(…)``, docs/model.md 3.4, so an incident's
effect decays geometrically with ``ρ ≈ 1 − λ``), the contract status (re-contracted, rolled
over, from the ``recontract`` / ``rollover`` events) and any error-free covariates of the
outcome model (regression calibration conditions on them: Carroll, Ruppert, Stefanski &
Crainiceanu 2006, sec. 4.2).

Estimation, in steps: ``ρ`` by profile least squares of the ratings on ``x(ρ)`` (a bounded
scalar search), ``β`` by ordinary least squares at that ``ρ``; then ``(φ, σ_z², σ_e², γ1,
γ2)`` by Gaussian maximum likelihood of the rating residuals ``y − m`` with the Kalman filter
(prediction-error decomposition; Harvey 1989, sec. 3.4). The filter then gives, for every
customer-month,

``E[S_it | history ≤ t] = m̄ + κ·(m_it − m̄) + c_it·ẑ_it|t``,
``Var[S_it | history ≤ t] = c_it²·P_it|t``.

``κ = 1 − tr(Σ_x·Cov(β̂)) / Var(m̂)`` shrinks the fitted means toward their average by the
share of their spread that is estimation noise (Copas 1983), with ``Cov(β̂)`` clustered by
customer: a fitted ``m̂`` spreads wider than the true ``m``, and used as a covariate that
excess spread attenuates the hazard's satisfaction slope (measured on 60 telecom cohorts with
one answer per customer in 33 months: ``αS`` 0.476 without, 0.487 with the shrinkage, for
0.493 on the latent ``S``; ``κ`` ≈ 0.97 there and → 1 as the ratings grow). ``Var`` is the
filter's: the estimation error of the parameters is not in it (the bootstrap of
:func:`journey.models.observed_hazard.fit_observed_hazard` carries it).

Assumptions (stated, not tested by the fit):

* A rating is ``S`` plus noise independent of everything else (the simulator rounds and clips
  to 0–10; rounding adds variance ``1/12``, absorbed in ``σ_e²``; clipping at 10 pulls the
  top of the scale down).
* Non-response may depend on ``S`` (the simulator's ``response_slope``): the answered ratings
  then over-represent one end of the scale, which shifts the estimated level of ``S`` by about
  ``response_slope·Var(S | history)·(1 − response rate)``, nearly the same shift for everyone
  (a level shift, not a slope). Who was asked and declined is not in the log, so this is not
  corrected.
* The model is linear in the event history; the simulator's loss aversion (bad months weigh
  twice) and each customer's sensitivity to incidents make the true relation non-linear and
  the residual variance larger after bad events; the heteroscedastic loading ``c_it`` captures
  the variance part of this, the mean part is left as misspecification.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import optimize

from journey.errors import ParameterError
from journey.schema import JourneyDataError, Journeys

__all__ = ["HistoryGrid", "SatisfactionMeasurement", "fit_satisfaction_measurement",
           "history_grid"]

# event kinds that are not a history feature: the answers themselves, the outcome, and the
# contract status (entered as status indicators instead)
_NOT_FEATURES = ("survey", "recommend", "exit", "rollover", "recontract")
_STATUS = {"recontracted": "recontract", "rolled_over": "rollover"}


@dataclass
class HistoryGrid:
    """The observed history of the signed customers on a (month × customer) grid, service
    months ``0 … T − 1`` (time-major arrays, ``T x n``).

    ``rating`` is the mean survey answer in the month (NaN where none) and ``n_rating`` how
    many answers it averages; ``counts`` holds the number of logged events of each kind;
    ``status`` the contract-status indicators; ``covariates`` error-free covariates of the
    outcome model (e.g. the financial barrier ``F``)."""

    ids: np.ndarray
    at_risk: np.ndarray
    rating: np.ndarray
    n_rating: np.ndarray
    counts: dict[str, np.ndarray]
    status: dict[str, np.ndarray]
    covariates: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def shape(self) -> tuple[int, int]:
        return self.at_risk.shape

    def take(self, cols: np.ndarray) -> HistoryGrid:
        """The grid of the customers in columns ``cols`` (repeats allowed: a bootstrap
        sample)."""
        def sub(d: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
            return {k: v[:, cols] for k, v in d.items()}

        return HistoryGrid(self.ids[cols], self.at_risk[:, cols], self.rating[:, cols],
                           self.n_rating[:, cols], sub(self.counts), sub(self.status),
                           sub(self.covariates))


def _require(df: pd.DataFrame, cols: Sequence[str], table: str) -> None:
    for c in cols:
        if c not in df.columns:
            raise JourneyDataError(f"{table}: column '{c}' is missing; the measurement model"
                                   " of satisfaction needs it")


def history_grid(data: Journeys, kinds: Sequence[str] | None = None,
                 covariates: Sequence[str] = ()) -> HistoryGrid:
    """Lay out the observed history of every customer with a service month (panel month
    ``>= 0``) on a (month × customer) grid.

    ``kinds`` are the event kinds used as history features (default: every kind logged in a
    service month except ``survey``, ``recommend``, ``exit``, ``rollover`` and
    ``recontract``); ``covariates`` are panel columns copied onto the grid (0 where the
    customer is not in the panel).
    """
    if not isinstance(data, Journeys):
        raise JourneyDataError(f"data: expected Journeys, got {type(data).__name__}")
    panel, ev = data.panel, data.events
    _require(panel, ["customer_id", "month", *covariates], "panel")
    _require(ev, ["customer_id", "month", "kind", "rating"], "events")
    served = panel["month"].to_numpy() >= 0
    pid = panel["customer_id"].to_numpy()[served]
    pt = panel["month"].to_numpy()[served].astype(np.int64)
    if len(pid) == 0:
        raise JourneyDataError("panel: no service months (month >= 0) to model")
    ids = np.unique(pid)
    T, n = int(pt.max()) + 1, len(ids)  # noqa: N806
    pi = np.searchsorted(ids, pid)
    at_risk = np.zeros((T, n), bool)
    at_risk[pt, pi] = True

    em = ev["month"].to_numpy()
    eid = ev["customer_id"].to_numpy()
    pos = np.searchsorted(ids, eid).clip(0, n - 1)
    keep = (em >= 0) & (em < T) & (ids[pos] == eid)
    keep[keep] = at_risk[em[keep], pos[keep]]  # events in months the customer is at risk
    et, ei = em[keep].astype(np.int64), pos[keep]
    kind = ev["kind"].astype("object").to_numpy()[keep]
    rating = ev["rating"].to_numpy(dtype="float64", na_value=np.nan)[keep]

    def count(mask: np.ndarray) -> np.ndarray:
        g = np.zeros((T, n))
        np.add.at(g, (et[mask], ei[mask]), 1.0)
        return g

    sv = (kind == "survey") & ~np.isnan(rating)
    n_rating = count(sv)
    total = np.zeros((T, n))
    np.add.at(total, (et[sv], ei[sv]), rating[sv])
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_rating = np.where(n_rating > 0, total / n_rating, np.nan)
    if kinds is None:
        kinds = sorted(k for k in set(kind) if k not in _NOT_FEATURES)
    counts = {k: count(kind == k) for k in kinds}
    status = {}
    for name, k in _STATUS.items():
        hit = count(kind == k)
        if hit.any():
            status[name] = np.cumsum(hit, axis=0) > 0
    cov = {}
    for c in covariates:
        g = np.zeros((T, n))
        g[pt, pi] = panel[c].to_numpy(dtype="float64")[served]
        cov[c] = g
    return HistoryGrid(ids, at_risk, mean_rating, n_rating, counts, status, cov)


def decayed(counts: np.ndarray, rho: float) -> np.ndarray:
    """``Σ_{s ≤ t} ρ^{t−s}·counts[s]`` along the month axis (axis 0)."""
    out = np.empty_like(counts, dtype="float64")
    acc = np.zeros(counts.shape[1:])
    for t in range(counts.shape[0]):
        acc *= rho
        acc += counts[t]
        out[t] = acc
    return out


def _feature_names(grid: HistoryGrid, tenure_months: int) -> list[str]:
    """Tenure indicators, decayed event counts, status indicators, covariates (in order)."""
    top = _top(grid, tenure_months)
    months = [f"month[{k}]" for k in range(top)] + [f"month[{top}+]"]
    return months + list(grid.counts) + list(grid.status) + list(grid.covariates)


def _top(grid: HistoryGrid, tenure_months: int) -> int:
    return min(tenure_months, grid.shape[0] - 1)


class _CellFeatures:
    """The features at a set of flat grid cells (the rated customer-months). The decayed
    counts are ``lags @ ρ^(0, 1, …)``, with ``lags[c, k, L]`` the number of events of kind
    ``k`` in month ``t_c − L`` of the cell's customer, so a new ``ρ`` costs one product."""

    def __init__(self, grid: HistoryGrid, tenure_months: int, cells: np.ndarray):
        T, n = grid.shape  # noqa: N806
        t, i = np.divmod(cells, n)
        top = _top(grid, tenure_months)
        tenure = (np.minimum(t, top)[:, None] == np.arange(top + 1)).astype("float64")
        other = [g[t, i].astype("float64") for g in (*grid.status.values(),
                                                     *grid.covariates.values())]
        self.tenure = tenure
        self.other = np.column_stack(other) if other else np.zeros((len(cells), 0))
        k = len(grid.counts)
        self.lags = np.zeros((len(cells), k, T))
        if k:
            counts = np.stack(list(grid.counts.values()), axis=-1)  # T x n x k
            for lag in range(T):
                ok = np.flatnonzero(t >= lag)
                self.lags[ok, :, lag] = counts[t[ok] - lag, i[ok], :]

    def matrix(self, rho: float) -> np.ndarray:
        decay = self.lags @ rho ** np.arange(self.lags.shape[2])
        return np.column_stack([self.tenure, decay, self.other])


def _ols(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """Least squares by the normal equations (a minimum-norm solution when a feature is
    all zero, e.g. an event kind absent from a bootstrap sample)."""
    b, *_ = np.linalg.lstsq(x.T @ x, x.T @ y, rcond=None)
    r = y - x @ b
    return b, float(r @ r)


@dataclass
class SatisfactionMeasurement:
    """A fitted measurement model of satisfaction (formulas in the module docstring).

    ``beta`` holds the feature coefficients; ``rho`` the decay of the event history;
    ``phi``, ``state_var`` (σ_z²), ``rating_var`` (σ_e²) the latent AR(1) state and the rating
    noise; ``gamma`` = (γ1, γ2) the heteroscedastic loading around ``m_center`` (m̄);
    ``shrink`` the factor κ; ``loglik`` the Gaussian log-likelihood of the rating residuals.
    """

    beta: pd.Series
    rho: float
    phi: float
    state_var: float
    rating_var: float
    gamma: tuple[float, float]
    m_center: float
    tenure_months: int
    n_ratings: int
    loglik: float
    shrink: float = 1.0
    covariates: tuple[str, ...] = ()

    def mean_grid(self, grid: HistoryGrid) -> np.ndarray:
        """``m_it = x_it(ρ)'β`` on the grid (the decayed counts enter as one decayed sum,
        ``Σ_k β_k·decay(n_k) = decay(Σ_k β_k·n_k)``)."""
        b = self.beta
        T = grid.shape[0]  # noqa: N806
        top = _top(grid, self.tenure_months)
        names = _feature_names(grid, self.tenure_months)
        if names != list(b.index):
            raise JourneyDataError(f"the history's features {names} differ from the fitted"
                                   f" model's {list(b.index)}")
        tenure = b.iloc[:top + 1].to_numpy()[np.minimum(np.arange(T), top)]
        m = np.repeat(tenure[:, None], grid.shape[1], axis=1)
        if grid.counts:
            m += decayed(sum(b[k] * g for k, g in grid.counts.items()), self.rho)
        for k, g in (*grid.status.items(), *grid.covariates.items()):
            m += b[k] * g
        return m

    def filter_grid(self, grid: HistoryGrid) -> tuple[np.ndarray, np.ndarray]:
        """``E[S_it | history ≤ t]`` and ``Var[S_it | history ≤ t]`` on the grid."""
        m = self.mean_grid(grid)
        c = _loading(m, self.gamma, self.m_center)
        z, p = _kalman(grid.rating - m, grid.n_rating, c, self.phi, self.state_var,
                       self.rating_var)
        m_used = self.m_center + self.shrink * (m - self.m_center)
        return m_used + c * z, c * c * p

    def predict(self, data: Journeys) -> pd.DataFrame:
        """``S_hat = E[S | history ≤ t]`` and ``S_var = Var[S | history ≤ t]`` for every
        service-month row (month ``>= 0``) of ``data.panel``, on the panel's index."""
        kinds = [k for k in self.beta.index if not k.startswith("month[")
                 and k not in _STATUS and k not in self.covariates]
        grid = history_grid(data, kinds, self.covariates)
        s_hat, s_var = self.filter_grid(grid)
        p = data.panel.loc[data.panel["month"].to_numpy() >= 0]
        cell = (p["month"].to_numpy().astype(np.int64),
                np.searchsorted(grid.ids, p["customer_id"].to_numpy()))
        return pd.DataFrame({"S_hat": s_hat[cell], "S_var": s_var[cell]}, index=p.index)


_U_BOUND = 3.0  # the loading's argument m − m̄ is clipped to ± this (points)


def _loading(m: np.ndarray, gamma: tuple[float, float], center: float) -> np.ndarray:
    """``c = exp(½·(γ1·u + γ2·u²))``, ``u = clip(m − m̄, ±3)``."""
    u = np.clip(m - center, -_U_BOUND, _U_BOUND)
    return np.exp(0.5 * (gamma[0] * u + gamma[1] * u * u))


def _kalman(resid: np.ndarray, n_obs: np.ndarray, c: np.ndarray, phi: float, s2z: float,
            s2e: float) -> tuple[np.ndarray, np.ndarray]:
    """Filtered state ``ẑ_t|t`` and variance ``P_t|t`` (``T x n``) of the AR(1) state ``z``
    from observations ``resid = c·z + e`` (NaN: none; a month with ``k`` answers has noise
    variance ``σ_e²/k``)."""
    T, n = resid.shape  # noqa: N806
    z, p = np.zeros(n), np.full(n, s2z)
    zs, ps = np.empty((T, n)), np.empty((T, n))
    q = s2z * (1 - phi * phi)
    for t in range(T):
        if t:
            z = phi * z
            p = phi * phi * p + q
        o = n_obs[t] > 0
        if o.any():
            co, po = c[t, o], p[o]
            f = co * co * po + s2e / n_obs[t, o]
            k = po * co / f
            z[o] = z[o] + k * (resid[t, o] - co * z[o])
            p[o] = po - k * co * po
        zs[t], ps[t] = z, p
    return zs, ps


class _RatingSequences:
    """The rated cells customer by customer, ordered by the rating's rank within its customer
    and then by customer, so that the filter takes one vectorised step per rank: ``cells``
    (flat grid index), ``month``, ``cust`` (position among the rated customers) and the
    ``starts`` of each rank's block."""

    def __init__(self, grid: HistoryGrid):
        n = grid.shape[1]
        cust, month = np.nonzero(grid.n_rating.T > 0)  # customer-major
        first = np.r_[0, np.flatnonzero(np.diff(cust)) + 1]
        rank = np.arange(len(cust)) - np.repeat(first, np.diff(np.r_[first, len(cust)]))
        order = np.lexsort((cust, rank))
        self.cells = (month * n + cust)[order]
        self.month, rank = month[order], rank[order]
        self.cust = np.unique(cust, return_inverse=True)[1][order]
        self.n_cust = int(self.cust.max()) + 1 if len(cust) else 0
        self.starts = np.r_[0, np.flatnonzero(np.diff(rank)) + 1, len(rank)]


def _negll(thetas: np.ndarray, seq: _RatingSequences, r: np.ndarray, m: np.ndarray,
           k: np.ndarray, center: float) -> np.ndarray:
    """Gaussian negative log-likelihood of the rating residuals ``r`` (in ``seq`` order) by
    the prediction-error decomposition, for each row ``(φ, log σ_z², log σ_e², γ1, γ2)`` of
    ``thetas``; the filter moves only between a customer's rated months (an AR(1) state moves
    ``L`` months as ``φ^L``)."""
    phi, s2z, s2e = thetas[:, :1], np.exp(thetas[:, 1:2]), np.exp(thetas[:, 2:3])
    u = np.clip(m - center, -_U_BOUND, _U_BOUND)
    c = np.exp(0.5 * (thetas[:, 3:4] * u + thetas[:, 4:5] * u * u))
    q = len(thetas)
    z, p = np.zeros((q, seq.n_cust)), np.repeat(s2z, seq.n_cust, axis=1)
    last = np.zeros(seq.n_cust, np.int64)
    ll = np.zeros(q)
    st = seq.starts
    for a, b in zip(st[:-1], st[1:], strict=True):
        ci = seq.cust[a:b]
        zc, pc = z[:, ci], p[:, ci]
        if a > 0:
            f = phi ** (seq.month[a:b] - last[ci])
            zc = f * zc
            pc = f * f * pc + s2z * (1 - f * f)
        cc = c[:, a:b]
        var = cc * cc * pc + s2e / k[a:b]
        nu = r[a:b] - cc * zc
        ll += np.sum(np.log(var) + nu * nu / var, axis=1)
        gain = pc * cc / var
        z[:, ci] = zc + gain * nu
        p[:, ci] = pc - gain * cc * pc
        last[ci] = seq.month[a:b]
    return 0.5 * ll


_SCALE = np.array([0.995, 1.0, 1.0, 3.0, 1.0])


def _from_unbounded(x: np.ndarray) -> np.ndarray:
    """(a, log σ_z², log σ_e², b, c) -> (φ, log σ_z², log σ_e², γ1, γ2); works row-wise."""
    out = np.array(x, dtype="float64", copy=True)
    out[..., 0] = _SCALE[0] / (1 + np.exp(-out[..., 0]))
    out[..., 3:] = _SCALE[3:] * np.tanh(out[..., 3:])
    return out


def _to_unbounded(theta: np.ndarray) -> np.ndarray:
    out = np.array(theta, dtype="float64", copy=True)
    phi = np.clip(out[0] / _SCALE[0], 1e-6, 1 - 1e-6)
    out[0] = np.log(phi / (1 - phi))
    out[3:] = np.arctanh(np.clip(out[3:] / _SCALE[3:], -1 + 1e-9, 1 - 1e-9))
    return out


def _unbounded_negll(x: np.ndarray, *args) -> tuple[float, np.ndarray]:
    """``_negll`` on the unbounded scale and its central-difference gradient, all points in
    one batched filter."""
    h = 1e-5 * np.maximum(1.0, np.abs(x))
    eye = np.diag(h)
    v = _negll(_from_unbounded(np.vstack([x, x + eye, x - eye])), *args)
    d = len(x)
    return float(v[0]), (v[1:d + 1] - v[d + 1:]) / (2 * h)


def _shrinkage(x: np.ndarray, r: np.ndarray, cust: np.ndarray, m: np.ndarray) -> float:
    """``κ = 1 − tr(Σ_x·Cov(β̂)) / Var(m̂)``: the share of the spread of the fitted means
    ``m̂ = xβ̂`` that is not estimation noise (Copas 1983), with the covariance of ``β̂``
    clustered by customer (a customer's ratings are correlated through ``z``)."""
    bread = np.linalg.pinv(x.T @ x)
    score = np.zeros((int(cust.max()) + 1, x.shape[1]))
    np.add.at(score, cust, x * r[:, None])
    cov_b = bread @ (score.T @ score) @ bread
    noise = float(np.trace(np.cov(x, rowvar=False) @ cov_b))
    return max(0.0, 1.0 - noise / float(np.var(m)))


def fit_satisfaction_measurement(
    data: Journeys | HistoryGrid,
    tenure_months: int = 6,
    rho_bounds: tuple[float, float] = (0.05, 0.95),
    start: SatisfactionMeasurement | None = None,
) -> SatisfactionMeasurement:
    """Fit the measurement model of the module docstring to the survey ratings.

    ``data`` is a cohort (its history is laid out by :func:`history_grid` with the default
    event kinds and no covariates) or a grid already built. ``tenure_months`` sets the
    month-since-signing indicators (months ``0 … k − 1`` each their own, ``k`` and later one
    level). ``start`` (a previous fit, e.g. on the full sample when bootstrapping) warm-starts
    the variance parameters.
    """
    grid = data if isinstance(data, HistoryGrid) else history_grid(data)
    if not 0 < rho_bounds[0] < rho_bounds[1] < 1:
        raise ParameterError(f"rho_bounds must satisfy 0 < low < high < 1, got {rho_bounds}")
    if tenure_months < 1:
        raise ParameterError(f"tenure_months must be >= 1, got {tenure_months}")
    T, n = grid.shape  # noqa: N806
    cells = np.flatnonzero(grid.n_rating.reshape(-1) > 0)
    names = _feature_names(grid, tenure_months)
    if len(cells) < 3 * len(names) + 10:
        raise JourneyDataError(
            f"events: {len(cells)} customer-months with a survey rating; the measurement model"
            f" of satisfaction has {len(names)} features and needs at least"
            f" {3 * len(names) + 10}")
    y = grid.rating.reshape(-1)[cells]

    feats = _CellFeatures(grid, tenure_months, cells)

    def rss(rho: float) -> float:
        return _ols(feats.matrix(rho), y)[1]

    rho = float(optimize.minimize_scalar(rss, bounds=rho_bounds, method="bounded",
                                         options={"xatol": 1e-3}).x)
    x = feats.matrix(rho)
    beta, _ = _ols(x, y)
    m_all = x @ beta
    r = y - m_all
    shrink = _shrinkage(x, r, cells % n, m_all)
    seq = _RatingSequences(grid)
    pos = np.searchsorted(cells, seq.cells)
    center = float(np.mean(m_all))
    args = (seq, r[pos], m_all[pos], grid.n_rating.reshape(-1)[seq.cells], center)
    if start is not None:
        x0 = [start.phi, np.log(start.state_var), np.log(start.rating_var), *start.gamma]
    else:
        v = float(np.var(r))
        x0 = [0.8, np.log(0.6 * v), np.log(0.4 * v), 0.0, 0.0]
    # BFGS on an unbounded scale (φ = 0.995·logistic(a), γ1 = 3·tanh(b), γ2 = tanh(c)):
    # scipy's BFGS runs in numpy, where L-BFGS-B's compiled core is slow under contention
    res = optimize.minimize(_unbounded_negll, _to_unbounded(np.array(x0, dtype="float64")),
                            args=args, jac=True, method="BFGS", options={"gtol": 1e-4})
    phi, ls2z, ls2e, g1, g2 = _from_unbounded(res.x)
    return SatisfactionMeasurement(
        beta=pd.Series(beta, index=names), rho=rho, phi=float(phi),
        state_var=float(np.exp(ls2z)), rating_var=float(np.exp(ls2e)),
        gamma=(float(g1), float(g2)), m_center=center, tenure_months=tenure_months,
        n_ratings=len(cells), loglik=-float(res.fun) - 0.5 * len(cells) * np.log(2 * np.pi),
        shrink=shrink, covariates=tuple(grid.covariates))
