"""``journey run / sweep / list / inspect / report``: errors, exit codes, sweeps and the index."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from journey.cli import app
from journey.study import runner, sweep

NB = Path(__file__).parent / "notebooks"
TOY = str(NB / "toy.ipynb")
cli = CliRunner()


@pytest.fixture
def no_kernel(monkeypatch):
    """Any attempt to start a kernel fails the test."""
    def boom(*a, **k):
        raise AssertionError("a kernel was started")

    monkeypatch.setattr(runner, "ensure_kernel", boom)
    monkeypatch.setattr(runner, "_execute", boom)
    monkeypatch.setattr(sweep, "ensure_kernel", boom)


@pytest.mark.parametrize("args, needle", [
    (["run", TOY, "-p", "n_customers=abc"], "parameter 'n_customers': expected int"),
    (["run", TOY, "-p", "seed=1.5"], "parameter 'seed'"),
    (["run", TOY, "-p", "verbose=1"], "parameter 'verbose'"),
    (["run", TOY, "-p", "weights=[1, \"a\"]"], "parameter 'weights'[1]"),
    (["run", TOY, "-p", "colour=red"], "unknown parameter 'colour'"),
    (["run", TOY, "-p", "seed"], "expected name=value"),
    (["run", "no-such-study"], "study 'no-such-study' not found"),
    (["run", "missing/nowhere.ipynb"], "not found"),
    (["run", TOY, "-f", "missing.yaml"], "parameter file missing.yaml"),
    (["sweep", TOY, "--grid", "missing.yaml"], "grid file missing.yaml"),
    (["inspect", "no-such-study"], "not found"),
])
def test_usage_errors_one_line_exit_2_nothing_written(tmp_path, no_kernel, args, needle):
    reports = tmp_path / "reports"
    res = cli.invoke(app, [*args, "--reports", str(reports)] if args[0] != "inspect"
                     else [*args, "--reports", str(reports)])
    assert res.exit_code == 2, res.output
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("journey: error:")
    assert needle in lines[0]
    assert res.stdout == ""
    assert not reports.exists()


def test_bad_grid_value_is_refused_before_any_kernel(tmp_path, no_kernel):
    grid = tmp_path / "grid.yaml"
    grid.write_text("seed: [1, 2]\nn_customers: [100, 'many']\n")
    res = cli.invoke(app, ["sweep", TOY, "--grid", str(grid), "--reports", str(tmp_path / "r")])
    assert res.exit_code == 2 and "parameter 'n_customers'" in res.stderr
    assert not (tmp_path / "r").exists()


def test_param_file_and_precedence(tmp_path, no_kernel):
    f = tmp_path / "p.yaml"
    f.write_text("seed: 5\nweights: [3, 4]\nlabel: from file\n")
    plan = runner.plan_run(TOY, ["seed=6"], [f], reports=tmp_path)
    assert plan.parameters["seed"] == 6 and plan.parameters["weights"] == [3.0, 4.0]
    assert plan.parameters["label"] == "from file"


def test_explain_runs_nothing(tmp_path, no_kernel):
    res = cli.invoke(app, ["run", TOY, "--explain", "--reports", str(tmp_path / "r")])
    assert res.exit_code == 0 and "no finished run of this study yet" in res.stdout
    assert not (tmp_path / "r").exists()


def test_list_and_inspect(monkeypatch, tmp_path):
    monkeypatch.setenv("JOURNEY_NOTEBOOKS", str(NB))
    res = cli.invoke(app, ["list"])
    assert res.exit_code == 0 and "toy" in res.stdout and "cohort size" in res.stdout
    res = cli.invoke(app, ["inspect", "toy", "--reports", str(tmp_path)])
    assert res.exit_code == 0 and "monthly exit probability" in res.stdout
    assert "no runs" in res.stdout


def test_sweep_parallel_resumable_with_summary(tmp_path):
    reports = tmp_path / "reports"
    grid = tmp_path / "grid.yaml"
    grid.write_text("seed: [1, 2]\nrate: [0.2]\n")
    res = cli.invoke(app, ["sweep", TOY, "--grid", str(grid), "-j", "2", "-p", "n_customers=50",
                           "--reports", str(reports)])
    assert res.exit_code == 0, res.output + res.stderr
    assert "2 parameter sets (2 ok)" in res.stdout
    runs = [d for d in (reports / "toy").iterdir() if (d / "manifest.json").exists()]
    assert len(runs) == 2
    for d in runs:
        m = json.loads((d / "manifest.json").read_text())
        assert m["parameters"]["n_customers"] == 50 and m["parameters"]["rate"] == 0.2
    (summary,) = (reports / "toy" / "sweeps").glob("*/summary.csv")
    rows = list(csv.DictReader(summary.open()))
    assert [r["seed"] for r in rows] == ["1", "2"]
    assert {r["run_id"] for r in rows} == {d.name for d in runs}
    assert all(float(r["mean_lifetime"]) > 1 for r in rows)
    assert rows[0]["mean_lifetime"] != rows[1]["mean_lifetime"]
    assert (summary.parent / "summary.png").read_bytes()[:4] == b"\x89PNG"
    index = (reports / "index.html").read_text()
    assert all(d.name in index for d in runs) and "summary.csv" in index

    # resumable: a rerun starts no kernel, everything comes from the cache
    grid.write_text("seed: [1, 2]\nrate: 0.2\n")
    res = cli.invoke(app, ["sweep", TOY, "--grid", str(grid), "-p", "n_customers=50",
                           "--reports", str(reports)])
    assert res.exit_code == 0 and "2 parameter sets (2 cached)" in res.stdout


def test_console_script_run_and_report(tmp_path):
    """The installed ``journey`` command, in a fresh process: run, cached rerun, report."""
    exe = Path(sys.executable).with_name("journey")
    env_cmd = [str(exe), "run", TOY, "-p", "n_customers=30", "--reports", str(tmp_path)]
    first = subprocess.run(env_cmd, capture_output=True, text=True, timeout=180)
    assert first.returncode == 0, first.stderr
    assert "done in" in first.stdout and first.stderr == ""
    again = subprocess.run(env_cmd, capture_output=True, text=True, timeout=60)
    assert again.returncode == 0 and "up to date, skipped" in again.stdout
    rep = subprocess.run([str(exe), "report", "--reports", str(tmp_path)], capture_output=True,
                         text=True, timeout=60)
    assert rep.returncode == 0 and (tmp_path / "index.html").exists()
    html = (tmp_path / "index.html").read_text()
    assert "n_customers=30" in html and "toy.html" in html


def test_failing_notebook_exit_1_one_line(tmp_path):
    res = cli.invoke(app, ["run", str(NB / "fails.ipynb"), "--reports", str(tmp_path)])
    assert res.exit_code == 1
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and "ZeroDivisionError in cell 4" in lines[0]
    (failed,) = (tmp_path / "fails" / "failed").iterdir()
    assert str(failed) in lines[0]
    assert "failed" in (tmp_path / "index.html").read_text()
