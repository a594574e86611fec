"""The breakdown-attribution study on its metrics.json: the Shapley values add up to the total
change (efficiency), the breakdowns add to the satisfaction drop, and the handle-time sweep
goes the expected way."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from journey.stage_attribution import STAGES
from journey.study.runner import run_study

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "breakdown-attribution.ipynb"
SLUGS = [s.replace(" ", "_").replace("-", "_") for s in STAGES]


@pytest.fixture(scope="module")
def metrics(tmp_path_factory):
    params = ["n_customers=300", "months=12", "k=3", "replications=2"]
    result = run_study(str(NOTEBOOK), params, reports=tmp_path_factory.mktemp("reports"))
    assert result.status == "ok"
    return json.loads((result.path / "metrics.json").read_text())


@pytest.mark.parametrize("outcome", ["S_drop", "value_per_prospect", "signed_share"])
def test_shapley_values_sum_to_the_total_change(metrics, outcome):
    parts = [metrics[f"telecom.{outcome}.shapley.{s}"] for s in SLUGS]
    total = metrics[f"telecom.{outcome}.total"]
    change = metrics[f"telecom.{outcome}.repaired"] - metrics[f"telecom.{outcome}.as_is"]
    assert math.fsum(parts) == pytest.approx(total, rel=1e-9, abs=1e-12)
    assert total == pytest.approx(change, rel=1e-9, abs=1e-12)
    shares = [metrics[f"telecom.{outcome}.share.{s}"] for s in SLUGS]
    assert math.fsum(shares) == pytest.approx(1.0, rel=1e-9)


def test_breakdowns_add_to_the_satisfaction_drop(metrics):
    # repairing every stage lowers the drop after signing: the interval lies below zero
    assert metrics["telecom.S_drop.total_ci_high"] < 0
    assert metrics["telecom.S_drop.largest_stage"] in STAGES
    # one at a time does not add up to the change when stages interact
    assert metrics["telecom.S_drop.alone_sum"] != pytest.approx(metrics["telecom.S_drop.total"])


def test_a_tighter_handle_time_cap_costs_more(metrics):
    assert metrics["sweep.alone_S_drop.cap_4"] == 0.0  # the cap no longer binds: no breakdown
    assert metrics["sweep.alone_S_drop.cap_1"] < metrics["sweep.alone_S_drop.cap_3"] < 0
