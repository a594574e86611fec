"""The exit-barriers study's headline effects have the expected sign (issue 10), read from the
metrics.json of a run at the default parameters with a smaller cohort and fewer replications."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from journey.study.runner import run_study

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "exit-barriers-and-hostages.ipynb"


@pytest.fixture(scope="module")
def metrics(tmp_path_factory):
    result = run_study(str(NOTEBOOK), ["n_customers=1500", "replications=3"],
                       reports=tmp_path_factory.mktemp("reports"))
    assert result.status == "ok"
    return json.loads((result.path / "metrics.json").read_text())


def test_a_higher_exit_fee_raises_hostages_and_lowers_retained_satisfaction(metrics):
    assert metrics["fee_effect.low_fee"] < metrics["fee_effect.high_fee"]
    assert metrics["fee_effect.hostage_share"] > 0
    assert metrics["fee_effect.satisfaction_retained"] < 0
    assert metrics["fee_effect.retained_end"] > 0  # it does buy retention


def test_barriers_lower_the_value_of_service(metrics):
    assert metrics["fee_effect.service_value"] < 0


def test_retention_rises_monotonically_with_the_fee(metrics):
    # common random numbers: a higher fee lowers every monthly exit probability, so with the
    # same uniforms nobody leaves earlier and the retained share cannot fall
    keys = [k for k in metrics if k.startswith("dose.") and k.endswith(".retained_end")]
    keys.sort(key=lambda k: float(k.removeprefix("dose.").removesuffix(".retained_end")))
    retained = [metrics[k] for k in keys]
    assert len(retained) >= 3 and np.all(np.diff(retained) > 0)


def test_barriers_hold_back_exits_and_the_term_end_has_a_cliff(metrics):
    assert 0 < metrics["barrier_held_share_36"] < metrics["barrier_held_share_12"] < 1
    assert metrics["cliff_ratio"] > 1
