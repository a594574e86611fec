"""Survival models of the relationship length: Kaplan–Meier, log-rank and Cox PH.

Inputs are either the ``customers`` table (or a :class:`~journey.schema.Journeys`), where the
duration is the last month at risk, ``tenure_months − 1`` (``exit_month`` for exits), and the
event is ``exit_month`` not empty (prospects that never signed are left out; docs/model.md,
time axis), or a plain DataFrame with a duration column, a 0/1 event column and covariates.

Kaplan–Meier (Kaplan & Meier 1958), computed over the distinct event times with numpy (equal to
``statsmodels.duration.SurvfuncRight`` and lifelines' ``KaplanMeierFitter``; the tests compare):
``S(t) = Π_{t_j ≤ t} (1 − d_j / n_j)``, Greenwood's (1926) variance
``Var S(t) = S(t)² Σ_{t_j ≤ t} d_j / (n_j (n_j − d_j))`` and the pointwise log(−log) interval
("exponential Greenwood", Kalbfleisch & Prentice 1980) ``S(t)^exp(±z·σ(t)/log S(t))`` with
``σ(t)² = Σ d_j / (n_j (n_j − d_j))`` — the interval lifelines reports.

The median survival time (the first t with S(t) ≤ ½) is the Kaplan–Meier result's estimate
(``params``), one per group; its interval (Brookmeyer & Crowley 1982) is the set of times whose
pointwise interval of S(t) contains ½: from the first time the lower band reaches ½ to the first
time the upper band does (as lifelines' ``median_survival_times`` of the interval). Its standard
error is not estimated (NaN). The curve itself is :meth:`KaplanMeierResult.curve`.

Log-rank test (Mantel 1966; Peto & Peto 1972), on ``statsmodels.duration.survdiff``; its
``params`` is the chi-square statistic; observed and expected events per group are its
``expected`` table.

Cox proportional hazards: :mod:`journey.models.cox`; competing risks (Aalen–Johansen):
:mod:`journey.models.competing`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

import numpy as np
import pandas as pd
from statsmodels.duration.survfunc import survdiff

from journey.errors import JourneyDataError, ParameterError
from journey.models.base import FitResult, new_axes, two_sided_z
from journey.models.design import covariate_columns, numeric_column, require
from journey.schema import Journeys

if TYPE_CHECKING:
    from collections.abc import Sequence

    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "KaplanMeierResult",
    "LogRankResult",
    "kaplan_meier",
    "logrank_test",
    "group_labels",
    "survival_frame",
    "tally_times",
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

    A ``customers`` table (or ``Journeys``) given without ``duration``/``event`` uses the last
    month at risk, ``duration = tenure_months − 1`` (``= exit_month`` for an exit), and
    ``event = exit_month not empty``, over signed customers with service months: Kaplan–Meier
    on it equals :func:`journey.metrics.life_table` (docs/model.md, time axis).
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
        # one duration for everyone (docs/model.md, time axis): the last month at risk,
        # d = tenure_months - 1 (= exit_month for an exit), so Kaplan-Meier on (d, exited)
        # equals the life table; customers never at risk (tenure 0) are left out
        tenure = numeric_column(data, "tenure_months", where)
        data = data.loc[tenure > 0]
        exit_m = data["exit_month"].to_numpy(dtype="float64", na_value=np.nan)
        ev = (~np.isnan(exit_m)).astype("float64")
        dur = np.where(ev == 1, exit_m, tenure[tenure > 0] - 1)
    else:
        duration = duration or "duration"
        event = event or "event"
        require(data, (duration, event), where, {duration: "duration", event: "0/1 event"},
                " (or pass duration=/event= names)")
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
        out["group"] = group_labels(data, group, where)
    return pd.DataFrame(out)


def group_labels(data: pd.DataFrame, group: str, where: str = "data") -> np.ndarray:
    """``data[group]`` as an object array; a missing column or an empty label is an error
    naming the column (and row)."""
    if group not in data.columns:
        raise JourneyDataError(f"{where}: group column '{group}' is missing")
    g = data[group]
    if g.isna().any():
        row = int(np.flatnonzero(g.isna().to_numpy())[0])
        raise JourneyDataError(f"{where}: column '{group}' row {row}: empty group label")
    return g.astype("object").to_numpy()


# --------------------------------------------------------------------------- Kaplan–Meier


@dataclass(kw_only=True, repr=False)
class KaplanMeierResult(FitResult):
    """Kaplan–Meier curves, one per group.

    ``params`` are the median survival times, ``median`` (one curve) or ``median[<group>]``;
    ``conf_int`` their Brookmeyer–Crowley interval (module docstring). Typed fields: ``table``
    (one row per group and event time: group, time, at_risk, events, estimate = S(t), se
    (Greenwood), var_log_term = Σ d/(n(n − d))), ``group`` (the grouping column or None) and
    ``groups`` (levels in order of appearance).
    """

    table: pd.DataFrame = field(repr=False)
    group: str | None = None
    groups: list = field(default_factory=list)

    model_name: ClassVar[str] = "Kaplan-Meier survival"
    iterative: ClassVar[bool] = False

    def curve(self, alpha: float = 0.05) -> pd.DataFrame:
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

    def conf_int(self, alpha: float = 0.05) -> pd.DataFrame:
        """Brookmeyer–Crowley (1982) interval of each median: the first times the lower and
        the upper pointwise bands of S(t) reach ½ (NaN when a band never does)."""
        c = self.curve(alpha)
        rows = {}
        for name, g in zip(self.params.index, self.groups, strict=True):
            part = c[c["group"] == g]
            rows[name] = (_first_time_at_half(part, "ci_low"), _first_time_at_half(part,
                                                                                   "ci_high"))
        out = pd.DataFrame.from_dict(rows, orient="index", columns=["lower", "upper"])
        out.index.name = "parameter"
        return out

    def predict(self, times: Sequence[float] | np.ndarray, group: object | None = None
                ) -> np.ndarray:
        """S(t) at ``times`` (a right-continuous step function; 1 before the first event)."""
        if group is None:
            if len(self.groups) != 1:
                raise ParameterError(f"group: choose one of {self.groups}")
            group = self.groups[0]
        if group not in self.groups:
            raise ParameterError(f"group {group!r} unknown; expected one of {self.groups}")
        t = self.table[self.table["group"] == group]
        tt, ss = t["time"].to_numpy(), t["estimate"].to_numpy()
        idx = np.searchsorted(tt, np.asarray(times, dtype=float), side="right")
        return np.concatenate([[1.0], ss])[idx]

    def median(self) -> pd.Series:
        """Median survival time per group: the first time S(t) ≤ 0.5 (NaN if never)."""
        return pd.Series(self.params.to_numpy(), index=list(self.groups), name="median")

    def plot(self, ax: Axes | None = None, alpha: float = 0.05) -> Figure:
        """Step curves with shaded pointwise intervals, one per group."""
        fig, ax = new_axes(ax)
        s = self.curve(alpha)
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
            ax.legend(title=self.group)
        return fig


def tally_times(dur: np.ndarray, ev: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct durations (ascending), the rows leaving at each and the sum of ``ev`` at each.

    Whole-number durations (months, days) are counted with ``bincount`` in one pass; others
    are sorted (``numpy.unique``). Durations are ≥ 0 (checked by :func:`survival_frame`)."""
    if dur.size and float(dur.max()) <= 1e6 and bool((dur == np.floor(dur)).all()):
        k = dur.astype(np.int64)
        leaving = np.bincount(k)
        times = np.flatnonzero(leaving)
        return times.astype(float), leaving[times], np.bincount(k, ev, times[-1] + 1)[times]
    times, inv, leaving = np.unique(dur, return_inverse=True, return_counts=True)
    return times, leaving, np.bincount(inv, ev, times.size)


