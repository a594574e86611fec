"""The internal-loyalty study's headline, asserted on its metrics.json: at the preset's own
staff turnover the value per prospect is lower than with no turnover (interval below zero),
the dose-response of value per prospect falls at every level, and both channels carry part of
the loss. A smaller run than the default (fewer levels, prospects and replications)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from journey.study.runner import run_study

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "internal-loyalty.ipynb"


def test_turnover_lowers_value_per_prospect_at_the_defaults(tmp_path):
    result = run_study(str(NOTEBOOK), ["n_customers=2000", "replications=3",
                                       "doses=[0.0, 0.3]"], reports=tmp_path)
    assert result.status == "ok"
    m = json.loads((result.path / "metrics.json").read_text())
    assert m["turnover.preset"] == 0.08  # the telecom preset's own turnover
    change = m["preset.value_change.total"]
    assert change["ci_high"] < 0  # turnover lowers value per prospect, beyond the noise
    assert m["preset.value_per_prospect"]["mean"] < m["reference.value_per_prospect"]["mean"]
    sweep = m["sweep"]["value_per_prospect"]
    assert sweep["dose"] == [0.0, 0.08, 0.3]
    assert np.all(np.diff(sweep["mean"]) < 0) and m["value_per_prospect.monotone"] is True
    for link in ("R", "Q", "S", "retention_36"):
        assert np.all(np.diff(m["sweep"][link]["mean"]) < 0), link
    # both channels carry part of the loss; the parts add up to the total
    bond, learning = m["preset.value_change.via_bond"], m["preset.value_change.via_learning"]
    other = m["preset.value_change.other"]
    assert bond["ci_high"] < 0 and learning["ci_high"] < 0
    parts = bond["mean"] + learning["mean"] + other["mean"]
    assert abs(parts - change["mean"]) < 1e-9
    # staff changes per customer-year follow 12 p
    assert abs(m["preset.staff_changes"]["mean"] - 12 * 0.08) < 0.05
