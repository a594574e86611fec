"""The courtship-and-marriage repairs: one breakdown at a time set right on a scenario.

Each repair changes the scenario parameters of one breakdown of seed 002 (``docs/model.md``)
and keeps every other parameter and, run with the same seed, every random draw (common random
numbers), so the difference between a repaired cohort and the cohort as is measures that
breakdown alone:

* **honest promises** — no promise inflation, ``promise_inflation = 0`` (expectations equal what
  sales deliver; Oliver 1980 expectation–disconfirmation);
* **service as good as sales** — staff skill lifted by the perceived quality gap between
  courtship and service measured on the cohort as is, ``service_quality + max(0, Q_gap)``
  (capped at 10; :func:`journey.metrics.courtship_service_gap`);
* **handle-time cap lifted** — the call-centre target set to the time a typical problem needs,
  ``handle_time_cap = max(handle_time_cap, handle_time_needed)`` (a cap long enough is kept);
* **care calls instead of upsell** — the upsell share of outbound calls moved to care,
  ``outbound_care + outbound_upsell``, ``outbound_upsell = 0``;
* **every contract read** — ``read_share = 1`` (no unread clause bites, and reading tempers the
  inflated expectation);
* **service repaired** — the three repairs after signing together; **all repaired** — every
  repair at once.

Repairs are compared on value per prospect (Blattberg & Deighton 1996):
``gain = V(repaired) − V(as is)`` with ``V = (signed / prospects) · CLV − acquisition_cost``
(:func:`journey.metrics.clv_lost`), because some repairs change who signs.

:func:`repair_effects` repeats the comparison over several seeds (e.g.
:func:`journey.replications.replication_seeds`); :func:`journey.replications.summarize_replications`
then gives each repair's mean effect with its Student-t interval over the replications — the
Monte Carlo uncertainty of the simulated effect at the scenario's parameters, not the
uncertainty of the parameters themselves.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from journey import metrics
from journey.errors import ScenarioError
from journey.scenario import Scenario
from journey.schema import Journeys
from journey.simulate import simulate

__all__ = ["AFTER_SIGNING", "repair_effects", "repair_updates", "repaired_scenarios"]

AFTER_SIGNING = ("service as good as sales", "handle-time cap lifted",
                 "care calls instead of upsell")


def repair_updates(scenario: Scenario, as_is: Journeys) -> dict[str, dict[str, float]]:
    """The parameter updates of each repair (module docstring), in a fixed order.

    ``as_is`` is the cohort simulated from ``scenario``; its panel gives the perceived
    quality gap that "service as good as sales" closes. Later updates win in the combined
    repairs ("service repaired", "all repaired").
    """
    if not isinstance(scenario, Scenario):
        raise TypeError(f"scenario must be a Scenario, got {type(scenario).__name__}")
    q_gap = max(metrics.courtship_service_gap(as_is.panel, "Q"), 0.0)
    updates: dict[str, dict[str, float]] = {
        "honest promises": {"promise_inflation": 0.0},
        "service as good as sales": {
            "service_quality": min(10.0, scenario.service_quality + q_gap)},
        # never shortens a cap that is already long enough
        "handle-time cap lifted": {"handle_time_cap": max(scenario.handle_time_cap,
                                                          scenario.handle_time_needed)},
        "care calls instead of upsell": {
            "outbound_care": scenario.outbound_care + scenario.outbound_upsell,
            "outbound_upsell": 0.0},
        "every contract read": {"read_share": 1.0},
    }
    updates["service repaired"] = {key: v for name in AFTER_SIGNING
                                   for key, v in updates[name].items()}
    updates["all repaired"] = {key: v for update in updates.values()
                               for key, v in update.items()}
    return updates


def repaired_scenarios(scenario: Scenario, updates: dict[str, dict[str, float]]
                       ) -> dict[str, Scenario]:
    """``{"as is": scenario, repair: scenario with its updates, ...}`` (validated)."""
    return {"as is": scenario} | {
        name: Scenario.model_validate(scenario.model_dump() | update)
        for name, update in updates.items()}


def repair_effects(scenario: Scenario, n_customers: int, months: int, seeds: Sequence[int],
                   economics: metrics.Economics | None = None, k: int = 6) -> pd.DataFrame:
    """Every repair against the cohort as is, once per seed (common random numbers within a
    seed).

    Returns one row per (seed, variant): ``signed_share``, ``survival_end`` (share of signed
    customers still a customer at the end of the last month), ``clv`` (per signed customer),
    ``value_per_prospect`` and ``gain`` (``V(variant) − V(as is)`` per prospect, 0 for the
    cohort as is), all over the ``months`` followed, with ``economics`` (default: the
    scenario's, :meth:`journey.metrics.Economics.from_scenario`), and ``S_drop`` (the
    within-customer satisfaction drop from signing to month ``k``,
    :func:`journey.metrics.satisfaction_drop`).
    """
    seeds = [int(s) for s in seeds]
    if not seeds:
        raise ScenarioError("seeds: give at least one seed to replicate the repairs over")
    econ = economics or metrics.Economics.from_scenario(scenario)
    rows = []
    for seed in seeds:
        as_is = simulate(scenario, n_customers, months, seed)
        variants = repaired_scenarios(scenario, repair_updates(scenario, as_is))
        for name, sc in variants.items():
            cohort = as_is if name == "as is" else simulate(sc, n_customers, months, seed)
            rows.append({"seed": seed, "variant": name, **_value(cohort, as_is, econ),
                         "S_drop": metrics.satisfaction_drop(cohort.panel, k)})
    return pd.DataFrame(rows)


def _value(cohort: Journeys, as_is: Journeys, econ: metrics.Economics) -> dict[str, float]:
    survival = metrics.survival_curve(cohort)["survival"]
    return {"signed_share": metrics.signed_share(cohort),
            "survival_end": float(survival.iloc[-1]) if len(survival) else np.nan,
            "clv": metrics.clv(cohort, econ),
            "value_per_prospect": metrics.value_per_prospect(cohort, econ),
            "gain": metrics.clv_lost(cohort, as_is, econ)}
