"""The model behaves as the literature says, on simulated cohorts at default sizes."""

import warnings

import numpy as np
import pytest

from journey.scenario import load_preset
from journey.simulate import simulate

N = 20_000  # prospects; about 13,000 sign in the telecom preset


def _hazard_by_month(j):
    p = j.panel[j.panel["month"] >= 1]
    return p.groupby("month")["exited"].mean()


def _reasons(j):
    c = j.customers
    return c.loc[c["exit_month"].notna(), "exit_reason"].astype("object").value_counts(
        normalize=True)


@pytest.fixture(scope="module")
def telecom():
    return load_preset("telecom").replace(fee_schedule="flat")


def test_higher_exit_fee_lowers_churn_in_contract_and_raises_spike(telecom):
    low = simulate(telecom.replace(exit_fee=1.0), N, 36, seed=5)
    high = simulate(telecom.replace(exit_fee=12.0), N, 36, seed=5)
    term = telecom.term_months
    hz_low, hz_high = _hazard_by_month(low), _hazard_by_month(high)
    assert hz_high.loc[1:term - 1].mean() < 0.7 * hz_low.loc[1:term - 1].mean()
    cliff_low = hz_low.loc[term] / hz_low.loc[1:term - 1].mean()
    cliff_high = hz_high.loc[term] / hz_high.loc[1:term - 1].mean()
    assert cliff_high > 1.5 * cliff_low


def test_churn_stays_elevated_for_months_after_the_term():
    sc = load_preset("telecom")
    hz = _hazard_by_month(simulate(sc, N, 36, seed=2))
    term = sc.term_months
    inside = hz.loc[1:term - 1].mean()
    assert hz.loc[term] > 3 * inside  # the lapse month
    assert hz.loc[term + 1:term + 6].mean() > 1.4 * inside  # and the months after it


def test_recontracting_dampens_the_cliff():
    sc = load_preset("telecom")
    few = simulate(sc.replace(recontract_logit=-4.0), N, 36, seed=6)
    many = simulate(sc.replace(recontract_logit=2.0), N, 36, seed=6)
    term = sc.term_months

    def cliff(j):
        hz = _hazard_by_month(j)
        return hz.loc[term:term + 6].mean() / hz.loc[1:term - 1].mean()

    assert cliff(many) < 0.6 * cliff(few)
    kinds = many.events["kind"].astype("object")
    assert (kinds == "recontract").sum() > 3 * (kinds == "rollover").sum()
    # a new term brings the fee back: F > 0 after the lapse only for those who re-contracted
    after = many.panel[many.panel["month"] == term + 1]
    assert (after.loc[after["rolled_over"], "F"] == 0).all()
    assert (after.loc[~after["rolled_over"], "F"] > 0).all()


def test_lower_service_quality_lowers_satisfaction_after_signing_only():
    sc = load_preset("telecom")
    good = simulate(sc, N, 24, seed=9)
    poor = simulate(sc.replace(service_quality=sc.service_quality - 3), N, 24, seed=9)

    def s_by(j):
        p = j.panel
        return (p.loc[p["month"] < 0, "S"].mean(), p.loc[p["month"] == 0, "S"].mean(),
                p.loc[p["month"].between(3, 12), "S"].mean())

    g_court, g_sign, g_after = s_by(good)
    p_court, p_sign, p_after = s_by(poor)
    assert p_court == pytest.approx(g_court, abs=1e-12)  # courtship is untouched
    assert p_sign == pytest.approx(g_sign, abs=1e-12)
    assert p_after < g_after - 1.5