def _km_curve(dur: np.ndarray, ev: np.ndarray) -> pd.DataFrame:
    """One Kaplan–Meier curve at the distinct event times ``t_j``: at risk ``n_j`` (duration
    ≥ t_j), events ``d_j``, ``S = Π(1 − d/n)``, Greenwood's se ``S·sqrt(Σ d/(n(n − d)))`` and
    the running sum ``Σ d/(n(n − d))`` (its term set to 0 where d = n)."""
    times, leaving, events = tally_times(dur, ev)
    at_risk = dur.size - np.concatenate([[0], np.cumsum(leaving)[:-1]])
    keep = events > 0
    t_ev, n, d = times[keep], at_risk[keep].astype(float), events[keep]
    surv = np.cumprod(1.0 - d / n)
    with np.errstate(divide="ignore", invalid="ignore"):
        term = np.where(n > d, d / (n * (n - d)), 0.0)
    var_log = np.cumsum(term)
    return pd.DataFrame({"time": t_ev,
                         "at_risk": n.astype("int64"), "events": d.astype("int64"),
                         "estimate": surv, "se": surv * np.sqrt(var_log),
                         "var_log_term": var_log})


def _first_time_at_half(curve: pd.DataFrame, column: str) -> float:
    """The first time ``column`` (a decreasing step function) is ≤ ½, NaN if it never is."""
    hit = curve[column].to_numpy() <= 0.5
    return float(curve["time"].to_numpy()[hit][0]) if hit.any() else np.nan


