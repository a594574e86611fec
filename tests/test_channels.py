"""Channel decomposition: exact Shapley values by hand, efficiency and symmetry, hand-made
outcome functions with and without an interaction, common random numbers in the simulator."""

import itertools

import pandas as pd
import pytest

from journey.channels import channel_levels, decompose_channels, shapley_values
from journey.errors import ScenarioError
from journey.metrics import Economics, value_per_prospect
from journey.scenario import Scenario, load_preset
from journey.simulate import simulate

F = frozenset
TWO = {"bond": {"bond_loss": 0.0}, "learning": {"newcomer_gap": 0.0}}


def test_shapley_values_of_two_channels_by_hand():
    # Δ(∅) = 1, Δ(b) = 4, Δ(l) = 3, Δ(b, l) = 10:
    # φ_b = ½(4 − 1) + ½(10 − 3) = 5, φ_l = ½(3 − 1) + ½(10 − 4) = 4; 5 + 4 = 10 − 1
    eff = {F(): 1.0, F({"b"}): 4.0, F({"l"}): 3.0, F({"b", "l"}): 10.0}
    assert shapley_values(eff, ["b", "l"]) == pytest.approx({"b": 5.0, "l": 4.0})


def test_shapley_values_are_efficient_and_symmetric():
    # three channels; a and c add the same to every set (symmetric), b adds 2 and interacts
    # with a: v(A) = 3·[a∈A] + 2·[b∈A] + 3·[c∈A] + 4·[a,b∈A] + 0.5
    def v(s):
        return 3 * ("a" in s) + 2 * ("b" in s) + 3 * ("c" in s) + 4 * ({"a", "b"} <= s) + 0.5

    names = ["a", "b", "c"]
    eff = {F(s): v(set(s)) for r in range(4) for s in itertools.combinations(names, r)}
    phi = shapley_values(eff, names)
    assert sum(phi.values()) == pytest.approx(v(set(names)) - v(set()))
    # the a·b interaction (4) is split equally: φ_a = 3 + 2, φ_b = 2 + 2, φ_c = 3
    assert phi == pytest.approx({"a": 5.0, "b": 4.0, "c": 3.0})
    with pytest.raises(ValueError, match="missing"):
        shapley_values({F(): 0.0, F({"a"}): 1.0}, ["a", "b"])


def additive(sc: Scenario) -> dict[str, float]:
    """f = −p·(2·bond_loss + 3·newcomer_gap) + 0.5·p: each channel acts alone."""
    p = sc.staff_turnover
    return {"v": -p * (2 * sc.bond_loss + 3 * sc.newcomer_gap) + 0.5 * p}


def test_additive_channels_are_recovered_exactly():
    sc = Scenario(bond_loss=0.6, newcomer_gap=1.5)
    out = decompose_channels(sc, "staff_turnover", [0.0, 0.2], 0.0, TWO, additive)
    at = out.set_index("dose").loc[0.2]
    assert at["v.via_bond"] == pytest.approx(-0.2 * 2 * 0.6)
    assert at["v.via_learning"] == pytest.approx(-0.2 * 3 * 1.5)
    assert at["v.other"] == pytest.approx(0.5 * 0.2)
    assert at["v.total"] == pytest.approx(-0.24 - 0.9 + 0.1)
    assert at["v"] == pytest.approx(additive(sc.replace(staff_turnover=0.2))["v"])
    # without interaction the one-at-a-time removal equals the Shapley share
    assert at["v.removal_bond"] == pytest.approx(at["v.via_bond"])
    # at the reference dose every effect is zero
    ref = out.set_index("dose").loc[0.0]
    assert ref[[c for c in out.columns if "." in c]].abs().max() == 0


