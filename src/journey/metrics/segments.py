"""Loyalty segments: Jones & Sasser (1995) quadrants and Dick & Basu (1994) loyalty types,
one row per signed customer.

Both use observed columns only, so they work on real data: Jones & Sasser cross absolute
satisfaction ``S`` with staying (``exited``); Dick & Basu cross relative attitude (``S``
against the attitude toward the best alternative) with repeat patronage (share of wallet, or
the repurchase choice at a term end). The observed Jones & Sasser "hostage" (low S, stays)
cannot tell a customer held by barriers from one held by inertia; the model-based
:func:`journey.metrics.hostage_share` can.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from journey.errors import ParameterError
from journey.metrics._tables import (
    TableLike,
    need,
    service_rows,
    sorted_by_customer_month,
    table,
)
from journey.schema import JourneyDataError, Journeys

JONES_SASSER = ("loyalist", "hostage", "mercenary", "defector")
DICK_BASU = ("true", "latent", "spurious", "none")


def customer_states(data: TableLike) -> pd.DataFrame:
    """One row per customer with service months: what the segments are built from.

    Columns: customer_id; months (service months observed); S_mean (mean ``S`` over them);
    S_last (``S`` in the last observed month); exited (left within the observation);
    share_of_wallet_last (in the last observed month).
    """
    panel = service_rows(table(data, "panel", "customer_states"), "customer_states",
                         ("S", "exited", "share_of_wallet"))
    panel = sorted_by_customer_month(panel)
    cid = panel["customer_id"].to_numpy()
    if cid.size == 0:
        return pd.DataFrame({"customer_id": pd.Series([], dtype="int64"), "months": [],
                             "S_mean": [], "S_last": [], "exited": pd.Series([], dtype=bool),
                             "share_of_wallet_last": []})
    start = np.flatnonzero(np.r_[True, cid[1:] != cid[:-1]])
    last = np.r_[start[1:], cid.size] - 1
    s = panel["S"].to_numpy("float64")
    n = np.diff(np.r_[start, cid.size])
    return pd.DataFrame({
        "customer_id": cid[start],
        "months": n.astype("int64"),
        "S_mean": np.add.reduceat(s, start) / n,
        "S_last": s[last],
        "exited": np.logical_or.reduceat(panel["exited"].to_numpy(dtype=bool), start),
        "share_of_wallet_last": panel["share_of_wallet"].to_numpy("float64")[last],
    })


def _attitude(states: pd.DataFrame, satisfaction: str) -> np.ndarray:
    if satisfaction not in ("last", "mean"):
        raise ParameterError(f"satisfaction must be 'last' or 'mean', got {satisfaction!r}")
    return states[f"S_{satisfaction}"].to_numpy("float64")


def jones_sasser_segments(data: TableLike, s_threshold: float = 7.0,
                          satisfaction: str = "last") -> pd.DataFrame:
    """Jones & Sasser (1995) quadrants: satisfaction (high/low) × loyalty (stays/leaves).

    ``high = S ≥ s_threshold`` with S the last observed (``satisfaction="last"``) or mean
    service-month satisfaction; ``stays = not exited`` within the observation.
    loyalist = high & stays, hostage = low & stays, mercenary = high & leaves,
    defector = low & leaves.

    Returns columns customer_id, S, exited, segment (categorical in that order).
    """
    st = customer_states(data)
    s = _attitude(st, satisfaction)
    high = s >= s_threshold
    stays = ~st["exited"].to_numpy(dtype=bool)
    code = np.where(high, np.where(stays, 0, 2), np.where(stays, 1, 3))
    return pd.DataFrame({
        "customer_id": st["customer_id"].to_numpy(),
        "S": s,
        "exited": ~stays,
        "segment": pd.Categorical.from_codes(code, categories=list(JONES_SASSER)),
    })


#: Default reference for the attitude toward the best alternative, 0–10: an ACSI-style
#: industry mean of about 75 on the 0–100 index (US national ACSI and wireless service
#: 73–78 in the years given in docs/calibration.md), rescaled to the 0–10 scale of ``S``.
ALTERNATIVE_REFERENCE = 7.5
_RENEWALS = ("recontract", "rollover")


def _alternative(data: TableLike, st: pd.DataFrame, column: str | None,
                 reference: float, satisfaction: str) -> np.ndarray:
    """Per customer of ``st``: the attitude toward the best alternative.

    The last (or mean) non-missing service-month value of panel ``column`` when the panel has
    it, else ``reference``; customers without a value in ``column`` also get ``reference``.
    """
    ref = np.full(len(st), float(reference))
    panel = table(data, "panel", "dick_basu_segments")
    if column is None or column not in panel.columns:
        return ref
    rows = service_rows(panel, "dick_basu_segments", (column,))
    rows = rows.loc[~np.isnan(rows[column].to_numpy("float64", na_value=np.nan))]
    rows = sorted_by_customer_month(rows)
    g = rows[column].astype("float64").groupby(rows["customer_id"].to_numpy())
    alt = g.last() if satisfaction == "last" else g.mean()
    alt = alt.reindex(st["customer_id"].to_numpy()).to_numpy("float64")
    return np.where(np.isnan(alt), ref, alt)


def _repeat_patronage(data: Journeys, st: pd.DataFrame) -> np.ndarray:
    """Per customer of ``st``: repeat patronage in [0, 1], NaN before any repurchase choice.

    Partners: share of wallet in the last observed month. Other customers: 1 once they bought
    again (a ``recontract`` or ``rollover`` event at a term end; without a fixed term, alive at
    the start of month 1), NaN before that. 0 for anybody who exited.
    """
    c = data.customers
    need(c, ["customer_id", "is_partner", "term_months"], "customers", "dick_basu_segments")
    ev = data.events
    need(ev, ["customer_id", "kind"], "events", "dick_basu_segments")
    ids = st["customer_id"].to_numpy()
    by_id = c.set_index("customer_id")
    partner = by_id["is_partner"].reindex(ids).to_numpy(dtype=bool, na_value=False)
    term = by_id["term_months"].reindex(ids).to_numpy("float64", na_value=np.nan)
    unknown = np.isnan(term)
    if unknown.any():
        raise JourneyDataError(
            f"panel: column 'customer_id': id {ids[np.flatnonzero(unknown)[0]]} not in"
            " customers; expected a known id"
        )
    renewed_ids = ev["customer_id"].to_numpy()[ev["kind"].isin(_RENEWALS).to_numpy(dtype=bool)]
    renewed = np.isin(ids, renewed_ids)
    rebought = np.where(term > 0, renewed, st["months"].to_numpy() >= 2)
    p = np.where(rebought, 1.0, np.nan)
    p = np.where(partner, st["share_of_wallet_last"].to_numpy("float64"), p)
    return np.where(st["exited"].to_numpy(dtype=bool), 0.0, p)


def dick_basu_segments(data: Journeys, reference: float = ALTERNATIVE_REFERENCE,
                       alternative: str | None = "S_alt", margin: float = 0.0,
                       patronage_threshold: float = 0.5,
                       satisfaction: str = "last") -> pd.DataFrame:
    """Dick & Basu (1994) loyalty: relative attitude (high/low) × repeat patronage (high/low).

    **Relative attitude** is the attitude toward the firm compared with the best alternative
    (Dick & Basu 1994), here ``RA_i = S_i − A_i``: ``S_i`` the customer's satisfaction (last
    or mean service month, as in :func:`jones_sasser_segments`) and ``A_i`` the attitude
    toward the best alternative on the same 0–10 scale, taken from the panel column
    ``alternative`` (e.g. ``S_alt``, a survey rating of the best alternative; last or mean
    non-missing service-month value) when the data hold it, else the benchmark ``reference``
    (default :data:`ALTERNATIVE_REFERENCE` = 7.5, an ACSI-style industry mean of 75/100 —
    Fornell et al. 1996 — rescaled to 0–10: a proxy for how satisfied the alternatives'
    customers are, not this customer's view of them). High when ``RA_i ≥ margin``.

    **Repeat patronage** is behaviour (purchase sequence or proportion of purchases, the
    behavioural measures Dick & Basu 1994 discuss †): for partners the share of wallet in the
    last observed month (proportion of purchases with the firm), high when
    ``≥ patronage_threshold``; for customers who buy
    one service, the repurchase choice: 1 once they bought again — re-contracted or stayed on
    at a term end (``recontract`` / ``rollover`` event), or, without a fixed term, were still
    a customer at the start of month 1 — and 0 once they exited. A customer still in the
    first term (or in the signing month) has made **no repurchase choice yet**: patronage is
    NaN and the segment is missing (NaN), not a guess; :func:`segment_shares` leaves such
    customers out.

    true = high & high, latent = high attitude & low patronage, spurious = low attitude &
    high patronage, none = low & low.

    Unlike Jones & Sasser (1995), which cross absolute satisfaction with staying, the
    attitude here is relative to the alternatives and patronage needs an observed choice.
    With one ``reference`` for everybody, relative attitude is ``S`` shifted by a constant,
    so its high/low split is a cut of ``S`` at ``reference + margin``; it carries information
    of its own only where the data rate the alternative (``alternative`` column).

    Parameters
    ----------
    data : Journeys
        The three tables (customers for ``is_partner`` and ``term_months``, events for the
        renewal choices, panel for ``S``).
    reference : float
        Attitude toward the best alternative (0–10) for customers without ``alternative``.
    alternative : str or None
        Panel column with the customer's rating of the best alternative; ``None`` ignores it.
    margin : float
        High relative attitude when ``S − A ≥ margin`` (points).
    patronage_threshold : float
        High patronage when ``≥`` this share (partners; other customers are 0 or 1).
    satisfaction : {"last", "mean"}
        Which service-month satisfaction (and alternative rating) to use.

    Returns
    -------
    DataFrame
        customer_id, attitude (``S``), reference (``A``), relative_attitude, patronage,
        segment (categorical true, latent, spurious, none; NaN when not classified).

    References
    ----------
    Dick, A. S., & Basu, K. (1994). Customer loyalty: Toward an integrated conceptual
    framework. *Journal of the Academy of Marketing Science*, 22(2), 99–113.
    doi:10.1177/0092070394222001 (abstract checked: loyalty as the relation between relative
    attitude and repeat patronage; † the measures named above are from memory)
    Fornell, C., Johnson, M. D., Anderson, E. W., Cha, J., & Bryant, B. E. (1996). The
    American Customer Satisfaction Index: Nature, purpose, and findings. *Journal of
    Marketing*, 60(4), 7–18.
    """
    if not isinstance(data, Journeys):
        raise JourneyDataError(
            "dick_basu_segments needs a Journeys (customers for is_partner and term_months,"
            f" events for renewal choices), got {type(data).__name__}"
        )
    st = customer_states(data)
    a = _attitude(st, satisfaction)
    ref = _alternative(data, st, alternative, reference, satisfaction)
    ra = a - ref
    p = _repeat_patronage(data, st)
    high_a = ra >= margin
    high_p = p >= patronage_threshold
    code = np.where(high_a, np.where(high_p, 0, 1), np.where(high_p, 2, 3))
    code = np.where(np.isnan(p), -1, code)
    return pd.DataFrame({
        "customer_id": st["customer_id"].to_numpy(),
        "attitude": a,
        "reference": ref,
        "relative_attitude": ra,
        "patronage": p,
        "segment": pd.Categorical.from_codes(code, categories=list(DICK_BASU)),
    })


def segment_shares(segments: pd.DataFrame) -> pd.DataFrame:
    """Count and share of customers per segment (every category listed, zeros included).

    ``share_k = n_k / Σ n`` over the classified customers: rows whose segment is missing
    (Dick & Basu customers who have made no repurchase choice yet) are not counted; ``NaN``
    shares when no customer is classified.
    """
    if "segment" not in segments.columns:
        raise ParameterError("segments must have a 'segment' column (from *_segments functions)")
    counts = segments["segment"].value_counts(sort=False)
    if isinstance(segments["segment"].dtype, pd.CategoricalDtype):
        counts = counts.reindex(segments["segment"].cat.categories, fill_value=0)
    total = counts.sum()
    share = counts / total if total else counts * np.nan
    return pd.DataFrame({"segment": counts.index.astype("object"),
                         "n": counts.to_numpy().astype("int64"),
                         "share": share.to_numpy("float64")})
