"""Replications: seeds flow from the run's seed, intervals are Student-t by hand, doses share
their seeds (common random numbers)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from journey.replications import (
    differences_from,
    dose_response,
    factor_effect,
    paired_contrast,
    paired_difference,
    replicate,
    replication_seeds,
    summarize_replications,
)


def test_seeds_are_reproducible_and_distinct():
    a, b = replication_seeds(7, 5), replication_seeds(7, 5)
    assert a == b and len(set(a)) == 5
    assert replication_seeds(8, 5) != a
    assert replication_seeds(7, 3) == a[:3]  # more replications extend, never reshuffle
    with pytest.raises(ValueError, match="replications"):
        replication_seeds(7, 0)


def test_interval_is_student_t_by_hand():
    runs = replicate(lambda s: {"x": np.random.default_rng(s).normal(5, 2)}, seed=1,
                     replications=6)
    x = runs["x"].to_numpy()
    out = summarize_replications(runs).set_index("metric").loc["x"]
    half = stats.t.ppf(0.975, 5) * x.std(ddof=1) / np.sqrt(6)
    assert out["mean"] == pytest.approx(x.mean())
    assert out["ci_low"] == pytest.approx(x.mean() - half)
    assert out["ci_high"] == pytest.approx(x.mean() + half)
    one = summarize_replications(replicate(lambda s: {"x": 1.0}, 1, 1))
    assert np.isnan(one["ci_low"].iloc[0])


def test_doses_share_seeds_and_summarise_by_dose():
    seen = []

    def measure(dose, seed):
        seen.append((dose, seed))
        return {"y": dose * 2 + np.random.default_rng(seed).normal()}

    runs = dose_response(measure, [0, 1, 2], seed=3, replications=4)
    seeds = {d: [s for dd, s in seen if dd == d] for d in (0, 1, 2)}
    assert seeds[0] == seeds[1] == seeds[2]
    s = summarize_replications(runs, by="dose").set_index("dose")
    diffs = np.diff(s["mean"].to_numpy())
    assert np.allclose(diffs, 2.0)  # common random numbers: the noise cancels exactly


def test_dose_response_plot_has_labelled_axes_and_the_interval():
    from journey.plots import dose_response as plot

    runs = dose_response(lambda d, s: {"y": d + np.random.default_rng(s).normal()}, [0, 1, 2],
                         seed=1, replications=3)
    fig = plot(summarize_replications(runs, by="dose"), "y", xlabel="turnover (per month)",
               ylabel="value per prospect (currency)")
    ax = fig.axes[0]
    assert ax.get_xlabel() == "turnover (per month)" and "currency" in ax.get_ylabel()
    assert len(ax.collections) == 1  # the interval band
    with pytest.raises(Exception, match="no metric"):
        plot(summarize_replications(runs, by="dose"), "z", xlabel="x", ylabel="y")


def _two_doses():
    """Three replications at doses 0 and 1 with hand-picked values (seeds shared)."""
    return pd.DataFrame({"dose": [0, 0, 0, 1, 1, 1], "replication": [0, 1, 2, 0, 1, 2],
                         "seed": [5, 6, 7, 5, 6, 7],
                         "y": [1.0, 2.0, 4.0, 2.0, 4.0, 5.0]})


def test_paired_difference_by_hand():
    # differences 1, 2, 1: mean 4/3, sd sqrt(1/3), t_{2, 0.975} = 4.302653
    out = paired_difference(_two_doses(), 0, 1).set_index("metric").loc["y"]
    half = 4.302653 * np.sqrt(1 / 3) / np.sqrt(3)
    assert out["mean"] == pytest.approx(4 / 3)
    assert out["ci_low"] == pytest.approx(4 / 3 - half, rel=1e-6)
    assert out["ci_high"] == pytest.approx(4 / 3 + half, rel=1e-6)
    # unpaired, the levels' own intervals are far wider than the paired one
    levels = summarize_replications(_two_doses(), by="dose").set_index("dose")
    assert (levels["ci_high"] - levels["ci_low"]).min() > 2 * (out["ci_high"] - out["ci_low"])


def test_paired_difference_refuses_unpaired_runs():
    runs = _two_doses()
    with pytest.raises(ValueError, match="no runs at dose 2"):
        paired_difference(runs, 0, 2)
    shuffled = runs.assign(seed=[5, 6, 7, 8, 6, 7])
    with pytest.raises(ValueError, match="same replications"):
        paired_difference(shuffled, 0, 1)


def test_differences_from_a_baseline():
    out = differences_from(_two_doses(), 0).set_index("dose")
    assert out.loc[0, "mean"] == 0.0 and out.loc[0, "sd"] == 0.0
    assert out.loc[1, "mean"] == pytest.approx(4 / 3)
    assert list(out.reset_index().columns[:2]) == ["dose", "metric"]


def test_response_curves_and_panels_have_labelled_axes():
    from journey.plots import dose_response_panels, response_curves

    curves = pd.DataFrame({"dose": ["a"] * 3 + ["b"] * 3, "month": [1, 2, 3] * 2,
                           "replication": 0, "seed": 1, "h": [0.1, 0.2, 0.3, 0.2, 0.3, 0.4]})
    summ = summarize_replications(pd.concat([curves, curves.assign(replication=1,
                                                                   h=curves["h"] + 0.1)]),
                                  by=["dose", "month"])
    fig = response_curves(summ, "h", xlabel="months since signing", ylabel="hazard (share)")
    ax = fig.axes[0]
    assert ax.get_xlabel() == "months since signing" and len(ax.lines) == 2
    assert np.allclose(ax.lines[0].get_ydata(), [0.15, 0.25, 0.35])
    with pytest.raises(Exception, match="no metric"):
        response_curves(summ, "z", xlabel="x", ylabel="y")
    runs = dose_response(lambda d, s: {"y": d, "z": -d}, [0, 1], seed=1, replications=2)
    fig = dose_response_panels(summarize_replications(runs, by="dose"),
                               [("y", "y (points)"), ("z", "z (share)"), ("y", "y again")],
                               xlabel="fee (months of price)", title="t")
    shown = [a for a in fig.axes if a.get_visible()]
    assert len(shown) == 3 and [a.get_ylabel() for a in shown][1] == "z (share)"
    assert all(a.get_xlabel() == "fee (months of price)" for a in shown)


def test_factor_effect_of_a_factorial_by_hand():
    # y = 1·a + 2·b + 3·a·b + replication noise shared by every cell of a replication
    rows = [{"a": a, "b": b, "replication": r, "seed": 10 + r, "y": a + 2 * b + 3 * a * b + r}
            for a in (0, 1) for b in (0, 1) for r in range(3)]
    rows[0]["y"] += 0.5  # a = 0, b = 0, replication 0
    runs = pd.DataFrame(rows)
    main = factor_effect(runs, "a", 0, 1, ["a", "b"]).set_index("metric").loc["y"]
    # per replication: mean over b of the effect of a, (1 + 4)/2 = 2.5, -0.25 in replication 0
    d = np.array([2.25, 2.5, 2.5])
    assert main["mean"] == pytest.approx(d.mean())
    half = stats.t.ppf(0.975, 2) * d.std(ddof=1) / np.sqrt(3)
    assert main["ci_high"] == pytest.approx(d.mean() + half)
    by_b = factor_effect(runs, "a", 0, 1, ["a", "b"], by="b").set_index(["b", "metric"])
    assert by_b.loc[(1, "y"), "mean"] == pytest.approx(4.0)  # the interaction: 4 - 1 = 3
    assert by_b.loc[(1, "y"), "sd"] == pytest.approx(0.0)
    assert by_b.loc[(0, "y"), "mean"] == pytest.approx((0.5 + 1 + 1) / 3)


def test_factor_effect_refuses_an_unbalanced_design():
    runs = pd.DataFrame({"a": [0, 1, 1], "b": [0, 0, 1], "replication": 0, "y": 1.0})
    with pytest.raises(ValueError, match="same cells"):
        factor_effect(runs, "a", 0, 1, ["a", "b"])
    with pytest.raises(ValueError, match="by must name"):
        factor_effect(runs, "a", 0, 1, ["a", "b"], by="a")
    with pytest.raises(ValueError, match="missing"):
        factor_effect(runs, "c", 0, 1, ["a", "b"])
    with pytest.raises(ValueError, match="no runs"):
        factor_effect(runs, "a", 0, 2, ["a", "b"])


def test_paired_contrast_by_hand():
    # two markets (a, b), each with and without a shock, three replications on common seeds
    y = {"a": [5.0, 6.0, 9.0], "a0": [4.0, 4.0, 6.0], "b": [3.0, 2.0, 4.0], "b0": [2.0, 2.0, 3.0]}
    runs = pd.DataFrame([{"dose": d, "replication": i, "seed": 10 + i, "x": v}
                         for d, vals in y.items() for i, v in enumerate(vals)])
    did = paired_contrast(runs, {"a": 1, "a0": -1, "b": -1, "b0": 1}).set_index("metric")
    d = np.array([(5 - 4) - (3 - 2), (6 - 4) - (2 - 2), (9 - 6) - (4 - 3)], dtype=float)
    half = stats.t.ppf(0.975, 2) * d.std(ddof=1) / np.sqrt(3)
    assert did.loc["x", "mean"] == pytest.approx(d.mean())
    assert did.loc["x", "ci_high"] == pytest.approx(d.mean() + half)
    two = paired_contrast(runs, {"a": 1, "a0": -1}).set_index("metric")
    ref = paired_difference(runs, "a0", "a").set_index("metric")
    assert two.loc["x", "mean"] == pytest.approx(ref.loc["x", "mean"])
    assert two.loc["x", "ci_low"] == pytest.approx(ref.loc["x", "ci_low"])
    with pytest.raises(ValueError, match="no runs at dose 'c'"):
        paired_contrast(runs, {"a": 1, "c": -1})
    other = runs.assign(seed=np.where(runs["dose"] == "b", 99, runs["seed"]))
    with pytest.raises(ValueError, match="same replications"):
        paired_contrast(other, {"a": 1, "b": -1})
