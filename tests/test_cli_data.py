"""journey simulate / validate / presets, as a user meets them."""

import shutil

import pandas as pd
import pytest
from typer.testing import CliRunner

from journey.cli import app
from journey.tables_io import write_journeys

runner = CliRunner()


@pytest.fixture(scope="module")
def cohort(tmp_path_factory, telecom_small):
    return write_journeys(telecom_small, tmp_path_factory.mktemp("cohort") / "tel")


def _corrupt(cohort, tmp_path, table, change):
    bad = tmp_path / "bad"
    shutil.copytree(cohort, bad)
    path = bad / f"{table}.parquet"
    df = pd.read_parquet(path)
    df = change(df)
    df.to_parquet(path, index=False)
    return bad


def _one_line_error(result):
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_validate_accepts_a_simulated_cohort(cohort):
    res = runner.invoke(app, ["validate", str(cohort)])
    assert res.exit_code == 0, res.output
    assert "valid" in res.stdout and "3000 customers" in res.stdout


def _service_row(df):
    return int((df["month"] > 0).to_numpy().nonzero()[0][3])


CORRUPTIONS = {
    "wrong dtype": ("panel", lambda d: d.assign(S=d["S"].astype(str)),
                    "panel.parquet: column 'S' has dtype"),
    "missing column": ("events", lambda d: d.drop(columns="kind"),
                       "events.parquet: column 'kind' is missing"),
    "unknown phase": ("events", lambda d: d.assign(
        phase=d["phase"].astype(str).where(d.index != 5, "honeymoon")),
        "events.parquet: column 'phase' row 6: unknown value 'honeymoon'"),  # index 5
    "negative month": ("panel", lambda d: d.assign(
        month=d["month"].where(d.index != _service_row(d), -4)),
        "panel.parquet: column 'month' row {row}: negative month -4"),
    "duplicate id": ("customers", lambda d: d.assign(
        customer_id=d["customer_id"].where(d.index != 9, d["customer_id"].iloc[8])),
        "customers.parquet: column 'customer_id' row 10: duplicate key"),  # index 9
}


@pytest.mark.parametrize("case", list(CORRUPTIONS))
def test_validate_names_the_fault(cohort, tmp_path, case):
    table, change, expected = CORRUPTIONS[case]
    if "{row}" in expected:
        # rows are 1-based data rows: index i is row i + 1
        expected = expected.format(
            row=_service_row(pd.read_parquet(cohort / "panel.parquet")) + 1)
    bad = _corrupt(cohort, tmp_path, table, change)
    line = _one_line_error(runner.invoke(app, ["validate", str(bad)]))
    assert expected in line


def test_validate_single_file_and_missing_path(cohort, tmp_path):
    res = runner.invoke(app, ["validate", str(cohort / "events.parquet")])
    assert res.exit_code == 0 and "valid events" in res.stdout
    line = _one_line_error(runner.invoke(app, ["validate", str(tmp_path / "nope")]))
    assert "nope: no such file or folder" in line


def test_simulate_writes_tables_and_summary(tmp_path):
    out = tmp_path / "run"
    res = runner.invoke(app, ["simulate", "--preset", "subscription", "--customers", "500",
                              "--months", "12", "--seed", "3", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in out.iterdir()) == [
        "customers.parquet", "events.parquet", "panel.parquet"]
    assert "signed" in res.stdout and "mean S, service" in res.stdout


def test_simulate_csv_in_chunks(tmp_path):
    out = tmp_path / "csv"
    res = runner.invoke(app, ["simulate", "--preset", "housing", "--customers", "2500",
                              "--months", "6", "--out", str(out), "--format", "csv",
                              "--chunk-size", "1000"])
    assert res.exit_code == 0, res.output
    assert len(list((out / "panel").glob("part-*.csv"))) == 3
    assert runner.invoke(app, ["validate", str(out)]).exit_code == 0


@pytest.mark.parametrize("args, message", [
    (["--preset", "mars"], "unknown preset 'mars'"),
    ([], "give exactly one of --preset NAME or --scenario FILE"),
    (["--preset", "telecom", "--customers", "0"], "parameter 'n_customers' must be"),
    (["--preset", "telecom", "--format", "xlsx"], "--format must be one of parquet, csv"),
])
def test_simulate_errors_write_nothing(tmp_path, args, message):
    out = tmp_path / "out"
    line = _one_line_error(runner.invoke(app, ["simulate", *args, "--out", str(out)]))
    assert message in line
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".journey-")]


def test_simulate_bad_scenario_file(tmp_path):
    sc = tmp_path / "s.yaml"
    sc.write_text("service_quality: 11\n")
    out = tmp_path / "out"
    line = _one_line_error(runner.invoke(app, ["simulate", "--scenario", str(sc),
                                               "--out", str(out)]))
    assert "s.yaml: parameter 'service_quality'" in line
    assert not out.exists()


def test_simulate_refuses_to_overwrite(tmp_path, cohort):
    before = {p.name: p.stat().st_mtime_ns for p in cohort.iterdir()}
    line = _one_line_error(runner.invoke(app, ["simulate", "--preset", "telecom",
                                               "--customers", "50", "--out", str(cohort)]))
    assert "already holds" in line
    assert {p.name: p.stat().st_mtime_ns for p in cohort.iterdir()} == before


def test_presets_lists_and_shows():
    res = runner.invoke(app, ["presets"])
    assert res.exit_code == 0
    for name in ("telecom", "housing", "subscription", "bank_partners"):
        assert name in res.stdout
    res = runner.invoke(app, ["presets", "housing"])
    assert res.exit_code == 0 and "mental_base" in res.stdout


def test_cli_constants_mirror_the_library():
    """The CLI keeps copies so that it starts without numpy; they must not drift."""
    from journey import simulate, tables_io
    from journey.cli import data_commands

    assert data_commands.DEFAULT_CHUNK == simulate.DEFAULT_CHUNK
    assert data_commands.FORMATS == tables_io.FORMATS


def test_validate_finds_a_key_repeated_across_parts(tmp_path):
    out = tmp_path / "parts"
    res = runner.invoke(app, ["simulate", "--preset", "subscription", "--customers", "3000",
                              "--months", "6", "--out", str(out), "--chunk-size", "1000"])
    assert res.exit_code == 0, res.output
    for table in ("customers", "events", "panel"):  # customer 0 also in part 1, rows and all
        first = pd.read_parquet(out / table / "part-00000.parquet")
        second = out / table / "part-00001.parquet"
        both = pd.concat([pd.read_parquet(second), first[first["customer_id"] == 0]])
        both.to_parquet(second, index=False)
    line = _one_line_error(runner.invoke(app, ["validate", str(out)]))
    assert "customer_id 0 is in" in line
    assert "customers/part-00000.parquet and" in line and "customers/part-00001.parquet" in line
