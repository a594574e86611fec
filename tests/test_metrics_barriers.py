"""Hand-computed checks of the barrier index, the barrier hazard reduction and the hostage share.

The counterfactual share of exits barriers prevent is tested in ``test_counterfactual.py``.
"""

import math

import numpy as np
import pandas as pd
import pytest

from journey.metrics import (
    barrier_hazard_reduction,
    barrier_hazard_reduction_by_tenure,
    barrier_index_by_tenure,
    hostage_share,
    hostage_share_by_tenure,
)
from journey.schema import JourneyDataError, Journeys

COLS = ["customer_id", "month", "S", "F", "P", "M", "h", "h0"]


def panel(rows):
    df = pd.DataFrame(rows, columns=COLS)
    df["exited"] = False
    df["phase"] = np.where(df["month"] < 0, "courtship", "service")
    return df


# a courtship row (ignored), then three customers over months 1 and 2. With k = 12 months and
# mark 0.5 a customer is held when 1 - (1 - h0)^12 >= 0.5 > 1 - (1 - h)^12, i.e.
# h0 >= 0.0561 > h (1 - 0.5^(1/12) = 0.05613)
P = panel([
    (1, -1, 9.0, 0.0, 0.0, 0.0, 0.9, 0.9),
    (1, 1, 3.0, 12.0, 1.0, 2.0, 0.01, 0.20),  # hostage: unhappy, .93 vs .11 within a year
    (2, 1, 3.0, 0.0, 1.0, 0.0, 0.10, 0.20),   # unhappy, but .72 would leave even with barriers
    (1, 2, 8.0, 6.0, 1.0, 4.0, 0.01, 0.20),   # held, but satisfied: not a hostage
    (2, 2, 3.0, 0.0, 1.0, 0.0, 0.01, 0.02),   # unhappy, would stay anyway (.22 < .5)
    (3, 2, 5.0, 0.0, 1.0, 1.0, 0.05, 0.06),   # hostage at the margin: .524 vs .460
])


def test_barrier_index_by_tenure():
    out = barrier_index_by_tenure(P)
    assert out["month"].tolist() == [1, 2]
    assert out["n"].tolist() == [2, 3]
    np.testing.assert_allclose(out["F"], [6.0, 2.0])
    np.testing.assert_allclose(out["P"], [1.0, 1.0])
    np.testing.assert_allclose(out["M"], [1.0, 5 / 3])
    np.testing.assert_allclose(out["B"], [8.0, 2.0 + 1.0 + 5 / 3])


def test_barrier_hazard_reduction_by_hand():
    # Σ h0 = .2 + .2 + .2 + .02 + .06 = .68; Σ h = .01 + .1 + .01 + .01 + .05 = .18
    assert barrier_hazard_reduction(P) == pytest.approx((0.68 - 0.18) / 0.68)
    by = barrier_hazard_reduction_by_tenure(P)
    np.testing.assert_allclose(by["expected_exits_without"], [0.4, 0.28])
    np.testing.assert_allclose(by["hazard_reduction"], [1 - 0.11 / 0.4, 1 - 0.07 / 0.28])


def test_barrier_hazard_reduction_without_risk_is_nan():
    zero = P.assign(h=0.0, h0=0.0)
    assert math.isnan(barrier_hazard_reduction(zero))
    assert barrier_hazard_reduction(P.assign(h=P["h0"])) == 0.0  # no barrier effect at all


def test_hostage_share_per_customer_by_hand():
    assert hostage_share(P, month=1) == pytest.approx(1 / 2)
    assert hostage_share(P, month=2) == pytest.approx(1 / 3)
    # a laxer satisfaction mark lets the held, fairly satisfied customer 1 count in month 2
    assert hostage_share(P, month=2, s_threshold=9.0) == pytest.approx(2 / 3)
    # one month ahead, mark .15: customer 2 in month 1 is held (h0 = .2 >= .15 > h = .1),
    # customer 1 too (.2 vs .01); in month 2 nobody has h0 >= .15 and S < 7
    assert hostage_share(P, month=1, k=1, mark=0.15) == 1.0
    assert hostage_share(P, month=2, k=1, mark=0.15) == 0.0
    assert math.isnan(hostage_share(P, month=7))
    by = hostage_share_by_tenure(P)
    assert by["month"].tolist() == [1, 2]
    assert by["hostages"].tolist() == [1, 1]
    np.testing.assert_allclose(by["hostage_share"], [1 / 2, 1 / 3])


def test_hostage_share_counts_customers_not_customer_months():
    # customer 1 is a hostage in months 1, 2 and 3, customer 2 in none and gone after month 2:
    # pooled over customer-months the share would be 3/5; per customer alive at month 3 it is
    # 1/1, at month 2 it is 1/2
    more = pd.concat([P.iloc[:3], panel([(1, 2, 3.0, 6.0, 1.0, 4.0, 0.01, 0.20),
                                         (2, 2, 3.0, 0.0, 1.0, 0.0, 0.01, 0.02),
                                         (1, 3, 3.0, 6.0, 1.0, 4.0, 0.01, 0.20)])])
    assert hostage_share(more, month=3) == 1.0
    assert hostage_share(more, month=2) == 0.5


def test_hostage_rule_parameters_are_checked():
    with pytest.raises(ValueError, match="mark"):
        hostage_share(P, mark=1.5)
    with pytest.raises(ValueError, match="k must"):
        hostage_share(P, k=0)
    with pytest.raises(ValueError, match="month"):
        hostage_share(P, month=0)
    with pytest.raises(ValueError, match="mark"):
        hostage_share_by_tenure(P, mark=0.0)


@pytest.mark.parametrize("fn", [barrier_index_by_tenure, barrier_hazard_reduction, hostage_share,
                                barrier_hazard_reduction_by_tenure, hostage_share_by_tenure])
def test_real_data_without_model_columns_raise_clearly(fn):
    real = P.drop(columns=["F", "P", "M", "h", "h0"])
    with pytest.raises(JourneyDataError, match="only simulated data"):
        fn(real)
    with pytest.raises(JourneyDataError, match="only simulated data"):
        fn(Journeys(pd.DataFrame(), pd.DataFrame(), real))
