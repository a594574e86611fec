"""Discrete-time exit hazard on the panel with the satisfaction × barrier interaction.

The monthly exit of a customer alive at the month's start is a Bernoulli draw with the
logistic hazard of the relationship model (docs/model.md; discrete-time hazard models: Allison 1982,
Singer & Willett 1993):

``h_it = logistic(α0 + αS·(S* − S_it) + αC·C_it − αB·B_it − αSB·(S* − S_it)·B_it + κ·T_it
+ ρ·O_it)``

with satisfaction ``S``, its reference level ``S*`` (satisfaction_target), competitor
attractiveness ``C``, the exit barrier ``B = F + P + M`` in months of price and ``T_it = 1`` in
the month the contract term lapses (panel phase ``renewal``; ``κ`` = term_end_boost) and
``O_it = 1`` in the later months on a rolling contract (panel ``rolled_over``; ``ρ`` =
rollover_boost). The
interaction ``αSB`` carries Jones, Mothersbaugh & Beatty (2000): switching barriers hold most
when satisfaction is low. It is fitted as a binomial GLM with logit link (statsmodels
``Logit`` by Newton–Raphson; standard errors from the inverse observed information) on the
person-month rows ``exited ~ 1 + (S* − S) + C + B + (S* − S)·B [+ T] [+ extra]``, and the GLM
coefficients are mapped to the scenario's names: ``alpha0`` = intercept, ``alpha_S``,
``alpha_C``, ``alpha_B`` = −coef(B), ``alpha_SB`` = −coef((S* − S)·B), ``term_end_boost``; the
covariance follows the same sign flips. ``S*`` must be given: with the interaction present it
is not absorbed by the intercept (it moves ``α0`` and ``αB``).

The simulator caps the barrier slope at zero, ``max(0, αB + αSB·(S* − S))·B``; with the
default parameters the cap never binds on the 0–10 scale, and the GLM assumes it does not.
Rows used: months ``>= first_month`` (default 1: nobody is at risk in the signing month);
forced exits (``exit_reason == "forced"``, a competing risk outside the hazard) are dropped
from the risk set when a ``Journeys`` with customers is given. Constant columns (``C`` when
no competitor ever enters, ``T`` when no term lapses in the window) are not identifiable and
are left out; ``HazardResult.dropped`` names them (and a note says so).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

import numpy as np
import pandas as pd
import statsmodels.api as sm

from journey.errors import ConvergenceWarning, ParameterError
from journey.models.base import FitResult, catch_statsmodels, check_maxiter, new_axes, not_converged
from journey.schema import JourneyDataError, Journeys, require_columns

if TYPE_CHECKING:
    from collections.abc import Sequence

    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["HazardResult", "fit_exit_hazard", "hazard_design"]

# GLM column -> (scenario name, sign)
_MAP = {
    "const": ("alpha0", 1.0),
    "gap": ("alpha_S", 1.0),
    "C": ("alpha_C", 1.0),
    "B": ("alpha_B", -1.0),
    "gap_B": ("alpha_SB", -1.0),
    "term_end": ("term_end_boost", 1.0),
    "rolled_over": ("rollover_boost", 1.0),
}


def _panel_of(data: pd.DataFrame | Journeys, first_month: int,
              cause: str | None = None) -> pd.DataFrame:
    if cause is not None and not isinstance(data, Journeys):
        raise JourneyDataError("cause: a cause-specific hazard needs Journeys with the customers"
                               " table (its exit_reason column)")
    if isinstance(data, Journeys):
        panel = data.panel
        cust = data.customers
        if cause is not None:
            require_columns(cust, ["exit_reason"], "customers", f"the hazard of cause '{cause}'")
        if "exit_reason" in cust.columns:
            why = cust["exit_reason"].astype("object")
            # exits by another cause leave the risk set of this one (Begg & Gray 1984);
            # without a cause, forced exits (a competing risk outside the hazard) do
            other = (why.notna() & (why != cause)) if cause is not None else (why == "forced")
            gone = cust.loc[other.to_numpy(dtype=bool), "customer_id"].to_numpy()
            drop = panel["exited"].to_numpy(dtype=bool) & np.isin(panel["customer_id"], gone)
            panel = panel.loc[~drop]
    elif isinstance(data, pd.DataFrame):
        panel = data
    else:
        raise JourneyDataError(f"data: expected a panel DataFrame or Journeys, got"
                               f" {type(data).__name__}")
    for c in ("month", "S", "exited"):
        if c not in panel.columns:
            raise JourneyDataError(f"panel: column '{c}' is missing; the exit hazard needs it")
    return panel.loc[panel["month"].to_numpy() >= first_month]


def hazard_design(
    data: pd.DataFrame | Journeys,
    s_star: float,
    competitor: bool = True,
    term_end: bool = True,
    extra: Sequence[str] = (),
    first_month: int = 1,
    cause: str | None = None,
) -> tuple[pd.DataFrame, np.ndarray]:
    """Design matrix (const, gap = S* − S, C, B, gap_B, term_end, rolled_over, extra) and the
    0/1 outcome.

    ``B`` is the panel's ``B`` column if present, else ``F + P + M`` (model-only columns: real
    data must bring its own ``B``). ``term_end`` is ``phase == "renewal"``; with a
    ``rolled_over`` column it is the lapse month of those who did not re-contract, and
    ``rolled_over`` (the months on a rolling contract after it) enters as its own term.
    """
    if not np.isfinite(s_star):
        raise ParameterError(f"s_star must be a finite number, got {s_star}")
    p = _panel_of(data, first_month, cause)
    if len(p) == 0:
        raise JourneyDataError(f"panel: no rows at month >= {first_month} to fit a hazard on")
    if "B" in p.columns:
        b = p["B"].to_numpy(dtype="float64")
    else:
        require_columns(p, ["F", "P", "M"], "panel", "the exit-barrier term B = F + P + M")
        b = (p["F"] + p["P"] + p["M"]).to_numpy(dtype="float64")
    gap = s_star - p["S"].to_numpy(dtype="float64")
    x = {"const": np.ones(len(p)), "gap": gap}
    if competitor:
        require_columns(p, ["C"], "panel", "the competitor term C")
        x["C"] = p["C"].to_numpy(dtype="float64")
    x["B"] = b
    x["gap_B"] = gap * b
    if term_end and "phase" in p.columns:
        lapse = (p["phase"].astype("object") == "renewal").to_numpy(dtype=bool)
        if "rolled_over" in p.columns:
            rolled = p["rolled_over"].to_numpy(dtype=bool)
            x["term_end"] = (lapse & rolled).astype("float64")
            x["rolled_over"] = (rolled & ~lapse).astype("float64")
        else:
            x["term_end"] = lapse.astype("float64")
    for c in extra:
        if c not in p.columns:
            raise JourneyDataError(f"panel: extra covariate column '{c}' is missing")
        x[c] = p[c].to_numpy(dtype="float64")
    design = pd.DataFrame(x, index=p.index)
    bad = ~np.isfinite(design.to_numpy()).all(axis=1)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        col = design.columns[~np.isfinite(design.iloc[row].to_numpy())][0]
        raise JourneyDataError(f"panel: row {row} has an empty or infinite value in the"
                               f" hazard term '{col}'")
    y = p["exited"].to_numpy(dtype="float64")
    return design, y


@dataclass(kw_only=True, repr=False)
class HazardResult(FitResult):
    """A fitted discrete-time hazard; ``params`` use the scenario's names (alpha0, alpha_S, ...).

    Typed fields: ``glm_params`` (the logit's coefficients on the design columns const, gap, C,
    B, gap_B, ...), the fit's settings ``s_star``, ``extra``, ``first_month``, ``cause``,
    ``dropped`` (constant design columns left out) and ``barrier_quantiles`` (10/50/90% of B,
    for the plot); ``events`` is the number of exits, ``nobs`` the person-months.
    """

    glm_params: pd.Series
    s_star: float
    extra: tuple[str, ...] = ()
    first_month: int = 1
    cause: str | None = None
    dropped: list[str] = field(default_factory=list)
    barrier_quantiles: tuple[float, ...] = ()

    model_name: ClassVar[str] = "discrete-time exit hazard (logit)"
    wald_tests: ClassVar[bool] = True

    def predict(self, data: pd.DataFrame | Journeys) -> pd.Series:
        """Monthly exit hazard ``h`` for each panel row (same rows as the fit would use)."""
        design, _ = hazard_design(data, self.s_star, "C" in self.glm_params.index,
                                  "term_end" in self.glm_params.index, self.extra,
                                  self.first_month, self.cause)
        lin = design[list(self.glm_params.index)].to_numpy() @ self.glm_params.to_numpy()
        return pd.Series(1 / (1 + np.exp(-lin)), index=design.index, name="h")

    def plot(self, ax: Axes | None = None, barriers: Sequence[float] | None = None) -> Figure:
        """Fitted hazard against satisfaction at a few barrier levels (C = 0, no term end):
        the fan closes as S rises when ``alpha_SB`` > 0 (Jones et al. 2000)."""
        fig, ax = new_axes(ax)
        b_levels = list(barriers) if barriers is not None else list(self.barrier_quantiles)
        s = np.linspace(0, 10, 101)
        gp = self.glm_params
        gap = self.s_star - s
        for b in b_levels:
            lin = gp["const"] + gp["gap"] * gap + gp["B"] * b + gp["gap_B"] * gap * b
            ax.plot(s, 1 / (1 + np.exp(-lin)), label=f"B = {b:.1f}")
        ax.set_xlabel("satisfaction S")
        ax.set_ylabel("monthly exit hazard")
        ax.legend(title="barrier (months of price)")
        return fig


def fit_exit_hazard(
    data: pd.DataFrame | Journeys,
    s_star: float,
    competitor: bool = True,
    term_end: bool = True,
    extra: Sequence[str] = (),
    first_month: int = 1,
    cause: str | None = None,
    maxiter: int = 100,
) -> HazardResult:
    """Fit the discrete-time logistic exit hazard with the satisfaction × barrier interaction
    (formula and references in the module docstring) as a statsmodels binomial GLM.

    ``s_star`` is the satisfaction reference ``S*`` (the scenario's ``satisfaction_target``).
    ``cause`` (an exit reason, e.g. ``"dissatisfaction"``) fits that cause's hazard alone: its
    exits are the events and customers who left for another reason leave the risk set in the
    month they left. When the causes compete as one multinomial logit per month (the
    simulator, ``docs/model.md``), this binary logit on "exit by the cause or no exit"
    recovers the cause's coefficients exactly (Begg & Gray 1984). Returns estimates named
    ``alpha0, alpha_S, alpha_C, alpha_B, alpha_SB, term_end_boost, rollover_boost`` (those
    identifiable) plus any ``extra`` columns by their own names. Newton–Raphson runs at most
    ``maxiter`` iterations; when it stops short, statsmodels' convergence warning is re-emitted
    as :class:`~journey.errors.ConvergenceWarning` and ``converged`` is False.
    """
    maxiter = check_maxiter(maxiter)
    design, y = hazard_design(data, s_star, competitor, term_end, extra, first_month, cause)
    if y.sum() == 0:
        raise JourneyDataError("panel: no exits in the rows used; the hazard is not estimable")
    const = [c for c in design.columns if c != "const" and np.ptp(design[c].to_numpy()) == 0]
    if "B" in const or "gap" in const:
        raise JourneyDataError("panel: satisfaction S or barrier B does not vary over the rows"
                               " used; their effects are not identifiable")
    design = design.drop(columns=const)
    # Logit by Newton = the binomial GLM's MLE and covariance, ~2x faster than IRLS here
    res, caught = catch_statsmodels(lambda: sm.Logit(y, design).fit(
        method="newton", tol=1e-10, maxiter=maxiter, disp=False))
    converged = bool(res.mle_retvals.get("converged", True)) and not caught
    iterations = int(res.mle_retvals.get("iterations", 0))
    if not converged:
        what = "; ".join(caught) or "Newton-Raphson did not converge"
        warnings.warn(not_converged("fit_exit_hazard", f"statsmodels Logit (Newton-Raphson,"
                                    f" {iterations} of maxiter={maxiter} iterations): {what}"),
                      ConvergenceWarning, stacklevel=2)
    names = [_MAP.get(c, (c, 1.0))[0] for c in design.columns]
    sign = np.array([_MAP.get(c, (c, 1.0))[1] for c in design.columns])
    params = pd.Series(res.params.to_numpy() * sign, index=names)
    cov = pd.DataFrame(res.cov_params().to_numpy() * np.outer(sign, sign), index=names,
                       columns=names)
    b = design["B"].to_numpy() if "B" in design.columns else np.zeros(1)
    notes = tuple(f"{_MAP.get(c, (c, 1.0))[0]} left out: its column is constant over the rows"
                  " used" for c in const)
    what = f"cause '{cause}' (other exits leave the risk set)" if cause else "all exits"
    return HazardResult(
        params=params, cov=cov, loglik=float(res.llf), nobs=len(y), converged=converged,
        events=int(y.sum()), iterations=iterations, notes=notes,
        method=f"logit on person-months by Newton-Raphson; {what}",
        glm_params=pd.Series(res.params.to_numpy(), index=design.columns),
        s_star=float(s_star), extra=tuple(extra), first_month=first_month, cause=cause,
        dropped=const, barrier_quantiles=tuple(float(q) for q in np.quantile(b, [0.1, 0.5, 0.9])))
