"""Partner metrics: share-of-wallet over time and the concentration of the loyal core.

A partner (``customers.is_partner``) moves a share of its volume to competitors month by
month; the firm's volume from partner i in month t is ``x_it = volume_i · share_of_wallet_it``.
When the cohort has no partners, every signed customer counts as a partner of volume 1.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from journey.errors import ParameterError
from journey.metrics._partial import Addable
from journey.metrics._tables import TableLike, need, service_rows, table
from journey.schema import JourneyDataError, Journeys


def _partner_rows(data: TableLike, what: str, partners_only: bool = False
                  ) -> tuple[pd.DataFrame, np.ndarray]:
    """Service rows of the partners and their volumes (1 without a customers table); every
    signed customer when there is no partner, unless ``partners_only``."""
    panel = service_rows(table(data, "panel", what), what, ("share_of_wallet", "exited"))
    if not isinstance(data, Journeys):
        return panel, np.ones(len(panel))
    c = data.customers
    need(c, ["customer_id", "is_partner", "volume"], "customers", what)
    partner = c["is_partner"].to_numpy(dtype=bool)
    if partner.any() or partners_only:
        c = c.loc[partner]
        panel = panel.loc[np.isin(panel["customer_id"].to_numpy(), c["customer_id"].to_numpy())]
    vol = pd.Series(c["volume"].to_numpy("float64"), index=c["customer_id"].to_numpy())
    volume = vol.reindex(panel["customer_id"].to_numpy()).to_numpy()
    if np.isnan(volume).any():
        row = int(np.flatnonzero(np.isnan(volume))[0])
        raise JourneyDataError(
            f"panel: column 'customer_id' row {row}: id {panel['customer_id'].iloc[row]}"
            " not in customers; expected a known id"
        )
    return panel, volume


def share_of_wallet_over_time(data: TableLike) -> pd.DataFrame:
    """Partners' share of wallet with the firm per month since signing.

    ``mean_share(t) = Σ_i sow_it / N(t)`` and the volume-weighted
    ``volume_share(t) = Σ_i v_i·sow_it / Σ_i v_i`` over N(t) = partners in the panel at t plus
    those who exited before t (share 0 once gone; censored partners drop out). Share of wallet
    as the loyalty measure for multi-sourcing buyers: Jones & Sasser (1995); Dick & Basu (1994).

    Returns columns month, n, mean_share, volume_share.
    """
    return wallet_of(wallet_sums(data))


@dataclass(frozen=True)
class WalletSums(Addable):
    """Per month since signing, over the partners in the panel: their number ``n``, ``Σ sow``,
    ``Σ v``, ``Σ v·sow``, and the exits ``Σ exited``, ``Σ v·exited``."""

    n: np.ndarray
    sow: np.ndarray
    volume: np.ndarray
    volume_sow: np.ndarray
    exits: np.ndarray
    volume_exits: np.ndarray


def wallet_sums(data: TableLike, partners_only: bool = False) -> WalletSums:
    """The sums of :func:`share_of_wallet_over_time` (partners only, even when there are none
    in these data, with ``partners_only``: a part of a cohort that has partners elsewhere)."""
    panel, vol = _partner_rows(data, "share_of_wallet_over_time", partners_only)
    month = panel["month"].to_numpy().astype(np.int64)
    sow = panel["share_of_wallet"].to_numpy("float64")
    ex = panel["exited"].to_numpy(dtype=bool)
    return WalletSums(np.bincount(month), np.bincount(month, weights=sow),
                      np.bincount(month, weights=vol), np.bincount(month, weights=vol * sow),
                      np.bincount(month, weights=ex), np.bincount(month, weights=vol * ex))


def wallet_of(sums: WalletSums) -> pd.DataFrame:
    """:func:`share_of_wallet_over_time` from its sums (of a cohort or of its parts)."""
    if sums.n.size == 0:
        return pd.DataFrame({"month": pd.Series([], dtype="int64"), "n": [], "mean_share": [],
                             "volume_share": []})
    n = sums.n.astype("float64")
    # partners gone before t: exits in months < t
    gone_n = np.r_[0.0, np.cumsum(sums.exits)[:-1]]
    gone_v = np.r_[0.0, np.cumsum(sums.volume_exits)[:-1]]
    keep = n > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_share = sums.sow / (n + gone_n)
        vol_share = sums.volume_sow / (sums.volume + gone_v)
    return pd.DataFrame({"month": np.flatnonzero(keep).astype("int64"),
                         "n": (n + gone_n)[keep].astype("int64"),
                         "mean_share": mean_share[keep], "volume_share": vol_share[keep]})


def concentration_by_month(data: TableLike, top: float = 0.2) -> pd.DataFrame:
    """How concentrated the firm's volume is on a loyal core, per month since signing.

    Over the n partners in the panel at month t with firm volume ``x_i = v_i · sow_it`` and
    shares ``s_i = x_i / Σ x``:

    * ``top_share`` = share of Σ x from the ⌈top · n⌉ largest partners (the "top 20%");
    * ``hhi = Σ s_i²`` (Herfindahl–Hirschman index; 1/n when equal, 1 when one partner);
    * ``gini = Σ_i (2i − n − 1) x_(i) / (n Σ x)`` with x ascending, i = 1..n (Gini 1912).

    ``NaN`` in a month where Σ x = 0. Returns columns month, n, top_share, hhi, gini.
    """
    if not 0.0 < top <= 1.0:
        raise ParameterError(f"top must be a share in (0, 1], got {top}")
    panel, vol = _partner_rows(data, "concentration_by_month")
    month = panel["month"].to_numpy().astype(np.int64)
    x = vol * panel["share_of_wallet"].to_numpy("float64")
    if month.size == 0:
        return pd.DataFrame({"month": pd.Series([], dtype="int64"), "n": [], "top_share": [],
                             "hhi": [], "gini": []})
    order = np.lexsort((x, month))
    month, x = month[order], x[order]
    size = int(month.max()) + 1
    n = np.bincount(month, minlength=size)
    first = np.r_[0, np.cumsum(n)[:-1]]
    rank = np.arange(month.size) - first[month] + 1  # 1-based ascending rank within month
    nm = n[month].astype("float64")
    total = np.bincount(month, weights=x, minlength=size)
    k = np.ceil(top * n - 1e-9)
    top_sum = np.bincount(month, weights=x * (rank > nm - k[month]), minlength=size)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = x / total[month]
        hhi = np.bincount(month, weights=share**2, minlength=size)
        gini = np.bincount(month, weights=(2 * rank - nm - 1) * x, minlength=size) / (n * total)
        top_share = top_sum / total
    bad = total <= 0
    hhi[bad] = np.nan
    keep = n > 0
    return pd.DataFrame({"month": np.flatnonzero(keep).astype("int64"), "n": n[keep],
                         "top_share": top_share[keep], "hhi": hhi[keep], "gini": gini[keep]})


def loyal_core_share(data: TableLike, top: float = 0.2, month: int | None = None) -> float:
    """Share of the firm's volume from its top ``top`` partners in one month.

    ``Σ_{i in top ⌈top·n⌉} x_i / Σ_i x_i`` (see :func:`concentration_by_month`) at month since
    signing ``month`` (default: the last month observed). ``NaN`` when that month has no
    partner or no volume.
    """
    c = concentration_by_month(data, top)
    if c.empty:
        return math.nan
    row = c.iloc[-1] if month is None else c.loc[c["month"] == month]
    if isinstance(row, pd.DataFrame):
        if row.empty:
            return math.nan
        row = row.iloc[0]
    return float(row["top_share"])
