"""Reach after a platform exit: how many customers the firm can still reach once it leaves an
external platform that carried part of the dialogue (``panel.reachable``), and how much of the
platform's dialogue continues on the firm's own channels (``panel.platform_share``)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from journey.errors import ParameterError
from journey.metrics._partial import Addable
from journey.metrics._tables import TableLike, need, table
from journey.schema import JourneyDataError, Journeys


def _service_columns(data: TableLike, what: str, columns: tuple[str, ...]
                     ) -> dict[str, np.ndarray]:
    """customer_id, month and ``columns`` of the panel's service rows (``month >= 0``) as
    arrays, without copying the panel."""
    panel = table(data, "panel", what)
    cols = list(dict.fromkeys(["customer_id", "month", *columns]))
    need(panel, cols, "panel", what)
    keep = panel["month"].to_numpy() >= 0
    return {c: panel[c].to_numpy()[keep] for c in cols}


def reach_by_month(data: TableLike) -> pd.DataFrame:
    """Share of alive customers the firm can reach, per month since signing.

    ``reach(t) = #{reachable at t} / #{in the panel at t}``. Returns columns month, n,
    reachable_share.
    """
    p = _service_columns(data, "reach_by_month", ("reachable",))
    months, where = np.unique(p["month"], return_inverse=True)
    n = np.bincount(where, minlength=len(months))
    hits = np.bincount(where, weights=p["reachable"].astype(bool), minlength=len(months))
    return pd.DataFrame({"month": months, "n": n, "reachable_share": hits / n})


NO_EXIT = ("events: reach_retained found no 'platform_exit' event; pass exit_month or use a"
           " cohort where the firm leaves a platform")


def _exit_months(data: TableLike, exit_month: int | None, ids: np.ndarray,
                 required: bool = True) -> tuple[np.ndarray, int]:
    """The month of the firm's platform exit for each row's customer (float, NaN if none) and
    the number of platform exits (events; one for all with ``exit_month``). Raises when
    there is none and ``required``."""
    if exit_month is not None:
        return np.full(len(ids), float(int(exit_month))), 1
    if not isinstance(data, Journeys):
        raise ParameterError("exit_month is needed when data is a panel DataFrame (no events"
                             " table)")
    ev = data.events
    need(ev, ["customer_id", "month", "kind"], "events", "reach_retained")
    is_exit = (ev["kind"] == "platform_exit").to_numpy(dtype=bool, na_value=False)
    if required and not is_exit.any():
        raise JourneyDataError(NO_EXIT)
    e = ev.loc[is_exit]
    mi = e["month"].groupby(e["customer_id"]).min().reindex(ids).to_numpy("float64")
    return mi, int(is_exit.sum())


def _at(p: dict[str, np.ndarray], mi: np.ndarray, shift: int, column: str
        ) -> tuple[np.ndarray, np.ndarray]:
    """(customer ids, ``column``) of the rows at month ``m_i + shift`` of each customer."""
    sel = p["month"] == mi + shift
    return p["customer_id"][sel], p[column][sel]


def reach_retained(data: TableLike, exit_month: int | None = None, after: int = 0) -> float:
    """Reach retained after a platform exit: ``Σ_i r_i(m_i + after) / Σ_i r_i(m_i − 1)``.

    ``r_i(t)`` = 1 when customer i is reachable in month t, ``m_i`` the month (since signing) of
    the firm's platform exit for i: its ``platform_exit`` event or ``exit_month`` for all.
    Sums run over customers in the panel at both months (those who churned in between are
    out), so the ratio is the share of the reach before the exit that survives it. ``NaN``
    when nobody was reachable before.
    """
    reach = reach_counts(data, exit_month, after)
    if not reach.exits:
        raise JourneyDataError(NO_EXIT)
    return reach.value()


@dataclass(frozen=True)
class ReachCounts(Addable):
    """The sums of :func:`reach_retained` (``after`` over ``before``) and the number of
    platform exits seen (every customer's when ``exit_month`` is given)."""

    after: int = 0
    before: int = 0
    exits: int = 0

    def value(self) -> float:
        return self.after / self.before if self.before else math.nan


def reach_counts(data: TableLike, exit_month: int | None = None, after: int = 0
                 ) -> ReachCounts:
    """:func:`reach_retained` as counts (a cohort without a platform exit counts none)."""
    if after < 0:
        raise ParameterError(f"after must be a number of months >= 0, got {after}")
    p = _service_columns(data, "reach_retained", ("reachable",))
    mi, exits = _exit_months(data, exit_month, p["customer_id"], required=False)
    ids_b, r_b = _at(p, mi, -1, "reachable")
    ids_a, r_a = _at(p, mi, after, "reachable")
    both = np.intersect1d(ids_b, ids_a)
    return ReachCounts(int(r_a[np.isin(ids_a, both)].astype(bool).sum()),
                       int(r_b[np.isin(ids_b, both)].astype(bool).sum()), exits)


def dialogue_continuity(data: TableLike, exit_month: int | None = None, k: int = 0) -> float:
    """Share of the platform's dialogue that continues on owned channels ``k`` months after
    the firm leaves the platform.

    ``DC(k) = Σ_{i∈A} ps_i · a_i(m_i + k) · r_i(m_i + k) / Σ_{i∈A} ps_i``, where ``m_i`` is
    the month (since signing) of the firm's exit for customer i (its ``platform_exit`` event,
    or ``exit_month`` for all), ``A`` the customers in the panel at ``m_i`` (alive at the
    start of the exit month: in dialogue when the firm left), ``ps_i`` the share of i's
    dialogue with the firm carried by the platform (``panel.platform_share``), ``a_i(t) = 1``
    when i is still in the panel at month t and ``r_i(t) = 1`` when the firm can reach i
    then (``panel.reachable``).

    Each customer's dialogue counts with the weight the platform had in it, so a customer who
    talked to the firm only there weighs more than one who used it now and then; a customer
    who leaves the firm within the k months, or whom it can no longer reach, ends that
    dialogue. ``DC(0)`` is the dialogue-weighted reach at the exit; unlike
    :func:`reach_retained` (a share of customers, conditional on staying), ``DC(k)`` falls with
    churn, so compare it with the same cohort had the firm stayed on the platform (where
    ``r = 1``: only churn ends a dialogue). Seed document 001: "dialogue, once started, cannot
    be switched off". ``NaN`` when nobody in ``A`` used the platform.
    """
    if not (isinstance(k, int | np.integer) and k >= 0):
        raise ParameterError(f"k must be a whole number of months >= 0, got {k!r}")
    p = _service_columns(data, "dialogue_continuity", ("reachable", "platform_share"))
    mi, _ = _exit_months(data, exit_month, p["customer_id"])
    last = int(p["month"].max()) if p["month"].size else -1
    need_month = int(np.nanmax(mi)) + k if np.isfinite(mi).any() else k
    if need_month > last:
        raise JourneyDataError(
            f"panel: dialogue_continuity needs month {need_month} (the exit month plus"
            f" k = {k}); the panel ends at month {last}"
        )
    ids_a, ps = _at(p, mi, 0, "platform_share")
    ids_k, r_k = _at(p, mi, k, "reachable")
    weight = ps.astype("float64")
    denom = float(weight.sum())
    if denom == 0:
        return float("nan")
    going = np.isin(ids_a, ids_k[r_k.astype(bool)])
    return float(weight[going].sum() / denom)
