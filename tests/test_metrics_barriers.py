"""Hand-computed checks of the barrier index, barrier-held share and hostage share."""

import math

import numpy as np
import pandas as pd
import pytest

from journey.metrics import (
    barrier_held_share,
    barrier_held_share_by_tenure,
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


# a courtship row (ignored), then two customers over months 0 and 1
P = panel([
    (1, -1, 9.0, 0.0, 0.0, 0.0, 0.9, 0.9),
    (1, 0, 3.0, 12.0, 1.0, 2.0, 0.01, 0.20),  # hostage: unhappy, h0 high, held below .05
    (2, 0, 3.0, 0.0, 1.0, 0.0, 0.10, 0.20),   # unhappy, high risk, barrier too weak to hold
    (1, 1, 8.0, 6.0, 1.0, 4.0, 0.01, 0.20),   # satisfied: not a hostage
    (2, 1, 3.0, 0.0, 1.0, 0.0, 0.01, 0.02),   # unhappy but would stay anyway
])


def test_barrier_index_by_tenure():
    out = barrier_index_by_tenure(P)
    assert out["month"].tolist() == [0, 1]
    assert out["n"].tolist() == [2, 2]
    np.testing.assert_allclose(out["F"], [6.0, 3.0])
    np.testing.assert_allclose(out["P"], [1.0, 1.0])
    np.testing.assert_allclose(out["M"], [1.0, 2.0])
    np.testing.assert_allclose(out["B"], [8.0, 6.0])


def test_barrier_held_share_by_hand():
    # Σ h0 = .2 + .2 + .2 + .02 = .62; Σ h = .01 + .1 + .01 + .01 = .13
    assert barrier_held_share(P) == pytest.approx((0.62 - 0.13) / 0.62)
    by = barrier_held_share_by_tenure(P)
    np.testing.assert_allclose(by["barrier_held_share"], [1 - 0.11 / 0.4, 1 - 0.02 / 0.22])


def test_barrier_held_share_without_risk_is_nan():
    zero = P.assign(h=0.0, h0=0.0)
    assert math.isnan(barrier_held_share(zero))
    assert barrier_held_share(P.assign(h=P["h0"])) == 0.0  # no barrier effect at all


def test_hostage_share_by_hand():
    assert hostage_share(P) == pytest.approx(1 / 4)
    assert hostage_share(P, month=0) == pytest.approx(1 / 2)
    assert hostage_share(P, month=1) == 0.0
    assert hostage_share(P, s_threshold=9.0) == pytest.approx(2 / 4)  # the satisfied one counts
    assert math.isnan(hostage_share(P, month=7))
    by = hostage_share_by_tenure(P)
    assert by["hostages"].tolist() == [1, 0]
    np.testing.assert_allclose(by["hostage_share"], [0.5, 0.0])
    with pytest.raises(ValueError, match="h0_high"):
        hostage_share(P, h0_high=2.0)


@pytest.mark.parametrize("fn", [barrier_index_by_tenure, barrier_held_share, hostage_share,
                                barrier_held_share_by_tenure, hostage_share_by_tenure])
def test_real_data_without_model_columns_raise_clearly(fn):
    real = P.drop(columns=["F", "P", "M", "h", "h0"])
    with pytest.raises(JourneyDataError, match="only simulated data"):
        fn(real)
    with pytest.raises(JourneyDataError, match="only simulated data"):
        fn(Journeys(pd.DataFrame(), pd.DataFrame(), real))
