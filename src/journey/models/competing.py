"""Competing risks: the Aalen–Johansen cumulative incidence of each exit reason.

When customers leave for one of several reasons (dissatisfaction, a competitor, the term end,
...), ``1 − S`` of a Kaplan–Meier curve that treats the other reasons as censoring overstates the
share leaving for the reason of interest: it estimates a world in which the other reasons have
been prevented. The cumulative incidence function (CIF) of cause k is the probability of having
left for cause k by time t, with the other causes present (Kalbfleisch & Prentice 1980, ch. 8;
Aalen & Johansen 1978). Over the distinct event times ``t_j`` with ``n_j`` at risk (duration
``≥ t_j``), ``d_j`` exits of any cause and ``d_kj`` of cause k,

``CIF_k(t) = Σ_{t_j ≤ t} S(t_j−) · d_kj / n_j``,

with ``S`` the all-cause Kaplan–Meier estimate and ``S(t_j−)`` its value just before ``t_j``.
The CIFs of all causes and ``S`` add up to one at every time. Tied times are used as they are:
each of the ``d_j`` exits at ``t_j`` adds ``S(t_j−)/n_j``, whatever order one would put them in.

Variance: the delta-method ("Greenwood-type") estimator of Marubini & Valsecchi (1995, eq. 10.13)
given by Collett (2015, *Modelling Survival Data in Medical Research*, 3rd ed., p. 411) and used
by lifelines' ``AalenJohansenFitter``,

``Var CIF_k(t) = Σ_{t_j ≤ t} { [CIF_k(t) − CIF_k(t_j)]² d_j/(n_j(n_j − d_j))
                + S(t_j−)² d_kj (n_j − d_kj)/n_j³
                − 2 [CIF_k(t) − CIF_k(t_j)] S(t_j−) d_kj/n_j² }``

(the first term set to 0 where ``d_j = n_j``, as for Greenwood's). Every sum is a running sum
over ``j``, so a curve costs one pass. The pointwise interval is built on ``log(−log CIF)``,
``CIF^{exp(±z·se/(CIF·log CIF))}``, which stays inside (0, 1) (Collett 2015; as lifelines).

Inputs: a ``customers`` table or ``Journeys`` (signed customers; duration as in
:func:`journey.models.survival.survival_frame`, the cause from ``exit_reason``), or a DataFrame
with a duration column and an event column holding each exit's cause, empty (or 0) when censored.

lifelines' ``AalenJohansenFitter`` (the tests' reference) jitters event times tied across causes;
that changes its estimate only where it moves an exit past a censoring at the same time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar, NamedTuple

import numpy as np
import pandas as pd

from journey.errors import ParameterError
from journey.models.base import FitResult, new_axes, two_sided_z
from journey.models.design import numeric_column, require
from journey.models.survival import group_labels, survival_frame, tally_times
from journey.schema import JourneyDataError, Journeys, require_columns

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["CumulativeIncidenceResult", "cumulative_incidence"]


@dataclass(kw_only=True, repr=False)
class CumulativeIncidenceResult(FitResult):
    """Aalen–Johansen cumulative incidence curves, one per cause (and group).

    ``params`` are the cumulative incidences at time ``at`` (default: the last observed time),
    named ``cif[<cause>]`` or, by group, ``cif[<cause>|<group>]``, with their delta-method
    standard errors (``bse``) and log(−log) intervals (``conf_int``). Typed fields: ``table``
    (one row per group, cause and event time: group, cause, time, at_risk, events (all causes),
    cause_events, surv_before = S(t−), estimate = CIF, variance), ``causes``, ``group``,
    ``groups`` and ``at``.
    """

    table: pd.DataFrame = field(repr=False)
    causes: list
    group: str | None = None
    groups: list = field(default_factory=list)
    at: float = float("nan")

    model_name: ClassVar[str] = "Aalen-Johansen cumulative incidence"
    iterative: ClassVar[bool] = False

    def curve(self, alpha: float = 0.05) -> pd.DataFrame:
        """Tidy curves: group, cause, time, at_risk, events, cause_events, estimate (CIF), se,
        ci_low, ci_high (pointwise log(−log) interval, level ``1 − alpha``)."""
        t = self.table
        lo, hi = _loglog_band(t["estimate"].to_numpy(), t["variance"].to_numpy(), alpha)
        out = t.drop(columns=["variance", "surv_before"]).copy()
        out.insert(out.columns.get_loc("estimate") + 1, "se", np.sqrt(t["variance"].to_numpy()))
        out["ci_low"], out["ci_high"] = lo, hi
        return out.reset_index(drop=True)

    def conf_int(self, alpha: float = 0.05) -> pd.DataFrame:
        """log(−log) interval of each cumulative incidence in ``params`` (at time ``at``)."""
        lo, hi = _loglog_band(self.params.to_numpy(), self.bse.to_numpy() ** 2, alpha)
        out = pd.DataFrame({"lower": lo, "upper": hi}, index=self.params.index)
        out.index.name = "parameter"
        return out

    def predict(self, times: Sequence[float] | np.ndarray, group: object | None = None
                ) -> pd.DataFrame:
        """CIF of every cause at ``times`` (rows) for one group (a right-continuous step
        function, 0 before the first exit of the cause)."""
        group = self._one_group(group)
        tt = np.asarray(times, dtype=float)
        out = {}
        for c in self.causes:
            part = self.table[(self.table["group"] == group) & (self.table["cause"] == c)]
            idx = np.searchsorted(part["time"].to_numpy(), tt, side="right")
            out[c] = np.concatenate([[0.0], part["estimate"].to_numpy()])[idx]
        return pd.DataFrame(out, index=pd.Index(tt, name="time"))

    def _one_group(self, group: object | None) -> object:
        if group is None:
            if len(self.groups) != 1:
                raise ParameterError(f"group: choose one of {self.groups}")
            return self.groups[0]
        if group not in self.groups:
            raise ParameterError(f"group {group!r} unknown; expected one of {self.groups}")
        return group

    def plot(self, ax: Axes | None = None, alpha: float = 0.05,
             group: object | None = None) -> Figure:
        """Step curves of the cumulative incidence per cause with shaded pointwise intervals
        (one group: the only one, or ``group``)."""
        fig, ax = new_axes(ax)
        g = self._one_group(group)
        s = self.curve(alpha)
        for c in self.causes:
            t = s[(s["group"] == g) & (s["cause"] == c)]
            x = np.concatenate([[0.0], t["time"].to_numpy()])
            line = ax.step(x, np.concatenate([[0.0], t["estimate"]]), where="post",
                           label=str(c))[0]
            ax.fill_between(x, np.concatenate([[0.0], t["ci_low"]]),
                            np.concatenate([[0.0], t["ci_high"]]), step="post", alpha=0.2,
                            color=line.get_color(), linewidth=0)
        ax.set_xlabel("months since signing")
        ax.set_ylabel("cumulative incidence of exit")
        ax.set_ylim(0, None)
        ax.legend(title="exit reason" if g == "all" else f"exit reason ({self.group} = {g})")
        return fig


def _loglog_band(f: np.ndarray, var: np.ndarray, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """``F^{exp(±z·se/(F·log F))}``, i.e. ``exp(−exp(log(−log F) ∓ z·se/(F·|log F|)))``;
    [0, 0] where F = 0 and [1, 1] where F = 1."""
    z = two_sided_z(alpha)
    with np.errstate(divide="ignore", invalid="ignore"):
        lf = np.log(f)
        se_t = np.sqrt(var) / (f * np.abs(lf))
        lo = np.exp(-np.exp(np.log(-lf) + z * se_t))
        hi = np.exp(-np.exp(np.log(-lf) - z * se_t))
    edge = (f <= 0) | (f >= 1)
    lo = np.where(edge, np.clip(f, 0, 1), lo)
    hi = np.where(edge, np.clip(f, 0, 1), hi)
    return lo, hi


def _aalen_johansen(dur: np.ndarray, cause: np.ndarray, causes: list) -> dict[object, dict]:
    """CIF and variance of every cause at the distinct all-cause event times (module
    docstring). ``cause`` holds an index into ``causes`` per row, −1 when censored."""
    ev = cause >= 0
    times, leaving, events = tally_times(dur, ev.astype(float))
    at_risk = dur.size - np.concatenate([[0], np.cumsum(leaving)[:-1]])
    keep = events > 0
    t_ev, n, d = times[keep], at_risk[keep].astype(float), events[keep]
    # exits per cause and event time: one bincount over (cause, time position)
    pos = np.searchsorted(t_ev, dur[ev])
    dk = np.bincount(cause[ev] * t_ev.size + pos,
                     minlength=len(causes) * t_ev.size).reshape(len(causes), t_ev.size)
    dk = dk.astype(float)
    surv = np.cumprod(1.0 - d / n)
    s_before = np.concatenate([[1.0], surv[:-1]])
    with np.errstate(divide="ignore", invalid="ignore"):
        a = np.where(n > d, d / (n * (n - d)), 0.0)
    out = {}
    for k, c in enumerate(causes):
        inc = s_before * dk[k] / n
        f = np.cumsum(inc)
        # Σ a_j (F − F_j)² = F²Σa − 2FΣaF_j + ΣaF_j²;  Σ c_j (F − F_j) = FΣc − Σc F_j
        cj = s_before * dk[k] / n**2
        var = (f**2 * np.cumsum(a) - 2 * f * np.cumsum(a * f) + np.cumsum(a * f**2)
               + np.cumsum(s_before**2 * dk[k] * (n - dk[k]) / n**3)
               - 2 * (f * np.cumsum(cj) - np.cumsum(cj * f)))
        out[c] = {"time": t_ev.astype(float), "at_risk": n.astype("int64"),
                  "events": d.astype("int64"), "cause_events": dk[k].astype("int64"),
                  "surv_before": s_before, "estimate": f,
                  "variance": np.clip(var, 0.0, None)}
    return out


class _Competing(NamedTuple):
    duration: np.ndarray
    code: np.ndarray  # index into causes, -1 when censored
    causes: list
    groups: np.ndarray | None


def _cause_codes(why: pd.Series, censored: np.ndarray) -> tuple[np.ndarray, list]:
    """Cause codes (−1 when censored) and the causes, sorted (a categorical: level order)."""
    code = np.full(len(why), -1, dtype=np.int64)
    codes, uniques = pd.factorize(why[~censored], sort=True)
    code[~censored] = codes
    return code, list(uniques)


def _competing_frame(data: pd.DataFrame | Journeys, duration: str | None, event: str | None,
                     group: str | None) -> _Competing:
    """Durations, cause codes, causes and group labels (module docstring: input forms)."""
    if isinstance(data, Journeys):
        data = data.customers
    if not isinstance(data, pd.DataFrame):
        raise JourneyDataError(f"data: expected a DataFrame or Journeys, got {type(data).__name__}")
    if duration is None and event is None and "tenure_months" in data.columns:
        require_columns(data, ["exit_month", "exit_reason"], "customers",
                        "the cumulative incidence by exit reason")
        frame = survival_frame(data, group=group)  # signed customers only
        rows = (data["signed"].to_numpy(dtype=bool) if "signed" in data.columns
                else np.ones(len(data), dtype=bool))
        rows = rows & (data["tenure_months"].to_numpy() > 0)  # as survival_frame: at risk
        why = data["exit_reason"].loc[rows].reset_index(drop=True)
        exited = frame["event"].to_numpy() == 1
        bad = exited & why.isna().to_numpy()
        if bad.any():
            raise JourneyDataError(f"customers: signed row {int(np.flatnonzero(bad)[0])} has an"
                                   " exit_month but no exit_reason")
        code, causes = _cause_codes(why, ~exited)
        grp = frame["group"].to_numpy() if group is not None else None
        return _Competing(frame["duration"].to_numpy(), code, causes, grp)
    duration = duration or "duration"
    event = event or "event"
    require(data, (duration, event), "data", {duration: "duration", event: "exit cause"},
            " (or pass duration=/event= names)")
    dur = numeric_column(data, duration, "data")
    if (dur < 0).any():
        row = int(np.flatnonzero(dur < 0)[0])
        raise JourneyDataError(f"data: column '{duration}' row {row}: negative duration"
                               f" {dur[row]:g}; expected a duration >= 0")
    why = data[event].reset_index(drop=True)
    censored = why.isna().to_numpy()
    if pd.api.types.is_numeric_dtype(why.dtype) or pd.api.types.is_bool_dtype(why.dtype):
        censored = censored | (why.to_numpy(dtype="float64", na_value=np.nan) == 0)
    code, causes = _cause_codes(why, censored)
    grp = None if group is None else group_labels(data, group)
    return _Competing(dur, code, causes, grp)


def cumulative_incidence(
    data: pd.DataFrame | Journeys,
    duration: str | None = None,
    event: str | None = None,
    cause: str | Sequence[str] | None = None,
    group: str | None = None,
    at: float | None = None,
) -> CumulativeIncidenceResult:
    """Aalen–Johansen cumulative incidence of each exit cause (formula, variance and
    references in the module docstring).

    Parameters
    ----------
    data
        A ``customers`` table or ``Journeys`` (cause = ``exit_reason``), or a DataFrame with
        columns ``duration`` and ``event`` (the cause of each exit; empty or 0 = censored).
    duration, event
        Column names in a plain DataFrame (default ``"duration"`` and ``"event"``).
    cause
        The cause(s) to report (default: every observed cause). The others still compete:
        they leave the risk set and lower ``S``.
    group
        A column: one set of curves per level.
    at
        Time at which ``params`` report the cumulative incidence (default: the last observed
        duration).

    Returns
    -------
    CumulativeIncidenceResult
        ``params``: ``cif[<cause>]`` (or ``cif[<cause>|<group>]``) at ``at``; ``curve()``: the
        curves with pointwise intervals; ``predict(times)``; ``plot()``.
    """
    dur, code, observed, grp = _competing_frame(data, duration, event, group)
    if dur.size == 0:
        raise JourneyDataError("data: no rows to estimate a cumulative incidence from")
    if not observed:
        raise JourneyDataError("data: no exits; the cumulative incidence needs events")
    causes = list(observed)
    if cause is not None:
        causes = [cause] if isinstance(cause, str) else list(cause)
        unknown = [c for c in causes if c not in observed]
        if unknown:
            raise JourneyDataError(f"cause: {unknown[0]!r} never occurs; observed causes are"
                                   f" {observed}")
    at = float(np.max(dur)) if at is None else float(at)
    if grp is None:
        groups: list = ["all"]
        codes = np.zeros(dur.size, dtype=np.int64)
    else:
        codes, uniq = pd.factorize(grp)
        groups = list(uniq)
    parts, labels, names, est, var = [], [], [], [], []
    for i, g in enumerate(groups):
        sel = codes == i
        curves = _aalen_johansen(dur[sel], code[sel], observed)
        for c in causes:
            cur = curves[c]
            parts.append(pd.DataFrame(cur))
            labels.append((i, observed.index(c), cur["time"].size))
            j = int(np.searchsorted(cur["time"], at, side="right")) - 1
            names.append(f"cif[{c}]" if grp is None else f"cif[{c}|{g}]")
            est.append(cur["estimate"][j] if j >= 0 else 0.0)
            var.append(cur["variance"][j] if j >= 0 else 0.0)
    table = pd.concat(parts, ignore_index=True)
    gi, ci, size = (np.array(v, dtype=np.int64) for v in zip(*labels, strict=True))
    table.insert(0, "group", pd.Categorical.from_codes(np.repeat(gi, size), groups))
    table.insert(1, "cause", pd.Categorical.from_codes(np.repeat(ci, size), observed))
    cov = pd.DataFrame(np.diag(var), index=names, columns=names)
    return CumulativeIncidenceResult(
        params=pd.Series(est, index=names, dtype="float64"), cov=cov, loglik=np.nan,
        nobs=int(dur.size), events=int((code >= 0).sum()),
        method="Aalen-Johansen (all-cause Kaplan-Meier x cause-specific hazard); delta-method"
               " variance, log(-log) interval",
        notes=("the covariance holds the variances only (covariances across causes and"
               " groups are not estimated)",),
        table=table, causes=causes, group=group, groups=groups,
        at=at)