def test_promise_inflation_raises_signing_and_the_later_drop():
    from journey.metrics import satisfaction_drop

    sc = load_preset("telecom")
    cohorts = [simulate(sc.replace(promise_inflation=pi), N, 12, seed=3) for pi in (0, 1, 2)]
    signed = [j.customers["signed"].mean() for j in cohorts]
    assert signed[0] < signed[1] < signed[2]
    # the same customers (those who sign without promises) drop further after signing; the
    # cohort mean also mixes in the marginal signers promises buy, who start lower
    ids = cohorts[0].customers.loc[cohorts[0].customers["signed"], "customer_id"]
    drops = [satisfaction_drop(j.panel[j.panel["customer_id"].isin(ids)], 6) for j in cohorts]
    assert drops[0] + 0.05 < drops[1] < drops[2]
    # promises move expectation, not the quality delivered
    q = [j.panel.loc[j.panel["month"].between(1, 12), "Q"].mean() for j in cohorts]
    assert max(q) - min(q) < 0.05


def test_reading_the_contract_lowers_expectation():
    sc = load_preset("telecom")
    j = simulate(sc, N, 12, seed=8)
    c = j.customers
    e_read = c.loc[c["read_contract"], "expectation"].mean()
    e_not = c.loc[c["signed"] & ~c["read_contract"], "expectation"].mean()
    assert e_not - e_read == pytest.approx(sc.read_temper * sc.promise_inflation, abs=0.1)
    none = simulate(sc.replace(read_share=0.0), N, 12, seed=8)
    every = simulate(sc.replace(read_share=1.0), N, 12, seed=8)
    # reading is no free repair: fewer sign, and the disappointment after signing is smaller
    assert every.customers["signed"].mean() < none.customers["signed"].mean() - 0.01

    def early_d(j):
        return j.panel.loc[j.panel["month"].between(1, 6), "D"].mean()

    assert early_d(every) > early_d(none) + 0.2


def test_staff_turnover_lowers_quality_and_bonds_dose_response():
    sc = load_preset("telecom")
    runs = [simulate(sc.replace(staff_turnover=p), N, 36, seed=4) for p in (0.02, 0.1, 0.3)]
    after = [j.panel[j.panel["month"] >= 6] for j in runs]
    q = [p["Q"].mean() for p in after]
    r = [p["R"].mean() for p in after]
    assert q[0] > q[1] + 0.1 > q[2] + 0.2  # newcomers start below experienced staff
    assert r[0] > r[1] > r[2] and r[2] < 0.6 * r[0]
    assert len({j.customers["signed"].sum() for j in runs}) == 1  # same courtship
    left = [j.customers["exit_month"].notna().sum() for j in runs]
    assert left[0] < left[1] < left[2]


def test_sales_bond_carries_over_where_the_same_person_serves():
    sc = load_preset("telecom")
    call_centre = simulate(sc.replace(sales_bond_carryover=0.0), N, 6, seed=2)
    same_person = simulate(sc.replace(sales_bond_carryover=1.0), N, 6, seed=2)

    def r_at(j, month):
        p = j.panel
        return p.loc[p["month"] == month].set_index("customer_id")["R"]

    assert (r_at(call_centre, 0) == 0.0).all()
    kept = r_at(same_person, 0)
    courted = r_at(same_person, -1).reindex(kept.index)
    np.testing.assert_allclose(kept, courted, rtol=1e-12)  # the whole sales bond kept
    assert kept.mean() > 0.1


def test_no_competitor_means_no_competitor_exits():
    sc = load_preset("subscription").replace(competitor_base=0.0, competitor_entry_month=-1)
    j = simulate(sc, N, 24, seed=1)
    reasons = j.customers["exit_reason"].astype("object")
    assert (reasons == "competitor").sum() == 0
    assert (reasons == "dissatisfaction").sum() > 100


def test_exit_causes_respond_to_their_own_drivers():
    sc = load_preset("telecom").replace(competitor_base=0.0, competitor_entry_month=-1)
    base = _reasons(simulate(sc, N, 24, seed=3))
    collect = _reasons(simulate(sc.replace(outbound_collection=0.8, outbound_upsell=0.1,
                                           forced_exit_rate=0.05), N, 24, seed=3))
    rival = _reasons(simulate(sc.replace(competitor_entry_month=6,
                                         competitor_attractiveness=2.0), N, 24, seed=3))
    assert base.get("competitor", 0.0) == 0.0
    assert collect["forced"] > 3 * base.get("forced", 0.0) + 0.02
    assert rival["competitor"] > 0.2


