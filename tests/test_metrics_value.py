"""Hand-computed checks of CLV on margin, value per prospect, CLV lost and the sBG residual."""

import numpy as np
import pandas as pd
import pytest

from journey.metrics import (
    Economics,
    clv,
    clv_lost,
    clv_table,
    sbg_residual,
    signed_share,
    value_per_prospect,
)
from journey.models.sbg import sbg_survival
from journey.scenario import load_preset
from journey.schema import JourneyDataError, Journeys


def panel_from_lives(lives):
    rows = [(cid, m, 5.0, exited and m == last)
            for cid, (last, exited) in lives.items() for m in range(last + 1)]
    df = pd.DataFrame(rows, columns=["customer_id", "month", "S", "exited"])
    df["phase"] = "service"
    return df


def cohort(lives, prospects, price=10.0):
    """Journeys with ``prospects`` rows in customers, the first ones signed (``lives``)."""
    ids = list(range(1, prospects + 1))
    cust = pd.DataFrame({"customer_id": ids, "signed": [i in lives for i in ids],
                         "price": price})
    return Journeys(cust, pd.DataFrame(), panel_from_lives(lives))


# 4 customers: two leave in month 0, one in month 2, one stays through month 2
# survival at month ends .5, .5, .25 -> at month starts 1, .5, .5
LIVES = {1: (0, True), 2: (0, True), 3: (2, True), 4: (2, False)}
P = panel_from_lives(LIVES)
STAY = panel_from_lives({1: (2, False), 2: (2, False)})
FLAT = Economics(discount=0.0)


def test_clv_by_hand():
    assert clv(P, FLAT, margin=10.0) == pytest.approx(10 * (1 + 0.5 + 0.5))
    assert clv(P, Economics(discount=0.1), margin=10.0) == pytest.approx(10 + 5 / 1.1 + 5 / 1.21)
    assert clv(P, FLAT, margin=10.0, horizon=2) == pytest.approx(15.0)
    tab = clv_table(P, FLAT, margin=10.0)
    np.testing.assert_allclose(tab["survival_start"], [1, 0.5, 0.5])
    np.testing.assert_allclose(tab["cumulative"], [10, 15, 20])


def test_clv_on_margin_from_prices():
    cust = pd.DataFrame({"customer_id": [1, 2, 3, 4, 5], "signed": [True] * 4 + [False],
                         "price": [10.0, 20.0, 30.0, 40.0, 1000.0]})
    j = Journeys(cust, pd.DataFrame(), P)
    assert clv(j, FLAT) == pytest.approx(25.0 * 2.0)  # revenue: mean price of signed = 25
    econ = Economics(margin_rate=0.4, retention_cost=2.0, discount=0.0)
    assert econ.margin(25.0) == pytest.approx(8.0)  # .4 * 25 - 2
    assert clv(j, econ) == pytest.approx(8.0 * 2.0)
    assert clv(j, econ, margin=1.0) == pytest.approx(2.0)  # an explicit margin wins
    with pytest.raises(ValueError, match="margin"):
        clv(P)  # a bare panel has no prices


def test_economics_record():
    sc = load_preset("telecom")
    econ = Economics.from_scenario(sc, discount=0.02)
    assert (econ.margin_rate, econ.acquisition_cost, econ.retention_cost, econ.discount) == (
        sc.margin_rate, sc.acquisition_cost, sc.retention_cost, 0.02)
    assert Economics() == Economics(1.0, 0.0, 0.0, 0.01)  # revenue, no costs
    for bad, match in (({"margin_rate": 1.5}, "margin_rate"),
                       ({"acquisition_cost": -1.0}, "acquisition_cost"),
                       ({"retention_cost": float("nan")}, "retention_cost"),
                       ({"discount": 1.0}, "discount")):
        with pytest.raises(ValueError, match=match):
            Economics(**bad)
    with pytest.raises(TypeError, match="Economics"):
        clv(P, 0.01)  # the old positional margin


def test_value_per_prospect_by_hand():
    j = cohort(LIVES, prospects=5)  # 4 of 5 prospects signed
    econ = Economics(margin_rate=0.4, acquisition_cost=3.0, discount=0.0)
    # m = .4 * 10 = 4; CLV = 4 * (1 + .5 + .5) = 8 per signed; V = .8 * 8 - 3
    assert signed_share(j) == pytest.approx(0.8)
    assert value_per_prospect(j, econ) == pytest.approx(0.8 * 8.0 - 3.0)
    nobody = Journeys(pd.DataFrame({"customer_id": [1, 2], "signed": [False, False],
                                    "price": 10.0}), pd.DataFrame(), P.iloc[:0])
    assert value_per_prospect(nobody, econ) == -3.0  # courted, nobody signed
    with pytest.raises(JourneyDataError, match="Journeys"):
        value_per_prospect(P, econ)


