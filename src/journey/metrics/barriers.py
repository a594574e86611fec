"""Exit-barrier metrics: the barrier index by tenure, the share of exits barriers prevent and
the hostage share.

Barriers follow Jones, Mothersbaugh & Beatty (2000): financial ``F`` (fees and balances due on
exit), procedural ``P`` (the effort of switching) and mental/relational ``M`` (bonds and sunk
investment), each in months of the monthly price; ``B = F + P + M``. ``h`` is the monthly exit
hazard and ``h0`` the hazard the same customer would have without barriers. All of these are
model state (simulated data only); given real data without them the metrics raise
:class:`~journey.schema.JourneyDataError`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from journey.metrics._tables import TableLike, service_rows, table
from journey.schema import require_columns


def _panel(data: TableLike, columns: list[str], what: str,
           observed: tuple[str, ...] = ()) -> pd.DataFrame:
    panel = table(data, "panel", what)
    require_columns(panel, columns, "panel", what)
    return service_rows(panel, what, (*columns, *observed))


def barrier_index_by_tenure(data: TableLike) -> pd.DataFrame:
    """Mean exit barrier and its parts per month since signing, in months of price.

    Per month t over customers alive at its start: ``F̄``, ``P̄``, ``M̄`` and
    ``B̄ = F̄ + P̄ + M̄`` (financial, procedural, mental/relational barriers; Jones,
    Mothersbaugh & Beatty 2000). Needs the model-only columns F, P, M.

    Returns columns month, n, F, P, M, B.
    """
    panel = _panel(data, ["F", "P", "M"], "barrier_index_by_tenure")
    g = panel[["F", "P", "M"]].groupby(panel["month"])
    out = g.mean()
    out["B"] = out["F"] + out["P"] + out["M"]
    out.insert(0, "n", g.size())
    return out.rename_axis("month").reset_index()


def barrier_held_share(data: TableLike) -> float:
    """Share of would-be exits that the barriers prevent: ``Σ (h0 − h) / Σ h0``.

    Sums run over service customer-months (alive at the month's start). ``Σ h0`` is the
    expected number of exits without barriers, ``Σ h`` with them, so the ratio is the share of
    exits the barriers hold back (Jones, Mothersbaugh & Beatty 2000: customers who stay
    because leaving costs, not because they are satisfied). Needs the model-only ``h``, ``h0``.
    ``NaN`` when ``Σ h0 = 0`` (no exits to prevent) or there are no service months.
    """
    panel = _panel(data, ["h", "h0"], "barrier_held_share")
    h0 = panel["h0"].to_numpy("float64").sum()
    if h0 == 0.0:
        return float("nan")
    return float((h0 - panel["h"].to_numpy("float64").sum()) / h0)


def barrier_held_share_by_tenure(data: TableLike) -> pd.DataFrame:
    """``Σ (h0 − h) / Σ h0`` per month since signing (see :func:`barrier_held_share`).

    Returns columns month, n, expected_exits_without (Σ h0), expected_exits (Σ h),
    barrier_held_share.
    """
    panel = _panel(data, ["h", "h0"], "barrier_held_share_by_tenure")
    g = panel[["h0", "h"]].groupby(panel["month"])
    out = g.sum().rename(columns={"h0": "expected_exits_without", "h": "expected_exits"})
    out.insert(0, "n", g.size())
    with np.errstate(invalid="ignore", divide="ignore"):
        out["barrier_held_share"] = 1.0 - out["expected_exits"] / out["expected_exits_without"]
    return out.rename_axis("month").reset_index()


def _is_hostage(panel: pd.DataFrame, s_threshold: float, h0_high: float) -> np.ndarray:
    s = panel["S"].to_numpy("float64")
    h = panel["h"].to_numpy("float64")
    h0 = panel["h0"].to_numpy("float64")
    return (s < s_threshold) & (h0 >= h0_high) & (h < h0_high)


def hostage_share(data: TableLike, s_threshold: float = 7.0, h0_high: float = 0.05,
                  month: int | None = None) -> float:
    """Share of alive customers who are hostages: dissatisfied, held only by barriers.

    A customer-month is a hostage when ``S < s_threshold`` (not satisfied), ``h0 ≥ h0_high``
    (without barriers they would be at high monthly exit risk) and ``h < h0_high`` (the
    barriers bring the risk below that mark): Jones & Sasser (1995)'s hostage, low
    satisfaction yet staying. ``share = #hostage / #alive`` over service customer-months
    (``month = None``, pooled) or over the customers alive at month since signing ``month``.
    Needs the model-only ``h``, ``h0``. ``NaN`` when nobody is alive in the window.
    """
    if not 0.0 < h0_high < 1.0:
        raise ValueError(f"h0_high must be a monthly hazard in (0, 1), got {h0_high}")
    panel = _panel(data, ["h", "h0"], "hostage_share", ("S",))
    if month is not None:
        panel = panel.loc[panel["month"].to_numpy() == month]
    if len(panel) == 0:
        return float("nan")
    return float(_is_hostage(panel, s_threshold, h0_high).mean())


def hostage_share_by_tenure(data: TableLike, s_threshold: float = 7.0,
                            h0_high: float = 0.05) -> pd.DataFrame:
    """Hostage share per month since signing (see :func:`hostage_share`; Jones & Sasser 1995).

    Returns columns month, n, hostages, hostage_share.
    """
    if not 0.0 < h0_high < 1.0:
        raise ValueError(f"h0_high must be a monthly hazard in (0, 1), got {h0_high}")
    panel = _panel(data, ["h", "h0"], "hostage_share_by_tenure", ("S",))
    hostage = pd.Series(_is_hostage(panel, s_threshold, h0_high), index=panel.index)
    g = hostage.groupby(panel["month"])
    out = pd.DataFrame({"n": g.size(), "hostages": g.sum().astype("int64")})
    out["hostage_share"] = out["hostages"] / out["n"]
    return out.rename_axis("month").reset_index()
