"""Shared helpers: pick a table out of a ``Journeys`` or take a DataFrame as given.

Conventions used by every metric (see ``docs/model.md``):

* service rows are panel rows with ``month >= 0`` (the signing month and after); a customer is
  in the panel for month ``t`` when alive at the start of ``t``, and ``exited`` marks the month
  of exit;
* survey answers are ``events`` rows with ``kind == "survey"`` and a non-empty ``rating``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from journey.schema import PHASES, JourneyDataError, Journeys

TableLike = Journeys | pd.DataFrame


def table(data: TableLike, name: str, what: str) -> pd.DataFrame:
    """Return table ``name`` from ``data`` (a ``Journeys``) or ``data`` itself (a DataFrame)."""
    if isinstance(data, Journeys):
        return getattr(data, name)
    if isinstance(data, pd.DataFrame):
        return data
    raise JourneyDataError(
        f"{what}: expected a Journeys or the {name} DataFrame, got {type(data).__name__}"
    )


def need(df: pd.DataFrame, columns: list[str], name: str, what: str) -> None:
    """Raise :class:`JourneyDataError` naming observed columns a metric needs but ``df`` lacks."""
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise JourneyDataError(
            f"{name}: {what} needs column(s) {', '.join(missing)}; expected the journey"
            f" schema's {name} table"
        )


def service_rows(panel: pd.DataFrame, what: str, columns: tuple[str, ...] = ()) -> pd.DataFrame:
    """Panel rows with ``month >= 0`` (customer-months alive at the month's start).

    Only customer_id, month and ``columns`` are kept: copying the other columns of a
    multi-million-row panel would cost more than most metrics themselves.
    """
    cols = list(dict.fromkeys(["customer_id", "month", *columns]))
    need(panel, cols, "panel", what)
    sub = panel[cols]
    keep = sub["month"].to_numpy() >= 0
    return sub if keep.all() else sub.loc[keep]


def phase_key(panel: pd.DataFrame) -> pd.Series:
    """``panel.phase`` as a categorical (cheap to group by) whatever dtype it was read with."""
    ph = panel["phase"]
    return ph if isinstance(ph.dtype, pd.CategoricalDtype) else ph.astype("category")


def in_phase_order(df: pd.DataFrame) -> pd.DataFrame:
    """Rows of a frame indexed by phase, in journey order (unknown phases last)."""
    df.index = df.index.astype("object")
    order = {p: i for i, p in enumerate(PHASES)}
    return df.loc[sorted(df.index, key=lambda p: order.get(p, len(order)))]


def sorted_by_customer_month(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` sorted by (customer_id, month); a cheap check skips the sort when already so."""
    cid = df["customer_id"].to_numpy()
    month = df["month"].to_numpy()
    if len(df) < 2:
        return df
    dc = np.diff(cid)
    ok = bool(np.all((dc > 0) | ((dc == 0) & (np.diff(month) > 0))))
    return df if ok else df.sort_values(["customer_id", "month"], kind="stable")


def last_rows(df: pd.DataFrame) -> np.ndarray:
    """Boolean mask of each customer's last row in a frame sorted by (customer_id, month)."""
    cid = df["customer_id"].to_numpy()
    mask = np.ones(len(cid), dtype=bool)
    if len(cid) > 1:
        mask[:-1] = cid[1:] != cid[:-1]
    return mask


def survey_ratings(events: pd.DataFrame, what: str, kind: str = "survey") -> pd.DataFrame:
    """Answered items: rows of ``kind`` (``survey``: satisfaction; ``recommend``: likelihood to
    recommend) with a rating (columns month, phase, rating)."""
    need(events, ["kind", "rating"], "events", what)
    is_survey = (events["kind"] == kind).to_numpy(dtype=bool, na_value=False)
    rating = events["rating"].to_numpy(dtype="float64", na_value=np.nan)
    return events.loc[is_survey & ~np.isnan(rating)]
