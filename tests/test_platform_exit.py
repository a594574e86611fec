"""journey.platform_exit: the exit scenarios, the model's reach formula by hand and against the
simulator, the outcomes on a hand-made pair of cohorts, and what common random numbers
guarantee (the exit cohort equals the staying one before the exit; criticism moves no reach)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from journey.errors import JourneyDataError, ScenarioError
from journey.metrics import reach_retained
from journey.platform_exit import (
    ExitPlan,
    Presence,
    exit_outcomes,
    exit_plans,
    exit_scenario,
    expected_reach_retained,
    months_needed,
    run_design,
    sentiment_by_month,
    staying_scenario,
)
from journey.scenario import Scenario, load_preset
from journey.schema import Journeys
from journey.simulate import simulate

BASE = load_preset("subscription")
LONG = Presence("long", 0.3, 6)


def test_exit_scenario_sets_the_plan():
    plan = ExitPlan(owned=True, lead=3, criticism=False)
    sc = exit_scenario(BASE, LONG, plan, criticism_shock=4.0)
    assert (sc.platform_share, sc.platform_exit_month, sc.announcement_lead) == (0.3, 6, 3)
    assert sc.keep_contact_data and sc.platform_exit_shock == BASE.platform_exit_shock
    hot = exit_scenario(BASE, LONG, ExitPlan(False, 0, True), criticism_shock=4.0)
    assert hot.platform_exit_shock == 4.0 and not hot.keep_contact_data
    with pytest.raises(ScenarioError, match="platform_exit_shock"):
        exit_scenario(BASE, LONG, ExitPlan(False, 0, True), criticism_shock=11.0)
    stay = staying_scenario(BASE, LONG, months=9)
    assert stay.platform_exit_month == 9 and stay.platform_share == 0.3
    with pytest.raises(ValueError, match="exceed the exit month"):
        staying_scenario(BASE, LONG, months=6)
    assert months_needed(LONG, 4) == 11


def test_design_values_are_checked():
    with pytest.raises(ValueError, match="platform_share"):
        Presence("x", 0.0, 6)
    with pytest.raises(ValueError, match="exit_month"):
        Presence("x", 0.3, 0)
    with pytest.raises(ValueError, match="lead"):
        ExitPlan(True, -1, False)
    plans = exit_plans(leads=(0, 6))
    assert len(plans) == 8 and len(set(plans)) == 8


def test_expected_reach_retained_by_hand():
    sc = Scenario(platform_share=0.3, platform_exit_month=24, announcement_lead=3,
                  keep_contact_data=True, owned_capture=0.6, migration_rate=0.15)
    assert expected_reach_retained(sc) == pytest.approx(1 - 0.3 * 0.4 * 0.85 ** 3)
    assert expected_reach_retained(sc.replace(keep_contact_data=False, announcement_lead=0)
                                   ) == pytest.approx(0.7)
    # notice is capped by the months before the exit: months 1 and 2 only
    early = sc.replace(platform_exit_month=3, announcement_lead=6)
    assert expected_reach_retained(early) == pytest.approx(1 - 0.3 * 0.4 * 0.85 ** 2)
    with pytest.raises(ValueError, match="platform_exit_month"):
        expected_reach_retained(Scenario())


def test_simulated_reach_matches_the_formula():
    sc = exit_scenario(BASE, Presence("p", 0.4, 4), ExitPlan(False, 2, False), 3.0)
    cohort = simulate(sc, 6000, 5, seed=11)
    n = int((cohort.panel["month"] == 4).sum())
    expected = expected_reach_retained(sc)  # 1 - 0.4 * 0.85^2 = 0.711
    se = math.sqrt(expected * (1 - expected) / n)
    assert abs(reach_retained(cohort, 4) - expected) < 4 * se


def hand_pair() -> tuple[Journeys, Journeys]:
    """Exit in month 2. Customer 1 owned (ps .2), 2 unreached (ps .8) whose S dips, 3 gone
    after month 2 (ps .5), 4 gone before the exit. Months 0-4; the staying cohort is the same
    with everyone reachable and no dip."""
    rows = ([(1, m, True, 0.2, 8.0) for m in range(5)]
            + [(2, m, m < 2, 0.8, s) for m, s in enumerate([8.0, 8.0, 6.0, 7.0, 7.5])]
            + [(3, m, True, 0.5, 6.0) for m in range(3)]
            + [(4, m, True, 0.9, 5.0) for m in range(2)])
    cols = ["customer_id", "month", "reachable", "platform_share", "S"]
    panel = pd.DataFrame(rows, columns=cols)
    staying = panel.assign(reachable=True, S=np.where(panel["customer_id"] == 2, 8.0,
                                                       panel["S"]))

    def recommend(ratings):
        return pd.DataFrame({"customer_id": [1, 2, 3, 1], "month": [2, 2, 3, 1],
                             "kind": "recommend", "phase": "service",
                             "rating": [*ratings, 0.0]})  # the month-1 answer is outside

    return (Journeys(pd.DataFrame(), recommend([10.0, 5.0, 9.0]), panel),
            Journeys(pd.DataFrame(), recommend([10.0, 9.0, 9.0]), staying))


def test_exit_outcomes_by_hand():
    cohort, staying = hand_pair()
    out = exit_outcomes(cohort, staying, exit_month=2, k=2)
    assert out["reach_retained"] == pytest.approx(2 / 3)  # 1, 2, 3 before; 1 and 3 after
    assert out["reach_retained_k"] == pytest.approx(1 / 2)  # 1 and 2 still there; 1 reached
    assert out["dialogue_continuity"] == pytest.approx(0.2 / 1.5)
    assert out["dialogue_staying"] == pytest.approx(1.0 / 1.5)
    assert out["dialogue_kept"] == pytest.approx(0.2)
    assert out["satisfaction_hit"] == pytest.approx((8 + 6 + 6) / 3 - (8 + 8 + 6) / 3)
    assert out["satisfaction_hit_left"] == pytest.approx(6.0 - 8.0)  # customer 2
    # months 2 and 3: (8 + 6 + 6 + 8 + 7)/5 against (8 + 8 + 6 + 8 + 8)/5
    assert out["satisfaction_change"] == pytest.approx(7.0 - 7.6)
    assert out["nps"] == pytest.approx(100 * (2 / 3 - 1 / 3))  # 10, 5, 9
    assert out["nps_change"] == pytest.approx(100 / 3 - 100)  # staying: 10, 9, 9
    assert out["retained_change"] == pytest.approx(0.0)  # 2 of 3 still there in both
    curve = sentiment_by_month(cohort, staying, 2, before=1, k=2).set_index("month")
    assert list(curve.index) == [-1, 0, 1, 2]
    assert curve.loc[-1, "S_gap"] == 0 and curve.loc[0, "reach"] == pytest.approx(2 / 3)
    assert curve.loc[1, "S_gap"] == pytest.approx((8 + 7) / 2 - 8)


def test_exit_outcomes_bad_input():
    cohort, staying = hand_pair()
    with pytest.raises(JourneyDataError, match="month 5"):
        exit_outcomes(cohort, staying, exit_month=2, k=3)
    with pytest.raises(ValueError, match="k must be"):
        exit_outcomes(cohort, staying, exit_month=2, k=0)
    with pytest.raises(JourneyDataError, match="Journeys"):
        exit_outcomes(cohort.panel, staying, exit_month=2, k=1)


@pytest.fixture(scope="module")
def design():
    cells = [(LONG, plan) for plan in exit_plans(leads=(0, 3))]
    return run_design(BASE, cells + cells[:1], k=2, n_customers=800, seed=5, replications=2,
                      criticism_shock=3.0)


def test_design_runs_every_cell_once_on_common_seeds(design):
    out = design.outcomes
    assert len(out) == 8 * 2  # the duplicate cell ran once
    assert out.groupby("replication")["seed"].nunique().eq(1).all()
    assert set(design.curves["month"]) == set(range(-3, 3))


def test_common_random_numbers_isolate_each_factor(design):
    out = design.outcomes.set_index(["owned", "lead", "criticism", "replication"]).sort_index()
    r = out["reach_retained"]
    for owned in (False, True):
        for lead in (0, 3):
            # criticism only deepens the shock of those already lost: the same reach exactly
            assert r.loc[(owned, lead, True)].equals(r.loc[(owned, lead, False)])
    for lead in (0, 3):  # the data kept rescue customers; nobody is lost by keeping them
        assert (r.loc[(True, lead, False)] >= r.loc[(False, lead, False)]).all()
    assert (r.loc[(False, 3, False)] >= r.loc[(False, 0, False)]).all()
    left = out["satisfaction_hit_left"]
    assert (left.loc[(False, 0, True)] < left.loc[(False, 0, False)]).all()
    assert (out["satisfaction_hit"] < 0).all()


def test_no_shock_no_sentiment_change():
    sc = exit_scenario(BASE.replace(platform_exit_shock=0.0), LONG, ExitPlan(False, 0, False),
                       3.0)
    months = months_needed(LONG, 2)
    cohort = simulate(sc, 800, months, 3)
    staying = simulate(staying_scenario(BASE, LONG, months), 800, months, 3)
    before = cohort.panel["month"] < LONG.exit_month
    assert np.array_equal(cohort.panel.loc[before, "S"], staying.panel.loc[before, "S"])
    out = exit_outcomes(cohort, staying, LONG.exit_month, 2)
    for name in ("satisfaction_hit", "satisfaction_hit_left", "satisfaction_change",
                 "nps_change", "retained_change"):
        assert out[name] == 0.0, name
    assert out["reach_retained"] < 1