def test_clv_lost_is_per_prospect():
    # A signs 4 of 10 (CLV 20 per signed at margin 10); B signs 2 of 10, who both stay (30).
    # Per signed customer B looks 10 better; per prospect A earns 8 and B 6.
    a = cohort(LIVES, prospects=10)
    b = cohort({1: (2, False), 2: (2, False)}, prospects=10)
    econ = Economics(acquisition_cost=5.0, discount=0.0)
    assert clv(b, econ, margin=10.0) - clv(a, econ, margin=10.0) == pytest.approx(10.0)
    assert value_per_prospect(a, econ, margin=10.0) == pytest.approx(0.4 * 20 - 5)
    assert clv_lost(b, a, econ, margin=10.0) == pytest.approx(6.0 - 8.0)  # A loses nothing
    assert clv_lost(a, a, econ) == 0.0
    # the common horizon is the months both observe
    longer = cohort({1: (5, False)}, prospects=10)
    assert clv_lost(longer, a, econ, margin=10.0) == pytest.approx(0.1 * 30 - 0.4 * 20)


def test_residual_on_constant_churn_is_the_geometric_closed_form():
    # 64 customers; from month 1 on half of those alive leave each month (theta = .5); 5
    # months observed: S(t) at month starts 1, 1, .5, .25, .125 and S(5) = .0625
    lives, cid = {}, 0
    for month, n in ((1, 32), (2, 16), (3, 8), (4, 4)):
        for _ in range(n):
            cid += 1
            lives[cid] = (month, True)
    for _ in range(4):
        cid += 1
        lives[cid] = (4, False)
    j = cohort(lives, prospects=64)
    d, m = 0.01, 3.0
    x = 1 / (1 + d)
    econ = Economics(discount=d)
    observed = m * (1 + x + 0.5 * x**2 + 0.25 * x**3 + 0.125 * x**4)
    assert clv(j, econ, margin=m) == pytest.approx(observed, rel=1e-12)
    # beyond: sum over t >= 5 of m .5^(t-1) x^t = m .0625 x^5 / (1 - .5 x); in all the
    # geometric series m (1 + x / (1 - .5 x))
    residual = m * 0.0625 * x**5 / (1 - 0.5 * x)
    with_residual = clv(j, econ, margin=m, residual="sbg")
    assert with_residual - observed == pytest.approx(residual, rel=1e-9)
    assert with_residual == pytest.approx(m * (1 + x / (1 - 0.5 * x)), rel=1e-9)


def test_sbg_residual_matches_the_brute_force_sum():
    # survival of an sBG(alpha = .7, beta = 2) cohort from month 1 on: S(t) = S_sBG(t - 1)
    a, b, d, m, H = 0.7, 2.0, 0.01, 5.0, 12
    far = sbg_survival(a, b, np.arange(20_000))
    s_start = np.r_[1.0, far[:H]]
    t = np.arange(H, 20_001)
    brute = m * np.sum(far[t - 1] * (1 + d) ** -t.astype(float))
    assert sbg_residual(s_start, m, d) == pytest.approx(brute, rel=1e-5)


def test_edge_cases():
    everybody_month0 = panel_from_lives({1: (0, True), 2: (0, True)})
    assert clv(everybody_month0, margin=3.0) == 3.0  # month 0 is paid, nothing after
    assert clv(STAY, FLAT, margin=1.0) == 3.0
    one = panel_from_lives({1: (1, True)})
    assert clv(one, FLAT, margin=2.0) == 4.0
    with pytest.raises(ValueError, match="horizon"):
        clv(P, margin=1.0, horizon=4)
    with pytest.raises(JourneyDataError, match="service months"):
        clv(P.iloc[:0], margin=1.0)
    with pytest.raises(ValueError, match="discount > 0"):
        clv(P, FLAT, margin=1.0, residual="sbg")
    with pytest.raises(ValueError, match="residual"):
        clv(P, margin=1.0, residual="weibull")
    with pytest.raises(ValueError, match="at least 2"):
        clv(P, margin=1.0, horizon=1, residual="sbg")
