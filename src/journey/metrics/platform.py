"""Reach after a platform exit: how many customers the firm can still reach once it leaves an
external platform that carried part of the dialogue (``panel.reachable``)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from journey.metrics._tables import TableLike, need, service_rows, table
from journey.schema import JourneyDataError, Journeys


def reach_by_month(data: TableLike) -> pd.DataFrame:
    """Share of alive customers the firm can reach, per month since signing.

    ``reach(t) = #{reachable at t} / #{in the panel at t}``. Returns columns month, n,
    reachable_share.
    """
    panel = service_rows(table(data, "panel", "reach_by_month"), "reach_by_month",
                         ("reachable",))
    g = panel["reachable"].astype("bool").groupby(panel["month"])
    out = pd.DataFrame({"n": g.size(), "reachable_share": g.mean()})
    return out.rename_axis("month").reset_index()


def _exit_months(data: TableLike, exit_month: int | None, ids: np.ndarray) -> pd.Series:
    if exit_month is not None:
        return pd.Series(int(exit_month), index=np.unique(ids))
    if not isinstance(data, Journeys):
        raise ValueError("exit_month is needed when data is a panel DataFrame (no events table)")
    ev = data.events
    need(ev, ["customer_id", "month", "kind"], "events", "reach_retained")
    is_exit = (ev["kind"] == "platform_exit").to_numpy(dtype=bool, na_value=False)
    if not is_exit.any():
        raise JourneyDataError(
            "events: reach_retained found no 'platform_exit' event; pass exit_month or use a"
            " cohort where the firm leaves a platform"
        )
    e = ev.loc[is_exit]
    return e["month"].groupby(e["customer_id"]).min()


def reach_retained(data: TableLike, exit_month: int | None = None, after: int = 0) -> float:
    """Reach retained after a platform exit: ``Σ_i r_i(m_i + after) / Σ_i r_i(m_i − 1)``.

    ``r_i(t)`` = 1 when customer i is reachable in month t, ``m_i`` the month (since signing) of
    the firm's platform exit for i: its ``platform_exit`` event or ``exit_month`` for all.
    Sums run over customers in the panel at both months (those who churned in between are
    out), so the ratio is the share of the reach before the exit that survives it. ``NaN``
    when nobody was reachable before.
    """
    if after < 0:
        raise ValueError(f"after must be a number of months >= 0, got {after}")
    panel = service_rows(table(data, "panel", "reach_retained"), "reach_retained",
                         ("reachable",))
    cid = panel["customer_id"].to_numpy()
    m = _exit_months(data, exit_month, cid)
    mi = m.reindex(cid).to_numpy("float64")
    month = panel["month"].to_numpy()
    reach = panel["reachable"].to_numpy(dtype=bool)
    is_before = month == mi - 1
    is_after = month == mi + after
    before = pd.Series(reach[is_before], index=cid[is_before])
    post = pd.Series(reach[is_after], index=cid[is_after])
    both = before.index.intersection(post.index)
    denom = before.loc[both].sum()
    if denom == 0:
        return float("nan")
    return float(post.loc[both].sum() / denom)
