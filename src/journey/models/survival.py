"""Survival models of the relationship length: Kaplan–Meier, log-rank and Cox PH.

Inputs are either the ``customers`` table (or a :class:`~journey.schema.Journeys`), where the
duration is ``exit_month`` for exits (``tenure_months`` for the censored) and the event is
``exit_month`` not empty (prospects that never signed are left out), or a plain DataFrame with
a duration column, a 0/1 event column and covariates.

Kaplan–Meier (Kaplan & Meier 1958), on ``statsmodels.duration.SurvfuncRight``:
``S(t) = Π_{t_j ≤ t} (1 − d_j / n_j)``, Greenwood's (1926) variance
``Var S(t) = S(t)² Σ_{t_j ≤ t} d_j / (n_j (n_j − d_j))`` and the pointwise log(−log) interval
("exponential Greenwood", Kalbfleisch & Prentice 1980) ``S(t)^exp(±z·σ(t)/log S(t))`` with
``σ(t)² = Σ d_j / (n_j (n_j − d_j))`` — the interval lifelines reports.

Log-rank test (Mantel 1966; Peto & Peto 1972), on ``statsmodels.duration.survdiff``.

Cox proportional hazards: :mod:`journey.models.cox`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from statsmodels.duration.survfunc import SurvfuncRight, survdiff

from journey.models.base import new_axes, two_sided_z
from journey.models.design import covariate_columns, numeric_column
from journey.schema import JourneyDataError, Journeys

if TYPE_CHECKING:
    from collections.abc import Sequence

    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "KaplanMeierResult",
    "LogRankResult",
    "kaplan_meier",
    "logrank_test",
    "survival_frame",
]


# --------------------------------------------------------------------------- input


def survival_frame(
    data: pd.DataFrame | Journeys,
    duration: str | None = None,
    event: str | None = None,
    covariates: Sequence[str] = (),
    group: str | None = None,
) -> pd.DataFrame:
    """Return a clean frame with columns ``duration``, ``event`` (0/1), the covariates and group.

    A ``customers`` table (or ``Journeys``) given without ``duration``/``event`` uses
    ``duration = exit_month`` for exits and ``tenure_months`` for the censored, ``event =
    exit_month not empty``, over signed customers.
    Otherwise ``duration`` defaults to ``"duration"`` and ``event`` to ``"event"``. Boolean
    covariates become 0/1; text or category covariates are dummy-coded against their first
    level (columns named ``<col>[<level>]``). Raises :class:`JourneyDataError` naming the
    column and row of a missing, negative or non-numeric value.
    """
    if isinstance(data, Journeys):
        data = data.customers
    if not isinstance(data, pd.DataFrame):
        raise JourneyDataError(f"data: expected a DataFrame or Journeys, got {type(data).__name__}")
    where = "data"
    customers_mode = (duration is None and event is None and "tenure_months" in data.columns
                      and "exit_month" in data.columns)
    if customers_mode:
        where = "customers"
        if "signed" in data.columns:
            data = data.loc[data["signed"].to_numpy(dtype=bool)]
        # an exit during month t (months since signing) happens at time t, the month the
        # panel and the hazard metrics put it in; the censored are followed tenure_months
        exit_m = data["exit_month"].to_numpy(dtype="float64", na_value=np.nan)
        ev = (~np.isnan(exit_m)).astype("float64")
        dur = np.where(ev == 1, exit_m, numeric_column(data, "tenure_months", where))
    else:
        duration = duration or "duration"
        event = event or "event"
        for c in (duration, event):
            if c not in data.columns:
                raise JourneyDataError(f"{where}: column '{c}' is missing; expected the "
                                       + ("duration" if c == duration else "0/1 event")
                                       + " column (or pass duration=/event= names)")
        dur = numeric_column(data, duration, where)
        ev = numeric_column(data, event, where)
        bad = (ev != 0) & (ev != 1)
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise JourneyDataError(f"{where}: column '{event}' row {row}: value {ev[row]:g};"
                                   " expected 0/1 or True/False")
    neg = dur < 0
    if neg.any():
        row = int(np.flatnonzero(neg)[0])
        col = "tenure_months" if customers_mode else duration
        raise JourneyDataError(f"{where}: column '{col}' row {row}: negative duration"
                               f" {dur[row]:g}; expected a duration >= 0")
    out = {"duration": dur, "event": ev}
    out.update(covariate_columns(data, covariates, where))
    if group is not None:
        if group not in data.columns:
            raise JourneyDataError(f"{where}: group column '{group}' is missing")
        g = data[group]
        if g.isna().any():
            row = int(np.flatnonzero(g.isna().to_numpy())[0])
            raise JourneyDataError(f"{where}: column '{group}' row {row}: empty group label")
        out["group"] = g.astype("object").to_numpy()
    return pd.DataFrame(out)


# --------------------------------------------------------------------------- Kaplan–Meier


@dataclass
class KaplanMeierResult:
    """Kaplan–Meier curves, one per group; ``table`` holds one row per (group, event time)."""

    table: pd.DataFrame  # group, time, at_risk, events, estimate, se, var_log_term
    nobs: int
    info: dict = field(default_factory=dict)

    @property
    def groups(self) -> list:
        return list(self.info.get("groups", dict.fromkeys(self.table["group"])))

    def summary(self, alpha: float = 0.05) -> pd.DataFrame:
        """Tidy curve: group, time, at_risk, events, estimate = S(t), se (Greenwood),
        ci_low / ci_high (pointwise log(−log) interval, Kalbfleisch & Prentice 1980)."""
        z = two_sided_z(alpha)
        t = self.table
        s = t["estimate"].to_numpy()
        sig = np.sqrt(t["var_log_term"].to_numpy())
        with np.errstate(divide="ignore", invalid="ignore"):
            v = np.log(s)
            lo = np.exp(-np.exp(np.log(-v) - z * sig / v))
            hi = np.exp(-np.exp(np.log(-v) + z * sig / v))
        lo = np.where(s >= 1, 1.0, np.where(s <= 0, 0.0, lo))
        hi = np.where(s >= 1, 1.0, np.where(s <= 0, 0.0, hi))
        out = t.drop(columns="var_log_term").copy()
        out["ci_low"], out["ci_high"] = lo, hi
        return out.reset_index(drop=True)

    def predict(self, times: Sequence[float] | np.ndarray, group: object | None = None
                ) -> np.ndarray:
        """S(t) at ``times`` (a right-continuous step function; 1 before the first event)."""
        if group is None:
            if len(self.groups) != 1:
                raise ValueError(f"group: choose one of {self.groups}")
            group = self.groups[0]
        if group not in self.groups:
            raise ValueError(f"group {group!r} unknown; expected one of {self.groups}")
        t = self.table[self.table["group"] == group]
        tt, ss = t["time"].to_numpy(), t["estimate"].to_numpy()
        idx = np.searchsorted(tt, np.asarray(times, dtype=float), side="right")
        return np.concatenate([[1.0], ss])[idx]

    def median(self) -> pd.Series:
        """Median survival time per group: the first time S(t) ≤ 0.5 (NaN if never)."""
        out = {}
        for g in self.groups:
            t = self.table[self.table["group"] == g]
            hit = t["estimate"].to_numpy() <= 0.5
            out[g] = float(t["time"].to_numpy()[hit][0]) if hit.any() else np.nan
        return pd.Series(out, name="median")

    def plot(self, ax: Axes | None = None, alpha: float = 0.05) -> Figure:
        """Step curves with shaded pointwise intervals, one per group."""
        fig, ax = new_axes(ax)
        s = self.summary(alpha)
        for g in self.groups:
            t = s[s["group"] == g]
            x = np.concatenate([[0.0], t["time"].to_numpy()])
            lab = None if g == "all" else str(g)
            line = ax.step(x, np.concatenate([[1.0], t["estimate"]]), where="post", label=lab)[0]
            ax.fill_between(x, np.concatenate([[1.0], t["ci_low"]]),
                            np.concatenate([[1.0], t["ci_high"]]), step="post", alpha=0.2,
                            color=line.get_color(), linewidth=0)
        ax.set_xlabel("months since signing")
        ax.set_ylabel("share still a customer")
        ax.set_ylim(0, 1.02)
        if len(self.groups) > 1:
            ax.legend(title=self.info.get("group"))
        return fig


def kaplan_meier(
    data: pd.DataFrame | Journeys,
    duration: str | None = None,
    event: str | None = None,
    group: str | None = None,
) -> KaplanMeierResult:
    """Kaplan–Meier survival curves (Kaplan & Meier 1958) by ``statsmodels`` ``SurvfuncRight``.

    ``S(t) = Π_{t_j ≤ t}(1 − d_j/n_j)``; se by Greenwood (1926). One curve, or one per level of
    ``group``. See the module docstring for the input forms.
    """
    df = survival_frame(data, duration, event, group=group)
    if len(df) == 0:
        raise JourneyDataError("data: no rows to estimate a survival curve from")
    if group is None:
        df["group"] = "all"
    parts, groups = [], []
    # groups in order of first appearance (a categorical keeps its level order), so that a
    # caller controls the order of curves and colours
    for g, sub in df.groupby("group", sort=isinstance(df["group"].dtype, pd.CategoricalDtype),
                             observed=True):
        groups.append(g)
        sf = SurvfuncRight(sub["duration"].to_numpy(), sub["event"].to_numpy())
        n, d = sf.n_risk.astype(float), sf.n_events.astype(float)
        with np.errstate(divide="ignore", invalid="ignore"):
            term = np.where(n > d, d / (n * (n - d)), 0.0)  # d = n: variance term set to 0
        parts.append(pd.DataFrame({
            "group": g, "time": sf.surv_times.astype(float), "at_risk": n.astype("int64"),
            "events": d.astype("int64"), "estimate": sf.surv_prob,
            "se": np.nan_to_num(sf.surv_prob_se), "var_log_term": np.cumsum(term),
        }))
    return KaplanMeierResult(pd.concat(parts, ignore_index=True), nobs=len(df),
                             info={"group": group, "groups": groups})


@dataclass(frozen=True)
class LogRankResult:
    """Log-rank test of equal survival across groups: chi-square statistic, df and p-value."""

    statistic: float
    df: int
    p_value: float
    groups: tuple

    def summary(self) -> pd.DataFrame:
        return pd.DataFrame({"statistic": [self.statistic], "df": [self.df],
                             "p_value": [self.p_value]}, index=pd.Index(["logrank"], name="test"))


def logrank_test(
    data: pd.DataFrame | Journeys,
    group: str,
    duration: str | None = None,
    event: str | None = None,
) -> LogRankResult:
    """Log-rank test (Mantel 1966) by ``statsmodels`` ``survdiff``:
    ``χ² = (O − E)ᵀ V⁻¹ (O − E)`` over k − 1 groups, where ``O`` and ``E`` are observed and
    expected events per group under equal hazards and ``V`` their hypergeometric covariance."""
    df = survival_frame(data, duration, event, group=group)
    groups = tuple(sorted(set(df["group"]), key=str))
    if len(groups) < 2:
        raise ValueError(f"group: column '{group}' needs at least two levels, got {groups}")
    code = pd.Categorical(df["group"], categories=list(groups)).codes
    chi2, p = survdiff(df["duration"].to_numpy(), df["event"].to_numpy(), code)
    return LogRankResult(float(chi2), len(groups) - 1, float(p), groups)