def test_an_interaction_is_split_equally_and_removals_overlap():
    # f = −p·bond_loss·newcomer_gap: nothing happens unless both channels are on
    def both(sc):
        return {"v": -sc.staff_turnover * sc.bond_loss * sc.newcomer_gap}

    sc = Scenario(bond_loss=0.6, newcomer_gap=1.5)
    at = decompose_channels(sc, "staff_turnover", [0.3], 0.0, TWO, both).iloc[0]
    total = -0.3 * 0.6 * 1.5
    assert at["v.total"] == pytest.approx(total)
    assert at["v.via_bond"] == pytest.approx(total / 2)
    assert at["v.via_learning"] == pytest.approx(total / 2)
    assert at["v.other"] == 0
    # switching off either channel removes the whole effect: removals add up to twice it
    assert at["v.removal_bond"] == pytest.approx(total)
    assert at["v.removal_learning"] == pytest.approx(total)


def test_each_scenario_is_measured_once():
    calls = []

    def count(sc):
        calls.append((sc.staff_turnover, sc.bond_loss, sc.newcomer_gap))
        return {"v": 0.0}

    channel_levels(Scenario(), "staff_turnover", [0.0, 0.1, 0.1, 0.2], TWO, count)
    assert len(calls) == len(set(calls)) == 3 * 4


def test_bad_channels_and_drivers_raise_naming_them():
    sc = Scenario()
    with pytest.raises(ScenarioError, match="turnover_rate"):
        decompose_channels(sc, "turnover_rate", [0.1], 0.0, TWO, additive)
    with pytest.raises(ScenarioError, match="bond_los"):
        decompose_channels(sc, "staff_turnover", [0.1], 0.0, {"bond": {"bond_los": 0}},
                           additive)
    with pytest.raises(ScenarioError, match="driver"):
        decompose_channels(sc, "staff_turnover", [0.1], 0.0, {"x": {"staff_turnover": 0}},
                           additive)
    with pytest.raises(ValueError, match="channels"):
        decompose_channels(sc, "staff_turnover", [0.1], 0.0, {}, additive)
    with pytest.raises(ValueError, match="doses"):
        decompose_channels(sc, "staff_turnover", [], 0.0, TWO, additive)


def test_turnover_loses_value_mostly_through_quality_on_the_telecom_preset():
    # the study's mechanism on a small cohort: the value loss of 30 % monthly turnover runs
    # through both channels, and more through the newcomers' quality than through the bond
    sc = load_preset("telecom")
    econ = Economics.from_scenario(sc)

    def measure(s):
        return {"V": value_per_prospect(simulate(s, 3000, 36, seed=11), econ)}

    at = decompose_channels(sc, "staff_turnover", [0.3], 0.0, TWO, measure).iloc[0]
    assert at["V.total"] < -3.0
    assert at["V.via_learning"] < at["V.via_bond"] < 0
    parts = at["V.via_bond"] + at["V.via_learning"] + at["V.other"]
    assert parts == pytest.approx(at["V.total"])


def test_channel_plot_draws_the_total_and_each_part_with_intervals():
    import matplotlib

    matplotlib.use("Agg")
    from journey.plots import channel_decomposition
    from journey.replications import summarize_replications
    from journey.schema import JourneyDataError

    rows = []
    for rep, s in enumerate((0.8, 1.0, 1.2)):  # the additive game, scaled per replication
        out = decompose_channels(Scenario(), "staff_turnover", [0.0, 0.1, 0.2], 0.0, TWO,
                                 lambda sc, s=s: {"v": s * additive(sc)["v"]})
        rows.append(out.assign(replication=rep, seed=rep))
    summary = summarize_replications(pd.concat(rows), by="dose")
    fig = channel_decomposition(summary, "v", {"bond": "bond", "learning": "learning"},
                                xlabel="turnover (per month)", ylabel="effect (currency)")
    ax = fig.axes[0]
    assert ax.get_xlabel() == "turnover (per month)" and ax.get_ylabel() == "effect (currency)"
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["total", "bond", "learning", "other"]
    # the total's line at dose 0.2: mean over the scales (1.0) of −0.24 − 0.9 + 0.1
    total = ax.get_lines()[0].get_ydata()
    assert total[-1] == pytest.approx(-1.04)
    with pytest.raises(JourneyDataError, match="v.via_price"):
        channel_decomposition(summary, "v", {"price": "price"}, xlabel="x", ylabel="y")
