"""The community-erosion study's headline, asserted on its metrics.json: unheard ideas and
departing managers lower the loyal core's share of wallet after the competitor enters, the
competitor erodes more where the community has eroded, the core's share rises at every step of
the ideas-adopted sweep, and the detector finds the true core better than top volume. A smaller
run than the default (fewer dealers, replications and doses)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from journey.study.runner import run_study

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "community-erosion.ipynb"


@pytest.fixture(scope="module")
def metrics(tmp_path_factory):
    result = run_study(str(NOTEBOOK), ["n_customers=1500", "replications=3",
                                       "adopted_doses=[0.0, 0.6, 1.0]",
                                       "turnover_doses=[0.0, 0.3]"],
                       reports=tmp_path_factory.mktemp("reports"))
    assert result.status == "ok"
    return json.loads((result.path / "metrics.json").read_text())


def test_unheard_ideas_and_departing_managers_lower_the_core_share_after_entry(metrics):
    assert metrics["design.eroded_turnover"] == 0.08  # the preset is the eroded community
    assert metrics["design.eroded_adopted"] == 0.3
    assert metrics["versus_intact.both.core_after"]["ci_high"] < 0
    assert metrics["both.core_after"]["mean"] < metrics["intact.core_after"]["mean"]
    for name in ("managers_leave", "ideas_unheard"):
        assert metrics[f"versus_intact.{name}.core_after"]["ci_high"] < 0, name


def test_the_competitor_erodes_more_where_the_community_eroded(metrics):
    for name in ("intact", "both"):
        assert metrics[f"competitor_effect.{name}.core_after"]["ci_high"] < 0, name
    assert metrics["difference_in_differences.both.core_after"]["ci_high"] < 0


def test_the_two_drivers_cost_the_same_steady_bond(metrics):
    mgr = metrics["design.managers_leave.steady_bond"]
    assert mgr == pytest.approx(metrics["design.ideas_unheard.steady_bond"])
    assert metrics["design.both.steady_bond"] < mgr < metrics["design.intact.steady_bond"]


def test_dose_responses_are_monotone(metrics):
    ideas = metrics["sweep.ideas_adopted"]["core_after"]
    assert ideas["dose"] == [0.0, 0.3, 0.6, 1.0]  # the preset's own share is added
    assert np.all(np.diff(ideas["mean"]) > 0) and metrics["sweep.ideas_adopted.monotone"]
    assert metrics["sweep.ideas_adopted.effect.core_after"]["ci_low"] > 0
    turnover = metrics["sweep.staff_turnover"]["core_after"]
    assert turnover["dose"] == [0.0, 0.08, 0.3]
    assert np.all(np.diff(turnover["mean"]) < 0)


def test_the_detector_beats_top_volume(metrics):
    gain = metrics["detection.both.f1_gain"]
    assert gain["ci_low"] > 0
    det, naive = metrics["detection.both.detector.f1"], metrics["detection.both.naive.f1"]
    assert det["mean"] > naive["mean"]
    assert metrics["detection.both.detector.precision"]["mean"] > (
        metrics["detection.both.core_share"]["mean"])
