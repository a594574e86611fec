"""Invariants of the simulator, for any scenario within bounds (property tests)."""

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from journey.scenario import Scenario
from journey.simulate import simulate

scenarios = st.builds(
    lambda term, sched, fee, sq, turn, ms, a0, aS, aB, partners, seed: (
        Scenario(term_months=term, fee_schedule=sched if term else "none", exit_fee=fee,
                 service_quality=sq, staff_turnover=turn, mental_base=ms, alpha0=a0,
                 alpha_S=aS, alpha_B=aB, partners=partners, competitor_entry_month=6),
        seed),
    st.sampled_from([0, 1, 6, 12, 24]),
    st.sampled_from(["flat", "declining", "none"]),
    st.floats(0, 24),
    st.floats(0, 10),
    st.floats(0, 1),
    st.floats(0, 50),
    st.floats(-8, 0),
    st.floats(0, 3),
    st.floats(0, 2),
    st.booleans(),
    st.integers(0, 2**32 - 1),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios)
def test_invariants(case):
    sc, seed = case
    j = simulate(sc, 150, 30, seed=seed)
    c, p = j.customers, j.panel
    j.validate()
    # S within its scale, B = F + P + M >= 0, barriers never raise the hazard
    assert p["S"].between(0, 10).all()
    B = p["F"] + p["P"] + p["M"]
    assert (B >= 0).all()
    assert (p["h"] <= p["h0"] + 1e-12).all()
    # no fee once a term lapsed without a new one (rolled over), nor before the first term end
    # beyond the financing; re-contracting starts a new term
    assert (p.loc[p["rolled_over"], "F"] == 0).all()
    if sc.term_months > 0:
        assert (p.loc[p["month"] == sc.term_months, "phase"] == "renewal").all()
        rec = j.events[j.events["kind"].isin(["recontract", "rollover"])]
        assert (rec["month"] % sc.term_months == 0).all()
        renewal = p.loc[p["phase"] == "renewal", ["customer_id", "month"]]
        assert len(renewal) == len(rec)  # a renewal phase exactly where a term lapsed
    # exit month after signing; only signed customers exit
    exited = c[c["exit_month"].notna()]
    assert (exited["exit_month"] >= 1).all()
    assert exited["signed"].all()
    # panel rows = alive customer-months: months 0..tenure-1, consecutive, no return
    service = p[p["month"] >= 0]
    n_rows = service.groupby("customer_id").size()
    tenure = c.set_index("customer_id")["tenure_months"]
    assert (n_rows == tenure[n_rows.index]).all()
    assert (tenure[~c.set_index("customer_id")["signed"]] == 0).all()
    first, last = service.groupby("customer_id")["month"].agg(["min", "max"]).T.to_numpy()
    assert (first == 0).all() and np.array_equal(last, n_rows.to_numpy() - 1)
    # alive never returns: only the last row of a customer may be not alive
    is_last = service["month"].to_numpy() == tenure[service["customer_id"]].to_numpy() - 1
    assert service.loc[~is_last, "alive"].all()
    assert (service["alive"] == ~service["exited"]).all()
    ex = c.set_index("customer_id")["exit_month"]
    gone = service[~service["alive"]]
    assert (gone["month"].to_numpy() == ex[gone["customer_id"]].to_numpy()).all()
    # censored customers stayed the whole horizon
    censored = c[c["signed"] & c["exit_month"].isna()]
    assert (censored["tenure_months"] == 30).all()
    # share of wallet never grows back once lost (partners) and stays in [0, 1]
    assert p["share_of_wallet"].between(0, 1).all()
