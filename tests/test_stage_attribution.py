"""The journey's stage game: repairs as documented, efficiency against cohorts simulated
directly, a repair that changes nothing is a null player, replications and the dose sweep."""

from __future__ import annotations

import math

import numpy as np
import pytest

from journey import metrics
from journey.errors import AttributionError
from journey.scenario import load_preset
from journey.simulate import simulate
from journey.stage_attribution import (
    STAGES,
    Cohorts,
    StageGame,
    attribute_replications,
    repaired,
    repairs_table,
    stage_dose_response,
    stage_repairs,
)

N, MONTHS, K, SEED = 300, 12, 3, 5


@pytest.fixture(scope="module")
def telecom_game():
    sc = load_preset("telecom")
    return StageGame(sc, Cohorts(N, MONTHS, SEED, K, metrics.Economics.from_scenario(sc)))


def test_repairs_are_the_documented_parameter_changes(telecom_game):
    sc, rep = telecom_game.scenario, telecom_game.repairs
    assert list(rep) == list(STAGES)
    assert rep["courtship promises"] == {"promise_inflation": 0.0}
    assert rep["handle-time cap"] == {"handle_time_cap": 4.0}  # the preset's 1.5 -> needed 4
    assert rep["outbound mix"] == {"outbound_care": pytest.approx(0.7), "outbound_upsell": 0.0}
    assert rep["unread clauses"] == {"read_share": 1.0}
    assert rep["turnover"] == {"staff_turnover": 0.0}
    gap = metrics.courtship_service_gap(simulate(sc, N, MONTHS, SEED).panel, "Q")
    assert rep["service quality"]["service_quality"] == pytest.approx(min(10.0, 9.0 + gap))
    table = repairs_table(sc, rep)
    row = table.set_index("parameter").loc["handle_time_cap"]
    assert (row["stage"], row["as_is"], row["repaired"]) == ("handle-time cap", 1.5, 4.0)
    # a cap already longer than the time needed is not shortened
    housing = load_preset("housing")
    assert stage_repairs(housing, simulate(housing, N, MONTHS, SEED))["handle-time cap"] == {
        "handle_time_cap": 5.0}


def test_efficiency_against_the_cohorts_simulated_directly(telecom_game):
    sc, econ = telecom_game.scenario, telecom_game.cohorts.economics
    everything = {key: v for update in telecom_game.repairs.values() for key, v in update.items()}
    as_is = simulate(sc, N, MONTHS, SEED)
    fixed = simulate(sc.replace(**everything), N, MONTHS, SEED)
    ends = {"S_drop": (metrics.satisfaction_drop(as_is.panel, K),
                       metrics.satisfaction_drop(fixed.panel, K)),
            "value_per_prospect": (metrics.value_per_prospect(as_is, econ, horizon=MONTHS),
                                   metrics.value_per_prospect(fixed, econ, horizon=MONTHS))}
    for outcome, (before, after) in ends.items():
        att = telecom_game.attribute(outcome)
        assert att.attrs["as_is"] == pytest.approx(before, rel=1e-12)
        assert att.attrs["repaired"] == pytest.approx(after, rel=1e-12)
        assert math.fsum(att["shapley"]) == pytest.approx(after - before, rel=1e-9, abs=1e-12)
        assert att["share"].sum() == pytest.approx(1.0)
        # one at a time is v({i}) - v(∅), computed here from the cohorts directly
        alone = telecom_game.outcomes(["turnover"])[outcome] - before
        assert att.set_index("stage").loc["turnover", "alone"] == pytest.approx(alone)
    assert telecom_game.cohorts.simulations == 64


def test_sampled_on_the_same_game_needs_no_new_cohort(telecom_game):
    exact = telecom_game.shapley("S_drop")
    before = telecom_game.cohorts.simulations
    est = telecom_game.shapley("S_drop", n_permutations=300, rng=np.random.default_rng(2))
    assert telecom_game.cohorts.simulations == before
    assert math.fsum(est.values.values()) == pytest.approx(exact.total, rel=1e-9)
    for stage in STAGES:
        se = est.standard_errors[stage]
        assert abs(est.values[stage] - exact.values[stage]) <= max(4 * se, 1e-12)


def test_a_repair_that_changes_nothing_is_a_null_player():
    # housing's handle-time cap (5 min) already exceeds the time needed (4 min)
    sc = load_preset("housing")
    game = StageGame(sc, Cohorts(N, MONTHS, SEED, K, metrics.Economics.from_scenario(sc)))
    att = game.attribute("S_drop").set_index("stage")
    assert att.loc["handle-time cap", ["shapley", "alone", "last"]].tolist() == [0.0, 0.0, 0.0]
    assert game.cohorts.simulations == 32  # equal scenarios are simulated once