def kaplan_meier(
    data: pd.DataFrame | Journeys,
    duration: str | None = None,
    event: str | None = None,
    group: str | None = None,
) -> KaplanMeierResult:
    """Kaplan–Meier survival curves (Kaplan & Meier 1958).

    ``S(t) = Π_{t_j ≤ t}(1 − d_j/n_j)``; se by Greenwood (1926). One curve, or one per level of
    ``group``. See the module docstring for the input forms.

    Returns
    -------
    KaplanMeierResult
        ``params``: median survival time per group; ``curve()``: the curves with intervals.
    """
    df = survival_frame(data, duration, event, group=group)
    if len(df) == 0:
        raise JourneyDataError("data: no rows to estimate a survival curve from")
    dur, ev = df["duration"].to_numpy(), df["event"].to_numpy()
    if group is None:
        groups: list = ["all"]
        parts = [_km_curve(dur, ev)]
    else:
        # groups in order of first appearance, so that a caller controls the order of curves
        # and colours
        codes, uniques = pd.factorize(df["group"])
        groups = list(uniques)
        parts = [_km_curve(dur[codes == i], ev[codes == i]) for i in range(len(groups))]
    table = pd.concat(parts, ignore_index=True)
    sizes = [len(p) for p in parts]
    table.insert(0, "group", pd.Categorical.from_codes(np.repeat(np.arange(len(groups)), sizes),
                                                       groups))
    medians = [_first_time_at_half(table[table["group"] == g], "estimate") for g in groups]
    names = ["median"] if group is None else [f"median[{g}]" for g in groups]
    unreached = [n for n, m in zip(names, medians, strict=True) if np.isnan(m)]
    notes = (f"{', '.join(unreached)}: not reached (S(t) stays above 1/2 over the follow-up)",
             ) if unreached else ()
    return KaplanMeierResult(
        params=pd.Series(medians, index=names, dtype="float64"), cov=None, loglik=np.nan,
        nobs=len(df), events=int(df["event"].sum()),
        method="product limit; Greenwood variance, log(-log) pointwise interval",
        notes=notes, table=table, group=group, groups=groups)


@dataclass(kw_only=True, repr=False)
class LogRankResult(FitResult):
    """Log-rank test of equal survival across groups.

    ``params`` holds the chi-square statistic (``chi2``); typed fields ``statistic``, ``df``
    (k − 1), ``p_value``, ``groups`` and ``expected`` (per group: observed and expected events
    under equal hazards, ``E_g = Σ_j d_j·n_gj/n_j``).
    """

    statistic: float
    df: int
    p_value: float
    groups: tuple
    expected: pd.DataFrame

    model_name: ClassVar[str] = "log-rank test"
    iterative: ClassVar[bool] = False

    def summary(self, alpha: float = 0.05) -> pd.DataFrame:
        """One row ``chi2``: estimate = the statistic (se and interval NaN), df, p_value."""
        out = super().summary(alpha)
        out["df"] = self.df
        out["p_value"] = self.p_value
        return out

    def predict(self) -> pd.DataFrame:
        """Observed and expected events per group under the null of equal hazards."""
        return self.expected.copy()

    def plot(self, ax: Axes | None = None) -> Figure:
        """Observed beside expected events per group, the p-value in the title."""
        fig, ax = new_axes(ax)
        e = self.expected
        x = np.arange(len(e))
        ax.bar(x - 0.2, e["observed"], width=0.4, label="observed")
        ax.bar(x + 0.2, e["expected"], width=0.4, label="expected (equal hazards)")
        ax.set_xticks(x, [str(g) for g in e.index])
        ax.set_ylabel("events")
        ax.set_title(f"log-rank χ² = {self.statistic:.2f}, df = {self.df},"
                     f" p = {self.p_value:.2g}")
        ax.legend()
        return fig


def _observed_expected(dur: np.ndarray, ev: np.ndarray, code: np.ndarray, k: int
                       ) -> tuple[np.ndarray, np.ndarray]:
    """Observed events per group and expected ``E_g = Σ_j d_j·n_gj/n_j`` over the distinct
    event times ``t_j`` (``n`` at risk: duration ≥ t_j)."""
    times = np.unique(dur[ev == 1])
    d = np.bincount(np.searchsorted(times, dur[ev == 1]), minlength=times.size)
    at_risk = np.empty((k, times.size))
    for g in range(k):
        dg = np.sort(dur[code == g])
        at_risk[g] = dg.size - np.searchsorted(dg, times, side="left")
    n = at_risk.sum(axis=0)
    expected = (at_risk * (d / n)).sum(axis=1)
    observed = np.bincount(code[ev == 1], minlength=k).astype(float)
    return observed, expected


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
        raise JourneyDataError(f"group: column '{group}' needs at least two levels, got {groups}")
    code = pd.Categorical(df["group"], categories=list(groups)).codes.astype(np.int64)
    dur, ev = df["duration"].to_numpy(), df["event"].to_numpy()
    chi2, p = survdiff(dur, ev, code)
    obs, exp = _observed_expected(dur, ev, code, len(groups))
    expected = pd.DataFrame({"observed": obs, "expected": exp},
                            index=pd.Index(list(groups), name="group"))
    return LogRankResult(
        params=pd.Series({"chi2": float(chi2)}), cov=None, loglik=np.nan, nobs=len(df),
        events=int(ev.sum()), method=f"log-rank (Mantel 1966), {len(groups)} groups,"
                                     f" chi-square on {len(groups) - 1} df",
        statistic=float(chi2), df=len(groups) - 1, p_value=float(p), groups=groups,
        expected=expected)
