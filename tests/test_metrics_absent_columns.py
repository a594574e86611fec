"""Metrics on data that lack what they need: each family refuses with a one-line reason naming
the column, and none returns a number computed from a placeholder. The data are a flat churn
file imported as a researcher would (customers with duration, event, contract, price; no
panel, no surveys, no exit reasons)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from journey import metrics as M
from journey.cli import app
from journey.errors import JourneyDataError
from journey.flat import from_flat
from journey.tables_io import write_journeys


@pytest.fixture(scope="module")
def imported():
    rng = np.random.default_rng(2)
    n = 400
    df = pd.DataFrame({"tenure": rng.integers(0, 40, n), "churn": rng.choice(["Yes", "No"], n),
                       "plan": rng.choice(["a", "b"], n), "fee": rng.uniform(10, 50, n)})
    return from_flat(df, "tenure", "churn", group="plan", price="fee")


FAMILIES = {
    "satisfaction by phase": (M.satisfaction_by_phase, "S"),
    "satisfaction by month": (M.satisfaction_by_month, "S"),
    "satisfaction drop": (M.satisfaction_drop, "S"),
    "courtship-service gap": (M.courtship_service_gap, "Q"),
    "disconfirmation": (M.disconfirmation_by_phase, "E"),
    "csat": (M.csat, "rating"),
    "nps": (M.nps, "rating"),
    "jones & sasser": (M.jones_sasser_segments, "S"),
    "dick & basu": (M.dick_basu_segments, "S"),
    "barrier index": (M.barrier_index_by_tenure, "F"),
    "barrier hazard reduction": (M.barrier_hazard_reduction, "h"),
    "hostage share": (M.hostage_share, "h"),
    "cumulative incidence": (M.cumulative_incidence, "exit_reason"),
    "share of wallet": (M.share_of_wallet_over_time, "share_of_wallet"),
    "reach": (M.reach_by_month, "reachable"),
}


@pytest.mark.parametrize("family", list(FAMILIES))
def test_metric_refuses_with_the_column_it_needs(imported, family):
    fn, column = FAMILIES[family]
    with pytest.raises(JourneyDataError) as err:
        fn(imported)
    message = str(err.value)
    assert column in message, message
    assert "\n" not in message


def test_retention_and_value_come_from_the_customers_table(imported):
    c = imported.customers
    assert M.life_table(imported)["at_risk"].iloc[0] == len(c)
    assert M.clv(imported) > 0  # on the observed price
    with pytest.raises(JourneyDataError, match="price"):
        M.clv(type(imported)(c.drop(columns="price"), imported.events, imported.panel))


def test_summary_reports_only_what_the_data_support(imported):
    rep = M.summarize(imported)
    assert rep.values["customers"] == len(imported.customers)
    for absent in ("S_service", "csat", "nps", "js_hostage", "db_true", "cif_other",
                   "B_service", "hostage_share"):
        assert absent not in rep.values
    assert set(rep.skipped) >= {"satisfaction", "surveys", "segments", "competing_risks",
                                "model_state"}
    assert "S" in rep.skipped["satisfaction"] and "exit_reason" in rep.skipped["competing_risks"]


def test_metrics_command_prints_values_and_reasons(imported, tmp_path):
    write_journeys(imported, tmp_path / "t")
    res = CliRunner().invoke(app, ["metrics", str(tmp_path / "t"), "--json"])
    assert res.exit_code == 0, res.output
    import json

    out = json.loads(res.stdout)
    assert out["metrics"]["customers"] == len(imported.customers)
    assert "satisfaction" in out["skipped"]
    assert CliRunner().invoke(app, ["metrics", str(tmp_path / "nothing")]).exit_code == 2
