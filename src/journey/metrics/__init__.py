"""Breakdown metrics on the journey tables: each takes a ``Journeys`` (or the relevant table)
and returns a tidy DataFrame or a number. Formulas and references are in each docstring.

:func:`summary` computes the whole suite as one flat ``dict[str, float]``;
:func:`summarize_parts` the same suite on a cohort written in parts, one part at a time
(``docs/big-cohorts.md``).
"""

from __future__ import annotations

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
from journey.metrics.parts import summarize_parts
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
from journey.metrics.suite import Options, SummaryReport, partials, report
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
    "summarize_parts",
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


def summarize(journeys: Journeys, k: int = 6, economics: Economics | None = None,
              s_threshold: float = 7.0, hostage_month: int = 12) -> SummaryReport:
    """:func:`summary` with the reasons for what it left out (``SummaryReport.skipped``).

    Each group of metrics is computed when the data hold its columns; a group whose metric
    refuses (:class:`~journey.schema.JourneyDataError`, naming the column it needs) is
    skipped with that reason, never computed from a placeholder. Each group is finished from
    its partial sums and counts (:mod:`journey.metrics.suite`), the same that
    :func:`summarize_parts` adds over the parts of a cohort too big for memory.
    """
    if not isinstance(journeys, Journeys):
        raise TypeError(f"summary needs a Journeys, got {type(journeys).__name__}")
    opt = Options(k, economics, s_threshold, hostage_month)
    rep = report(partials(journeys, opt), opt)
    rep.prospects = len(journeys.customers)
    return rep

