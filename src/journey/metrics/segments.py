"""Loyalty segments from the panel: Jones & Sasser (1995) quadrants and Dick & Basu (1994)
loyalty types, one row per signed customer.

Both use observed columns only (``S``, ``exited``, ``share_of_wallet``), so they work on real
data. The observed Jones & Sasser "hostage" (low S, stays) cannot tell a customer held by
barriers from one held by inertia; the model-based :func:`journey.metrics.hostage_share` can.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from journey.metrics._tables import TableLike, service_rows, sorted_by_customer_month, table

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
        raise ValueError(f"satisfaction must be 'last' or 'mean', got {satisfaction!r}")
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


def dick_basu_segments(data: TableLike, attitude_threshold: float = 7.0,
                       patronage_threshold: float = 0.5,
                       satisfaction: str = "last") -> pd.DataFrame:
    """Dick & Basu (1994) loyalty: relative attitude (high/low) × repeat patronage (high/low).

    Attitude is satisfaction ``S`` (last or mean service month), high when
    ``S ≥ attitude_threshold``: the threshold stands for the attitude toward the best
    alternative, which the tables do not hold. Repeat patronage is the share of wallet in the
    last observed month, 0 for a customer who exited (patronage ended), high when
    ``≥ patronage_threshold``; for binary customers it is 1 while they stay.
    true = high & high, latent = high attitude & low patronage, spurious = low attitude &
    high patronage, none = low & low.

    Returns columns customer_id, attitude, patronage, segment (categorical in that order).
    """
    st = customer_states(data)
    a = _attitude(st, satisfaction)
    p = np.where(st["exited"].to_numpy(dtype=bool), 0.0,
                 st["share_of_wallet_last"].to_numpy("float64"))
    high_a = a >= attitude_threshold
    high_p = p >= patronage_threshold
    code = np.where(high_a, np.where(high_p, 0, 1), np.where(high_p, 2, 3))
    return pd.DataFrame({
        "customer_id": st["customer_id"].to_numpy(),
        "attitude": a,
        "patronage": p,
        "segment": pd.Categorical.from_codes(code, categories=list(DICK_BASU)),
    })


def segment_shares(segments: pd.DataFrame) -> pd.DataFrame:
    """Count and share of customers per segment (every category listed, zeros included).

    ``share_k = n_k / Σ n``; ``NaN`` shares when there are no customers.
    """
    if "segment" not in segments.columns:
        raise ValueError("segments must have a 'segment' column (from *_segments functions)")
    counts = segments["segment"].value_counts(sort=False)
    if isinstance(segments["segment"].dtype, pd.CategoricalDtype):
        counts = counts.reindex(segments["segment"].cat.categories, fill_value=0)
    total = counts.sum()
    share = counts / total if total else counts * np.nan
    return pd.DataFrame({"segment": counts.index.astype("object"),
                         "n": counts.to_numpy().astype("int64"),
                         "share": share.to_numpy("float64")})
