"""Hand-computed checks of CLV and CLV lost to a breakdown."""

import numpy as np
import pandas as pd
import pytest

from journey.metrics import clv, clv_lost, clv_table
from journey.schema import JourneyDataError, Journeys


def panel_from_lives(lives):
    rows = [(cid, m, 5.0, exited and m == last)
            for cid, (last, exited) in lives.items() for m in range(last + 1)]
    df = pd.DataFrame(rows, columns=["customer_id", "month", "S", "exited"])
    df["phase"] = "service"
    return df


# 4 customers: two leave in month 0, one in month 2, one stays through month 2
# survival at month ends .5, .5, .25 -> at month starts 1, .5, .5
P = panel_from_lives({1: (0, True), 2: (0, True), 3: (2, True), 4: (2, False)})
STAY = panel_from_lives({1: (2, False), 2: (2, False)})


def test_clv_by_hand():
    assert clv(P, margin=10.0, discount=0.0) == pytest.approx(10 * (1 + 0.5 + 0.5))
    assert clv(P, margin=10.0, discount=0.1) == pytest.approx(10 + 5 / 1.1 + 5 / 1.21)
    assert clv(P, margin=10.0, discount=0.0, horizon=2) == pytest.approx(15.0)
    tab = clv_table(P, margin=10.0, discount=0.0)
    np.testing.assert_allclose(tab["survival_start"], [1, 0.5, 0.5])
    np.testing.assert_allclose(tab["cumulative"], [10, 15, 20])


def test_clv_margin_from_prices():
    cust = pd.DataFrame({"customer_id": [1, 2, 3, 4, 5], "signed": [True] * 4 + [False],
                         "price": [10.0, 20.0, 30.0, 40.0, 1000.0]})
    j = Journeys(cust, pd.DataFrame(), P)
    assert clv(j, discount=0.0) == pytest.approx(25.0 * 2.0)  # mean price of signed = 25
    with pytest.raises(ValueError, match="margin"):
        clv(P)  # a bare panel has no prices


def test_edge_cases():
    everybody_month0 = panel_from_lives({1: (0, True), 2: (0, True)})
    assert clv(everybody_month0, margin=3.0) == 3.0  # month 0 is paid, nothing after
    assert clv(STAY, margin=1.0, discount=0.0) == 3.0
    one = panel_from_lives({1: (1, True)})
    assert clv(one, margin=2.0, discount=0.0) == 4.0
    with pytest.raises(ValueError, match="horizon"):
        clv(P, margin=1.0, horizon=4)
    with pytest.raises(ValueError, match="discount"):
        clv(P, margin=1.0, discount=-0.1)
    with pytest.raises(JourneyDataError, match="service months"):
        clv(P.iloc[:0], margin=1.0)


def test_clv_lost():
    assert clv_lost(STAY, P, margin=10.0, discount=0.0) == pytest.approx(30 - 20)
    assert clv_lost(P, P, margin=10.0) == 0.0
    longer = panel_from_lives({1: (5, False)})
    # common horizon = 3 months observed by both
    assert clv_lost(longer, P, margin=10.0, discount=0.0) == pytest.approx(10.0)
