"""Replications: seeds flow from the run's seed, intervals are Student-t by hand, doses share
their seeds (common random numbers)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from journey.replications import (
    dose_response,
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