def test_replications_summary_and_flat_metrics():
    sc = load_preset("subscription")
    att = attribute_replications(sc, N, MONTHS, SEED, 2, k=K, outcomes=("S_drop",),
                                 stages=("courtship promises", "turnover"))
    again = attribute_replications(sc, N, MONTHS, SEED, 2, k=K, outcomes=("S_drop",),
                                   stages=("courtship promises", "turnover"))
    assert att.stages.equals(again.stages)
    assert att.simulations == 2 * 4 and len(att.games) == 2
    lv = att.levels
    assert np.allclose(lv["total"], lv["repaired"] - lv["as_is"])
    assert np.allclose(lv["shapley_sum"], lv["total"], rtol=1e-9, atol=1e-12)
    summary = att.stage_summary()
    assert set(summary["quantity"]) == {"shapley", "alone", "last", "share"}
    assert (summary["n"] == 2).all()
    flat = att.flat("subscription.")
    shap = [flat[f"subscription.S_drop.shapley.{s}"] for s in ("courtship_promises", "turnover")]
    assert math.fsum(shap) == pytest.approx(flat["subscription.S_drop.total"], rel=1e-9)
    assert flat["subscription.S_drop.total_ci_low"] <= flat["subscription.S_drop.total"]


def test_dose_response_is_zero_where_the_breakdown_is_gone():
    sc = load_preset("telecom")
    out = stage_dose_response(sc, "handle-time cap", "handle_time_cap", [1.0, 4.0], N, MONTHS,
                              SEED, 2, k=K, outcomes=("S_drop",))
    assert len(out) == 4
    gone = out.loc[out["dose"] == 4.0]
    assert (gone[["alone_S_drop", "last_S_drop"]] == 0.0).all().all()
    # a tighter cap resolves fewer problems: repairing it lowers the drop
    assert (out.loc[out["dose"] == 1.0, "alone_S_drop"] < 0).all()


def test_dose_response_reuses_the_cohorts_of_an_attribution():
    sc = load_preset("telecom")
    econ = metrics.Economics.from_scenario(sc)
    att = attribute_replications(sc, N, MONTHS, SEED, 1, k=K, economics=econ,
                                 outcomes=("S_drop",))
    fresh = stage_dose_response(sc, "handle-time cap", "handle_time_cap", [1.0, 1.5], N, MONTHS,
                                SEED, 1, k=K, economics=econ, outcomes=("S_drop",))
    reused = stage_dose_response(sc, "handle-time cap", "handle_time_cap", [1.0, 1.5], N,
                                 MONTHS, SEED, 1, k=K, economics=econ, outcomes=("S_drop",),
                                 reuse=att)
    assert fresh.equals(reused)
    assert att.games[0].cohorts.simulations == 64 + 2  # only the two cohorts at cap 1.0
    # at the preset's own cap the sweep's 'alone' is the game's one-at-a-time effect
    alone = att.stages.set_index("stage").loc["handle-time cap", "alone"]
    assert reused.loc[reused["dose"] == 1.5, "alone_S_drop"].item() == alone
    with pytest.raises(AttributionError, match="reuse"):
        stage_dose_response(sc, "handle-time cap", "handle_time_cap", [1.0], N, MONTHS, SEED,
                            1, k=K + 1, economics=econ, reuse=att)


def test_bad_input_names_the_parameter(telecom_game):
    with pytest.raises(AttributionError, match="unknown stage 'sales'"):
        repaired(telecom_game.scenario, telecom_game.repairs, ["sales"])
    with pytest.raises(AttributionError, match="outcome must be one of"):
        telecom_game.value("churn")
    with pytest.raises(AttributionError, match="k must be"):
        Cohorts(N, 6, SEED, k=6)
    with pytest.raises(AttributionError, match="rng"):
        telecom_game.shapley("S_drop", n_permutations=10)
    with pytest.raises(AttributionError, match="stages"):
        StageGame(telecom_game.scenario, telecom_game.cohorts, telecom_game.repairs, ["x"])
    with pytest.raises(AttributionError, match="not a scenario parameter"):
        stage_dose_response(telecom_game.scenario, "turnover", "turnover", [0.1], N, MONTHS,
                            SEED, 1)
