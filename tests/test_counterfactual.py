"""The barrier-held share as a counterfactual: the same cohort without barriers, exit by exit.

A hand-built cohort whose exits the barriers only delay (share 0 at the end, hazard mass > 0);
common random numbers between a scenario and the same scenario without barriers; the presets'
shares beside the hazard-mass ratio.
"""

import numpy as np
import pandas as pd
import pytest

from journey.counterfactual import (
    BARRIER_PARAMETERS,
    barrier_held_share,
    exits_by_horizon,
    exits_prevented,
    without_barriers,
)
from journey.metrics import barrier_hazard_reduction
from journey.scenario import load_preset
from journey.schema import JourneyDataError, Journeys
from journey.simulate import simulate


def hand_cohort(exits: dict[int, int | None], months: int = 36) -> Journeys:
    """Customers 1..5 signed (exit month or None = censored after ``months``), 6 unsigned.
    Hazards: h0 = .1 every service month, h = .02 while a fee holds (months 1-23), else .1."""
    rows = []
    for cid, exit_m in exits.items():
        last = months - 1 if exit_m is None else exit_m
        rows += [(cid, m, m == exit_m, 0.0 if m == 0 else (0.02 if m < 24 else 0.1),
                  0.0 if m == 0 else 0.1) for m in range(last + 1)]
    panel = pd.DataFrame(rows, columns=["customer_id", "month", "exited", "h", "h0"])
    ids = [*exits, 6]
    cust = pd.DataFrame({
        "customer_id": ids, "signed": [True] * len(exits) + [False],
        "exit_month": pd.array([exits[i] if i in exits else None for i in ids], "Int64")})
    return Journeys(cust, pd.DataFrame(), panel)


def test_barriers_that_only_delay_prevent_no_exit_by_the_end():
    # with barriers four customers stay to the term end (month 24) and leave then; without
    # them they would have left in months 3, 5, 10 and 20; customer 5 stays throughout
    held = hand_cohort({1: 24, 2: 24, 3: 24, 4: 24, 5: None})
    free = hand_cohort({1: 3, 2: 5, 3: 10, 4: 20, 5: None})
    out = exits_prevented(held, free, horizons=(12, 24, 36)).set_index("horizon")
    assert out["exits_with"].tolist() == [0, 0, 4]  # exit month 24 is not within months 0-23
    assert out["exits_without"].tolist() == [3, 4, 4]
    np.testing.assert_allclose(out["barrier_held_share"], [1.0, 1.0, 0.0])
    assert (out["signed"] == 5).all()
    # yet the hazard mass the barriers remove is large: months 1-23 at .02 instead of .1
    assert barrier_hazard_reduction(held) > 0.5
    assert exits_by_horizon(free, [4, 6]).tolist() == [1, 2]


def test_exits_prevented_checks_its_cohorts():
    held = hand_cohort({1: 24, 2: None})
    with pytest.raises(JourneyDataError, match="same cohort"):
        exits_prevented(held, hand_cohort({1: 24, 2: None, 3: None}))
    with pytest.raises(ValueError, match="horizons"):
        exits_prevented(held, held, horizons=(12, 48))
    none = exits_prevented(held, held, horizons=(12,))
    assert np.isnan(none["barrier_held_share"].iat[0])  # nobody would leave by month 12


def test_without_barriers_switches_every_barrier_off():
    sc = load_preset("housing")
    free = without_barriers(sc)
    assert all(getattr(free, p) == 0.0 for p in BARRIER_PARAMETERS)
    changed = {k for k, v in free.model_dump().items() if v != sc.model_dump()[k]}
    assert changed <= {*BARRIER_PARAMETERS, "name"}
    j = simulate(free, 300, 12, seed=4)
    p = j.panel.loc[j.panel["month"] >= 0]
    assert (p[["F", "P", "M"]].to_numpy() == 0.0).all()
    np.testing.assert_allclose(p["h"], p["h0"], rtol=1e-12, atol=0)  # B = 0: h = h0


def test_common_random_numbers():
    """Same seed, barriers off: the same prospects, signers and paths; only exits move, and
    only earlier (h <= h0 month by month with the same uniforms)."""
    sc = load_preset("telecom").replace(term_months=12, financing_months=12)
    a = simulate(sc, 1200, 36, seed=8, chunk_size=500)  # three chunks, three term ends
    b = simulate(without_barriers(sc), 1200, 36, seed=8, chunk_size=500)
    same = ["customer_id", "signed", "courtship_months", "read_contract", "expectation",
            "mental_trait", "frailty"]
    pd.testing.assert_frame_equal(a.customers[same], b.customers[same])
    signed = a.customers["signed"].to_numpy(bool)
    ea, eb = (x.customers["exit_month"].to_numpy("float64", na_value=np.inf)[signed]
              for x in (a, b))
    assert (eb <= ea).all() and (eb < ea).any()
    # where both are still customers, satisfaction, quality, expectation and bond agree, and
    # the hazard without barriers is the one the barrier run wrote as h0
    key = ["customer_id", "month"]
    both = a.panel.merge(b.panel, on=key, suffixes=("_a", "_b"))
    assert len(both) == len(b.panel)  # every no-barrier row exists with barriers too
    for col in ("S", "Q", "E", "R", "rolled_over"):
        np.testing.assert_array_equal(both[f"{col}_a"].to_numpy(), both[f"{col}_b"].to_numpy())
    np.testing.assert_allclose(both["h0_a"], both["h_b"], rtol=1e-12, atol=0)
    assert (both["h_a"] <= both["h0_a"]).all()
    # renewals at the term ends are drawn from the same uniforms
    kinds = ["recontract", "rollover"]
    ren = [x.events.loc[x.events["kind"].isin(kinds), [*key, "kind"]].astype({"kind": str})
           for x in (a, b)]
    common = ren[0].merge(ren[1], on=key, suffixes=("_a", "_b"))
    assert len(common) == len(ren[1]) > 0
    assert (common["kind_a"] == common["kind_b"]).all()


def test_preset_barriers_mostly_delay_exits():
    out = barrier_held_share(load_preset("telecom"), 3000, 36, seed=1).set_index("horizon")
    share = out["barrier_held_share"]
    assert ((share > 0) & (share < 1)).all()
    assert share.is_monotonic_decreasing  # exits held by the fee leave at the term end
    assert out.attrs["hazard_reduction"] > share[36]  # the hazard mass counts delays too
