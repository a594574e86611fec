"""Breakdown metrics on the journey tables: each takes a ``Journeys`` (or the relevant table)
and returns a tidy DataFrame or a number. Formulas and references are in each docstring.

:func:`summary` computes the whole suite as one flat ``dict[str, float]``.
"""

from __future__ import annotations

import math

import numpy as np

from journey.metrics.barriers import (
    barrier_hazard_reduction,
    barrier_hazard_reduction_by_tenure,
    barrier_index_by_tenure,
    hostage_share,
    hostage_share_by_tenure,
)
from journey.metrics.competing import (
    cause_specific_hazard,
    cumulative_incidence,
    exits_by_reason,
)
from journey.metrics.partners import (
    concentration_by_month,
    loyal_core_share,
    share_of_wallet_over_time,
)
from journey.metrics.platform import reach_by_month, reach_retained
from journey.metrics.retention import (
    cliff_ratio,
    hazard_by_tenure,
    life_table,
    median_lifetime,
    survival_curve,
)
from journey.metrics.satisfaction import (
    courtship_service_gap,
    csat,
    disconfirmation_by_phase,
    nps,
    satisfaction_by_month,
    satisfaction_by_phase,
    satisfaction_drop,
    survey_scores,
    top_box_threshold,
    trough_month,
)
from journey.metrics.segments import (
    ALTERNATIVE_REFERENCE,
    DICK_BASU,
    JONES_SASSER,
    customer_states,
    dick_basu_segments,
    jones_sasser_segments,
    segment_shares,
)
from journey.metrics.value import (
    Economics,
    clv,
    clv_lost,
    clv_table,
    sbg_residual,
    signed_share,
    value_per_prospect,
)
from journey.schema import Journeys

__all__ = [
    "ALTERNATIVE_REFERENCE",
    "DICK_BASU",
    "JONES_SASSER",
    "Economics",
    "barrier_hazard_reduction",
    "barrier_hazard_reduction_by_tenure",
    "barrier_index_by_tenure",
    "cause_specific_hazard",
    "cliff_ratio",
    "clv",
    "clv_lost",
    "clv_table",
    "concentration_by_month",
    "courtship_service_gap",
    "csat",
    "cumulative_incidence",
    "customer_states",
    "dick_basu_segments",
    "disconfirmation_by_phase",
    "exits_by_reason",
    "hazard_by_tenure",
    "hostage_share",
    "hostage_share_by_tenure",
    "jones_sasser_segments",
    "life_table",
    "loyal_core_share",
    "median_lifetime",
    "nps",
    "reach_by_month",
    "reach_retained",
    "satisfaction_by_month",
    "satisfaction_by_phase",
    "satisfaction_drop",
    "sbg_residual",
    "segment_shares",
    "share_of_wallet_over_time",
    "signed_share",
    "summary",
    "survey_scores",
    "survival_curve",
    "top_box_threshold",
    "trough_month",
    "value_per_prospect",
]


