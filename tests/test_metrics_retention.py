"""Hand-computed checks of the life table, median lifetime and cliff ratio."""

import math

import numpy as np
import pandas as pd
import pytest

from journey.metrics import (
    cliff_ratio,
    hazard_by_tenure,
    life_table,
    median_lifetime,
    survival_curve,
)
from journey.schema import JourneyDataError, Journeys


def panel_from_lives(lives):
    """lives: {customer_id: (last month observed, exited in it)} -> service rows 0..last."""
    rows = []
    for cid, (last, exited) in lives.items():
        for m in range(last + 1):
            rows.append((cid, m, 5.0, exited and m == last))
    df = pd.DataFrame(rows, columns=["customer_id", "month", "S", "exited"])
    df["phase"] = np.where(df["month"] == 0, "signing", "service")
    return df


# A exits in month 0, B exits in month 2, C is censored after month 2, D after month 3
FOUR = panel_from_lives({1: (0, True), 2: (2, True), 3: (2, False), 4: (3, False)})


def test_life_table_by_hand():
    lt = life_table(FOUR)
    assert lt["month"].tolist() == [0, 1, 2, 3]
    assert lt["at_risk"].tolist() == [4, 3, 3, 1]
    assert lt["exits"].tolist() == [1, 0, 1, 0]
    np.testing.assert_allclose(lt["hazard"], [0.25, 0, 1 / 3, 0])
    np.testing.assert_allclose(lt["survival"], [0.75, 0.75, 0.5, 0.5])
    assert median_lifetime(FOUR) == 2.0
    assert list(survival_curve(FOUR).columns) == ["month", "survival"]
    assert list(hazard_by_tenure(FOUR).columns) == ["month", "at_risk", "exits", "hazard"]


def test_courtship_rows_do_not_count():
    court = pd.DataFrame({"customer_id": [1, 9], "month": [-1, -1], "S": [5.0, 5.0],
                          "exited": [False, False], "phase": ["courtship"] * 2})
    assert life_table(pd.concat([court, FOUR])).equals(life_table(FOUR))


def test_nobody_exits():
    df = panel_from_lives({1: (5, False), 2: (5, False)})
    lt = life_table(df)
    assert (lt["hazard"] == 0).all() and (lt["survival"] == 1).all()
    assert median_lifetime(df) == math.inf
    assert math.isnan(cliff_ratio(df, term_months=3))


def test_everybody_exits_in_the_first_month():
    df = panel_from_lives({1: (0, True), 2: (0, True), 3: (0, True)})
    lt = life_table(df)
    assert lt["survival"].tolist() == [0.0]
    assert median_lifetime(df) == 0.0
    df1 = panel_from_lives({1: (1, True), 2: (1, True)})  # everybody leaves in month 1
    assert life_table(df1)["survival"].tolist() == [1.0, 0.0]
    assert median_lifetime(df1) == 1.0


def test_one_customer():
    df = panel_from_lives({7: (3, True)})
    assert life_table(df)["survival"].tolist() == [1, 1, 1, 0]
    assert median_lifetime(df) == 3.0


def test_empty_panel_gives_empty_table():
    assert life_table(FOUR.iloc[:0]).empty
    assert math.isnan(median_lifetime(FOUR.iloc[:0]))


def test_cliff_ratio_by_hand():
    # 10 customers, term 2: month 0 one exit (h = .1), month 1 none (h = 0),
    # month 2 three of nine exit (h = 1/3): ratio (1/3) / mean(.1, 0) = 6.667
    lives = {0: (0, True), 1: (2, True), 2: (2, True), 3: (2, True)}
    lives |= {i: (3, False) for i in range(4, 10)}
    df = panel_from_lives(lives)
    assert cliff_ratio(df, term_months=2) == pytest.approx((1 / 3) / 0.05)
    assert math.isnan(cliff_ratio(df, term_months=5))  # month 5 not observed
    with pytest.raises(ValueError, match="term_months"):
        cliff_ratio(df)  # a bare panel has no contract terms
    with pytest.raises(ValueError, match="term_months"):
        cliff_ratio(df, term_months=0)
    only_after = panel_from_lives({1: (2, True), 2: (3, False)})
    assert cliff_ratio(only_after, term_months=2) == math.inf


def test_cliff_ratio_takes_the_term_from_customers():
    lives = {0: (0, True), 1: (2, True), 2: (2, True), 3: (2, True)}
    lives |= {i: (3, False) for i in range(4, 10)}
    df = panel_from_lives(lives)
    # customers 10, 11 have no fixed term and leave at month 2: not on the 2-month term
    extra = panel_from_lives({10: (2, True), 11: (2, True)})
    cust = pd.DataFrame({"customer_id": range(12), "signed": True,
                         "term_months": [2] * 10 + [0, 0]})
    j = Journeys(cust, pd.DataFrame(), pd.concat([df, extra], ignore_index=True))
    assert cliff_ratio(j) == pytest.approx((1 / 3) / 0.05)
    mixed = Journeys(cust.assign(term_months=[2] * 5 + [3] * 7), pd.DataFrame(), df)
    with pytest.raises(ValueError, match="one contract term"):
        cliff_ratio(mixed)
    assert cliff_ratio(mixed, term_months=2) == pytest.approx(cliff_ratio(df, term_months=2))


def test_life_table_needs_exited():
    with pytest.raises(JourneyDataError, match="exited"):
        life_table(FOUR.drop(columns="exited"))


def test_survival_matches_lifelines_kaplan_meier():
    lifelines = pytest.importorskip("lifelines")
    rng = np.random.default_rng(3)
    n = 400
    last = rng.integers(0, 24, n)
    exited = rng.random(n) < 0.6
    df = panel_from_lives({i: (int(last[i]), bool(exited[i])) for i in range(n)})
    # exit in month t = a lifetime of t + 1 months; censored after t = t + 1 months observed
    km = lifelines.KaplanMeierFitter().fit(last + 1, exited)
    lt = life_table(df)
    expected = km.survival_function_at_times(lt["month"].to_numpy() + 1).to_numpy()
    np.testing.assert_allclose(lt["survival"], expected, atol=1e-12)
    assert median_lifetime(df) + 1 == km.median_survival_time_
