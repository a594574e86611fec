"""Calibration by simulated moments: a cohort simulated from a known scenario gives back the
parameters it was made with, inside the reported intervals; the data moments' bootstrap errors
agree with Greenwood's formula; the command writes a scenario the simulator accepts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from journey.calibrate import MomentSpec, calibrate, data_moments
from journey.cli import app
from journey.metrics import life_table
from journey.scenario import Scenario, load_preset
from journey.simulate import simulate
from journey.tables_io import write_journeys

runner = CliRunner()


@pytest.fixture(scope="module")
def truth() -> Scenario:
    base = load_preset("telecom")
    return base.replace(alpha0=base.alpha0 + 0.5, term_end_boost=base.term_end_boost - 0.6)


@pytest.fixture(scope="module")
def observed(truth):
    return simulate(truth, 12_000, 30, seed=101)


def test_calibration_recovers_the_scenario_within_its_intervals(truth):
    """Three observed cohorts (seeds): each parameter inside its 95% interval in at least two
    of three fits (a correct interval fails that with probability 0.7%), the estimates moved
    from the start toward the truth, the moments matched within sampling error."""
    start = load_preset("telecom")
    hits = {"alpha0": 0, "term_end_boost": 0}
    for seed in (200, 201, 202):
        observed = simulate(truth, 8_000, 30, seed=seed)
        cal = calibrate(observed, start, list(hits), n_customers=8_000, seed=7, max_evals=120)
        p = cal.params
        for name in hits:
            hits[name] += p.loc[name, "ci_low"] <= getattr(truth, name) <= p.loc[name, "ci_high"]
            assert p.loc[name, "ci_high"] - p.loc[name, "ci_low"] < 3.0, cal.report()
        assert abs(p.loc["alpha0", "estimate"] - truth.alpha0) < 0.2, cal.report()
        assert np.all(np.abs(cal.targets["z"]) < 4), cal.report()
        assert cal.scenario.alpha0 == pytest.approx(p.loc["alpha0", "estimate"])
    assert min(hits.values()) >= 2, hits


def test_bootstrap_survival_errors_agree_with_greenwood(observed):
    spec = MomentSpec(("survival",), horizon=27, step=3)
    m = data_moments(observed, spec, n_boot=400, seed=3)
    lt = life_table(observed).set_index("month")
    q = lt["exits"] / (lt["at_risk"] * (lt["at_risk"] - lt["exits"]))
    greenwood = lt["survival"] * np.sqrt(q.cumsum())  # Greenwood (1926)
    for name, se in zip(m.names, m.se, strict=True):
        t = int(name.split("_")[1])
        assert m.values[m.names.index(name)] == pytest.approx(lt.loc[t, "survival"], abs=1e-12)
        assert se == pytest.approx(greenwood.loc[t], rel=0.2), name


def test_calibrate_command_writes_a_scenario_the_simulator_accepts(observed, tmp_path):
    write_journeys(observed, tmp_path / "data")
    out = tmp_path / "twin.yaml"
    res = runner.invoke(app, ["calibrate", "--data", str(tmp_path / "data"), "--preset",
                              "telecom", "--fit", "alpha0", "--targets", "survival",
                              "--customers", "4000", "--max-evals", "25", "--out", str(out)])
    assert res.exit_code == 0, res.output
    twin = Scenario.from_yaml(out)
    assert twin.term_months == 24 and twin.alpha0 != load_preset("telecom").alpha0
    assert "| alpha0 |" in out.with_suffix(".fit.md").read_text()
    res = runner.invoke(app, ["simulate", "--scenario", str(out), "--customers", "300",
                              "--months", "6", "--out", str(tmp_path / "sim")])
    assert res.exit_code == 0, res.output


@pytest.mark.parametrize("args, message", [
    (["--fit", "term_months"], "'term_months' is not a real number"),
    (["--fit", "alpha_zero"], "unknown parameter 'alpha_zero'"),
    (["--fit", "alpha0", "--targets", "loyalty"], "unknown moment(s) loyalty"),
    (["--fit", "alpha0", "--segment", "gold"], "no customer in segment 'gold'"),
    (["--fit", "alpha0", "--max-evals", "0"], "--max-evals must be a whole number"),
])
def test_calibrate_command_refuses_bad_requests(observed, tmp_path, args, message):
    write_journeys(observed, tmp_path / "data")
    out = tmp_path / "twin.yaml"
    res = runner.invoke(app, ["calibrate", "--data", str(tmp_path / "data"), "--preset",
                              "telecom", "--out", str(out), *args])
    assert res.exit_code == 2, res.output
    assert message in res.output
    assert not out.exists()


def test_a_moment_that_never_moves_gets_a_finite_weight():
    from journey.calibrate.fit import _variance_floor

    cov = np.diag([0.0, 4e-6])
    assert _variance_floor(cov, 1000).tolist() == [1e-6, 4e-6]


def test_a_twin_that_cannot_fit_says_so(observed):
    """A telecom cohort calibrated through a scenario without a term (one parameter free)
    cannot reproduce the term-end exodus: the report says the loss is beyond chance."""
    start = load_preset("subscription")
    # without term_months in the data the twin keeps the subscription preset's open contract
    bad = calibrate(type(observed)(observed.customers.drop(columns="term_months"),
                                   observed.events, observed.panel),
                    start, ["alpha0"], targets=("survival",), n_customers=4000, seed=3,
                    max_evals=40)
    assert any("does not reproduce these moments" in n for n in bad.notes), bad.report()


def test_the_twin_scales_the_presets_costs_with_the_datas_price():
    from journey.calibrate.market import observed_contract
    from journey.schema import Journeys

    base = load_preset("telecom")
    c = pd.DataFrame({"customer_id": [0, 1], "tenure_months": [5, 7],
                      "exit_month": pd.array([4, None], dtype="Int64"), "price": [60.0, 60.0]})
    twin, notes = observed_contract(Journeys(c, pd.DataFrame(), pd.DataFrame()), base)
    ratio = 60.0 / base.price
    assert twin.price == 60.0
    assert twin.retention_cost == pytest.approx(base.retention_cost * ratio, rel=1e-3)
    assert twin.acquisition_cost == pytest.approx(base.acquisition_cost * ratio, rel=1e-3)
    assert "retention_cost" in notes[0]


def test_several_contract_terms_need_a_segment(observed):
    from journey.errors import JourneyDataError
    from journey.schema import Journeys

    c = observed.customers.copy()
    c.loc[c.index[::2], "term_months"] = 12
    mixed = Journeys(c, observed.events, observed.panel)
    with pytest.raises(JourneyDataError, match="several contract terms .* --segment"):
        calibrate(mixed, load_preset("telecom"), "alpha0", max_evals=5)
