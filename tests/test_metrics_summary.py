"""The whole suite on simulated cohorts: ``summary`` agrees with the single metrics, leaves
model-only metrics out on real data, and is deterministic."""

import math

import pandas as pd
import pytest

from journey import metrics as M
from journey.schema import EXIT_REASONS, MODEL_ONLY, Journeys

simulate = pytest.importorskip("journey.simulate").simulate
load_preset = pytest.importorskip("journey.scenario").load_preset


@pytest.fixture(scope="module")
def telecom() -> Journeys:
    return simulate(load_preset("telecom"), 3000, 36, 11)


def test_summary_agrees_with_the_single_metrics(telecom):
    s = M.summary(telecom)
    assert s["csat"] == M.csat(telecom) and s["nps"] == M.nps(telecom)
    assert s["cliff_ratio"] == M.cliff_ratio(telecom)
    assert s["median_lifetime"] == M.median_lifetime(telecom)
    assert s["clv"] == M.clv(telecom)
    assert s["signed_share"] == M.signed_share(telecom)
    assert s["value_per_prospect"] == M.value_per_prospect(telecom)
    assert s["barrier_hazard_reduction"] == M.barrier_hazard_reduction(telecom)
    assert s["hostage_share"] == M.hostage_share(telecom, month=12)
    assert "barrier_held_share" not in s  # a counterfactual: journey.counterfactual
    assert s["S_drop_6"] == M.satisfaction_drop(telecom, 6)
    assert s["trough_month"] == M.trough_month(telecom)
    js = M.segment_shares(M.jones_sasser_segments(telecom)).set_index("segment")["share"]
    assert s["js_hostage"] == js["hostage"]
    assert sum(s[f"js_{k}"] for k in M.JONES_SASSER) == pytest.approx(1.0)
    assert sum(s[f"db_{k}"] for k in M.DICK_BASU) == pytest.approx(1.0)
    db = M.segment_shares(M.dick_basu_segments(telecom)).set_index("segment")["share"]
    assert s["db_spurious"] == db["spurious"] and s["db_unclassified"] == 0.0  # 36 > 24 months
    assert s["db_true"] != s["js_loyalist"]  # relative attitude is not absolute satisfaction
    cif = M.cumulative_incidence(telecom)
    assert s["cif_dissatisfaction"] == cif["dissatisfaction"].iloc[-1]
    assert sum(s[f"cif_{k}"] for k in EXIT_REASONS) == pytest.approx(1 - s["survival_end"])
    assert s["survival_end"] == M.survival_curve(telecom)["survival"].iloc[-1]
    assert all(isinstance(v, float) for v in s.values())
    assert "reach_retained" not in s and "loyal_core_share" not in s  # neither applies


def test_summary_on_margin(telecom):
    econ = M.Economics.from_scenario(load_preset("telecom"))
    s = M.summary(telecom, economics=econ)
    assert s["clv"] == M.clv(telecom, econ)
    assert s["value_per_prospect"] == pytest.approx(
        s["signed_share"] * s["clv"] - econ.acquisition_cost, rel=1e-12)
    assert s["clv"] < M.summary(telecom)["clv"]  # margin below the price
    assert math.isnan(M.summary(telecom, hostage_month=40)["hostage_share"])


def test_summary_is_deterministic(telecom):
    again = simulate(load_preset("telecom"), 3000, 36, 11)
    a, b = M.summary(telecom), M.summary(again)
    assert a.keys() == b.keys()
    assert all(a[k] == b[k] or (math.isnan(a[k]) and math.isnan(b[k])) for k in a)


def test_real_data_gets_observed_metrics_only(telecom):
    real = Journeys(telecom.customers.drop(columns=MODEL_ONLY["customers"]), telecom.events,
                    telecom.panel.drop(columns=MODEL_ONLY["panel"]))
    s = M.summary(real)
    for k in ("Q_gap", "D_service", "B_service", "barrier_hazard_reduction", "hostage_share"):
        assert k not in s
    full = M.summary(telecom)
    for k in ("nps", "csat", "clv", "value_per_prospect", "cliff_ratio", "js_hostage", "db_none",
              "cif_other", "S_gap"):
        assert s[k] == full[k]


def test_partner_and_platform_metrics_appear_when_they_apply():
    bank = simulate(load_preset("bank_partners"), 1500, 24, 3)
    s = M.summary(bank)
    assert 0.0 <= s["volume_share_end"] <= 1.0 and 0.0 < s["loyal_core_share"] <= 1.0
    sc = load_preset("subscription").model_copy(update={"platform_share": 0.6,
                                                        "platform_exit_month": 6})
    plat = simulate(sc, 1500, 24, 3)
    s = M.summary(plat)
    assert s["reach_retained"] == M.reach_retained(plat)
    assert 0.0 <= s["reach_retained"] <= 1.0


def test_summary_needs_journeys(telecom):
    with pytest.raises(TypeError, match="Journeys"):
        M.summary(telecom.panel)
    silent = M.summarize(Journeys(telecom.customers, telecom.events.iloc[:0], telecom.panel))
    assert "nps" not in silent.values and "csat" not in silent.values
    assert "no survey answers" in silent.skipped["surveys"]


def test_summary_of_a_cohort_where_nobody_signed(telecom):
    p, c = telecom.panel, telecom.customers
    unsigned = c.assign(signed=False, tenure_months=0,
                        exit_month=pd.array([pd.NA] * len(c), dtype="Int64"),
                        exit_reason=pd.Categorical([None] * len(c),
                                                   categories=c["exit_reason"].cat.categories))
    court = Journeys(unsigned, telecom.events.loc[telecom.events["month"] < 0],
                     p.loc[p["month"] < 0])
    s = M.summary(court)
    assert s["customers"] == 0.0
    assert math.isnan(s["clv"]) and math.isnan(s["median_lifetime"])
    assert math.isnan(s["js_loyalist"]) and math.isnan(s["barrier_hazard_reduction"])
    assert s["signed_share"] == 0.0 and s["value_per_prospect"] == 0.0  # no acquisition cost
    assert s["S_courtship"] == pytest.approx(M.satisfaction_by_phase(court).set_index(
        "phase").loc["courtship", "mean"], rel=1e-12)