def test_subscription_has_real_heterogeneity_and_falling_churn():
    """An sBG fitted to a simulated no-contract cohort gives a heterogeneity of the order of
    real cohorts (alpha in [0.3, 3]; Fader & Hardie 2007: 0.67-0.70), and the cohort hazard
    falls with tenure through selection; without frailty it does not."""
    from journey.models import fit_sbg
    from journey.models.sbg import survivors_table

    sc = load_preset("subscription")
    fits = {}
    for theta in (sc.churn_heterogeneity, 0.0):
        j = simulate(sc.replace(churn_heterogeneity=theta), N, 36, seed=11)
        s = survivors_table(j.customers, period_months=1)["survivors"].to_numpy()[:25]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            fits[theta] = (fit_sbg(s), _hazard_by_month(j))
    res, hz = fits[sc.churn_heterogeneity]
    assert 0.3 <= res.alpha <= 3.0 and res.converged
    assert hz.loc[25:36].mean() < 0.7 * hz.loc[1:6].mean()
    flat, hz0 = fits[0.0]
    assert flat.alpha > 5 * res.alpha
    assert hz0.loc[25:36].mean() > hz.loc[25:36].mean()


def test_housing_holds_the_most_hostages():
    def hostage_share(j):
        p = j.panel[j.panel["month"] >= 1]
        return float(((p["S"] < 7) & (p["h0"] > 3 * p["h"])).mean())

    shares = {name: hostage_share(simulate(load_preset(name), 5000, 36, seed=1))
              for name in ("telecom", "housing", "subscription")}
    assert shares["housing"] == max(shares.values())


def test_partner_share_of_wallet_erodes_recovers_and_answers_rewards():
    sc = load_preset("bank_partners")
    bank = simulate(sc, 5000, 36, seed=1)
    bp = bank.panel[bank.panel["month"] >= 0]
    sow = bp.groupby("month")["share_of_wallet"].mean()
    entry = sc.competitor_entry_month
    assert bp["share_of_wallet"].std() > 0.1  # starts from a distribution
    assert sow.loc[entry + 12:].mean() < sow.loc[entry] - 0.03  # erodes after the entry
    churn_before = bp[bp["month"].between(1, entry - 1)]["exited"].mean()
    assert churn_before < 0.005  # no binary churn at first
    # erosion is faster where relationship managers changed
    changes = bank.events[bank.events["kind"] == "staff_change"].groupby("customer_id").size()
    last = bp[bp["month"] == 35].set_index("customer_id")["share_of_wallet"]
    n_changes = changes.reindex(last.index, fill_value=0)
    assert last[n_changes >= 3].mean() < last[n_changes == 0].mean()
    # it can recover: some partners end above their lowest share by a clear margin
    low = bp.groupby("customer_id")["share_of_wallet"].min()
    assert ((last - low.reindex(last.index)) > 0.1).mean() > 0.05
    # rewards hold the share
    none = simulate(sc.replace(partner_rewards=0.0), 5000, 36, seed=1)
    full = simulate(sc.replace(partner_rewards=1.0), 5000, 36, seed=1)

    def end_share(j):
        return j.panel.loc[j.panel["month"] == 35, "share_of_wallet"].mean()

    assert end_share(full) > end_share(none) + 0.05
    assert np.isfinite(last).all()


def test_nonresponse_depends_on_satisfaction():
    sc = load_preset("telecom").replace(response_slope=-0.8)
    j = simulate(sc, N, 12, seed=2)
    ev = j.events
    surveyed = ev.loc[(ev["kind"] == "survey") & (ev["month"] >= 1)]
    p = j.panel[j.panel["month"] >= 1]
    # the dissatisfied answer more, so the mean answer lies below the mean satisfaction
    assert surveyed["rating"].mean() < p["S"].mean() - 0.2
