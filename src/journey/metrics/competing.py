"""Competing risks on the journey tables: exits by reason (``customers.exit_reason``) on the
monthly life table — the cause-specific hazard by tenure and the Aalen–Johansen cumulative
incidence of each reason.

Same time axis as :func:`journey.metrics.life_table`: ``n(t)`` customers in the panel at month
t since signing, ``d_k(t)`` of them exit in month t for reason k, ``d(t) = Σ_k d_k(t)``,
``S(t) = Π_{u ≤ t}(1 − d(u)/n(u))``. Reasons are the schema's ``EXIT_REASONS`` in that order
(every one listed, zeros included), then any other reason found, then ``unknown`` for exits
whose reason is empty.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from journey.metrics._partial import Addable, BySource, by_source
from journey.metrics._tables import need
from journey.schema import EXIT_REASONS, Durations, JourneyDataError, Journeys

UNKNOWN = "unknown"


def _reasons_of_exits(data: Journeys, ids: np.ndarray, what: str) -> np.ndarray:
    """``customers.exit_reason`` of the customers ``ids`` (object array, ``UNKNOWN`` if empty)."""
    c = data.customers
    need(c, ["customer_id", "exit_reason"], "customers", what)
    reason = pd.Series(c["exit_reason"].astype("object").to_numpy(),
                       index=c["customer_id"].to_numpy())
    known = np.isin(ids, reason.index.to_numpy())
    if not known.all():
        raise JourneyDataError(
            f"panel: column 'customer_id': exit of id {ids[~known][0]} not in customers;"
            " expected a known id"
        )
    out = reason.reindex(ids).to_numpy(dtype=object)
    return np.where(pd.isna(out), UNKNOWN, out)


@dataclass(frozen=True)
class ReasonCounts(Addable):
    """``n(t)`` (at_risk) and ``d_k(t)`` (exits, one array per reason found) by month since
    signing: the counts behind the competing-risk metrics, which add up over parts."""

    at_risk: np.ndarray
    exits: dict[str, np.ndarray]


def _by_reason(month: np.ndarray, reason: np.ndarray, size: int) -> dict[str, np.ndarray]:
    return {str(r): np.bincount(month[reason == r], minlength=size).astype("int64")
            for r in pd.unique(reason)}


def reason_counts(data: Journeys, both: bool = False) -> BySource[ReasonCounts]:
    """The counts of :func:`exits_by_reason`: from the panel's service rows when the panel
    has them, else (or also, with ``both``) from each signed customer's months
    ``0 … tenure_months − 1`` with the exit in the last (see :class:`BySource`)."""
    what = "exits_by_reason"
    if not isinstance(data, Journeys):
        raise JourneyDataError(
            f"{what} needs a Journeys (customers.exit_reason gives the reasons),"
            f" got {type(data).__name__}"
        )

    def from_panel(panel: pd.DataFrame) -> ReasonCounts:
        month = panel["month"].to_numpy().astype(np.int64)
        exited = panel["exited"].to_numpy(dtype=bool)
        reason = _reasons_of_exits(data, panel["customer_id"].to_numpy()[exited], what)
        at_risk = np.bincount(month)
        return ReasonCounts(at_risk, _by_reason(month[exited], reason, at_risk.size))

    def from_customers(d: Durations) -> ReasonCounts:
        at_risk, _ = d.counts()
        reason = _reasons_of_exits(data, d.ids[d.exited], what)
        return ReasonCounts(at_risk, _by_reason(d.last[d.exited], reason, at_risk.size))

    return by_source(data, what, from_panel, from_customers, both)


def exits_by_reason(data: Journeys) -> pd.DataFrame:
    """Counts behind the competing-risk metrics, one row per month since signing.

    Columns month, at_risk ``n(t)``, exits ``d(t)``, then ``d_k(t)`` per reason k (see the
    module docstring for the order). Months nobody was at risk in are left out, as in
    :func:`journey.metrics.life_table`.
    """
    return exits_by_reason_of(reason_counts(data).pick())


def exits_by_reason_of(counts: ReasonCounts) -> pd.DataFrame:
    """:func:`exits_by_reason` from its counts (of a cohort or of its parts added up)."""
    found = set(counts.exits)
    reasons = [*EXIT_REASONS, *sorted(found - {*EXIT_REASONS, UNKNOWN})]
    if UNKNOWN in found:
        reasons.append(UNKNOWN)
    at_risk = counts.at_risk
    size = at_risk.size
    d = np.zeros((size, len(reasons)), dtype="int64")
    for j, r in enumerate(reasons):
        if r in counts.exits:
            d[:, j] = counts.exits[r]
    keep = at_risk > 0
    out = pd.DataFrame({"month": np.flatnonzero(keep).astype("int64"),
                        "at_risk": at_risk[keep].astype("int64"),
                        "exits": d[keep].sum(axis=1).astype("int64")})
    for j, r in enumerate(reasons):
        out[r] = d[keep, j]
    return out


def cause_specific_hazard(data: Journeys) -> pd.DataFrame:
    """Cause-specific exit hazard by tenure, ``h_k(t) = d_k(t) / n(t)``, one column per reason.

    The monthly probability of leaving for reason k among those still customers at the start
    of month t; ``Σ_k h_k(t) = h(t)``, the all-cause hazard of
    :func:`journey.metrics.hazard_by_tenure` (Kalbfleisch & Prentice 2002, ch. 8; Putter,
    Fiocco & Geskus 2007). Censoring by other reasons is not assumed: each h_k uses every
    customer at risk.

    Returns columns month, at_risk, hazard (all causes), then one column per reason.

    References
    ----------
    Kalbfleisch, J. D., & Prentice, R. L. (2002). *The Statistical Analysis of Failure Time
    Data* (2nd ed.). Wiley. † (chapter not checked)
    Putter, H., Fiocco, M., & Geskus, R. B. (2007). Tutorial in biostatistics: Competing
    risks and multi-state models. *Statistics in Medicine*, 26(11), 2389–2430.
    doi:10.1002/sim.2712
    """
    counts = exits_by_reason(data)
    reasons = counts.columns[3:]
    n = counts["at_risk"].to_numpy("float64")
    out = counts[["month", "at_risk"]].copy()
    out["hazard"] = counts["exits"].to_numpy("float64") / n
    for r in reasons:
        out[r] = counts[r].to_numpy("float64") / n
    return out


def cumulative_incidence(data: Journeys) -> pd.DataFrame:
    """Cumulative incidence of exits by reason: the Aalen–Johansen estimator on the monthly
    life table.

    ``CIF_k(t) = Σ_{u ≤ t} S(u − 1) · d_k(u) / n(u)`` with ``S(−1) = 1`` and
    ``S(u) = Π_{v ≤ u}(1 − d(v)/n(v))`` (Kaplan–Meier, all causes): the probability of having
    left for reason k by the end of month t, in the presence of the other reasons (Aalen &
    Johansen 1978; Putter, Fiocco & Geskus 2007). Because ``S(u − 1)·d(u)/n(u) = S(u − 1) −
    S(u)``, the columns sum to ``1 − S(t)`` in every month. Unlike ``1 − KM`` computed with
    the other reasons as censored, ``CIF_k`` does not overstate the reason's share.

    Returns columns month, at_risk, exits, survival ``S(t)``, then one ``CIF_k(t)`` column per
    reason.

    References
    ----------
    Aalen, O. O., & Johansen, S. (1978). An empirical transition matrix for non-homogeneous
    Markov chains based on censored observations. *Scandinavian Journal of Statistics*,
    5(3), 141–150. † (issue number)
    Putter, H., Fiocco, M., & Geskus, R. B. (2007). Tutorial in biostatistics: Competing
    risks and multi-state models. *Statistics in Medicine*, 26(11), 2389–2430.
    doi:10.1002/sim.2712
    """
    return cumulative_incidence_of(reason_counts(data).pick())


def cumulative_incidence_of(counts: ReasonCounts) -> pd.DataFrame:
    """:func:`cumulative_incidence` from its counts (of a cohort or of its parts added up)."""
    counts = exits_by_reason_of(counts)
    reasons = counts.columns[3:]
    n = counts["at_risk"].to_numpy("float64")
    s = np.cumprod(1.0 - counts["exits"].to_numpy("float64") / n)
    s_before = np.r_[1.0, s[:-1]]
    out = counts[["month", "at_risk", "exits"]].copy()
    out["survival"] = s
    for r in reasons:
        out[r] = np.cumsum(s_before * counts[r].to_numpy("float64") / n)
    return out
