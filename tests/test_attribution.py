"""Shapley values: published and hand-computed games, the four axioms, the sampled estimator
against the exact value, and the errors."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from journey.attribution import (
    leave_one_out,
    one_at_a_time,
    shapley_exact,
    shapley_sampled,
)
from journey.errors import AttributionError


def airport(costs: dict[str, float]):
    """Littlechild & Owen's (1973) airport game: a coalition pays for the longest runway any
    of its aircraft needs, v(S) = max_{i in S} c_i (0 for nobody)."""
    return lambda s: max((costs[p] for p in s), default=0.0)


def test_airport_game_matches_littlechild_owen():
    # the published example with six aircraft: costs 40 ... 90 give (40, 52, 67, 87, 117, 177)/6
    costs = dict(zip("ABCDEF", [40.0, 50.0, 60.0, 70.0, 80.0, 90.0], strict=True))
    res = shapley_exact(list(costs), airport(costs))
    expected = np.array([40, 52, 67, 87, 117, 177]) / 6
    assert list(res.values.values()) == pytest.approx(expected, abs=1e-12)
    assert res.evaluations == 2 ** 6 and res.method == "exact"
    # and by their rule: each increment of runway is split equally among those who need it
    small = shapley_exact(list("ABCD"), airport(dict(zip("ABCD", [8.0, 11.0, 13.0, 18.0],
                                                             strict=True))))
    assert list(small.values.values()) == pytest.approx([2.0, 3.0, 4.0, 9.0], abs=1e-12)


def test_glove_game_by_hand():
    # one left glove (L), two right gloves (R1, R2); a pair is worth 1. Orders where L comes
    # after at least one R: 4 of 6, so phi_L = 2/3 and each R gets 1/6.
    def v(s):
        return float(min(int("L" in s), len(s & {"R1", "R2"})))
    res = shapley_exact(["L", "R1", "R2"], v)
    assert res.values == pytest.approx({"L": 2 / 3, "R1": 1 / 6, "R2": 1 / 6}, abs=1e-12)


def random_game(players, seed):
    """A game with an arbitrary value for every coalition (v(∅) ≠ 0 on purpose)."""
    rng = np.random.default_rng(seed)
    table = {frozenset(c): float(rng.normal(0, 10))
             for r in range(len(players) + 1) for c in itertools.combinations(players, r)}
    return table.__getitem__


def test_efficiency_values_add_up_to_the_change():
    players = list("abcdefg")
    v = random_game(players, 1)
    res = shapley_exact(players, v)
    change = v(frozenset(players)) - v(frozenset())
    assert res.total == change
    assert math.fsum(res.values.values()) == pytest.approx(change, rel=1e-12, abs=1e-12)


def test_symmetry_on_a_symmetric_game():
    # v depends on the coalition's size only, with interactions (convex in the size)
    players = list("abcde")
    res = shapley_exact(players, lambda s: len(s) ** 2 + 3.0)
    assert np.ptp(list(res.values.values())) < 1e-12
    assert res.values["a"] == pytest.approx(25 / 5)
    # two symmetric players in an otherwise asymmetric game get the same value
    w = {"a": 1.0, "b": 2.0, "c": 2.0, "d": 5.0}
    res = shapley_exact(list(w), lambda s: sum(w[p] for p in s) ** 2)
    assert res.values["b"] == pytest.approx(res.values["c"], abs=1e-12)
    assert res.values["a"] != pytest.approx(res.values["b"])


def test_null_player_gets_zero():
    players = list("abcdx")
    base = random_game(list("abcd"), 2)
    res = shapley_exact(players, lambda s: base(s - {"x"}))
    assert res.values["x"] == 0.0
    sampled = shapley_sampled(players, lambda s: base(s - {"x"}), 50, np.random.default_rng(3))
    assert sampled.values["x"] == 0.0 and sampled.standard_errors["x"] == 0.0


def test_additivity_and_scaling():
    players = list("abcdef")
    v, w = random_game(players, 4), random_game(players, 5)
    pv, pw = shapley_exact(players, v).values, shapley_exact(players, w).values
    both = shapley_exact(players, lambda s: v(s) + w(s)).values
    scaled = shapley_exact(players, lambda s: -2.5 * v(s)).values
    for p in players:
        assert both[p] == pytest.approx(pv[p] + pw[p], abs=1e-12)
        assert scaled[p] == pytest.approx(-2.5 * pv[p], abs=1e-12)


def test_additive_game_every_method_agrees():
    # no interactions: v(S) = 7 + sum of the players' own effects
    effect = {"a": 1.5, "b": -2.0, "c": 0.25}
    def v(s):
        return 7.0 + sum(effect[p] for p in s)
    assert shapley_exact(list(effect), v).values == pytest.approx(effect)
    assert one_at_a_time(list(effect), v) == pytest.approx(effect)
    assert leave_one_out(list(effect), v) == pytest.approx(effect)


def test_one_at_a_time_misses_interactions_shapley_does_not():
    # two substitutes: either repair alone fixes the loss of 10
    def v(s):
        return 10.0 if s else 0.0
    alone, last = one_at_a_time(["x", "y"], v), leave_one_out(["x", "y"], v)
    assert sum(alone.values()) == 20.0 and sum(last.values()) == 0.0
    assert shapley_exact(["x", "y"], v).values == {"x": 5.0, "y": 5.0}


def test_sampled_within_its_standard_errors_of_the_exact_value():
    costs = dict(zip("ABCDEFGH", [3.0, 5.0, 6.0, 10.0, 11.0, 15.0, 20.0, 21.0], strict=True))
    exact = shapley_exact(list(costs), airport(costs)).values
    est = shapley_sampled(list(costs), airport(costs), 400, np.random.default_rng(11))
    z = [(est.values[p] - exact[p]) / est.standard_errors[p] for p in costs]
    assert max(map(abs, z)) < 3.5
    assert math.fsum(est.values.values()) == pytest.approx(21.0, rel=1e-12)  # efficient exactly
    assert est.method == "sampled" and est.n_permutations == 400
    assert est.evaluations < 400 * 9  # repeated coalitions valued once


def test_sampled_interval_covers_about_95_percent():
    # over 200 seeds x 4 players the +-1.96 se interval should cover the exact value ~95%
    costs = {"A": 1.0, "B": 2.0, "C": 4.0, "D": 7.0}
    exact = shapley_exact(list(costs), airport(costs)).values
    hits = []
    for seed in range(200):
        est = shapley_sampled(list(costs), airport(costs), 60, np.random.default_rng(seed))
        hits += [abs(est.values[p] - exact[p]) <= 1.96 * est.standard_errors[p] for p in costs]
    assert 0.90 < np.mean(hits) < 0.98


def test_sampled_is_reproducible_from_its_generator():
    v = random_game(list("abcde"), 6)
    a = shapley_sampled(list("abcde"), v, 30, np.random.default_rng(9))
    b = shapley_sampled(list("abcde"), v, 30, np.random.default_rng(9))
    assert a.values == b.values


def test_value_called_once_per_coalition():
    calls = []
    def v(s):
        calls.append(s)
        return float(len(s))
    shapley_exact(list("abcd"), v)
    assert len(calls) == 16 == len(set(calls))


def test_frame():
    out = shapley_exact(["a", "b"], lambda s: float(len(s))).frame()
    assert list(out.columns) == ["player", "shapley", "se"]
    assert out["shapley"].tolist() == [1.0, 1.0]


@pytest.mark.parametrize(("call", "match"), [
    (lambda: shapley_exact([], len), "at least one player"),
    (lambda: shapley_exact(["a", "a"], len), "repeated: a"),
    (lambda: shapley_exact("abc", len), "one string"),
    (lambda: shapley_exact(range(21), len), "use shapley_sampled"),
    (lambda: shapley_exact(["a"], lambda s: math.nan), "finite value"),
    (lambda: shapley_exact(["a"], 3), "value must be a function"),
    (lambda: shapley_sampled(["a", "b"], len, 1, np.random.default_rng(1)), "n_permutations"),
    (lambda: shapley_sampled(["a", "b"], len, 10, 1), "rng must be a numpy Generator"),
])
def test_bad_input_names_the_parameter(call, match):
    with pytest.raises(AttributionError, match=match):
        call()
