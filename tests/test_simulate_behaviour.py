"""The model behaves as the literature says, on simulated cohorts at default sizes."""

import numpy as np
import pytest

from journey.scenario import load_preset
from journey.simulate import simulate

N = 20_000  # prospects; about 9,000 sign in the telecom preset


def _hazard_by_month(j):
    p = j.panel[j.panel["month"] >= 1]
    return p.groupby("month")["exited"].mean()


@pytest.fixture(scope="module")
def telecom():
    return load_preset("telecom").replace(fee_schedule="flat")


def test_higher_exit_fee_lowers_churn_in_contract_and_raises_spike(telecom):
    low = simulate(telecom.replace(exit_fee=1.0), N, 36, seed=5)
    high = simulate(telecom.replace(exit_fee=12.0), N, 36, seed=5)
    term = telecom.term_months
    hz_low, hz_high = _hazard_by_month(low), _hazard_by_month(high)
    # churn before the term end (months 1..term-1)
    assert hz_high.loc[1:term - 1].mean() < 0.7 * hz_low.loc[1:term - 1].mean()
    # the spike after the term end: hazard in the lapse month over the in-contract mean
    cliff_low = hz_low.loc[term] / hz_low.loc[1:term - 1].mean()
    cliff_high = hz_high.loc[term] / hz_high.loc[1:term - 1].mean()
    assert cliff_high > 1.5 * cliff_low
    assert hz_high.loc[term] > hz_low.loc[term]


def test_lower_service_quality_lowers_satisfaction_after_signing_only():
    sc = load_preset("telecom")
    good = simulate(sc.replace(service_quality=7.0), N, 24, seed=9)
    poor = simulate(sc.replace(service_quality=4.0), N, 24, seed=9)

    def s_by(j):
        p = j.panel
        return (p.loc[p["month"] < 0, "S"].mean(), p.loc[p["month"] == 0, "S"].mean(),
                p.loc[p["month"].between(3, 12), "S"].mean())

    g_court, g_sign, g_after = s_by(good)
    p_court, p_sign, p_after = s_by(poor)
    assert p_court == pytest.approx(g_court, abs=1e-12)  # courtship is untouched
    assert p_sign == pytest.approx(g_sign, abs=1e-12)
    assert p_after < g_after - 1.5


def test_higher_staff_turnover_lowers_bonds_and_raises_churn():
    sc = load_preset("telecom")
    stable = simulate(sc.replace(staff_turnover=0.02), N, 36, seed=4)
    churning = simulate(sc.replace(staff_turnover=0.4), N, 36, seed=4)
    r_s = stable.panel.loc[stable.panel["month"] >= 6, "R"].mean()
    r_c = churning.panel.loc[churning.panel["month"] >= 6, "R"].mean()
    assert r_c < 0.6 * r_s
    signed_s = stable.customers["signed"].sum()
    signed_c = churning.customers["signed"].sum()
    assert signed_s == signed_c  # same courtship
    exit_s = stable.customers["exit_month"].notna().sum() / signed_s
    exit_c = churning.customers["exit_month"].notna().sum() / signed_c
    assert exit_c > exit_s + 0.03


def test_preset_plausibility_targets():
    """MODEL.md design targets, held loosely."""
    tel = simulate(load_preset("telecom"), N, 36, seed=1)
    hz = _hazard_by_month(tel)
    term = load_preset("telecom").term_months
    assert hz.loc[1:term - 1].max() < 0.06  # a few percent monthly at most while the fee runs
    assert hz.loc[term] > 3 * hz.loc[1:term - 1].mean()  # a clear spike at the term end
    s = tel.panel.groupby("month")["S"].mean()
    assert s.loc[6] < s.loc[0] - 1.0

    def hostage_share(j):
        p = j.panel[j.panel["month"] >= 1]
        return float(((p["S"] < 5) & (p["h0"] > 3 * p["h"])).mean())

    shares = {name: hostage_share(simulate(load_preset(name), 5000, 36, seed=1))
              for name in ("telecom", "housing", "subscription")}
    assert shares["housing"] == max(shares.values())

    sub = simulate(load_preset("subscription"), N, 36, seed=1)
    hz_sub = _hazard_by_month(sub)
    assert hz_sub.max() < 2 * hz_sub.median()  # no term-end spike
    p = sub.panel[sub.panel["month"] >= 1]
    low, high = p[p["S"] < 5]["exited"].mean(), p[p["S"] >= 7]["exited"].mean()
    assert low > 2 * high  # churn follows satisfaction

    bank = simulate(load_preset("bank_partners"), 5000, 36, seed=1)
    bp = bank.panel[bank.panel["month"] >= 0]
    sow = bp.groupby("month")["share_of_wallet"].mean()
    entry = load_preset("bank_partners").competitor_entry_month
    assert sow.loc[:entry - 1].min() == 1.0 and sow.loc[35] < 0.8
    churn_before = bp[bp["month"].between(1, entry - 1)]["exited"].mean()
    assert churn_before < 0.005  # no binary churn at first
    # erosion is faster where relationship managers changed
    changes = bank.events[bank.events["kind"] == "staff_change"].groupby("customer_id").size()
    last = bp[bp["month"] == 35].set_index("customer_id")["share_of_wallet"]
    n_changes = changes.reindex(last.index, fill_value=0)
    assert last[n_changes >= 3].mean() < last[n_changes == 0].mean()
    assert np.isfinite(last).all()
