"""Retention: the discrete-time life table (survival curve and hazard by tenure), the median
lifetime and the cliff ratio at the end of a contract term (competing exit reasons:
:mod:`journey.metrics.competing`).

Months since signing are the time axis. A customer is at risk in month ``t`` when the panel
holds a row for ``t`` (alive at the month's start) and exits in ``t`` when that row has
``exited``; customers who leave the panel without ``exited`` are censored there.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from journey.errors import JourneyDataError, NoFixedTermError, ParameterError
from journey.metrics._partial import Addable, BySource, by_source
from journey.metrics._tables import TableLike, need, service_rows, table
from journey.schema import Durations, Journeys


@dataclass(frozen=True)
class MonthCounts(Addable):
    """``at_risk(t)`` and ``exits(t)`` for months since signing ``t = 0 … len − 1``: the
    counts behind the life table, which add up over the parts of a cohort."""

    at_risk: np.ndarray
    exits: np.ndarray


def _panel_counts(panel: pd.DataFrame) -> MonthCounts:
    month = panel["month"].to_numpy().astype(np.int64)
    return MonthCounts(np.bincount(month),
                       np.bincount(month, weights=panel["exited"].to_numpy(dtype=bool)))


def _duration_counts(d: Durations) -> MonthCounts:
    return MonthCounts(*d.counts())


def life_counts(data: TableLike, both: bool = False) -> BySource[MonthCounts]:
    """The counts of :func:`life_table` (from the panel, and from the customers' durations
    when the panel has no service rows or ``both`` is set: see :class:`BySource`)."""
    if not isinstance(data, Journeys):
        panel = service_rows(table(data, "panel", "life_table"), "life_table", ("exited",))
        return BySource(_panel_counts(panel))
    return by_source(data, "life_table", _panel_counts, _duration_counts, both)


def life_table(data: TableLike) -> pd.DataFrame:
    """Discrete-time life table of the signed customers, one row per month since signing.

    ``at_risk(t)`` = customers alive at the start of month t; ``exits(t)`` = those who left in
    it; ``hazard h(t) = exits(t) / at_risk(t)``; ``survival S(t) = Π_{u ≤ t} (1 − h(u))`` =
    share still a customer at the end of month t (Kaplan & Meier 1958, product-limit estimator
    on monthly, tied durations; censoring enters through ``at_risk``).

    Read from the panel (rows with month ≥ 0 and ``exited``) when it has service rows, else
    from the customers table of a ``Journeys`` (``tenure_months`` and ``exit_month``: at risk in
    months ``0 … tenure_months − 1``, an exit in ``exit_month``), so a cohort imported from a
    flat file (no panel) has the life table that equals the Kaplan–Meier estimate of its
    (duration, event).

    Returns columns month, at_risk, exits, hazard, survival for months 0 … last month observed
    (an empty frame when nobody was observed in service).
    """
    return life_table_of(life_counts(data).pick())


def life_table_of(counts: MonthCounts) -> pd.DataFrame:
    """The life table of :func:`life_table` from its counts (of a cohort or of its parts
    added up): months nobody was at risk in are left out."""
    at_risk, exits = counts.at_risk, counts.exits
    if at_risk.size == 0:
        return pd.DataFrame({"month": pd.Series([], dtype="int64"), "at_risk": [], "exits": [],
                             "hazard": [], "survival": []})
    keep = at_risk > 0  # months nobody was at risk carry no information
    t = np.flatnonzero(keep)
    n = at_risk[keep].astype("float64")
    d = exits[keep]
    h = d / n
    return pd.DataFrame({"month": t.astype("int64"), "at_risk": n.astype("int64"),
                         "exits": d.astype("int64"), "hazard": h,
                         "survival": np.cumprod(1.0 - h)})


def survival_curve(data: TableLike) -> pd.DataFrame:
    """Survival ``S(t) = Π_{u ≤ t}(1 − h(u))`` by month since signing (Kaplan & Meier 1958).

    Columns month, survival; see :func:`life_table`.
    """
    return life_table(data)[["month", "survival"]]


def hazard_by_tenure(data: TableLike) -> pd.DataFrame:
    """Monthly exit hazard ``h(t) = exits(t) / at_risk(t)`` by tenure (months since signing).

    Columns month, at_risk, exits, hazard; see :func:`life_table`.
    """
    return life_table(data)[["month", "at_risk", "exits", "hazard"]]


def median_lifetime(data: TableLike) -> float:
    """Median lifetime: the first month since signing t with ``S(t) ≤ 0.5``.

    In the units of ``customers.exit_month`` (the month the customer leaves): half of the
    cohort has left by the end of month t (Kaplan & Meier 1958 median). ``inf`` when survival
    stays above one half over the observed months (not reached), as lifelines reports it;
    ``NaN`` when there is no service month at all.
    """
    return median_of(life_table(data))


def median_of(lt: pd.DataFrame) -> float:
    """:func:`median_lifetime` from a life table."""
    if lt.empty:
        return math.nan
    hit = np.flatnonzero(lt["survival"].to_numpy() <= 0.5)
    return float(lt["month"].iloc[hit[0]]) if hit.size else math.inf


def _term(data: TableLike, term_months: int | None) -> int:
    if term_months is not None:
        if term_months < 1:
            raise ParameterError(f"term_months must be a positive number of months, got"
                                 f" {term_months}")
        return int(term_months)
    if not isinstance(data, Journeys):
        raise ParameterError("term_months is needed when data is a panel DataFrame"
                             " (no customers table)")
    terms = fixed_terms(data)
    if terms.size != 1:
        raise NoFixedTermError(
            "cliff_ratio needs one contract term: customers.term_months holds"
            f" {', '.join(map(str, terms)) or 'no fixed term'}; pass term_months or use"
            " cliff_ratio_by_term"
        )
    return int(terms[0])


def fixed_terms(data: Journeys) -> np.ndarray:
    """The positive contract terms of the signed customers (sorted)."""
    c = data.customers
    need(c, ["term_months"], "customers", "cliff_ratio")
    terms = np.unique(c.loc[data.signed(), "term_months"].to_numpy())
    return terms[terms > 0]


def cliff_ratio_by_term(data: Journeys, before: tuple[int, int] | None = None,
                        after: tuple[int, int] | None = None) -> pd.DataFrame:
    """:func:`cliff_ratio` for each fixed contract term of the cohort, on its own customers.

    Returns columns term_months, customers (signed, on that term), cliff_ratio; one row per
    positive term in ``customers.term_months`` (none when every contract is open-ended). A
    1-month term has no default window before its end (month 0 is excluded): NaN unless
    ``before`` is given.
    """
    if not isinstance(data, Journeys):
        raise JourneyDataError("cliff_ratio_by_term needs a Journeys (customers hold the terms)")
    return cliff_table(term_counts(data), before, after)


@dataclass(frozen=True)
class TermCounts(Addable):
    """The signed customers on one contract term and the counts of their life table."""

    customers: int
    life: BySource[MonthCounts]


def term_counts(data: Journeys, both: bool = False) -> dict[int, TermCounts]:
    """Per positive contract term T: :class:`TermCounts` of the signed customers on T."""
    c = data.customers
    out = {}
    for T in fixed_terms(data):
        ids = c.loc[data.signed() & (c["term_months"].to_numpy() == T), "customer_id"]
        out[int(T)] = TermCounts(len(ids), life_counts(data.only(ids.to_numpy()), both))
    return out


def cliff_table(terms: dict[int, TermCounts], before: tuple[int, int] | None = None,
                after: tuple[int, int] | None = None) -> pd.DataFrame:
    """:func:`cliff_ratio_by_term` from the counts of each term."""
    rows = []
    for T in sorted(terms):
        # a 1-month term has no month inside it after the signing month: no default window
        ratio = (math.nan if T < 2 and before is None
                 else _cliff_of(life_table_of(terms[T].life.pick()), T, before, after))
        rows.append({"term_months": T, "customers": terms[T].customers, "cliff_ratio": ratio})
    return pd.DataFrame(rows, columns=["term_months", "customers", "cliff_ratio"])


def _window(w: tuple[int, int] | None, default: tuple[int, int], name: str) -> range:
    """Months ``first … last`` (both included) of a window; ``default`` when ``w`` is None."""
    first, last = default if w is None else w
    if first < 1 or last < first:
        raise ParameterError(
            f"{name} must be (first, last) months since signing with 1 <= first <= last"
            f" (month 0 has no exits by construction), got {(first, last)}"
        )
    return range(int(first), int(last) + 1)


def cliff_ratio(data: TableLike, term_months: int | None = None,
                before: tuple[int, int] | None = None,
                after: tuple[int, int] | None = None) -> float:
    """Hazard spike at term end: the mean monthly hazard just after the term over the mean
    monthly hazard during it, ``mean_{t ∈ after} h(t) / mean_{t ∈ before} h(t)``.

    For a term of T months (months 0 … T−1), month T is the first month after the term end,
    when the financial exit barrier lapses (Jones, Mothersbaugh & Beatty 2000 on switching
    barriers). Windows are inclusive ``(first, last)`` months since signing: by default
    ``before = (1, T − 1)`` and ``after = (T, T)``; ``after = (T, T + k − 1)`` averages the
    k months after the term end. Month 0, the signing month, is never in a window: nobody
    can exit in it (``docs/model.md``, time axis), so its hazard is 0 by construction and
    would only pull the denominator down. Each month weighs the same (the mean of the
    monthly hazards of :func:`life_table`, as the hazard plot shows them).

    With a ``Journeys`` and no ``term_months`` the one positive term in
    ``customers.term_months`` is used and the panel is restricted to customers on it.
    ``NaN`` when a month of either window is not observed (nobody at risk) or both means
    are 0 (nobody exits); ``inf`` when only the after-window has exits.

    Parameters
    ----------
    data : Journeys or DataFrame
        The journeys, or a panel (then ``term_months`` is needed).
    term_months : int, optional
        Contract term T in months.
    before, after : (int, int), optional
        First and last month (inclusive, ≥ 1) of each window.
    """
    T = _term(data, term_months)
    if before is None and T < 2:
        raise ParameterError("cliff_ratio: a 1-month term has no month inside the term after"
                             " month 0; pass before=(first, last)")
    on: TableLike = table(data, "panel", "cliff_ratio")
    if isinstance(data, Journeys):
        on = data
        if term_months is None:
            c = data.customers
            on = data.only(c.loc[c["term_months"].to_numpy() == T, "customer_id"].to_numpy())
    return _cliff_of(life_table(on), T, before, after)


def _cliff_of(lt: pd.DataFrame, T: int, before: tuple[int, int] | None,  # noqa: N803
              after: tuple[int, int] | None) -> float:
    """:func:`cliff_ratio` from the life table of the customers on term T."""
    b = _window(before, (1, T - 1), "before")
    a = _window(after, (T, T), "after")
    hazard = lt.set_index("month")["hazard"]
    h_before, h_after = hazard.reindex(b), hazard.reindex(a)
    if h_before.isna().any() or h_after.isna().any():
        return float("nan")
    mean_after, mean_before = float(h_after.mean()), float(h_before.mean())
    if mean_before == 0.0:
        return float("nan") if mean_after == 0.0 else math.inf
    return mean_after / mean_before
