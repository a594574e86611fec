"""Hand-computed checks of the life table, median lifetime and cliff ratio."""

import math

import numpy as np
import pandas as pd
import pytest
from recorded import reference

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


# 20 customers, term 3: month 1: 2 of 20 exit (h = .1), month 2: 0 of 18, month 3: 6 of 18
# (h = 1/3), month 4: 3 of 12 (h = 1/4), month 5: 0 of 9
CLIFF = {0: (1, True), 1: (1, True)} | {i: (3, True) for i in range(2, 8)}
CLIFF |= {i: (4, True) for i in range(8, 11)} | {i: (5, False) for i in range(11, 20)}


def test_cliff_ratio_by_hand():
    df = panel_from_lives(CLIFF)
    np.testing.assert_allclose(life_table(df)["hazard"], [0, 0.1, 0, 1 / 3, 0.25, 0])
    # default windows: month 3 over months 1..2 -> (1/3) / mean(.1, 0) = 6.667; with month 0
    # in the denominator (the old definition) it would have read (1/3) / (1/30) = 10
    assert cliff_ratio(df, term_months=3) == pytest.approx((1 / 3) / 0.05)
    assert cliff_ratio(df, term_months=3, after=(3, 4)) == pytest.approx((7 / 24) / 0.05)
    assert cliff_ratio(df, term_months=3, before=(1, 1)) == pytest.approx((1 / 3) / 0.1)
    assert cliff_ratio(df, term_months=3, before=(2, 2)) == math.inf  # no exits before
    assert cliff_ratio(df, term_months=3, after=(5, 5)) == 0.0  # no exits after
    assert math.isnan(cliff_ratio(df, term_months=3, before=(2, 2), after=(5, 5)))  # none at all
    assert math.isnan(cliff_ratio(df, term_months=6))  # month 6 not observed
    assert math.isnan(cliff_ratio(df, term_months=3, after=(3, 6)))
    with pytest.raises(ValueError, match="term_months"):
        cliff_ratio(df)  # a bare panel has no contract terms
    with pytest.raises(ValueError, match="term_months"):
        cliff_ratio(df, term_months=0)
    with pytest.raises(ValueError, match="before.*month 0"):
        cliff_ratio(df, term_months=3, before=(0, 2))
    with pytest.raises(ValueError, match="after"):
        cliff_ratio(df, term_months=3, after=(4, 3))
    with pytest.raises(ValueError, match="1-month term"):
        cliff_ratio(df, term_months=1)
    assert cliff_ratio(df, term_months=1, before=(2, 2), after=(1, 1)) == math.inf


def test_cliff_ratio_ignores_month_zero():
    # an exit in the signing month (impossible in the simulator) changes at_risk later on,
    # never the window means: months 1.. hold the same customers minus the one who left
    with_zero = panel_from_lives(CLIFF | {20: (0, True)})
    assert life_table(with_zero)["hazard"].iloc[0] == pytest.approx(1 / 21)
    assert cliff_ratio(with_zero, term_months=3) == pytest.approx((1 / 3) / 0.05)


def test_cliff_ratio_takes_the_term_from_customers():
    df = panel_from_lives(CLIFF)
    # customers 20, 21 have no fixed term and leave at month 3: not on the 3-month term
    extra = panel_from_lives({20: (3, True), 21: (3, True)})
    cust = pd.DataFrame({"customer_id": range(22), "signed": True,
                         "term_months": [3] * 20 + [0, 0]})
    j = Journeys(cust, pd.DataFrame(), pd.concat([df, extra], ignore_index=True))
    assert cliff_ratio(j) == pytest.approx((1 / 3) / 0.05)
    mixed = Journeys(cust.assign(term_months=[3] * 10 + [4] * 12), pd.DataFrame(), df)
    with pytest.raises(ValueError, match="one contract term"):
        cliff_ratio(mixed)
    assert cliff_ratio(mixed, term_months=3) == pytest.approx(cliff_ratio(df, term_months=3))


def test_life_table_needs_exited():
    with pytest.raises(JourneyDataError, match="exited"):
        life_table(FOUR.drop(columns="exited"))


def test_survival_matches_lifelines_kaplan_meier():
    rng = np.random.default_rng(3)
    n = 400
    last = rng.integers(0, 24, n)
    exited = rng.random(n) < 0.6
    df = panel_from_lives({i: (int(last[i]), bool(exited[i])) for i in range(n)})
    lt = life_table(df)

    def lifelines_km():
        import lifelines

        # exit in month t = a lifetime of t + 1 months; censored after t = t + 1 months observed
        km = lifelines.KaplanMeierFitter().fit(last + 1, exited)
        return {"survival": km.survival_function_at_times(lt["month"].to_numpy() + 1),
                "median": km.median_survival_time_}

    ref = reference("retention_km", "lifelines", lifelines_km)
    np.testing.assert_allclose(lt["survival"], ref["survival"], atol=1e-12)
    assert median_lifetime(df) + 1 == ref["median"]


def test_cliff_by_term_of_a_one_month_term_is_nan_not_an_error():
    from journey.metrics import cliff_ratio_by_term

    cust = pd.DataFrame({"customer_id": range(4), "signed": True, "term_months": 1,
                         "tenure_months": [3, 2, 5, 1],
                         "exit_month": pd.array([2, 1, None, None], dtype="Int64")})
    j = Journeys(cust, pd.DataFrame(), pd.DataFrame({"customer_id": [], "month": []}))
    out = cliff_ratio_by_term(j)
    assert out["term_months"].tolist() == [1] and np.isnan(out["cliff_ratio"].iloc[0])
