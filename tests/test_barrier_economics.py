"""journey.barrier_economics: each outcome recomputed by hand from the tables, the sweep's common
random numbers, and the value of service quality under barriers (equal at every fee when the
barriers do nothing, falling with the fee when they hold)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from journey import metrics as jm
from journey.barrier_economics import (
    barrier_curves,
    barrier_outcomes,
    dose_scenarios,
    interaction_estimates,
    service_value_by_barrier,
    sweep,
)
from journey.errors import JourneyDataError, ScenarioError
from journey.models import fit_exit_hazard
from journey.replications import replication_seeds
from journey.scenario import load_preset
from journey.schema import Journeys
from journey.simulate import simulate

ECON = jm.Economics(margin_rate=1.0, acquisition_cost=50.0, retention_cost=20.0, discount=0.01)


def test_outcomes_by_hand(telecom_small):
    j, m = telecom_small, 12
    out = barrier_outcomes(j, ECON, month=m, s_threshold=7.0)
    c, p = j.customers, j.panel
    signed = c["signed"].to_numpy(bool)
    tenure = c.loc[signed, "tenure_months"].to_numpy()
    # alive at the start of month m: at least m + 1 service months (months 0 … m)
    assert out["retained_at_month"] == pytest.approx((tenure >= m + 1).mean())
    # still a customer at the end of month 35: never exited
    assert out["retained_end"] == pytest.approx(c.loc[signed, "exit_month"].isna().mean())
    rows = p.loc[p["month"] == m]
    assert out["satisfaction_retained"] == pytest.approx(rows["S"].mean())
    held = ((rows["S"] < 7.0) & (1 - (1 - rows["h0"]) ** 12 >= 0.5)
            & (1 - (1 - rows["h"]) ** 12 < 0.5))
    assert out["hostage_share"] == pytest.approx(held.mean())
    last = p.loc[p["month"] == 35]
    assert out["out_of_contract_end"] == pytest.approx(last["rolled_over"].astype(bool).mean())
    assert out["satisfaction_retained_end"] == pytest.approx(last["S"].mean())
    cif = sum(v for k, v in out.items() if k.startswith("cif_"))
    assert cif == pytest.approx(1 - out["retained_end"], abs=1e-12)
    assert out["value_per_prospect"] == pytest.approx(jm.value_per_prospect(j, ECON))
    assert out["cliff_ratio"] == pytest.approx(jm.cliff_ratio(j))
    h = jm.hazard_by_tenure(j).set_index("month")["hazard"]
    assert out["in_contract_churn"] == pytest.approx(h.loc[1:23].mean())
    assert out["post_term_churn"] == pytest.approx(h.loc[24:30].mean())


def test_outcomes_without_an_observed_term_end():
    sc = load_preset("telecom")
    short = barrier_outcomes(simulate(sc, 300, 12, 1), month=6)
    assert math.isnan(short["cliff_ratio"]) and math.isnan(short["post_term_churn"])
    assert math.isnan(short["in_contract_churn"])  # months 12 … 23 are not observed
    no_term = sc.replace(term_months=0, exit_fee=0.0, fee_schedule="none", financing_months=0,
                         financing_balance=0.0)
    out = barrier_outcomes(simulate(no_term, 300, 12, 1), month=6)
    assert math.isnan(out["cliff_ratio"]) and math.isnan(out["in_contract_churn"])


def test_outcomes_refuse_bad_input(telecom_small):
    with pytest.raises(ValueError, match="month must be a month since signing in 1..35"):
        barrier_outcomes(telecom_small, month=36)
    with pytest.raises(ValueError, match="month"):
        barrier_outcomes(telecom_small, month=0)
    with pytest.raises(JourneyDataError, match="needs a Journeys"):
        barrier_outcomes(telecom_small.panel)


def test_curves_are_the_metrics(telecom_small):
    cur = barrier_curves(telecom_small).set_index("month")
    hs = jm.hostage_share_by_tenure(telecom_small).set_index("month")["hostage_share"]
    assert np.allclose(cur["hostage_share"], hs.reindex(cur.index))
    assert cur.loc[12, "hostage_share"] == pytest.approx(jm.hostage_share(telecom_small, 12))
    assert np.allclose(cur["hazard"],
                       jm.hazard_by_tenure(telecom_small).set_index("month")["hazard"])
    s = telecom_small.panel.groupby("month")["S"].mean()
    assert np.allclose(cur["satisfaction"], s.reindex(cur.index))


def test_dose_scenarios_validate():
    sc = load_preset("telecom")
    d = dose_scenarios(sc, "exit_fee", [0, 12])
    assert list(d) == [0.0, 12.0] and d[12.0].exit_fee == 12.0 and d[0.0].price == sc.price
    with pytest.raises(ScenarioError, match="no_such"):
        dose_scenarios(sc, "no_such", [1.0])
    with pytest.raises(ScenarioError, match="exit_fee"):
        dose_scenarios(sc, "exit_fee", [500.0])
    with pytest.raises(ValueError, match="at least one"):
        dose_scenarios(sc, "exit_fee", [])


def test_sweep_uses_the_same_seeds_for_every_scenario():
    sc = load_preset("telecom")
    runs = sweep({"a": sc, "b": sc.replace(exit_fee=12.0)}, n_customers=300, months=14, seed=4,
                 replications=2, month=6)
    seeds = replication_seeds(4, 2)
    for key in ("a", "b"):
        assert runs.outcomes.loc[runs.outcomes["dose"] == key, "seed"].tolist() == seeds
    # the first replication of "a" is simulate(sc, 300, 14, seeds[0])
    by_hand = barrier_outcomes(simulate(sc, 300, 14, seeds[0]), month=6)
    first = runs.outcomes.iloc[0]
    assert all(first[k] == pytest.approx(v, nan_ok=True) for k, v in by_hand.items())
    assert set(runs.curves.columns) == {"dose", "replication", "seed", "month", "hazard",
                                        "hostage_share", "satisfaction"}
    # common random numbers: a higher fee only delays exits, so more are retained
    a, b = (runs.outcomes.loc[runs.outcomes["dose"] == k, "retained_end"].to_numpy()
            for k in ("a", "b"))
    assert (b >= a).all()


def test_service_value_by_hand():
    sc = load_preset("telecom")
    out = service_value_by_barrier(sc, [3.0], delta=0.5, n_customers=400, months=14, seed=9,
                                   replications=1, economics=ECON)
    s = replication_seeds(9, 1)[0]
    base = sc.replace(exit_fee=3.0)
    v0 = jm.value_per_prospect(simulate(base, 400, 14, s), ECON)
    v1 = jm.value_per_prospect(simulate(base.replace(service_quality=9.5), 400, 14, s), ECON)
    row = out.iloc[0]
    assert row["value_per_prospect"] == pytest.approx(v0)
    assert row["value_raised"] == pytest.approx(v1)
    assert row["service_value"] == pytest.approx((v1 - v0) / 0.5)
    assert list(out.columns) == ["dose", "replication", "seed", "value_per_prospect",
                                 "value_raised", "service_value"]


def test_service_value_does_not_depend_on_barriers_that_hold_nobody():
    # alpha_B = alpha_SB = 0: the fee enters no exit probability, so with common random
    # numbers every fee gives the same cohorts and the same value of service, exactly
    sc = load_preset("telecom").replace(alpha_B=0.0, alpha_SB=0.0)
    out = service_value_by_barrier(sc, [0.0, 12.0, 48.0], n_customers=500, months=30, seed=3,
                                   replications=2, economics=ECON)
    wide = out.pivot(index="replication", columns="dose", values="service_value")
    assert np.array_equal(wide[0.0].to_numpy(), wide[12.0].to_numpy())
    assert np.array_equal(wide[0.0].to_numpy(), wide[48.0].to_numpy())


def test_service_value_falls_as_the_fee_rises():
    # barriers hold: a better service prevents fewer exits where customers cannot leave
    out = service_value_by_barrier(load_preset("telecom"), [0.0, 24.0], n_customers=2000,
                                   months=36, seed=11, replications=2, economics=ECON)
    wide = out.pivot(index="replication", columns="dose", values="service_value")
    assert (wide[24.0] < wide[0.0]).all()


def test_service_step_must_be_a_change():
    with pytest.raises(ValueError, match="service_delta"):
        service_value_by_barrier(load_preset("telecom"), [0.0], delta=0.0)
    with pytest.raises(ScenarioError, match="service_quality"):  # 9 + 2 > 10
        service_value_by_barrier(load_preset("telecom"), [0.0], delta=2.0, n_customers=50,
                                 months=4, replications=1)


def test_interaction_estimates_are_the_fits(telecom_small):
    est = interaction_estimates(telecom_small, 7.0, frailty=True)
    fit = fit_exit_hazard(telecom_small, 7.0, competitor=False, cause="dissatisfaction")
    for name in ("alpha_S", "alpha_B", "alpha_SB"):
        assert est[name] == pytest.approx(fit.params[name])
        assert est[f"{name}_se"] == pytest.approx(fit.bse[name])
    c = telecom_small.customers
    z = pd.Series(np.log(c["frailty"].to_numpy()), index=c["customer_id"].to_numpy())
    panel = telecom_small.panel.assign(
        log_frailty=z.reindex(telecom_small.panel["customer_id"]).to_numpy())
    with_z = fit_exit_hazard(Journeys(c, telecom_small.events, panel), 7.0, competitor=False,
                             extra=["log_frailty"], cause="dissatisfaction")
    assert est["alpha_SB_frailty"] == pytest.approx(with_z.params["alpha_SB"])
    no_frailty = Journeys(c.drop(columns=["frailty"]), telecom_small.events, telecom_small.panel)
    with pytest.raises(JourneyDataError, match="frailty"):
        interaction_estimates(no_frailty, 7.0, frailty=True)
