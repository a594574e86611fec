"""Finding the existing partner community in transaction data, before a competitor enters.

A firm sees, for each partner, its share of wallet month by month (and so the partner's
volume), how long it has been a partner, which relationship manager serves it (``staff_change``
events) and the ideas it sent and the firm adopted (``idea``, ``idea_adopted``). It does not see
the bond ``R`` those build (``docs/model.md`` 3.4, step 6), nor how the partner will behave once
a competitor enters. This module turns the observable tables into one row per partner
(:func:`partner_observables`), scores partners by a unit-weighted composite of percentile ranks
(:func:`community_score`, :func:`flag_top`), defines the simulator's truth
(:func:`community_truth`) and scores a detector against it (:func:`detection_scores`,
:func:`compare_detectors`).

The truth is never an input of a detector: detectors read observables up to the month before
entry; the truth is the latent bond in that month (never observed) and the share of wallet
realised after the entry (the future).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from journey.errors import ParameterError
from journey.metrics._tables import need, service_rows
from journey.schema import JourneyDataError, Journeys

__all__ = ["DETECTOR", "NAIVE", "OBSERVABLES", "community_score", "community_truth",
           "compare_detectors", "detection_scores", "flag_top", "partner_observables"]

OBSERVABLES = {
    "volume": "the partner's monthly business at full share (customers.volume)",
    "firm_volume": "business the firm gets in the month: volume · share of wallet",
    "sow": "share of wallet in the month",
    "sow_level": "mean share of wallet over the window's months",
    "sow_trend": "least-squares slope of the share of wallet over the window (per month)",
    "tenure": "service months as a partner up to the month",
    "ideas": "ideas the partner sent up to the month",
    "ideas_heard": "of which the firm adopted",
    "ideas_unheard": "of which the firm did not adopt",
    "manager_changes": "changes of relationship manager up to the month",
    "manager_tenure": "months with the current relationship manager (since signing if none)",
    "heard_balance": "ideas adopted minus ideas not adopted since the current manager took over",
}
#: The detector: share of wallet now, and a relationship that lasts and listens
#: (unit weights; Dawes 1979). ``tenure`` carries no information in one signing cohort.
DETECTOR = {"sow_level": 1.0, "tenure": 1.0, "manager_tenure": 1.0, "heard_balance": 1.0}
#: The naive rule: the partners who bring the firm the most business (key accounts).
NAIVE = {"firm_volume": 1.0}


def _service(data: Journeys, what: str) -> pd.DataFrame:
    if not isinstance(data, Journeys):
        raise JourneyDataError(f"{what}: expected a Journeys, got {type(data).__name__}")
    return service_rows(data.panel, what, ("share_of_wallet", "exited"))


def _alive_partners(data: Journeys, rows: pd.DataFrame, month: int, what: str) -> np.ndarray:
    c = data.customers
    need(c, ["customer_id", "is_partner", "volume"], "customers", what)
    partners = c.loc[c["is_partner"].to_numpy(dtype=bool), "customer_id"].to_numpy()
    at = rows.loc[(rows["month"].to_numpy() == month) & ~rows["exited"].to_numpy(dtype=bool)]
    ids = np.intersect1d(at["customer_id"].to_numpy(), partners)
    if ids.size == 0:
        raise JourneyDataError(f"panel: {what}: no partner is alive at the end of service month"
                               f" {month} (customers.is_partner true, panel month {month},"
                               " exited false)")
    return ids


def _window_stats(rows: pd.DataFrame, ids: np.ndarray, month: int,
                  window: int) -> pd.DataFrame:
    """Per partner: share of wallet at ``month``, mean and least-squares slope over the window,
    and the service months up to ``month``."""
    m = rows["month"].to_numpy()
    mine = rows.loc[np.isin(rows["customer_id"].to_numpy(), ids) & (m <= month)]
    tenure = mine.groupby("customer_id").size().reindex(ids)
    first = mine.groupby("customer_id")["month"].min().reindex(ids)
    win = mine.loc[mine["month"].to_numpy() > month - window]
    t = win["month"].to_numpy("float64")
    w = win["share_of_wallet"].to_numpy("float64")
    g = pd.DataFrame({"customer_id": win["customer_id"].to_numpy(), "t": t, "w": w,
                      "tt": t * t, "tw": t * w}).groupby("customer_id").agg(
        n=("t", "size"), st=("t", "sum"), sw=("w", "sum"), stt=("tt", "sum"),
        stw=("tw", "sum")).reindex(ids)
    sxx = g["stt"] - g["st"] ** 2 / g["n"]
    sxy = g["stw"] - g["st"] * g["sw"] / g["n"]
    slope = (sxy / sxx.where(sxx > 1e-12)).fillna(0.0)
    now = mine.loc[mine["month"].to_numpy() == month].set_index("customer_id")
    return pd.DataFrame({"sow": now["share_of_wallet"].reindex(ids).to_numpy("float64"),
                         "sow_level": (g["sw"] / g["n"]).to_numpy("float64"),
                         "sow_trend": slope.to_numpy("float64"),
                         "tenure": tenure.to_numpy("int64"),
                         "first": first.to_numpy("int64")}, index=pd.Index(ids,
                                                                         name="customer_id"))


def _relationship_events(events: pd.DataFrame, ids: np.ndarray, first: pd.Series,
                         month: int) -> pd.DataFrame:
    """Per partner: ideas sent, adopted, not adopted; manager changes, months with the current
    manager and the heard balance since that manager took over."""
    need(events, ["customer_id", "month", "kind"], "events", "partner_observables")
    ev = events.loc[np.isin(events["customer_id"].to_numpy(), ids)
                    & (events["month"].to_numpy() >= 0) & (events["month"].to_numpy() <= month)]
    kind = ev["kind"].astype("object").to_numpy()
    cid, mon = ev["customer_id"].to_numpy(), ev["month"].to_numpy()

    def count(mask: np.ndarray) -> np.ndarray:
        return pd.Series(1, index=cid[mask]).groupby(level=0).size().reindex(
            ids, fill_value=0).to_numpy("int64")

    is_idea, is_heard, is_change = kind == "idea", kind == "idea_adopted", kind == "staff_change"
    last = pd.Series(mon[is_change], index=cid[is_change]).groupby(level=0).max()
    since = last.reindex(ids).fillna(first.reindex(ids)).to_numpy("int64")
    since_of = pd.Series(since, index=ids).reindex(cid).to_numpy()
    recent = mon >= since_of
    ideas, heard = count(is_idea), count(is_heard)
    balance = 2 * count(is_heard & recent) - count(is_idea & recent)
    return pd.DataFrame({"ideas": ideas, "ideas_heard": heard, "ideas_unheard": ideas - heard,
                         "manager_changes": count(is_change),
                         "manager_tenure": month - since, "heard_balance": balance},
                        index=pd.Index(ids, name="customer_id"))


def partner_observables(data: Journeys, month: int, window: int = 6) -> pd.DataFrame:
    """What the firm observes of each partner alive at the end of service ``month``.

    One row per partner (index ``customer_id``), from observable columns only (panel
    ``share_of_wallet`` and ``exited``; events ``idea``, ``idea_adopted``, ``staff_change``;
    customers ``volume``), the columns of :data:`OBSERVABLES`. Over the window's months
    ``W = {month − window + 1, …, month}`` the partner was observed in:

    * ``sow_level = Σ_{t∈W} w_t / |W|``;
    * ``sow_trend = Σ (t − t̄)(w_t − w̄) / Σ (t − t̄)²`` (per month; 0 with one month);
    * ``manager_tenure = month − s`` and ``heard_balance`` = adopted − not adopted ideas in
      months ``s … month``, where ``s`` is the month of the last manager change (the bond
      breaks there, ``docs/model.md`` 3.4 step 6) or the first service month if none;
    * ``firm_volume = volume · w_month``.
    """
    if window < 1:
        raise ParameterError(f"parameter 'window' must be >= 1 month, got {window}")
    what = "partner_observables"
    rows = _service(data, what)
    ids = _alive_partners(data, rows, month, what)
    stats = _window_stats(rows, ids, month, window)
    rel = _relationship_events(data.events, ids, stats["first"], month)
    vol = data.customers.set_index("customer_id")["volume"].reindex(ids).to_numpy("float64")
    out = pd.DataFrame({"volume": vol, "firm_volume": vol * stats["sow"].to_numpy()},
                       index=stats.index)
    out = out.join(stats.drop(columns="first")).join(rel)
    return out[list(OBSERVABLES)]


def community_truth(data: Journeys, month: int, after: int, cut: float = 0.5) -> pd.DataFrame:
    """The simulator's truth: which partners alive at the end of ``month`` are the loyal core.

    True loyalty in Dick & Basu's (1994) sense is a strong relative attitude together with
    repeat patronage. In the simulator: attitude is the latent bond ``R`` in ``month`` (the
    last month before the competitor enters; model-only, never observed and never an input of
    a detector), and patronage is the share of wallet realised in month ``after`` (the future,
    after the entry; 0 for a partner gone by then). A partner is in the core when both are at
    or above their ``cut`` quantile over the partners alive at ``month`` (default: the top half
    on each):

    ``core_i = [R_i ≥ Q_cut(R)] · [w_i,after ≥ Q_cut(w_after)]``.

    Returns columns bond, sow_after, bonded, loyal_after, core (index ``customer_id``).
    """
    if not 0.0 <= cut < 1.0:
        raise ParameterError(f"parameter 'cut' must be a quantile in [0, 1), got {cut}")
    if after <= month:
        raise ParameterError(f"parameter 'after' ({after}) must come after 'month' ({month})")
    what = "community_truth"
    rows = _service(data, what)
    if after > rows["month"].max():
        raise JourneyDataError(f"panel: {what} needs service month {after} (parameter 'after');"
                               f" the panel ends at month {rows['month'].max()}")
    ids = _alive_partners(data, rows, month, what)
    need(data.panel, ["R"], "panel", f"{what} (the simulator's latent bond; real data has no"
         " truth)")
    p = data.panel
    at = p.loc[p["month"].to_numpy() == month].set_index("customer_id")
    bond = at["R"].reindex(ids).to_numpy("float64")
    later = rows.loc[rows["month"].to_numpy() == after].set_index("customer_id")
    sow_after = later["share_of_wallet"].reindex(ids).fillna(0.0).to_numpy("float64")
    bonded = bond >= np.quantile(bond, cut)
    loyal = sow_after >= np.quantile(sow_after, cut)
    return pd.DataFrame({"bond": bond, "sow_after": sow_after, "bonded": bonded,
                         "loyal_after": loyal, "core": bonded & loyal},
                        index=pd.Index(ids, name="customer_id"))


def community_score(observables: pd.DataFrame, weights: Mapping[str, float]) -> pd.Series:
    """Unit-weighted composite of percentile ranks (Dawes 1979: fixed weights, nothing fitted):

    ``score_i = Σ_k w_k · r_ik / n / Σ_k |w_k|``, ``r_ik`` = the average rank (1 … n) of
    partner ``i`` on observable ``k`` (ties share their mean rank). A negative weight counts an
    observable against the partner. A constant observable shifts every score alike.
    """
    if not weights:
        raise ParameterError("parameter 'weights' is empty; expected observable -> weight")
    missing = [k for k in weights if k not in observables.columns]
    if missing:
        raise JourneyDataError(f"community_score: observables lack column(s) "
                               f"{', '.join(missing)}; expected columns of partner_observables")
    total = sum(abs(float(w)) for w in weights.values())
    if total == 0:
        raise ParameterError("parameter 'weights': every weight is 0")
    n = len(observables)
    score = np.zeros(n)
    for k, w in weights.items():
        score += float(w) * rankdata(observables[k].to_numpy("float64")) / n
    return pd.Series(score / total, index=observables.index, name="score")


def flag_top(score: pd.Series, share: float) -> pd.Series:
    """Flag the ``⌈share · n⌉`` highest scores (ties broken by the order of the index)."""
    if not 0.0 < share <= 1.0:
        raise ParameterError(f"parameter 'share' must be a share in (0, 1], got {share}")
    k = math.ceil(share * len(score) - 1e-9)
    order = np.argsort(-score.to_numpy("float64"), kind="stable")
    flagged = np.zeros(len(score), bool)
    flagged[order[:k]] = True
    return pd.Series(flagged, index=score.index, name="flagged")


def detection_scores(flagged: pd.Series, truth: pd.Series) -> dict[str, float]:
    """Precision, recall and F1 of flagged partners against the truth (same index).

    With ``TP`` = flagged and true, ``precision = TP / flagged``, ``recall = TP / true``,
    ``F1 = 2 · precision · recall / (precision + recall)`` (the harmonic mean; van Rijsbergen
    1979), and ``base_rate = true / n``, the precision of flagging at random. ``NaN`` where a
    denominator is 0 (F1 is 0 when nothing flagged is true).
    """
    if len(flagged) != len(truth) or not flagged.index.sort_values().equals(
            truth.index.sort_values()):
        raise JourneyDataError("detection_scores: flagged and truth must hold the same partners"
                               f" (index); got {len(flagged)} and {len(truth)} rows")
    f = flagged.to_numpy(dtype=bool)
    t = truth.reindex(flagged.index).to_numpy(dtype=bool)
    tp, nf, nt = float((f & t).sum()), float(f.sum()), float(t.sum())
    precision = tp / nf if nf else math.nan
    recall = tp / nt if nt else math.nan
    if math.isnan(precision) or math.isnan(recall):
        f1 = math.nan
    else:
        f1 = 2 * precision * recall / (precision + recall) if tp else 0.0
    return {"precision": precision, "recall": recall, "f1": f1,
            "base_rate": nt / len(t) if len(t) else math.nan}


def compare_detectors(data: Journeys, month: int, after: int,
                      methods: Mapping[str, Mapping[str, float]], share: float = 0.2,
                      window: int = 6, cut: float = 0.5) -> dict[str, float]:
    """Each method (name → weights of :func:`community_score`) flags the top ``share`` of the
    partners alive at ``month`` from :func:`partner_observables`; returns
    ``{method}.{precision|recall|f1}`` against :func:`community_truth` (``core``) and
    ``core_share``, the truth's share of the partners (the precision of a random pick), one
    flat dict for
    :func:`journey.replications.replicate`."""
    obs = partner_observables(data, month, window)
    truth = community_truth(data, month, after, cut)["core"]
    out: dict[str, float] = {}
    for name, weights in methods.items():
        s = detection_scores(flag_top(community_score(obs, weights), share), truth)
        out.update({f"{name}.{k}": s[k] for k in ("precision", "recall", "f1")})
    out["core_share"] = float(truth.mean())
    return out
