"""The platform-exit study's headline, asserted on its metrics.json (issue 10): owned contact
data raise reach retained, reach rises at every step of the announcement lead, and an exit
after criticism lowers the satisfaction of the customers it leaves behind without moving reach.
A smaller run than the default (fewer prospects, replications and leads)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from journey.study.runner import run_study

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "platform-exit.ipynb"


@pytest.fixture(scope="module")
def metrics(tmp_path_factory):
    result = run_study(str(NOTEBOOK), ["n_customers=1500", "replications=3",
                                       "lead_doses=[0, 3, 6, 12]"],
                       reports=tmp_path_factory.mktemp("reports"))
    assert result.status == "ok"
    return json.loads((result.path / "metrics.json").read_text())


def test_owned_contact_data_raise_reach_retained(metrics):
    for presence in ("long_running", "campaign"):
        effect = metrics[f"{presence}.owned_effect.reach_retained"]
        assert effect["ci_low"] > 0, presence
        assert metrics[f"{presence}.owned_effect.dialogue_kept"]["ci_low"] > 0, presence
    # data and notice rescue the same customers: the data's gain shrinks with the notice
    no_notice = metrics["long_running.owned_effect.reach_retained.lead_0"]["mean"]
    notice = metrics["long_running.owned_effect.reach_retained.lead_6"]["mean"]
    assert 0 < notice < no_notice


def test_reach_rises_at_every_step_of_the_lead(metrics):
    sweep = metrics["sweep"]
    assert sweep["lead"] == [0, 3, 6, 12]
    for owned in ("owned", "platform_only"):
        for name in ("reach_retained", "dialogue_kept"):
            assert np.all(np.diff(sweep[f"{name}.{owned}"]["mean"]) > 0), (name, owned)
    assert metrics["sweep.monotone"] is True
    assert metrics["long_running.lead_effect.reach_retained"]["ci_low"] > 0


def test_criticism_costs_sentiment_not_reach(metrics):
    assert metrics["criticism.reach_unchanged"] is True
    for presence in ("long_running", "campaign"):
        assert metrics[f"{presence}.criticism_effect.satisfaction_hit_left"]["ci_high"] < 0
        assert metrics[f"{presence}.criticism_effect.reach_retained"]["mean"] == 0
    # fewer are left behind with owned data, so the average customer loses less
    without = metrics["long_running.criticism_effect.satisfaction_hit.owned_false"]["mean"]
    with_data = metrics["long_running.criticism_effect.satisfaction_hit.owned_true"]["mean"]
    assert without < with_data < 0


def test_the_simulation_agrees_with_the_reach_formula(metrics):
    assert metrics["formula.max_abs_error"] < 0.03
