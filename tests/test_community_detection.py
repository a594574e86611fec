"""Finding the partner community: observables, truth, scores and detection, worked by hand on the
table of ``community_table.py`` (service months 0-5; "before the competitor" is month 3)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from community_table import partner_table

from journey.community_detection import (
    DETECTOR,
    NAIVE,
    community_score,
    community_truth,
    compare_detectors,
    detection_scores,
    flag_top,
    partner_observables,
)
from journey.schema import JourneyDataError


@pytest.fixture(scope="module")
def table():
    return partner_table()


def test_observables_by_hand(table):
    obs = partner_observables(table, month=3, window=3)
    assert obs.index.tolist() == [1, 2, 3, 5]  # partner 4 left in month 3
    # window = months 1-3
    np.testing.assert_allclose(obs["sow_level"], [0.7, 0.9, 0.7 / 3, 0.65])
    np.testing.assert_allclose(obs["sow_trend"], [0.1, 0.0, 0.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(obs["sow"], [0.8, 0.9, 0.2, 0.65])
    np.testing.assert_allclose(obs["firm_volume"], [0.8, 1.8, 0.8, 1.95])
    assert obs["tenure"].tolist() == [4, 4, 4, 4]
    # partner 1: ideas in 1 (adopted), 2 (not), 3 (adopted); manager change in 2 (and in 5,
    # after the month); since month 2: one unheard, one heard
    assert obs.loc[1, ["ideas", "ideas_heard", "ideas_unheard", "manager_changes",
                       "manager_tenure", "heard_balance"]].tolist() == [3, 2, 1, 1, 1, 0]
    assert obs.loc[2, ["ideas", "manager_changes", "manager_tenure",
                       "heard_balance"]].tolist() == [0, 0, 3, 0]
    # partner 3: changes in 1 and 3; since 3 one unheard idea
    assert obs.loc[3, ["ideas", "ideas_unheard", "manager_changes", "manager_tenure",
                       "heard_balance"]].tolist() == [2, 2, 2, 0, -1]
    # partner 5: the idea of month 4 comes after the month
    assert obs.loc[5, ["ideas", "ideas_heard", "manager_tenure",
                       "heard_balance"]].tolist() == [1, 1, 3, 1]


def test_one_month_window_has_no_trend(table):
    obs = partner_observables(table, month=3, window=1)
    np.testing.assert_allclose(obs["sow_level"], obs["sow"])
    assert (obs["sow_trend"] == 0).all()


def test_truth_by_hand(table):
    t = community_truth(table, month=3, after=5)
    # bonds of partners 1, 2, 3, 5 at month 3: .8 .3 .9 .5 (median .65);
    # shares at month 5: .9 .7 .1 and 0 for partner 5, gone in month 4 (median .4)
    np.testing.assert_allclose(t["sow_after"], [0.9, 0.7, 0.1, 0.0])
    assert t["bonded"].tolist() == [True, False, True, False]
    assert t["loyal_after"].tolist() == [True, True, False, False]
    assert t["core"].tolist() == [True, False, False, False]
    assert community_truth(table, month=3, after=5, cut=0.0)["core"].all()


def test_score_is_a_unit_weighted_mean_of_percentile_ranks(table):
    obs = partner_observables(table, month=3, window=3)
    # ranks (1-4) of partners 1, 2, 3, 5: sow_level 3 4 1 2; tenure 2.5 each (all equal);
    # manager_tenure 2 3.5 1 3.5; heard_balance 2.5 2.5 1 4
    score = community_score(obs, DETECTOR)
    np.testing.assert_allclose(score, np.array([10.0, 12.5, 5.5, 12.0]) / 16)
    against = community_score(obs, {"sow_level": -1.0})
    np.testing.assert_allclose(against, -np.array([3, 4, 1, 2]) / 4)
    with pytest.raises(JourneyDataError, match="bond"):
        community_score(obs, {"bond": 1.0})


def test_flag_top_breaks_ties_by_order():
    s = pd.Series([0.5, 0.9, 0.5, 0.1], index=[10, 11, 12, 13])
    assert flag_top(s, 0.5).tolist() == [True, True, False, False]  # 10 before 12
    assert flag_top(s, 0.75).tolist() == [True, True, True, False]
    assert flag_top(s, 0.25).tolist() == [False, True, False, False]
    assert flag_top(s, 0.3).tolist() == [True, True, False, False]  # ⌈1.2⌉ = 2
    with pytest.raises(ValueError, match="share"):
        flag_top(s, 0.0)


def test_detection_scores_by_hand():
    truth = pd.Series([True, True, False, False, True], index=list("abcde"))
    flagged = pd.Series([True, False, True, False, True], index=list("abcde"))
    s = detection_scores(flagged, truth)
    # TP = a, e; flagged 3; true 3
    assert s["precision"] == pytest.approx(2 / 3) and s["recall"] == pytest.approx(2 / 3)
    assert s["f1"] == pytest.approx(2 / 3) and s["base_rate"] == pytest.approx(3 / 5)
    miss = detection_scores(~truth, truth)
    assert miss["precision"] == 0 and miss["recall"] == 0 and miss["f1"] == 0
    none = detection_scores(pd.Series(False, index=truth.index), truth)
    assert math.isnan(none["precision"]) and math.isnan(none["f1"])
    shuffled = detection_scores(flagged.iloc[::-1], truth)  # aligned on the index
    assert shuffled["precision"] == pytest.approx(2 / 3)
    with pytest.raises(JourneyDataError, match="same partners"):
        detection_scores(flagged.iloc[:4], truth)


def test_compare_detectors_on_the_table(table):
    out = compare_detectors(table, month=3, after=5, methods={"detector": DETECTOR,
                                                               "naive": NAIVE},
                            share=0.75, window=3)
    # detector flags 2, 5, 1 (scores 12.5, 12, 10 of 16); the core is partner 1
    assert out["detector.precision"] == pytest.approx(1 / 3)
    assert out["detector.recall"] == 1.0 and out["detector.f1"] == pytest.approx(0.5)
    # naive: firm volume 1.95 (5), 1.8 (2), then 0.8 twice: partner 1 comes first
    assert out["naive.recall"] == 1.0
    assert out["core_share"] == pytest.approx(0.25)


def test_bad_input_names_what_is_wrong(table):
    with pytest.raises(JourneyDataError, match="month 9"):
        partner_observables(table, month=9)
    with pytest.raises(JourneyDataError, match="month 7"):
        community_truth(table, month=3, after=7)
    with pytest.raises(ValueError, match="after"):
        community_truth(table, month=3, after=3)
    latent_free = type(table)(table.customers, table.events, table.panel.drop(columns="R"))
    with pytest.raises(JourneyDataError, match="R"):
        community_truth(latent_free, month=3, after=5)
    with pytest.raises(JourneyDataError, match="Journeys"):
        partner_observables(table.panel, month=3)
    with pytest.raises(ValueError, match="window"):
        partner_observables(table, month=3, window=0)
