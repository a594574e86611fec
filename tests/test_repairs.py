"""The courtship-and-marriage repairs as a library function: the updates, the replications and
their intervals."""

from __future__ import annotations

import numpy as np
import pytest

from journey import metrics
from journey.errors import ScenarioError
from journey.repairs import (
    AFTER_SIGNING,
    repair_effects,
    repair_updates,
    repaired_scenarios,
)
from journey.replications import summarize_replications
from journey.scenario import load_preset
from journey.simulate import simulate


def test_updates_follow_the_preset_and_the_perceived_gap(telecom_small):
    sc = load_preset("telecom")
    up = repair_updates(sc, telecom_small)
    gap = metrics.courtship_service_gap(telecom_small.panel, "Q")
    assert gap > 0  # seed 002: service perceived worse than sales
    assert up["honest promises"] == {"promise_inflation": 0.0}
    assert up["service as good as sales"] == {"service_quality": min(10.0, 9.0 + gap)}
    assert up["handle-time cap lifted"] == {"handle_time_cap": 4.0}  # handle_time_needed
    assert up["care calls instead of upsell"] == {"outbound_care": 0.1 + 0.6,
                                                  "outbound_upsell": 0.0}
    assert up["every contract read"] == {"read_share": 1.0}
    assert up["service repaired"] == {k: v for n in AFTER_SIGNING for k, v in up[n].items()}
    assert up["all repaired"] == {"promise_inflation": 0.0, "read_share": 1.0,
                                  **up["service repaired"]}
    variants = repaired_scenarios(sc, up)
    assert list(variants) == ["as is", *up]
    assert variants["all repaired"].outbound_upsell == 0.0
    assert variants["all repaired"].price == sc.price  # nothing else moves


def test_repair_effects_equal_the_flagship_computation():
    sc = load_preset("telecom")
    econ = metrics.Economics.from_scenario(sc)
    eff = repair_effects(sc, 600, 12, [4, 5], econ)
    assert eff.groupby("seed").size().tolist() == [8, 8]
    assert (eff.loc[eff["variant"] == "as is", "gain"] == 0.0).all()
    # the same numbers as the study computes them, cohort by cohort
    as_is = simulate(sc, 600, 12, 5)
    fixed = simulate(repaired_scenarios(sc, repair_updates(sc, as_is))["all repaired"], 600, 12,
                     5)
    row = eff.set_index(["seed", "variant"]).loc[(5, "all repaired")]
    assert row["gain"] == pytest.approx(metrics.clv_lost(fixed, as_is, econ), rel=1e-12)
    assert row["value_per_prospect"] == pytest.approx(metrics.value_per_prospect(fixed, econ))
    assert row["signed_share"] == pytest.approx(fixed.customers["signed"].mean())
    with pytest.raises(ScenarioError, match="seeds"):
        repair_effects(sc, 600, 12, [])
    # the replications' summary: the Student-t interval over the two seeds, by hand
    s = summarize_replications(eff, by="variant").set_index(["variant", "metric"])
    g = eff.loc[eff["variant"] == "all repaired", "gain"].to_numpy()
    half = 12.706204736174703 * g.std(ddof=1) / np.sqrt(2)  # t_{1, 0.975}
    assert s.loc[("all repaired", "gain"), "ci_high"] == pytest.approx(g.mean() + half)
