"""What exit barriers buy and what they cost: retention, hostages, the satisfaction of the
customers they keep, value per prospect, and the value of service quality at each barrier level.

Barriers ``B = F + P + M`` (months of price; Jones, Mothersbaugh & Beatty 2000) lower the
monthly exit probability ``h`` below the probability without them, ``h0``
(``docs/model.md``, 3.7). A higher barrier therefore keeps more customers (retention, value
per prospect) but keeps them whatever their satisfaction: the customers it adds are the ones
who would have left, so it adds hostages (Jones & Sasser 1995) and lowers the mean satisfaction
of the customers retained. It also blunts the return to service quality: where customers
cannot leave, a better service keeps fewer of them that would otherwise have gone, so a firm
that knows its customers are held has less reason to invest in service. This module measures
these on simulated cohorts:

* :func:`barrier_outcomes` — the outcomes of one cohort (retention, hostage share,
  satisfaction of the retained, value per prospect, cliff ratio, cumulative incidence by exit
  reason);
* :func:`barrier_curves` — the same by month since signing (hazard, hostage share, mean S);
* :func:`sweep` — outcomes and curves of several scenarios on the same replication seeds
  (common random numbers; :mod:`journey.replications`);
* :func:`service_value_by_barrier` — value per prospect of one more point of service quality
  at each barrier level;
* :func:`interaction_estimates` — the satisfaction × barrier interaction of the exit hazard
  fitted on a cohort, without and with the (model-only) frailty.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from journey.errors import JourneyDataError, ParameterError
from journey.metrics import (
    Economics,
    cliff_ratio,
    cumulative_incidence,
    hazard_by_tenure,
    hostage_share,
    hostage_share_by_tenure,
    life_table,
    satisfaction_by_month,
    value_per_prospect,
)
from journey.models import fit_exit_hazard
from journey.replications import replication_seeds
from journey.scenario import Scenario
from journey.schema import Journeys
from journey.simulate import simulate

__all__ = ["SweepRuns", "barrier_curves", "barrier_outcomes", "dose_scenarios",
           "interaction_estimates", "service_value_by_barrier", "sweep"]


def _observed_months(data: Journeys) -> int:
    lt = life_table(data)
    if lt.empty:
        raise JourneyDataError("panel: barrier_outcomes needs service months (month >= 0);"
                               " found none")
    return int(lt["month"].iloc[-1]) + 1


def _mean_s_at(panel: pd.DataFrame, month: int) -> float:
    s = panel.loc[panel["month"].to_numpy() == month, "S"].to_numpy("float64")
    return float(s.mean()) if s.size else math.nan


def _cliff(data: Journeys) -> float:
    try:
        return cliff_ratio(data)
    except JourneyDataError:  # no single fixed term (NoFixedTermError)
        return math.nan


def _churn_by_contract(data: Journeys, observed: int) -> dict[str, float]:
    """Mean monthly hazard inside the one fixed term (months 1 … T − 1) and after it (months
    T … T + 6 observed); NaN without a single term or when those months are not observed."""
    c = data.customers
    terms = np.unique(c.loc[data.signed(), "term_months"].to_numpy())
    terms = terms[terms > 0]
    nan = {"in_contract_churn": math.nan, "post_term_churn": math.nan}
    if terms.size != 1 or terms[0] < 2:
        return nan
    T = int(terms[0])
    h = hazard_by_tenure(data).set_index("month")["hazard"]
    inside = h.reindex(range(1, T)).to_numpy()
    after = h.reindex(range(T, min(T + 7, observed))).to_numpy()
    return {"in_contract_churn": float(inside.mean()) if np.isfinite(inside).all() else math.nan,
            "post_term_churn": float(after.mean()) if after.size else math.nan}


def barrier_outcomes(data: Journeys, economics: Economics | None = None, month: int = 12,
                     s_threshold: float = 7.0) -> dict[str, float]:
    """Outcomes of one cohort that barriers move, as a flat ``dict`` of floats.

    With ``S(t)`` the life-table survival to the end of month t (:func:`life_table`), ``H``
    the months observed and ``m`` = ``month`` (1 ≤ m < H):

    * ``retained_at_month`` = ``S(m − 1)``, the share of signed customers alive at the start of
      month m; ``retained_end`` = ``S(H − 1)``;
    * ``hostage_share`` at month m and ``hostage_share_end`` at month H − 1
      (:func:`journey.metrics.hostage_share`: ``S < s_threshold``, ``h0`` high, ``h`` low;
      Jones & Sasser 1995);
    * ``satisfaction_retained`` = mean ``S`` of the customers alive at the start of month m,
      ``satisfaction_retained_end`` the same at month H − 1;
    * ``value_per_prospect`` = signed share × CLV − acquisition cost over the H months
      (:func:`journey.metrics.value_per_prospect`; Blattberg & Deighton 1996);
    * ``cliff_ratio`` = hazard at month T over the mean hazard of months 1 … T − 1 for the
      term T (:func:`journey.metrics.cliff_ratio`; NaN when month T is not observed or there
      is no single fixed term); ``in_contract_churn`` = mean monthly hazard ``h(t)`` of
      months 1 … T − 1 and ``post_term_churn`` that of months T … T + 6 (those observed), as
      in ``docs/calibration.md``;
    * ``out_of_contract_end`` = share of the customers alive at month H − 1 on a rolling
      contract (``rolled_over``);
    * ``cif_<reason>`` = Aalen–Johansen cumulative incidence of each exit reason by month
      H − 1 (Aalen & Johansen 1978; they sum to ``1 − retained_end``).

    Needs the model-only columns ``S``, ``h``, ``h0`` and ``rolled_over`` (simulated data).
    """
    if not isinstance(data, Journeys):
        raise JourneyDataError(f"barrier_outcomes needs a Journeys, got {type(data).__name__}")
    H = _observed_months(data)
    if not (isinstance(month, int | np.integer) and 1 <= month < H):
        raise ParameterError(f"month must be a month since signing in 1..{H - 1} (the months"
                             f" observed after the signing month), got {month!r}")
    lt = life_table(data).set_index("month")["survival"]
    panel = data.panel
    out = {
        "retained_at_month": float(lt.loc[month - 1]),
        "retained_end": float(lt.iloc[-1]),
        "hostage_share": hostage_share(panel, int(month), s_threshold),
        "hostage_share_end": hostage_share(panel, H - 1, s_threshold),
        "satisfaction_retained": _mean_s_at(panel, int(month)),
        "satisfaction_retained_end": _mean_s_at(panel, H - 1),
        "value_per_prospect": value_per_prospect(data, economics),
        "cliff_ratio": _cliff(data),
        **_churn_by_contract(data, H),
    }
    last = panel.loc[panel["month"].to_numpy() == H - 1, "rolled_over"].to_numpy(dtype=bool)
    out["out_of_contract_end"] = float(last.mean()) if last.size else math.nan
    cif = cumulative_incidence(data)
    out |= {f"cif_{reason}": float(cif[reason].iloc[-1]) for reason in cif.columns[4:]}
    return {key: float(v) for key, v in out.items()}


def barrier_curves(data: Journeys, s_threshold: float = 7.0) -> pd.DataFrame:
    """Per month since signing (service months): the exit hazard ``h(t) = exits/at_risk``
    (:func:`journey.metrics.hazard_by_tenure`), the hostage share
    (:func:`journey.metrics.hostage_share_by_tenure`; Jones & Sasser 1995) and the mean
    satisfaction ``S`` of the customers alive at the month's start
    (:func:`journey.metrics.satisfaction_by_month`).

    Returns columns month, hazard, hostage_share, satisfaction.
    """
    hz = hazard_by_tenure(data).set_index("month")["hazard"]
    hs = hostage_share_by_tenure(data, s_threshold).set_index("month")["hostage_share"]
    s = satisfaction_by_month(data).set_index("month")["mean"]
    out = pd.DataFrame({"hazard": hz, "hostage_share": hs.reindex(hz.index),
                        "satisfaction": s.reindex(hz.index)})
    return out.rename_axis("month").reset_index()


def dose_scenarios(scenario: Scenario, parameter: str, doses: Sequence[float]
                   ) -> dict[float, Scenario]:
    """``{dose: scenario with parameter = dose}`` for each dose (validated like any scenario:
    an unknown parameter or a dose outside its bounds raises
    :class:`~journey.errors.ScenarioError` naming it)."""
    if not isinstance(scenario, Scenario):
        raise TypeError(f"scenario must be a Scenario, got {type(scenario).__name__}")
    if len(doses) == 0:
        raise ParameterError(f"doses of '{parameter}': expected at least one value, got none")
    return {float(d): scenario.replace(**{parameter: float(d)}) for d in doses}


@dataclass(frozen=True)
class SweepRuns:
    """Runs of :func:`sweep`: ``outcomes`` has one row per (dose, replication) with columns
    dose, replication, seed and the :func:`barrier_outcomes` (plus ``value_raised`` and
    ``service_value`` when a service step was given); ``curves`` one row per (dose,
    replication, month) with the :func:`barrier_curves` columns. Summarise with
    ``journey.replications.summarize_replications(runs.outcomes, by="dose")`` (curves:
    ``by=["dose", "month"]``)."""

    outcomes: pd.DataFrame
    curves: pd.DataFrame


def _raised(scenario: Scenario, delta: float) -> Scenario:
    return scenario.replace(service_quality=scenario.service_quality + delta)


def _check_delta(delta: float | None) -> None:
    if delta is not None and not (math.isfinite(delta) and delta != 0.0):
        raise ParameterError(f"service_delta must be a finite, non-zero change of service_quality"
                             f" (points 0-10), got {delta!r}")


def sweep(scenarios: Mapping[Hashable, Scenario], *, n_customers: int, months: int, seed: int,
          replications: int, economics: Economics | None = None, month: int = 12,
          s_threshold: float = 7.0, service_delta: float | None = None) -> SweepRuns:
    """Every scenario on the same replication seeds (common random numbers).

    Seeds are ``journey.replications.replication_seeds(seed, replications)``, the same for every
    scenario, so differences between scenarios are not drawn from noise (the same prospects,
    signers and satisfaction paths when only barriers or renewal change; ``docs/model.md``,
    3.10). Each cohort is ``simulate(scenario, n_customers, months, seed_i)``; its
    :func:`barrier_outcomes` (``economics``, ``month``, ``s_threshold``) and
    :func:`barrier_curves` are recorded under the scenario's key (column ``dose``).

    With ``service_delta = Δ`` each cohort is also run with ``service_quality + Δ`` on the same
    seed, adding ``value_raised`` (its value per prospect) and the value of service quality per
    point, ``service_value = (V(q + Δ) − V(q)) / Δ``.
    """
    _check_delta(service_delta)
    if not scenarios:
        raise ParameterError("scenarios: expected at least one scenario, got none")
    seeds = replication_seeds(seed, replications)
    rows, curves = [], []
    for key, sc in scenarios.items():
        raised = _raised(sc, service_delta) if service_delta is not None else None
        for i, s in enumerate(seeds):
            cohort = simulate(sc, n_customers, months, s)
            row = {"dose": key, "replication": i, "seed": s,
                   **barrier_outcomes(cohort, economics, month, s_threshold)}
            if raised is not None:
                v = value_per_prospect(simulate(raised, n_customers, months, s), economics)
                row["value_raised"] = v
                row["service_value"] = (v - row["value_per_prospect"]) / service_delta
            rows.append(row)
            curves.append(barrier_curves(cohort, s_threshold).assign(dose=key, replication=i,
                                                                     seed=s))
    curve = pd.concat(curves, ignore_index=True)
    curve = curve[["dose", "replication", "seed", "month", "hazard", "hostage_share",
                   "satisfaction"]]
    return SweepRuns(pd.DataFrame(rows), curve)


def service_value_by_barrier(scenario: Scenario, levels: Sequence[float], *,
                             parameter: str = "exit_fee", delta: float = 1.0,
                             n_customers: int = 4000, months: int = 36, seed: int = 0,
                             replications: int = 5,
                             economics: Economics | None = None) -> pd.DataFrame:
    """Value per prospect of ``delta`` more points of service quality, at each barrier level.

    For each level ``b`` of ``parameter`` (default the early-termination fee, months of price)
    and replication seed ``i`` (common random numbers across levels and service qualities):

    ``service_value(b) = (V(q + Δ, b) − V(q, b)) / Δ``

    with ``V`` the value per prospect over the months followed (signed share × CLV −
    acquisition cost; Blattberg & Deighton 1996; Gupta, Lehmann & Stuart 2004), ``q`` the
    scenario's ``service_quality`` and ``Δ`` = ``delta`` points. Barriers hold customers whatever
    their satisfaction (Jones, Mothersbaugh & Beatty 2000), so where they are high a better
    service prevents fewer exits: ``service_value`` falls as ``b`` rises, the incentive of a
    firm that knows its customers are held to under-invest in service. The cost of the better
    service is not netted: compare ``service_value`` with what a point of quality costs per
    prospect.

    Returns one row per (dose, replication): dose (the level), replication, seed,
    value_per_prospect, value_raised, service_value. Summarise with
    ``summarize_replications(out, by="dose")``.
    """
    _check_delta(delta)
    runs = sweep(dose_scenarios(scenario, parameter, levels), n_customers=n_customers,
                 months=months, seed=seed, replications=replications, economics=economics,
                 month=1, service_delta=delta)
    return runs.outcomes[["dose", "replication", "seed", "value_per_prospect", "value_raised",
                          "service_value"]]


def _with_log_frailty(data: Journeys) -> Journeys:
    c = data.customers
    if "frailty" not in c.columns:
        raise JourneyDataError("customers: interaction_estimates with frailty needs the"
                               " model-only column 'frailty' (simulated data)")
    z = pd.Series(c["frailty"].to_numpy("float64"), index=c["customer_id"].to_numpy())
    logz = np.log(z.reindex(data.panel["customer_id"].to_numpy()).to_numpy())
    return Journeys(c, data.events, data.panel.assign(log_frailty=logz))


def interaction_estimates(data: Journeys, s_star: float, cause: str = "dissatisfaction",
                          frailty: bool = False) -> dict[str, float]:
    """The satisfaction × barrier interaction of the exit hazard, fitted on one cohort.

    :func:`journey.models.fit_exit_hazard` with ``cause`` (exits by other causes leave the
    risk set; Begg & Gray 1984) fits

    ``logit h = α0 + αS·(S* − S) + αC·C − αB·B − αSB·(S* − S)·B + κ·T + ρ·O``

    on the person-months (Allison 1982). ``αSB > 0`` is Jones, Mothersbaugh & Beatty's (2000)
    finding that barriers hold most when satisfaction is low. Returns ``alpha_S``,
    ``alpha_B``, ``alpha_SB`` and their standard errors (``<name>_se``) of the fit an analyst
    can make (no frailty); with ``frailty=True`` also the same fit with the customer's
    model-only log frailty as a covariate (``<name>_frailty``, ``<name>_frailty_se``), the
    specification the simulator draws from, which shows how much of any gap to the truth the
    omitted frailty explains. ``S`` is the latent satisfaction (model state), not a survey
    answer.
    """
    out: dict[str, float] = {}
    competitor = cause != "dissatisfaction"  # C enters the competitor cause only
    fits = {"": fit_exit_hazard(data, s_star, competitor=competitor, cause=cause)}
    if frailty:
        fits["_frailty"] = fit_exit_hazard(_with_log_frailty(data), s_star,
                                           competitor=competitor, extra=["log_frailty"],
                                           cause=cause)
    for suffix, fit in fits.items():
        for name in ("alpha_S", "alpha_B", "alpha_SB"):
            out[f"{name}{suffix}"] = float(fit.params[name])
            out[f"{name}{suffix}_se"] = float(fit.bse[name])
    return out
