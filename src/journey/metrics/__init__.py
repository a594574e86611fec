"""Breakdown metrics on the journey tables: each takes a ``Journeys`` (or the relevant table)
and returns a tidy DataFrame or a number. Formulas and references are in each docstring.

:func:`summary` computes the whole suite as one flat ``dict[str, float]``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from journey.errors import JourneyDataError, NoFixedTermError
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
from journey.metrics.platform import dialogue_continuity, reach_by_month, reach_retained
from journey.metrics.retention import (
    cliff_ratio,
    cliff_ratio_by_term,
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
from journey.metrics.staff import (
    loyalty_chain,
    retention_at,
    satisfaction_after_staff_change,
    service_means,
    staff_changes_per_year,
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
    "cliff_ratio_by_term",
    "clv",
    "clv_lost",
    "clv_table",
    "concentration_by_month",
    "courtship_service_gap",
    "csat",
    "cumulative_incidence",
    "customer_states",
    "dialogue_continuity",
    "dick_basu_segments",
    "disconfirmation_by_phase",
    "exits_by_reason",
    "hazard_by_tenure",
    "hostage_share",
    "hostage_share_by_tenure",
    "jones_sasser_segments",
    "life_table",
    "loyal_core_share",
    "loyalty_chain",
    "median_lifetime",
    "nps",
    "reach_by_month",
    "reach_retained",
    "retention_at",
    "satisfaction_by_month",
    "satisfaction_after_staff_change",
    "satisfaction_by_phase",
    "satisfaction_drop",
    "sbg_residual",
    "segment_shares",
    "service_means",
    "share_of_wallet_over_time",
    "signed_share",
    "staff_changes_per_year",
    "SummaryReport",
    "summarize",
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
    :func:`cliff_ratio`; ``cliff_ratio_<T>`` per term when there are several), ``Q_gap``,
    ``D_service``, ``B_service``,
    ``barrier_hazard_reduction`` (``Σ(h0 − h)/Σh0``, delayed exits counted as prevented),
    ``hostage_share`` (customers alive at ``hostage_month``; NaN when not observed) (model
    columns present),
    ``reach_retained`` (a platform exit happened), ``volume_share_end`` and
    ``loyal_core_share`` (partners present). Metrics the data cannot support (model-only
    state, no satisfaction column, no exit reasons, ...) are left out, never computed from a
    placeholder; :func:`summarize` also gives the reason for each group left out.
    """
    return summarize(journeys, k, economics, s_threshold, hostage_month).values


@dataclass
class SummaryReport:
    """The metric suite of one cohort: ``values`` (what the data support) and ``skipped``
    (metric group → the one-line reason it does not apply to these data)."""

    values: dict[str, float]
    skipped: dict[str, str] = field(default_factory=dict)


def summarize(journeys: Journeys, k: int = 6, economics: Economics | None = None,
              s_threshold: float = 7.0, hostage_month: int = 12) -> SummaryReport:
    """:func:`summary` with the reasons for what it left out (``SummaryReport.skipped``).

    Each group of metrics is computed when the data hold its columns; a group whose metric
    refuses (:class:`~journey.schema.JourneyDataError`, naming the column it needs) is
    skipped with that reason, never computed from a placeholder.
    """
    if not isinstance(journeys, Journeys):
        raise TypeError(f"summary needs a Journeys, got {type(journeys).__name__}")
    rep = SummaryReport({})
    groups: list[tuple[str, Callable[[], dict[str, float]]]] = [
        ("retention", lambda: _retention(journeys)),
        ("cliff_ratio", lambda: _cliff(journeys)),
        ("value", lambda: _value(journeys, economics)),
        ("satisfaction", lambda: _satisfaction(journeys, k)),
        ("surveys", lambda: _surveys(journeys)),
        ("segments", lambda: _segments(journeys, s_threshold)),
        ("competing_risks", lambda: _competing(journeys)),
        ("model_state", lambda: _model_state(journeys, s_threshold, hostage_month)),
        ("platform", lambda: _platform(journeys)),
        ("partners", lambda: _partners(journeys)),
    ]
    for name, compute in groups:
        try:
            rep.values.update(compute())
        except _NotApplicable as exc:
            rep.skipped[name] = str(exc)
        except (JourneyDataError, NoFixedTermError) as exc:
            rep.skipped[name] = " ".join(str(exc).split())
    rep.values = {key: float(v) for key, v in rep.values.items()}
    return rep


class _NotApplicable(Exception):
    """A metric group that does not apply to these data (the message says why)."""


def _retention(j: Journeys) -> dict[str, float]:
    lt = life_table(j)
    return {"customers": float(lt["at_risk"].iloc[0]) if len(lt) else 0.0,
            "survival_end": float(lt["survival"].iloc[-1]) if len(lt) else math.nan,
            "median_lifetime": median_lifetime(j)}


