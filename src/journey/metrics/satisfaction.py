"""Satisfaction metrics: S by phase and by month since signing, CSAT, NPS, disconfirmation and
the courtship–service gap (the "honeymoon" drop after signing).

``S`` (0–10) lives in ``panel``; survey answers live in ``events`` (``kind == "survey"``,
``rating`` 0–10). Metrics on survey answers return ``NaN`` when there is no answered survey:
a share of an empty set is undefined, and ``NaN`` (not 0) keeps that visible.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from journey.errors import ParameterError
from journey.metrics._partial import Addable, Mean
from journey.metrics._tables import (
    TableLike,
    in_phase_order,
    need,
    phase_key,
    service_rows,
    survey_ratings,
    table,
)
from journey.schema import JourneyDataError, require_columns

QUANTILES = (0.1, 0.25, 0.5, 0.75, 0.9)


def _mean_ci(g: pd.core.groupby.SeriesGroupBy, level: float) -> pd.DataFrame:
    """n, mean, sd, se and a Student-t interval ``mean ± t_{n-1,(1+level)/2}·sd/√n``."""
    if not 0 < level < 1:
        raise ParameterError(f"level must be in (0, 1), got {level}")
    out = g.agg(["count", "mean", "std"]).rename(columns={"count": "n", "std": "sd"})
    n = out["n"].to_numpy(dtype="float64")
    se = out["sd"].to_numpy() / np.sqrt(n)
    with np.errstate(invalid="ignore"):
        tq = stats.t.ppf(0.5 + level / 2, np.where(n > 1, n - 1, np.nan))
    out["se"] = se
    out["ci_low"] = out["mean"].to_numpy() - tq * se
    out["ci_high"] = out["mean"].to_numpy() + tq * se
    return out


def satisfaction_by_phase(data: TableLike, level: float = 0.95) -> pd.DataFrame:
    """Mean, CI and distribution of satisfaction ``S`` per phase of the relationship.

    Per phase p over its panel rows: ``n``, ``mean = Σ S / n``, ``sd``, ``se = sd/√n``, the
    Student-t interval ``mean ± t_{n−1,(1+level)/2}·se`` (NaN when n = 1) and the quantiles
    ``p10 … p90``. Satisfaction as an evaluation of the relationship so far: Oliver (1980).

    Returns a DataFrame with columns phase, n, mean, sd, se, ci_low, ci_high, p10, p25, p50,
    p75, p90, phases in journey order.
    """
    panel = table(data, "panel", "satisfaction_by_phase")
    need(panel, ["phase", "S"], "panel", "satisfaction_by_phase")
    g = panel["S"].groupby(phase_key(panel), observed=True)
    out = _mean_ci(g, level)
    q = g.quantile(list(QUANTILES)).unstack()
    q.columns = [f"p{round(100 * c)}" for c in q.columns]
    out = in_phase_order(out.join(q))
    return out.rename_axis("phase").reset_index()


def satisfaction_by_month(data: TableLike, level: float = 0.95) -> pd.DataFrame:
    """Mean and CI of ``S`` per month since signing (courtship months negative).

    Per month t over the customers in the panel at t: ``n``, ``mean``, ``sd``, ``se`` and the
    Student-t interval ``mean ± t_{n−1,(1+level)/2}·sd/√n``. Later months hold survivors only.
    Reference: Oliver (1980) for satisfaction as a running evaluation.

    Returns columns month, n, mean, sd, se, ci_low, ci_high, sorted by month.
    """
    panel = table(data, "panel", "satisfaction_by_month")
    need(panel, ["month", "S"], "panel", "satisfaction_by_month")
    out = _mean_ci(panel["S"].groupby(panel["month"]), level)
    return out.rename_axis("month").reset_index()


def top_box_threshold(scale: tuple[float, float] = (0.0, 10.0)) -> float:
    """The CSAT cut-off of a rating scale ``(lo, hi)``: ``lo + ¾·(hi − lo)``.

    The top quarter of the scale's range: answers 4–5 of a 1–5 item and 6–7 of a 1–7 item
    (the "top 2 box"), 8–10 of a 0–10 item (7.5), 8–10 of a 1–10 item (7.75).
    """
    lo, hi = (float(v) for v in scale)
    if not hi > lo:
        raise ParameterError(f"scale must be (lowest, highest) answer with lowest < highest,"
                             f" got {scale}")
    return lo + 0.75 * (hi - lo)


def csat(data: TableLike, threshold: float | None = None, phase: str | None = "service",
         scale: tuple[float, float] = (0.0, 10.0)) -> float:
    """Customer-satisfaction score (CSAT): the share of satisfaction ratings at or above a
    cut-off, ``CSAT = #{rating ≥ threshold} / #{answered surveys}``.

    This is the "percentage of customers whose reported experience (ratings) exceeds
    specified satisfaction goals" of Farris et al. (2010) with the goal a top-box cut-off.
    The default cut-off is :func:`top_box_threshold` of ``scale``: 7.5 on the 0–10 items of
    the journey tables, so answers 8, 9 and 10 count (8 is the lowest answer in the top
    quarter of the scale); on a 1–5 or 1–7 item the same rule counts the top two answers,
    the "Top 2 Box" satisfaction score that Morgan & Rego (2006) evaluate (on ACSI data)
    beside mean satisfaction and net promoters. The ACSI itself (Fornell et al. 1996) is not
    a top-box share: it is a weighted mean of three 1–10 satisfaction items rescaled to
    0–100 — compare it with the mean rating (:func:`survey_scores`), not with CSAT.

    Only answers (``events`` of kind ``survey``) in ``phase`` count (default ``service``:
    customers, not prospects in courtship; ``None`` pools every phase). Ratings outside
    ``scale`` raise :class:`JourneyDataError`. ``NaN`` when no survey was answered.

    References
    ----------
    Farris, P. W., Bendle, N. T., Pfeifer, P. E., & Reibstein, D. J. (2010). *Marketing
    Metrics: The Definitive Guide to Measuring Marketing Performance* (2nd ed.). Wharton
    School Publishing. † (definition checked in secondary quotations only)
    Morgan, N. A., & Rego, L. L. (2006). The value of different customer satisfaction and
    loyalty metrics in predicting business performance. *Marketing Science*, 25(5),
    426–439. doi:10.1287/mksc.1050.0180 (abstract checked; the paper's exact top-2-box cut
    on ACSI's 10-point item was not)
    Fornell, C., Johnson, M. D., Anderson, E. W., Cha, J., & Bryant, B. E. (1996). The
    American Customer Satisfaction Index: Nature, purpose, and findings. *Journal of
    Marketing*, 60(4), 7–18. doi:10.2307/1251898
    """
    return csat_counts(data, threshold, phase, scale).value()


def csat_counts(data: TableLike, threshold: float | None = None, phase: str | None = "service",
                scale: tuple[float, float] = (0.0, 10.0)) -> Mean:
    """:func:`csat` as counts: ``Mean(#{rating ≥ threshold}, #{answered surveys})``."""
    cut = top_box_threshold(scale) if threshold is None else float(threshold)
    events = table(data, "events", "csat")
    r = _in_phase(survey_ratings(events, "csat"), events, phase, "csat")["rating"]
    r = r.to_numpy("float64")
    lo, hi = scale
    bad = (r < lo) | (r > hi)
    if bad.any():
        raise JourneyDataError(
            f"events: column 'rating': csat found answer {r[bad][0]:g} outside scale"
            f" [{lo:g}, {hi:g}]; expected ratings on the scale passed as scale"
        )
    return Mean(int((r >= cut).sum()), int(r.size))


def _in_phase(answers: pd.DataFrame, events: pd.DataFrame, phase: str | None,
              what: str) -> pd.DataFrame:
    """The answers given in ``phase`` (all of them when ``phase`` is None)."""
    if phase is None:
        return answers
    need(events, ["phase"], "events", what)
    return answers.loc[(answers["phase"] == phase).to_numpy(dtype=bool, na_value=False)]


def nps(data: TableLike, phase: str | None = "service") -> float:
    """Net Promoter Score in points: ``100·(share of answers 9–10 − share of answers 0–6)``
    to the 0–10 likelihood-to-recommend item (events of kind ``recommend``).

    Reichheld (2003), "The one number you need to grow", Harvard Business Review 81(12).
    Ranges −100 … 100; answers 7–8 (passives) count in the denominator only. Only answers in
    ``phase`` (default ``service``: customers, not prospects; ``None`` for all). ``NaN`` when
    nobody answered the item: a satisfaction rating is not a recommendation and is not used.
    """
    return nps_counts(data, phase).value()


@dataclass(frozen=True)
class NpsCounts(Addable):
    """Promoters (answers 9–10), detractors (0–6) and all answers to the recommend item."""

    promoters: int = 0
    detractors: int = 0
    n: int = 0

    def value(self) -> float:
        """``100·(promoters/n − detractors/n)``; NaN without answers."""
        if self.n == 0:
            return math.nan
        return 100.0 * (self.promoters / self.n - self.detractors / self.n)


def nps_counts(data: TableLike, phase: str | None = "service") -> NpsCounts:
    """:func:`nps` as counts."""
    events = table(data, "events", "nps")
    rec = _in_phase(survey_ratings(events, "nps", kind="recommend"), events, phase, "nps")
    r = rec["rating"].to_numpy("float64")
    return NpsCounts(int((r >= 9).sum()), int((r <= 6).sum()), int(r.size))


def survey_scores(data: TableLike, by: str = "phase", threshold: float = 8.0) -> pd.DataFrame:
    """Survey answers grouped by ``by`` (``phase`` or ``month``): n, mean rating, CSAT, NPS.

    Per group: ``csat = #{rating ≥ threshold}/n`` over satisfaction ratings (:func:`csat`;
    the default 8 counts the same integer answers 8–10 as its top-quarter cut 7.5); ``nps =
    100·(#{answer ≥ 9} − #{answer ≤ 6})/n_recommend`` over likelihood-to-recommend answers
    (Reichheld 2003; NaN in a group without them). Groups without satisfaction answers do not
    appear; no answers at all gives an empty frame.
    """
    if by not in ("phase", "month"):
        raise ParameterError(f"by must be 'phase' or 'month', got {by!r}")
    events = table(data, "events", "survey_scores")
    need(events, [by], "events", "survey_scores")

    def answers(kind: str) -> tuple[np.ndarray, np.ndarray]:
        """(group key, rating) of the answered items of ``kind``."""
        s = survey_ratings(events, "survey_scores", kind=kind)
        key = s[by].astype("object") if by == "phase" else s[by]
        return key.to_numpy(), s["rating"].to_numpy("float64")

    key, r = answers("survey")
    df = pd.DataFrame({by: key, "rating": r, "top": r >= threshold})
    g = df.groupby(by, sort=True)
    rec_key, lr = answers("recommend")
    net = pd.Series((lr >= 9).astype("float64") - (lr <= 6), index=rec_key)
    out = pd.DataFrame({
        "n": g["rating"].size(),
        "mean_rating": g["rating"].mean(),
        "csat": g["top"].mean(),
    })
    out["nps"] = 100.0 * net.groupby(level=0).mean().reindex(out.index)
    if by == "phase" and len(out):
        out = in_phase_order(out)
    return out.rename_axis(by).reset_index()


def disconfirmation_by_phase(data: TableLike) -> pd.DataFrame:
    """Mean expectation ``E``, quality ``Q`` and disconfirmation ``D = Q − E`` per phase.

    Oliver (1980): satisfaction follows the disconfirmation of expectations, ``D = Q − E``;
    ``D < 0`` means the treatment fell short of what was expected. Needs the model-only columns
    ``E`` and ``Q`` (simulated data).

    Returns columns phase, n, E, Q, D.
    """
    panel = table(data, "panel", "disconfirmation_by_phase")
    require_columns(panel, ["E", "Q"], "panel", "disconfirmation_by_phase")
    need(panel, ["phase"], "panel", "disconfirmation_by_phase")
    g = panel[["E", "Q"]].groupby(phase_key(panel), observed=True)
    out = g.mean()
    out["D"] = out["Q"] - out["E"]  # the mean of Q − E is the difference of the means
    out.insert(0, "n", g.size())
    return in_phase_order(out).rename_axis("phase").reset_index()


def courtship_service_gap(data: TableLike, column: str = "Q", k: int | None = None) -> float:
    """Treatment before signing minus after: ``mean(x | month < 0) − mean(x | 0 ≤ month < k)``.

    ``x`` is ``column``: the perceived quality ``Q`` of the treatment (default; model-only) or
    satisfaction ``S`` (observed). ``k = None`` takes every service month. A positive gap means
    the courtship treated the customer better than the service does (the "courtship and
    marriage" breakdown; disconfirmation in Oliver 1980). ``NaN`` when the panel has no
    courtship rows or no service rows in the window.
    """
    return gap_of(*gap_sums(data, column, k))


def gap_sums(data: TableLike, column: str = "Q", k: int | None = None) -> tuple[Mean, Mean]:
    """The two means of :func:`courtship_service_gap` as sums: before and after signing."""
    panel = table(data, "panel", "courtship_service_gap")
    if column in ("E", "Q", "D", "R"):
        require_columns(panel, [column], "panel", "courtship_service_gap")
    need(panel, ["month", column], "panel", "courtship_service_gap")
    if k is not None and k < 1:
        raise ParameterError(f"k must be a positive number of months or None, got {k}")
    month = panel["month"].to_numpy()
    x = panel[column].to_numpy("float64")
    after = x[(month >= 0) & (month < k)] if k is not None else x[month >= 0]
    return Mean.of(x[month < 0]), Mean.of(after)


def gap_of(before: Mean, after: Mean) -> float:
    """``mean before − mean after``; NaN when either side is empty."""
    if before.n == 0 or after.n == 0:
        return math.nan
    return before.value() - after.value()


def satisfaction_drop(data: TableLike, k: int = 6) -> float:
    """Within-customer satisfaction drop over the first ``k`` months after signing.

    ``drop = mean_i (S_i(0) − S_i(k))`` over customers present at both month 0 and month k
    (paired, so a changing mix of survivors does not move it; customers who left before k are
    out). Positive means satisfaction fell after signing (the honeymoon effect; Oliver 1980).
    ``NaN`` when no customer is present at both months.
    """
    return drop_sums(data, k).value()


def drop_sums(data: TableLike, k: int = 6) -> Mean:
    """:func:`satisfaction_drop` as a sum and a count over the customers at months 0 and k."""
    if k < 1:
        raise ParameterError(f"k must be a positive number of months, got {k}")
    panel = service_rows(table(data, "panel", "satisfaction_drop"), "satisfaction_drop", ("S",))
    month = panel["month"].to_numpy()
    at0 = pd.Series(panel["S"].to_numpy("float64")[month == 0],
                    index=panel["customer_id"].to_numpy()[month == 0])
    atk = pd.Series(panel["S"].to_numpy("float64")[month == k],
                    index=panel["customer_id"].to_numpy()[month == k])
    both = at0.index.intersection(atk.index)
    return Mean.of((at0.loc[both] - atk.loc[both]).to_numpy())


def trough_month(data: TableLike, max_month: int | None = None, min_customers: int = 1) -> int:
    """The month since signing (≥ 0) where mean satisfaction is lowest.

    ``argmin_t mean(S | month = t)`` over service months ``0 ≤ t ≤ max_month`` with at least
    ``min_customers`` customers (thin tails are noise); ties go to the earliest month. Raises
    :class:`JourneyDataError` when no month qualifies.
    """
    return trough_of(month_sums(data, "S"), max_month, min_customers)


@dataclass(frozen=True)
class MonthSums(Addable):
    """Sum and count of a panel column per service month ``t = 0 … len − 1``."""

    total: np.ndarray
    n: np.ndarray


def month_sums(data: TableLike, column: str = "S") -> MonthSums:
    """Per service month: the sum of ``column`` and the number of customers in the panel."""
    panel = service_rows(table(data, "panel", "trough_month"), "trough_month", (column,))
    month = panel["month"].to_numpy().astype(np.int64)
    return MonthSums(np.bincount(month, weights=panel[column].to_numpy("float64")),
                     np.bincount(month))


def trough_of(sums: MonthSums, max_month: int | None = None, min_customers: int = 1) -> int:
    """:func:`trough_month` from the sums by month: the first month of the lowest mean."""
    month = np.flatnonzero(sums.n >= max(min_customers, 1))
    if max_month is not None:
        month = month[month <= max_month]
    if month.size == 0:
        raise JourneyDataError(
            f"panel: trough_month found no service month (month >= 0) with at least"
            f" {min_customers} customer(s)"
        )
    return int(month[np.argmin(sums.total[month] / sums.n[month])])
