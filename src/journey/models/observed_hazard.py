"""The exit hazard estimated from what a researcher observes: survey ratings and the event log,
not the simulator's latent satisfaction.

The hazard is that of :mod:`journey.models.hazard` (docs/model.md, 3.7)::

    h_it = logistic(α0 + αS·g_it − αB·B_it − αSB·g_it·B_it [+ αC·C_t] + κ·T_it + ρ·O_it),
    g_it = S* − S_it

but ``S_it`` is latent. **Regression calibration** (Carroll, Ruppert, Stefanski & Crainiceanu
2006, *Measurement Error in Nonlinear Models*, ch. 4) replaces it by its conditional mean given
the observed history up to month ``t``, ``Ŝ_it = E[S_it | W_it]``, from the measurement model
of :mod:`journey.models.measurement` (ratings and decayed event counts, filtered by a Kalman
filter that uses only months ``≤ t``). Then ``S = Ŝ + U`` with ``E[U | W] = 0``: a Berkson
error, with ``U | W ~ N(0, V_it)`` and ``V_it`` the filter's conditional variance. The
probability of an exit given what was observed is the hazard integrated over ``U``,

``P(exit_it | W_it) = E[logistic(x_it'θ − a_it·U)],  a_it = αS − αSB·B_it``

(``x'θ`` the linear predictor at ``Ŝ``; ``a`` its derivative in the gap ``S* − S``), computed
by 6-node Gauss–Hermite quadrature, and ``θ`` maximises the binomial likelihood of these
probabilities (Fisher scoring; Carroll et al. 2006, ch. 8, likelihood with a Berkson error
model).

Why not plain regression calibration (the hazard on ``Ŝ``, ``variance_correction=False``):
with a constant ``V`` the error would only move the intercept (for a rare event
``E[exp(−a·U)] = exp(a²V/2)``), but here customers predicted low after bad events are also
predicted less precisely (each customer's sensitivity to incidents is unobserved; the scale is
clipped at 10), so the factor grows as ``Ŝ`` falls and steepens the apparent satisfaction
slope (measured: ``αS`` 0.519 against 0.484 on the latent ``S`` of the same 40,000-prospect
telecom cohort). The second-order correction ``½·a²·V`` in the linear predictor ("expanded
regression calibration", Carroll et al. 2006, sec. 4.7) over-corrects it (0.462): exits are
not rare where the information is (a customer at ``S`` = 3 in the term-end month has a hazard
over 20%), so its log-link approximation fails. The integrated likelihood gives 0.483.

**Uncertainty.** Both stages are refitted on ``n_boot`` bootstrap samples of customers (with
replacement, whole histories; Efron & Tibshirani 1993), the second by one Fisher-scoring step
from the full-sample estimate (the k-step bootstrap, k = 1: Andrews 2002), so the reported
covariance carries the measurement model's estimation error; ``model_cov`` is the second
stage's own inverse information, which ignores it. Over 60 cohorts of 4,000 prospects the
bootstrap standard error of ``αS`` matched the spread of the estimates at ``survey_rate`` 0.3
(0.053 against 0.055; 55 of 60 intervals covered) and fell 16% short of it at the preset's 0.1
(0.063 against 0.075; 54 of 60), where the estimate's distribution is skewed (docs/model.md,
3.9).

**Identification assumptions.**

1. *Non-differential measurement* (surrogacy): given ``S_it`` (and ``B``, term end,
   rollover), the ratings and events carry no further information on exit in month ``t``.
2. *The measurement model* of :mod:`journey.models.measurement` is right up to its stated
   approximations: linear in the decayed event history, an AR(1) latent deviation,
   Gaussian ``U`` with the modelled variance; rating noise independent of everything.
3. *Non-response that depends on S* shifts the level of ``Ŝ`` by a nearly constant amount
   ``δ`` (on the telecom preset ``Ŝ`` is 0.19 points too low: 0.13 from the default
   ``response_slope`` −0.1, 0.06 from rounding and clipping the answers). Substituting
   ``S = Ŝ + δ`` shows that a level shift moves ``α0`` by ``−αS·δ`` and ``αB`` by ``−αSB·δ``
   and leaves ``αS`` and ``αSB`` (measured: ``α0`` −4.31 with the preset's non-response,
   −4.26 without, −4.27 on the latent ``S``).
4. *No frailty*: customers differ in exit propensity only through the covariates. An
   unobserved frailty makes survivors differ from the cohort and biases the hazard even on the
   latent ``S`` (measured with ``churn_heterogeneity`` 1 on 40,000 telecom prospects:
   ``αS`` 0.428 and ``αSB`` 0.0125 on the latent ``S``, 0.405 and 0.0094 from the ratings,
   for truths 0.5 and 0.02).
5. *The hazard model itself*: the logistic hazard of :mod:`journey.models.hazard` with
   ``S`` in place of ``Ŝ``, exits Bernoulli given the month's state.

**The barrier.** A researcher observes the financial barrier ``F`` (the fee owed under the
contract's fee schedule at its age, plus any financed balance: the firm's own billing data)
and the contract's renewals; the procedural and mental parts ``P`` and ``M`` are model-only.
The model takes ``B_it = F_it + b̄`` with ``b̄`` = ``barrier_offset``, the researcher's assumed
(constant) level of ``P + M``. A ``b̄`` that exceeds the true level by ``Δ`` moves ``αS`` by
``+αSB·Δ`` and ``α0`` by ``+αB·Δ`` (substitute ``B = B' − Δ`` in the hazard), and leaves
``αB`` and ``αSB`` as they are. Variation of ``M`` across customers (bonds, traits) is left in
the error.

**Identification of the barrier effect.** ``F`` is the same function of tenure for everyone
in a first term (a declining fee); it varies across customers only through re-contracting
(the fee starts again) and rolling over (no fee). ``αB`` is therefore identified largely by the
hazard's tenure profile, under the model's assumption that there is **no separate tenure
baseline** apart from the term-end and rollover terms: a baseline that changes with tenure for
another reason (e.g. selection on an unobserved frailty) would be absorbed into ``αB``. ``αSB``
is identified by how the satisfaction slope of the hazard changes as ``F`` declines with tenure
and across contract states; a satisfaction effect that changes with tenure for another reason
(Bolton 1998) would be absorbed into it. This limitation is not removable with ``F`` alone.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

import numpy as np
import pandas as pd
from scipy.special import expit

from journey.errors import ConvergenceWarning, ParameterError
from journey.models.base import FitResult, new_axes, not_converged
from journey.models.design import require
from journey.models.hazard import _MAP, hazard_design
from journey.models.measurement import (
    HistoryGrid,
    SatisfactionMeasurement,
    fit_satisfaction_measurement,
    history_grid,
)
from journey.schema import JourneyDataError, Journeys

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["ObservedHazardResult", "carry_forward_ratings", "fit_observed_hazard"]

_VAR = "_S_var"  # the design column carrying V_it through hazard_design


def carry_forward_ratings(data: Journeys) -> pd.DataFrame:
    """The naive observable panel: ``S`` replaced by the customer's last survey rating so far
    (last value carried forward; courtship ratings count), rows before a customer's first
    rating dropped. Fitting :func:`journey.models.hazard.fit_exit_hazard` on it treats the
    rating as error-free: classical measurement error, which attenuates ``αS`` and ``αSB``."""
    if not isinstance(data, Journeys):
        raise JourneyDataError(f"data: expected Journeys, got {type(data).__name__}")
    ev = data.events
    require(ev, ("customer_id", "month", "kind", "rating"), "events")
    sv = ev.loc[(ev["kind"].astype("object") == "survey").to_numpy()
                & ev["rating"].notna().to_numpy(), ["customer_id", "month", "rating"]]
    sv = sv.groupby(["customer_id", "month"], as_index=False)["rating"].mean()
    p = data.panel.drop(columns=["S"], errors="ignore")
    p = p.merge(sv, on=["customer_id", "month"], how="left", sort=False)
    p["S"] = p.groupby("customer_id", sort=False)["rating"].ffill()
    return p.loc[p["S"].notna()].drop(columns=["rating"])


class _IntegratedLogit:
    """The binomial likelihood with the hazard integrated over the Berkson error,
    ``P = E[logistic(x'θ − a·U)]``, ``U ~ N(0, sd²)``, ``a = θ[i_gap] + θ[i_gapb]·b`` (the
    derivative of the linear predictor in the gap ``S* − S``), by Gauss–Hermite quadrature
    with ``nodes`` nodes; fitted by Fisher scoring."""

    def __init__(self, x: np.ndarray, y: np.ndarray, sd: np.ndarray, b: np.ndarray,
                 i_gap: int, i_gapb: int, nodes: int = 6):
        z, w = np.polynomial.hermite_e.hermegauss(nodes if np.any(sd > 0) else 1)
        self.w = w / w.sum()
        self.du = -sd[:, None] * z[None, :]  # the gap at each node minus the gap at Ŝ
        self.x, self.y, self.b, self.i_gap, self.i_gapb = x, y, b, i_gap, i_gapb

    def prob(self, th: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
        """(hazard at each node, integrated hazard P, log-likelihood)."""
        a = th[self.i_gap] + th[self.i_gapb] * self.b
        pk = expit((self.x @ th)[:, None] + a[:, None] * self.du)
        p = np.clip(pk @ self.w, 1e-300, 1 - 1e-16)
        y = self.y
        return pk, p, float(np.sum(np.where(y > 0, np.log(p), np.log1p(-p))))

    def score_info(self, pk: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Score and expected (Fisher) information at the hazards ``pk``, ``p``."""
        dk = pk * (1 - pk) * self.w  # dP / d(linear predictor at node k)
        g = self.x * dk.sum(axis=1)[:, None]
        shift = (dk * self.du).sum(axis=1)
        g[:, self.i_gap] += shift
        g[:, self.i_gapb] += shift * self.b
        v = p * (1 - p)
        return g.T @ ((self.y - p) / v), (g / v[:, None]).T @ g

    def start(self) -> np.ndarray:
        theta = np.zeros(self.x.shape[1])
        rate = min(max(float(self.y.mean()), 1e-6), 1 - 1e-6)
        theta[0] = np.log(rate / (1 - rate))  # column 0 is the constant
        return theta

    def one_step(self, theta: np.ndarray) -> np.ndarray:
        """One Fisher-scoring step from ``theta``."""
        pk, p, _ = self.prob(theta)
        score, info = self.score_info(pk, p)
        return theta + np.linalg.solve(info, score)

    def fit(self, theta0: np.ndarray | None = None, tol: float = 1e-7,
            maxiter: int = 100) -> tuple[np.ndarray, np.ndarray, float, bool]:
        """Fisher scoring with step halving until every step is below ``tol`` standard
        errors. Returns (θ, inverse Fisher information, log-likelihood, converged)."""
        theta = self.start() if theta0 is None else theta0.astype("float64").copy()
        pk, p, ll = self.prob(theta)
        converged = False
        for _ in range(maxiter):
            score, info = self.score_info(pk, p)
            cov = np.linalg.inv(info)
            step = cov @ score
            if np.all(np.abs(step) < tol * np.sqrt(np.diag(cov))):
                converged = True
                break
            for _half in range(30):
                pk_new, p_new, ll_new = self.prob(theta + step)
                if ll_new >= ll - 1e-9 * abs(ll):
                    break
                step = step / 2
            theta = theta + step
            pk, p, ll = pk_new, p_new, ll_new
        return theta, cov, ll, converged


@dataclass(kw_only=True, repr=False)
class ObservedHazardResult(FitResult):
    """The exit hazard fitted on observables (module docstring). ``params`` use the scenario's
    names (alpha0, alpha_S, ...); ``cov`` is the bootstrap covariance (both stages refitted).

    Typed fields: ``glm_params`` (the logit's coefficients on the design columns),
    ``model_cov`` (the second stage's inverse information alone), ``measurement`` (the fitted
    measurement model), ``boot`` (one row per bootstrap replicate, scenario names), the fit's
    settings ``s_star``, ``barrier_offset``, ``variance_correction``, ``dropped`` (constant
    design columns left out), ``n_boot`` / ``n_boot_failed`` and ``barrier_quantiles``.
    """

    glm_params: pd.Series
    model_cov: pd.DataFrame
    measurement: SatisfactionMeasurement
    boot: pd.DataFrame
    s_star: float
    barrier_offset: float = 0.0
    variance_correction: bool = True
    dropped: list[str] = field(default_factory=list)
    n_boot: int = 0
    n_boot_failed: int = 0
    barrier_quantiles: tuple[float, ...] = ()

    model_name: ClassVar[str] = ("exit hazard from survey ratings and events"
                                 " (regression calibration)")
    wald_tests: ClassVar[bool] = True

    def predict(self, s_hat: np.ndarray | float, barrier: np.ndarray | float,
                s_var: np.ndarray | float = 0.0) -> np.ndarray:
        """Monthly hazard at ``Ŝ`` = ``s_hat``, ``B`` = ``barrier`` and ``Var(S | W)`` =
        ``s_var`` (no competitor, term end or rollover terms)."""
        gp = self.glm_params
        gap = self.s_star - np.asarray(s_hat, dtype="float64")
        b = np.asarray(barrier, dtype="float64")
        a = gp["gap"] + gp["gap_B"] * b
        lin = gp["const"] + gp["gap"] * gap + gp["B"] * b + gp["gap_B"] * gap * b
        return expit(lin + 0.5 * a * a * np.asarray(s_var, dtype="float64"))

    def plot(self, ax: Axes | None = None, barriers: Sequence[float] | None = None) -> Figure:
        """Fitted hazard against satisfaction at a few barrier levels (known ``S``: ``V = 0``);
        the fan closes as ``S`` rises when ``alpha_SB > 0`` (Jones et al. 2000)."""
        fig, ax = new_axes(ax)
        s = np.linspace(0, 10, 101)
        for b in (list(barriers) if barriers is not None else self.barrier_quantiles):
            ax.plot(s, self.predict(s, b), label=f"B = {b:.1f}")
        ax.set_xlabel("satisfaction S")
        ax.set_ylabel("monthly exit hazard")
        ax.legend(title="barrier (months of price)")
        return fig


def _calibrated_panel(data: Journeys, grid: HistoryGrid, s_hat: np.ndarray, s_var: np.ndarray,
                      barrier: str, barrier_offset: float) -> pd.DataFrame:
    """The panel with ``S`` := ``Ŝ``, ``B`` := barrier + offset, ``V`` and (when the log has
    rollover events) ``rolled_over`` from the log; service months only."""
    p = data.panel.loc[data.panel["month"].to_numpy() >= 0].copy()
    t = p["month"].to_numpy().astype(np.int64)
    i = np.searchsorted(grid.ids, p["customer_id"].to_numpy())
    p["S"] = s_hat[t, i]
    p[_VAR] = s_var[t, i]
    p["B"] = p[barrier].to_numpy(dtype="float64") + barrier_offset
    if "rolled_over" in grid.status:
        p["rolled_over"] = grid.status["rolled_over"][t, i]
    return p


class _Stage2:
    """The second stage's fixed parts (design columns other than the satisfaction terms,
    outcome, barrier, and each row's grid cell) so that a bootstrap replicate only swaps
    ``Ŝ`` and ``V``."""

    def __init__(self, design: pd.DataFrame, y: np.ndarray, t: np.ndarray, i: np.ndarray,
                 s_star: float, n: int):
        self.cols = list(design.columns)
        self.x = design.to_numpy(dtype="float64").copy()
        self.y, self.t, self.i, self.s_star = y, t, i, s_star
        self.b = design["B"].to_numpy(dtype="float64")
        self.i_gap, self.i_gapb = self.cols.index("gap"), self.cols.index("gap_B")
        order = np.argsort(i, kind="stable")
        self.order = order
        self.count = np.bincount(i, minlength=n)
        self.first = np.cumsum(self.count) - self.count

    def model(self, s_hat: np.ndarray, s_var: np.ndarray, rows: np.ndarray,
              cells_i: np.ndarray, correct: bool) -> _IntegratedLogit:
        """The likelihood on design rows ``rows`` whose customers sit in grid columns
        ``cells_i`` of ``s_hat`` and ``s_var``."""
        x = self.x[rows].copy()
        gap = self.s_star - s_hat[self.t[rows], cells_i]
        b = self.b[rows]
        x[:, self.i_gap] = gap
        x[:, self.i_gapb] = gap * b
        sd = np.sqrt(s_var[self.t[rows], cells_i]) if correct else np.zeros(len(rows))
        return _IntegratedLogit(x, self.y[rows], sd, b, self.i_gap, self.i_gapb)

    def resample(self, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Rows (and their new grid columns) of a bootstrap sample of customers ``cols``."""
        n_rows = self.count[cols]
        start = np.repeat(self.first[cols] - np.cumsum(n_rows) + n_rows, n_rows)
        rows = self.order[start + np.arange(n_rows.sum())]
        return rows, np.repeat(np.arange(len(cols)), n_rows)


def fit_observed_hazard(
    data: Journeys,
    s_star: float,
    barrier: str = "F",
    barrier_offset: float = 0.0,
    competitor: bool = True,
    term_end: bool = True,
    extra: Sequence[str] = (),
    first_month: int = 1,
    cause: str | None = None,
    kinds: Sequence[str] | None = None,
    tenure_months: int = 6,
    variance_correction: bool = True,
    n_boot: int = 50,
    seed: int = 0,
) -> ObservedHazardResult:
    """Fit the exit hazard on observables by (expanded) regression calibration; the model,
    its assumptions and the identification of the barrier effect are in the module docstring.

    ``barrier`` is the panel column of the observed barrier (the financial ``F``) and
    ``barrier_offset`` the assumed constant level of the unobserved rest (``P + M``): the
    hazard's ``B`` is their sum. ``kinds`` and ``tenure_months`` set the measurement model's
    features (:func:`journey.models.measurement.history_grid`,
    :func:`~journey.models.measurement.fit_satisfaction_measurement`); ``competitor``,
    ``term_end``, ``extra``, ``first_month`` and ``cause`` are those of
    :func:`journey.models.hazard.fit_exit_hazard`. ``n_boot`` bootstrap samples of customers
    (drawn from ``numpy.random.default_rng(seed)``) give the covariance; with ``n_boot=0`` it is
    the second stage's inverse information, which ignores the first stage's error.
    """
    if not np.isfinite(s_star):
        raise ParameterError(f"s_star must be a finite number, got {s_star}")
    if n_boot < 0 or n_boot == 1:
        raise ParameterError(f"n_boot must be 0 or at least 2, got {n_boot}")
    if not isinstance(data, Journeys):
        raise JourneyDataError(f"data: expected Journeys, got {type(data).__name__}")
    if barrier not in data.panel.columns:
        raise JourneyDataError(f"panel: barrier column '{barrier}' is missing; the hazard needs"
                               " the observed barrier (e.g. the fee owed under the contract, F)")
    grid = history_grid(data, kinds, covariates=[barrier])
    meas = fit_satisfaction_measurement(grid, tenure_months)
    s_hat, s_var = meas.filter_grid(grid)
    panel = _calibrated_panel(data, grid, s_hat, s_var, barrier, barrier_offset)
    design, y = hazard_design(Journeys(data.customers, data.events, panel), s_star, competitor,
                              term_end, (*extra, _VAR), first_month, cause)
    if y.sum() == 0:
        raise JourneyDataError("panel: no exits in the rows used; the hazard is not estimable")
    design = design.drop(columns=[_VAR])
    const = [c for c in design.columns if c != "const" and np.ptp(design[c].to_numpy()) == 0]
    if "B" in const or "gap" in const:
        raise JourneyDataError("panel: the estimated satisfaction or the barrier does not vary"
                               " over the rows used; their effects are not identifiable")
    design = design.drop(columns=const)
    cells_t = panel.loc[design.index, "month"].to_numpy().astype(np.int64)
    cells_i = np.searchsorted(grid.ids, panel.loc[design.index, "customer_id"].to_numpy())
    st2 = _Stage2(design, y, cells_t, cells_i, s_star, grid.shape[1])
    all_rows = np.arange(len(y))
    theta, inv_info, ll, converged = st2.model(s_hat, s_var, all_rows, cells_i,
                                               variance_correction).fit()
    boot = _bootstrap(grid, meas, st2, theta, n_boot, seed, tenure_months, variance_correction)
    return _result(st2, theta, inv_info, ll, converged, boot, meas, const, s_star,
                   barrier_offset, variance_correction)


def _bootstrap(grid: HistoryGrid, meas: SatisfactionMeasurement, st2: _Stage2,
               theta: np.ndarray, n_boot: int, seed: int, tenure_months: int,
               correct: bool) -> np.ndarray:
    """``n_boot`` replicates of θ, each on a bootstrap sample of customers: the measurement
    model refitted, then one Fisher-scoring step of the second stage from the full-sample θ
    (a k-step bootstrap with k = 1, first-order equivalent to refitting: Andrews 2002).
    Replicates that fail are NaN rows."""
    rng = np.random.default_rng(seed)
    n = grid.shape[1]
    out = np.full((n_boot, len(theta)), np.nan)
    for r in range(n_boot):
        cols = rng.integers(0, n, n)
        g = grid.take(cols)
        try:
            m = fit_satisfaction_measurement(g, tenure_months, start=meas)
        except JourneyDataError:
            continue
        s_hat, s_var = m.filter_grid(g)
        rows, new_i = st2.resample(cols)
        try:
            out[r] = st2.model(s_hat, s_var, rows, new_i, correct).one_step(theta)
        except np.linalg.LinAlgError:
            continue
    return out


def _result(st2: _Stage2, theta: np.ndarray, inv_info: np.ndarray, ll: float,
            converged: bool, boot: np.ndarray, meas: SatisfactionMeasurement,
            dropped: list[str], s_star: float, barrier_offset: float,
            correct: bool) -> ObservedHazardResult:
    names = [_MAP.get(c, (c, 1.0))[0] for c in st2.cols]
    sign = np.array([_MAP.get(c, (c, 1.0))[1] for c in st2.cols])
    ok = np.isfinite(boot).all(axis=1)
    model_cov = pd.DataFrame(inv_info * np.outer(sign, sign), index=names, columns=names)
    if ok.sum() >= 2:
        cov = pd.DataFrame(np.cov(boot[ok] * sign, rowvar=False), index=names, columns=names)
    else:
        cov = model_cov
    if not converged:
        warnings.warn(not_converged("fit_observed_hazard", "Fisher scoring of the hazard did not"
                                    " converge"), ConvergenceWarning, stacklevel=3)
    return ObservedHazardResult(
        params=pd.Series(theta * sign, index=names), cov=cov, loglik=ll, nobs=len(st2.y),
        converged=converged, ci_scale="linear", events=int(st2.y.sum()),
        method=("regression calibration" + (", hazard integrated over the prediction error"
                                            if correct else "")
                + f"; customer bootstrap of both stages ({int(ok.sum())} samples)"),
        notes=((f"{int((~ok).sum())} bootstrap samples failed",) if (~ok).any() else ()),
        glm_params=pd.Series(theta, index=st2.cols), model_cov=model_cov, measurement=meas,
        boot=pd.DataFrame(boot * sign, columns=names), s_star=float(s_star),
        barrier_offset=float(barrier_offset), variance_correction=correct, dropped=dropped,
        n_boot=int(ok.sum()), n_boot_failed=int((~ok).sum()),
        barrier_quantiles=tuple(float(q) for q in np.quantile(st2.b, [0.1, 0.5, 0.9])))
