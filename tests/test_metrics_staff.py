"""Hand-computed checks of the internal-loyalty metrics: staff changes per customer-year,
service-month means of R, Q, S, and retention at fixed horizons."""

import math

import numpy as np
import pandas as pd
import pytest

from journey.metrics import (
    Economics,
    loyalty_chain,
    retention_at,
    satisfaction_after_staff_change,
    service_means,
    staff_changes_per_year,
    value_per_prospect,
)
from journey.scenario import load_preset
from journey.schema import JourneyDataError, Journeys
from journey.simulate import simulate

# customer 1: months -1..3, exits in month 3; customer 2: months 0..5, censored
PANEL = pd.DataFrame({
    "customer_id": [1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2],
    "month": [-1, 0, 1, 2, 3, 0, 1, 2, 3, 4, 5],
    "R": [0.5, 0.1, 0.2, 0.3, 0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6],
    "Q": [9.0, 8.0, 7.0, 6.0, 5.0, 8.0, 8.0, 8.0, 8.0, 8.0, 8.0],
    "S": [8.0, 8.0, 7.5, 7.0, 6.5, 8.0, 8.0, 8.0, 8.0, 8.0, 8.0],
    "exited": [False, False, False, False, True] + [False] * 6,
})
EVENTS = pd.DataFrame({"customer_id": [1, 1, 2, 2], "month": [0, 2, 3, -1],
                       "kind": ["staff_change", "staff_change", "staff_change", "contact"]})
CUSTOMERS = pd.DataFrame({"customer_id": [1, 2, 3], "signed": [True, True, False]})
HAND = Journeys(CUSTOMERS, EVENTS, PANEL)


def test_staff_changes_per_year_by_hand():
    # service months t >= 1: customer 1 has 1, 2, 3; customer 2 has 1..5 -> 8 customer-months;
    # changes in months >= 1: customer 1 month 2, customer 2 month 3 -> 2
    assert staff_changes_per_year(HAND) == pytest.approx(12 * 2 / 8)


def test_service_means_by_hand():
    m = service_means(HAND)
    # rows t >= 1: R = .2 .3 0 | .2 .3 .4 .5 .6 -> 2.5/8; Q = 7 6 5 | 8*5 -> 58/8
    assert m["R"] == pytest.approx(2.5 / 8)
    assert m["Q"] == pytest.approx(58 / 8)
    assert m["S"] == pytest.approx((7.5 + 7.0 + 6.5 + 40) / 8)
    window = service_means(HAND, ["Q"], months=(2, 3))
    assert window["Q"] == pytest.approx((6 + 5 + 8 + 8) / 4)
    assert math.isnan(service_means(HAND, ["Q"], months=(7, 9))["Q"])
    with pytest.raises(ValueError, match="months"):
        service_means(HAND, months=(3, 1))
    with pytest.raises(JourneyDataError, match="E"):
        service_means(HAND, ["E"])


def test_retention_at_by_hand():
    # at risk 2, 2, 2, 2 (exit), 1, 1 in months 0..5: S(3) = 1/2 -> alive after 3 months: 1,
    # after 4 months: 1/2, after 6 months: 1/2
    r = retention_at(HAND, [3, 4, 6])
    assert r == pytest.approx({3: 1.0, 4: 0.5, 6: 0.5})
    with pytest.raises(ValueError, match="horizons"):
        retention_at(HAND, [7])
    with pytest.raises(ValueError, match="horizons"):
        retention_at(HAND, [0])


def test_staff_changes_needs_events_and_panel():
    with pytest.raises(JourneyDataError, match="Journeys"):
        staff_changes_per_year(PANEL)
    with pytest.raises(JourneyDataError, match="kind"):
        staff_changes_per_year(Journeys(CUSTOMERS, EVENTS.drop(columns="kind"), PANEL))
    empty = Journeys(CUSTOMERS, EVENTS, PANEL[PANEL["month"] < 1])
    assert math.isnan(staff_changes_per_year(empty))


def test_simulated_staff_changes_match_the_turnover_rate():
    # contact persons leave at p a month whatever the customer does: 12 p a customer-year,
    # within 4 binomial standard errors of the customer-months observed
    p = 0.1
    j = simulate(load_preset("telecom").replace(staff_turnover=p), 1500, 24, seed=3)
    months = int((j.panel["month"] >= 1).sum())
    se = 12 * np.sqrt(p * (1 - p) / months)
    assert abs(staff_changes_per_year(j) - 12 * p) < 4 * se


def test_satisfaction_after_staff_change_by_hand():
    # within 2 months of a change (t − change < 2): customer 1 months 2, 3 (S 7.0, 6.5),
    # customer 2 months 3, 4 (S 8, 8) -> 2 of 4 at S >= 8; without: customer 1 month 1
    # (7.5), customer 2 months 1, 2, 5 (8, 8, 8) -> 3 of 4; the month-0 change is ignored
    out = satisfaction_after_staff_change(HAND, within=2, threshold=8.0)
    assert out == pytest.approx({"satisfied_after": 0.5, "satisfied_without": 0.75,
                                 "difference": -0.25, "months_after": 4, "months_without": 4})
    # within 1: only the month of the change itself (customer 1 month 2, customer 2 month 3)
    one = satisfaction_after_staff_change(HAND, within=1, threshold=8.0)
    assert one["months_after"] == 2 and one["satisfied_after"] == pytest.approx(0.5)
    with pytest.raises(ValueError, match="within"):
        satisfaction_after_staff_change(HAND, within=0)
    with pytest.raises(JourneyDataError, match="Journeys"):
        satisfaction_after_staff_change(PANEL)


def test_loyalty_chain_gathers_the_links_of_one_cohort():
    sc = load_preset("telecom")
    j = simulate(sc, 600, 30, seed=1)
    econ = Economics.from_scenario(sc)
    out = loyalty_chain(j, econ, horizons=(24, 36))
    assert "retention_36" not in out  # beyond the 30 months observed
    assert out["retention_24"] == pytest.approx(retention_at(j, [24])[24])
    assert out["value_per_prospect"] == pytest.approx(value_per_prospect(j, econ))
    assert out["S"] == pytest.approx(service_means(j)["S"])
    assert out["staff_changes"] == pytest.approx(staff_changes_per_year(j))
