"""Internal loyalty on the journey tables: how often a customer's contact person changes, the
bond, quality and satisfaction over the service months, and retention at fixed horizons.

The service-staff chain of seed 002 ("without internal loyalty there is no customer
loyalty") runs staff turnover → the contact person's experience and the customer's bond →
perceived quality → satisfaction → exits (the service-profit chain of Heskett, Jones,
Loveman, Sasser & Schlesinger 1994, Harvard Business Review 72(2)). These metrics read each
link from the tables; the model itself is in ``docs/model.md`` (sections 3.1, 3.4 and 3.11).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from journey.errors import JourneyDataError, ParameterError
from journey.metrics._tables import TableLike, need, service_rows, table
from journey.metrics.retention import life_table
from journey.metrics.value import Economics, value_per_prospect
from journey.schema import Journeys

__all__ = ["loyalty_chain", "retention_at", "satisfaction_after_staff_change", "service_means",
           "staff_changes_per_year"]


def staff_changes_per_year(data: Journeys) -> float:
    """Contact-person changes per customer-year of service.

    ``12 · N_change / N_months``: ``N_change`` = ``events`` rows of kind ``staff_change`` in
    months ``t ≥ 1`` (the log holds them only for months the customer was alive at the
    month's start), ``N_months`` = panel service rows with ``t ≥ 1`` (customer-months at
    risk; month 0 is still the salesperson's). When the contact person leaves at monthly rate
    ``p`` independently of the customer, its expectation is ``12 p`` (the realised dose of a
    turnover sweep). NaN when there is no service month ``t ≥ 1``.
    """
    if not isinstance(data, Journeys):
        raise JourneyDataError(f"staff_changes_per_year: expected a Journeys (events and panel),"
                               f" got {type(data).__name__}")
    ev = data.events
    need(ev, ["month", "kind"], "events", "staff_changes_per_year")
    rows = service_rows(data.panel, "staff_changes_per_year")
    months = int((rows["month"].to_numpy() >= 1).sum())
    if months == 0:
        return float("nan")
    change = ev["kind"].eq("staff_change").to_numpy(dtype=bool, na_value=False)
    changes = int((change & (ev["month"].to_numpy() >= 1)).sum())
    return 12.0 * changes / months


def service_means(data: TableLike, columns: Sequence[str] = ("R", "Q", "S"),
                  months: tuple[int, int | None] = (1, None)) -> dict[str, float]:
    """Mean of each panel column over the service customer-months ``first ≤ t ≤ last``.

    ``mean_x = Σ_{i,t} x_{it} / N`` over the panel rows of customers alive at the start of
    month ``t`` (``months = (first, last)``, ``last = None`` for every observed month; default
    from month 1, the first month served by service staff). A customer-month mean weights each
    customer by the months they stayed: when the dissatisfied leave, the survivors' mean
    satisfaction is higher than the cohort's would have been (survivor selection). NaN for a
    column when no row falls in the window.
    """
    first, last = months
    if last is not None and last < first:
        raise ParameterError(f"months must be (first, last) with last >= first, got {months}")
    panel = service_rows(table(data, "panel", "service_means"), "service_means", tuple(columns))
    m = panel["month"].to_numpy()
    keep = (m >= first) & (m <= (np.inf if last is None else last))
    return {c: float(panel[c].to_numpy("float64")[keep].mean()) if keep.any() else float("nan")
            for c in columns}


def retention_at(data: TableLike, horizons: Sequence[int]) -> dict[int, float]:
    """Share of signed customers still customers after ``H`` months of service, per horizon.

    ``S(H − 1)`` of the life table (:func:`journey.metrics.life_table`): alive at the end of
    month ``H − 1``, i.e. at the start of month ``H`` (Kaplan & Meier 1958 with censoring).
    With a 24-month term, ``retention_at(…, [24])`` is the share left just before the term-end
    decision in month 24. Each ``H`` must be within ``1 … months observed``.
    """
    lt = life_table(data)
    observed = int(lt["month"].iloc[-1]) + 1 if len(lt) else 0
    bad = [H for H in horizons if not (int(H) == H and 1 <= H <= observed)]
    if bad:
        raise ParameterError(f"horizons must be whole months within 1..{observed} observed,"
                             f" got {bad}")
    surv = lt.set_index("month")["survival"].reindex(range(observed)).ffill()
    return {int(H): float(surv.iloc[int(H) - 1]) for H in horizons}


def _changes(data: Journeys, what: str) -> pd.DataFrame:
    """(customer_id, change_month) of the staff changes in service months ``t >= 1``."""
    if not isinstance(data, Journeys):
        raise JourneyDataError(f"{what}: expected a Journeys (events and panel), got"
                               f" {type(data).__name__}")
    ev = data.events
    need(ev, ["customer_id", "month", "kind"], "events", what)
    keep = ev["kind"].eq("staff_change").to_numpy(dtype=bool, na_value=False) & (
        ev["month"].to_numpy() >= 1)
    out = ev.loc[keep, ["customer_id", "month"]].rename(columns={"month": "change_month"})
    return out.astype({"customer_id": "int64", "change_month": "int64"})


def satisfaction_after_staff_change(data: Journeys, within: int = 3,
                                    threshold: float = 8.0) -> dict[str, float]:
    """Share of customer-months with ``S ≥ threshold``, split by a recent change of contact
    person.

    A service customer-month ``t ≥ 1`` is *after a change* when the customer's contact person
    changed in one of the months ``t − within + 1 … t`` (``events`` of kind
    ``staff_change``), else *without*. Returns ``satisfied_after`` and ``satisfied_without``
    (the two shares), ``difference`` (after − without, in shares), and ``months_after``,
    ``months_without`` (customer-months in each group). The analogue of Heskett et al.'s
    (1994) insurance-company finding that customer satisfaction fell from 75 % to 55 % when a
    service worker left. In the simulator staff leave whatever the customer's state, so the
    contrast is not confounded by who is served; in real data it is observational.
    """
    if int(within) != within or within < 1:
        raise ParameterError(f"within must be a whole number of months >= 1, got {within!r}")
    changes = _changes(data, "satisfaction_after_staff_change").sort_values("change_month")
    rows = service_rows(data.panel, "satisfaction_after_staff_change", ("S",))
    rows = rows.loc[rows["month"].to_numpy() >= 1].astype({"customer_id": "int64",
                                                          "month": "int64"})
    joined = pd.merge_asof(rows.sort_values("month"), changes, left_on="month",
                           right_on="change_month", by="customer_id", direction="backward")
    recent = (joined["month"] - joined["change_month"]).to_numpy(dtype="float64",
                                                                   na_value=np.inf) < within
    sat = joined["S"].to_numpy("float64") >= threshold
    after = float(sat[recent].mean()) if recent.any() else float("nan")
    without = float(sat[~recent].mean()) if (~recent).any() else float("nan")
    return {"satisfied_after": after, "satisfied_without": without,
            "difference": after - without, "months_after": float(recent.sum()),
            "months_without": float((~recent).sum())}


def loyalty_chain(data: Journeys, economics: Economics | None = None,
                  horizons: Sequence[int] = (24, 36)) -> dict[str, float]:
    """Each link of the internal-loyalty chain for one cohort, as one flat dict.

    ``staff_changes`` (:func:`staff_changes_per_year`), the service-month means ``R``, ``Q``,
    ``S`` from month 1 on (:func:`service_means`), ``retention_<H>`` per horizon within the
    months observed (:func:`retention_at`), and ``value_per_prospect`` on ``economics``
    (:func:`journey.metrics.value_per_prospect`: signed share × CLV − acquisition cost over the
    months observed).
    """
    observed = int(data.panel["month"].max()) + 1
    out = {"staff_changes": staff_changes_per_year(data), **service_means(data)}
    kept = [H for H in horizons if H <= observed]
    out |= {f"retention_{H}": v for H, v in retention_at(data, kept).items()}
    out["value_per_prospect"] = value_per_prospect(data, economics)
    return out