def summary(journeys: Journeys, k: int = 6, economics: Economics | None = None,
            s_threshold: float = 7.0, hostage_month: int = 12) -> dict[str, float]:
    """The whole metric suite as one flat ``dict[str, float]`` (for ``metrics.json``).

    Always (observed columns): ``customers`` (signed, with service months), ``S_courtship``,
    ``S_service``, ``S_gap`` (:func:`courtship_service_gap` on S), ``S_drop_k``
    (:func:`satisfaction_drop`), ``trough_month``, ``csat`` (service-phase satisfaction
    ratings in the top quarter of the 0–10 scale, 8–10) and ``nps`` (service-phase
    likelihood-to-recommend answers; both NaN without answers), ``survival_end``,
    ``median_lifetime`` (inf when not reached), ``clv`` (per signed customer over the observed
    months, on ``economics``' margin; revenue when ``None``), the Jones & Sasser segment shares
    ``js_<segment>`` (``S ≥ s_threshold`` × stays), the Dick & Basu shares ``db_<segment>``
    (relative attitude against :data:`ALTERNATIVE_REFERENCE` × repeat patronage; shares of
    the classified customers) and ``db_unclassified`` (share of customers with no repurchase
    choice yet, left out of ``db_<segment>``), the cumulative incidence by the last month
    observed of each exit reason ``cif_<reason>`` (:func:`cumulative_incidence`; they sum to
    ``1 − survival_end``).
    When the data allow it: ``signed_share`` and ``value_per_prospect`` (prospects in
    ``customers``), ``cliff_ratio`` (one fixed term; months T over months 1 … T − 1,
    :func:`cliff_ratio`), ``Q_gap``, ``D_service``, ``B_service``,
    ``barrier_hazard_reduction`` (``Σ(h0 − h)/Σh0``, delayed exits counted as prevented),
    ``hostage_share`` (customers alive at ``hostage_month``; NaN when not observed) (model
    columns present),
    ``reach_retained`` (a platform exit happened), ``volume_share_end`` and
    ``loyal_core_share`` (partners present). Model-only metrics are left out, not faked, on
    real data.
    """
    if not isinstance(journeys, Journeys):
        raise TypeError(f"summary needs a Journeys, got {type(journeys).__name__}")
    p = journeys.panel
    month = p["month"].to_numpy()
    s = p["S"].to_numpy("float64")
    out: dict[str, float] = {}
    lt = life_table(journeys)
    out["customers"] = float(lt["at_risk"].iloc[0]) if len(lt) else 0.0
    out["S_courtship"] = _mean(s[month < 0])
    out["S_service"] = _mean(s[month >= 0])
    out["S_gap"] = courtship_service_gap(p, "S")
    out[f"S_drop_{k}"] = satisfaction_drop(p, k)
    out["trough_month"] = float(trough_month(p)) if (month >= 0).any() else math.nan
    out["csat"] = csat(journeys)
    out["nps"] = nps(journeys)
    out["survival_end"] = float(lt["survival"].iloc[-1]) if len(lt) else math.nan
    out["median_lifetime"] = median_lifetime(journeys)
    try:
        out["cliff_ratio"] = cliff_ratio(journeys)
    except ValueError:  # no single fixed term: the metric does not apply
        pass
    out["clv"] = clv(journeys, economics) if len(lt) else math.nan
    if len(journeys.customers):
        out["signed_share"] = signed_share(journeys)
        out["value_per_prospect"] = value_per_prospect(journeys, economics)
    db = dick_basu_segments(journeys)
    for name, seg in (("js", jones_sasser_segments(journeys, s_threshold)), ("db", db)):
        for row in segment_shares(seg).itertuples(index=False):
            out[f"{name}_{row.segment}"] = float(row.share)
    out["db_unclassified"] = float(db["segment"].isna().mean()) if len(db) else math.nan
    cif = cumulative_incidence(journeys)
    for reason in cif.columns[4:]:
        out[f"cif_{reason}"] = float(cif[reason].iloc[-1]) if len(cif) else math.nan
    cols = set(p.columns)
    if {"Q"} <= cols:
        out["Q_gap"] = courtship_service_gap(p, "Q")
    if {"Q", "E"} <= cols:
        serv = month >= 0
        out["D_service"] = _mean(p["Q"].to_numpy()[serv] - p["E"].to_numpy()[serv])
    if {"F", "P", "M"} <= cols:
        serv = month >= 0
        out["B_service"] = _mean(p["F"].to_numpy()[serv] + p["P"].to_numpy()[serv]
                                 + p["M"].to_numpy()[serv])
    if {"h", "h0"} <= cols:
        out["barrier_hazard_reduction"] = barrier_hazard_reduction(p)
        out["hostage_share"] = hostage_share(p, hostage_month, s_threshold)
    ev = journeys.events
    if (ev["kind"] == "platform_exit").to_numpy(dtype=bool, na_value=False).any():
        out["reach_retained"] = reach_retained(journeys)
    if journeys.customers["is_partner"].to_numpy(dtype=bool).any():
        sow = share_of_wallet_over_time(journeys)
        out["volume_share_end"] = float(sow["volume_share"].iloc[-1])
        out["loyal_core_share"] = loyal_core_share(journeys)
    return {key: float(v) for key, v in out.items()}


def _mean(x: np.ndarray) -> float:
    """Mean of an array, NaN (without a warning) when it is empty."""
    return float(x.mean()) if x.size else math.nan
