"""The flagship's headline signs, asserted on its metrics.json at a small size: satisfaction
drops after signing, the breakdowns deepen the drop, a longer handle-time cap lowers it at
every step, and the cohort's figures sit inside the preset's benchmark bands."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from journey.study.runner import run_study

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def metrics(tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    result = run_study(str(ROOT / "notebooks" / "courtship-and-marriage.ipynb"),
                       ["n_customers=3000", "replications=3"], reports=out)
    assert result.status == "ok"
    return json.loads((result.path / "metrics.json").read_text())


def test_satisfaction_drops_after_signing_and_repairs_reduce_it(metrics):
    assert metrics["S_drop_6"] > 0
    assert metrics["repair.all_repaired.S_drop"] < metrics["S_drop_6"]
    assert metrics["replicated.all_repaired.S_drop.ci_high"] < metrics[
        "replicated.as_is.S_drop.ci_low"]


def test_a_longer_handle_time_cap_lowers_the_drop_at_every_step(metrics):
    assert metrics["dose.handle_time_cap.S_drop_falls"] is True
    assert metrics["dose.handle_time_cap_4.S_drop.mean"] < metrics[
        "dose.handle_time_cap_1.S_drop.mean"]


def test_the_cohort_sits_inside_most_benchmark_bands(metrics):
    assert metrics["benchmark.inside"] >= 5  # of 6 telecom bands
