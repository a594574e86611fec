"""The community's bond in closed form (by hand and against the simulator) and the loyal core's
share of wallet (by hand on ``community_table.py``, and a competitor that can only erode it)."""

from __future__ import annotations

import numpy as np
import pytest
from community_table import partner_table

from journey.community import (
    adoption_for_bond,
    bond_recursion,
    community_sweep,
    core_erosion,
    core_share_by_month,
    expected_bond,
    steady_bond,
)
from journey.scenario import Scenario, load_preset
from journey.schema import JourneyDataError
from journey.simulate import simulate

HAND = Scenario(partners=True, staff_turnover=0.1, bond_growth=0.2, bond_loss=0.5,
                idea_rate=0.5, ideas_adopted=0.4, heard_bond=0.2)


def test_bond_recursion_by_hand():
    # keep = 1 - .5·.2 = .9; b = .9 (1 - .9·.2 - .1·.5) = .693; c = .5·.4·.2 + .9·.9·.2 = .202
    c, b = bond_recursion(HAND)
    assert c == pytest.approx(0.202) and b == pytest.approx(0.693)
    assert steady_bond(HAND) == pytest.approx(0.202 / 0.307)
    path = expected_bond(HAND, 0.1, 3)
    np.testing.assert_allclose(path, [0.1, 0.202 + 0.693 * 0.1,
                                      0.202 + 0.693 * (0.202 + 0.693 * 0.1)])
    # without partners the ideas do not count: b = .77, c = .18
    assert bond_recursion(HAND.replace(partners=False)) == pytest.approx((0.18, 0.77))


def test_adoption_for_bond_inverts_the_steady_bond():
    target = 0.6
    a = adoption_for_bond(HAND, target)
    assert 0 <= a <= 1
    assert steady_bond(HAND.replace(ideas_adopted=a)) == pytest.approx(target)
    with pytest.raises(ValueError, match="bond"):
        adoption_for_bond(HAND, 0.99)  # above what adopting every idea reaches
    with pytest.raises(ValueError, match="ideas"):
        adoption_for_bond(HAND.replace(idea_rate=0.0), 0.5)


@pytest.mark.parametrize("changes", [{}, {"staff_turnover": 0.02, "ideas_adopted": 0.9}])
def test_expected_bond_matches_the_simulator(changes):
    # exits are rare in bank_partners, so the mean bond of the partners in the panel follows
    # the expected path; 3 standard errors of a mean over ~1,300 partners (sd about .17)
    sc = load_preset("bank_partners").replace(**changes)
    data = simulate(sc, 2000, 25, 11)
    p = data.panel.loc[data.panel["month"] >= 0]
    mean = p.groupby("month")["R"].mean()
    path = expected_bond(sc, float(mean.loc[0]), 25)
    for t in (3, 11, 24):
        assert mean.loc[t] == pytest.approx(path[t], abs=0.015), t


def test_core_share_by_hand():
    data = partner_table()
    out = core_share_by_month(data, before=3, core_share=0.5).set_index("month")
    # alive at the end of month 3: partners 1, 2, 3, 5; core = the two largest shares in
    # month 3 (.9 and .8: partners 2 and 1); partner 5 counts 0 once gone (month 5)
    np.testing.assert_allclose(out["core"], [0.7, 0.75, 0.8, 0.85, 0.85, 0.8])
    np.testing.assert_allclose(out["rest"], [0.425, 0.425, 0.475, 0.425, 0.35, 0.05])
    np.testing.assert_allclose(out["all"], (out["core"] + out["rest"]) / 2)
    e = core_erosion(data, entry=4, horizon=1, core_share=0.5)
    assert e["core_before"] == pytest.approx(0.85) and e["core_after"] == pytest.approx(0.8)
    assert e["core_change"] == pytest.approx(-0.05)
    assert e["all_before"] == pytest.approx(0.6375) and e["all_after"] == pytest.approx(0.425)
    # ⌈0.2 · 4⌉ = 1: the core is partner 2 alone
    one = core_share_by_month(data, before=3, core_share=0.2).set_index("month")
    np.testing.assert_allclose(one["core"], [0.9, 0.9, 0.9, 0.9, 0.8, 0.7])


def test_core_erosion_rejects_months_outside_the_panel():
    data = partner_table()
    with pytest.raises(JourneyDataError, match="month 7"):
        core_erosion(data, entry=4, horizon=3)
    with pytest.raises(JourneyDataError, match="month 8"):
        core_share_by_month(data, before=8)
    with pytest.raises(ValueError, match="core_share"):
        core_share_by_month(data, before=3, core_share=0.0)


def test_a_competitor_only_erodes_the_core():
    # the same cohorts with and without the competitor (common random numbers): the cores are
    # the same partners (nothing differs before the entry) and the competitor only lowers each
    # partner's target share and adds competitor exits, so every cohort's core keeps less
    sc = load_preset("bank_partners")
    runs = community_sweep({"competitor": sc, "none": sc.replace(competitor_entry_month=-1)},
                           n_customers=600, entry=12, horizon=6, seed=3, replications=3)
    out = runs.outcomes.set_index(["dose", "replication"])
    assert out.loc["competitor", "seed"].tolist() == out.loc["none", "seed"].tolist()
    np.testing.assert_allclose(out.loc["competitor", "core_before"],
                               out.loc["none", "core_before"])
    assert (out.loc["competitor", "core_after"] < out.loc["none", "core_after"]).all()
    assert (out.loc["competitor", "all_after"] < out.loc["none", "all_after"]).all()
    assert set(runs.curves["month"]) == set(range(19))