def _cliff(j: Journeys) -> dict[str, float]:
    by_term = cliff_ratio_by_term(j)
    if by_term.empty:
        raise _NotApplicable("customers: no fixed contract term (the cliff ratio compares the"
                             " hazard after a term's end with the hazard during it)")
    if len(by_term) == 1:
        return {"cliff_ratio": float(by_term["cliff_ratio"].iloc[0])}
    return {f"cliff_ratio_{r.term_months}": float(r.cliff_ratio) for r in by_term.itertuples()}


def _value(j: Journeys, economics: Economics | None) -> dict[str, float]:
    out = {"clv": clv(j, economics) if len(life_table(j)) else math.nan}
    if len(j.customers):
        out["signed_share"] = signed_share(j)
        out["value_per_prospect"] = value_per_prospect(j, economics)
    return out


def _satisfaction(j: Journeys, k: int) -> dict[str, float]:
    p = j.panel
    if "S" not in p.columns:
        raise _NotApplicable("panel: no satisfaction column S (S_courtship, S_service, S_gap,"
                             f" S_drop_{k}, trough_month need monthly satisfaction)")
    month = p["month"].to_numpy()
    s = p["S"].to_numpy("float64")
    return {"S_courtship": _mean(s[month < 0]), "S_service": _mean(s[month >= 0]),
            "S_gap": courtship_service_gap(p, "S"), f"S_drop_{k}": satisfaction_drop(p, k),
            "trough_month": float(trough_month(p)) if (month >= 0).any() else math.nan}


def _surveys(j: Journeys) -> dict[str, float]:
    ev = j.events
    kinds = ev["kind"].astype("object") if "kind" in ev.columns else pd.Series([], dtype=object)
    answered = ("rating" in ev.columns) and bool(
        (kinds.isin(["survey", "recommend"]).to_numpy() & ev["rating"].notna().to_numpy()).any())
    if not answered:
        raise _NotApplicable("events: no survey answers (csat needs satisfaction ratings, nps"
                             " the likelihood-to-recommend item)")
    return {"csat": csat(j), "nps": nps(j)}


def _segments(j: Journeys, s_threshold: float) -> dict[str, float]:
    if "S" not in j.panel.columns:
        raise _NotApplicable("panel: no satisfaction column S (Jones & Sasser and Dick & Basu"
                             " segments need each customer's satisfaction)")
    out: dict[str, float] = {}
    db = dick_basu_segments(j)
    for name, seg in (("js", jones_sasser_segments(j, s_threshold)), ("db", db)):
        for row in segment_shares(seg).itertuples(index=False):
            out[f"{name}_{row.segment}"] = float(row.share)
    out["db_unclassified"] = float(db["segment"].isna().mean()) if len(db) else math.nan
    return out


def _competing(j: Journeys) -> dict[str, float]:
    if "exit_reason" not in j.customers.columns:
        raise _NotApplicable("customers: no exit_reason column (cumulative incidence by exit"
                             " reason needs why each customer left)")
    cif = cumulative_incidence(j)
    return {f"cif_{reason}": float(cif[reason].iloc[-1]) if len(cif) else math.nan
            for reason in cif.columns[4:]}


def _model_state(j: Journeys, s_threshold: float, hostage_month: int) -> dict[str, float]:
    p = j.panel
    cols = set(p.columns)
    if not {"Q", "E", "F", "P", "M", "h", "h0"} & cols:
        raise _NotApplicable("panel: no model state (Q, E, F, P, M, h, h0 exist in simulated"
                             " data only)")
    month = p["month"].to_numpy()
    serv = month >= 0
    out: dict[str, float] = {}
    if {"Q"} <= cols:
        out["Q_gap"] = courtship_service_gap(p, "Q")
    if {"Q", "E"} <= cols:
        out["D_service"] = _mean(p["Q"].to_numpy()[serv] - p["E"].to_numpy()[serv])
    if {"F", "P", "M"} <= cols:
        out["B_service"] = _mean(p["F"].to_numpy()[serv] + p["P"].to_numpy()[serv]
                                 + p["M"].to_numpy()[serv])
    if {"h", "h0"} <= cols:
        out["barrier_hazard_reduction"] = barrier_hazard_reduction(p)
        out["hostage_share"] = hostage_share(p, hostage_month, s_threshold)
    return out


def _platform(j: Journeys) -> dict[str, float]:
    ev = j.events
    if not (ev["kind"] == "platform_exit").to_numpy(dtype=bool, na_value=False).any():
        raise _NotApplicable("events: no platform exit (reach_retained needs one)")
    return {"reach_retained": reach_retained(j)}


def _partners(j: Journeys) -> dict[str, float]:
    c = j.customers
    if "is_partner" not in c.columns or not c["is_partner"].to_numpy(dtype=bool).any():
        raise _NotApplicable("customers: no partner (share-of-wallet metrics need"
                             " is_partner)")
    sow = share_of_wallet_over_time(j)
    return {"volume_share_end": float(sow["volume_share"].iloc[-1]),
            "loyal_core_share": loyal_core_share(j)}


def _mean(x: np.ndarray) -> float:
    """Mean of an array, NaN (without a warning) when it is empty."""
    return float(x.mean()) if x.size else math.nan
