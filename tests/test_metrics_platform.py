"""Hand-computed checks of reach after a platform exit."""

import math

import numpy as np
import pandas as pd
import pytest

from journey.metrics import dialogue_continuity, reach_by_month, reach_retained
from journey.schema import JourneyDataError, Journeys


def panel(rows):
    df = pd.DataFrame(rows, columns=["customer_id", "month", "reachable"])
    df["phase"] = "service"
    df["exited"] = False
    return df


# the firm leaves the platform in month 2; customer 4 was unreachable already; 5 churned
P = panel([(i, m, True) for i in (1, 2, 3) for m in (0, 1)]
          + [(1, 2, True), (2, 2, False), (3, 2, False), (1, 3, True), (2, 3, True)]
          + [(4, 1, False), (4, 2, False), (5, 1, True)])
EV = pd.DataFrame({"customer_id": [1, 2, 3, 4, 1], "month": [2, 2, 2, 2, 0],
                   "kind": ["platform_exit"] * 4 + ["survey"], "rating": np.nan})


def test_reach_retained_by_hand():
    j = Journeys(pd.DataFrame(), EV, P)
    assert reach_retained(j) == pytest.approx(1 / 3)  # 1, 2, 3 reachable before; only 1 after
    assert reach_retained(j, after=1) == pytest.approx(1.0)  # 1 and 2, both reachable again
    assert reach_retained(P, exit_month=2) == pytest.approx(1 / 3)


def test_per_customer_exit_months():
    # customer 3 meets the exit a month later (signed later): months since signing differ
    ev = EV.assign(month=[2, 2, 1, 2, 0])
    # 3 before = month 0 (reachable), after = month 1 (reachable)
    assert reach_retained(Journeys(pd.DataFrame(), ev, P)) == pytest.approx(2 / 3)


def test_missing_exit_and_nobody_reachable():
    with pytest.raises(JourneyDataError, match="platform_exit"):
        reach_retained(Journeys(pd.DataFrame(), EV.assign(kind="survey"), P))
    with pytest.raises(ValueError, match="exit_month"):
        reach_retained(P)
    assert math.isnan(reach_retained(P.assign(reachable=False), exit_month=2))
    with pytest.raises(JourneyDataError, match="reachable"):
        reach_retained(P.drop(columns="reachable"), exit_month=2)


def test_reach_by_month():
    out = reach_by_month(P)
    assert out["month"].tolist() == [0, 1, 2, 3]
    np.testing.assert_allclose(out["reachable_share"], [1.0, 0.8, 1 / 4, 1.0])


def dialogue_panel():
    """Exit in month 2: 1 owned (ps .2), 2 platform-only and unreached (ps .8), 3 reachable
    but gone after month 2 (ps .5), 4 gone before the exit (ps .9, not in dialogue then)."""
    rows = ([(1, m, True, 0.2) for m in range(4)]
            + [(2, m, m < 2, 0.8) for m in range(4)]
            + [(3, m, True, 0.5) for m in range(3)]
            + [(4, m, True, 0.9) for m in range(2)])
    return pd.DataFrame(rows, columns=["customer_id", "month", "reachable", "platform_share"])


def test_dialogue_continuity_by_hand():
    p = dialogue_panel()
    # in dialogue at the exit: 1, 2, 3 (weights .2 + .8 + .5 = 1.5)
    assert dialogue_continuity(p, exit_month=2) == pytest.approx(0.7 / 1.5)  # 1 and 3 reached
    assert dialogue_continuity(p, exit_month=2, k=1) == pytest.approx(0.2 / 1.5)  # 3 has left
    # had the firm stayed, only churn ends a dialogue: 1 and 2 still there a month later
    assert dialogue_continuity(p.assign(reachable=True), exit_month=2, k=1) == pytest.approx(
        1.0 / 1.5)
    ev = pd.DataFrame({"customer_id": [1, 2, 3], "month": 2, "kind": "platform_exit",
                       "rating": np.nan})
    assert dialogue_continuity(Journeys(pd.DataFrame(), ev, p), k=1) == pytest.approx(0.2 / 1.5)


def test_dialogue_continuity_bad_input():
    p = dialogue_panel()
    with pytest.raises(JourneyDataError, match="month 5"):
        dialogue_continuity(p, exit_month=2, k=3)  # the panel ends at month 3
    with pytest.raises(ValueError, match="k must be"):
        dialogue_continuity(p, exit_month=2, k=-1)
    with pytest.raises(JourneyDataError, match="platform_share"):
        dialogue_continuity(p.drop(columns="platform_share"), exit_month=2)
    assert math.isnan(dialogue_continuity(p.assign(platform_share=0.0), exit_month=2))
