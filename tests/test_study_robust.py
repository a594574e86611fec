"""Run folders under stress: concurrent ``journey run`` of one study, stale staging folders, and
damaged run folders met by ``run``, ``report``, ``inspect`` and ``sweep``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from html.parser import HTMLParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

from journey.cli import app
from journey.study import cache, staging
from journey.study.runner import run_study

NB = Path(__file__).parent / "notebooks"
TOY = str(NB / "toy.ipynb")
cli = CliRunner()


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.open: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.links.append(dict(attrs)["href"])
        if tag in ("table", "tr", "td", "th"):
            self.open.append(tag)

    def handle_endtag(self, tag):
        if tag in ("table", "tr", "td", "th"):
            assert self.open and self.open.pop() == tag, f"unbalanced </{tag}>"


def _index_links(reports: Path) -> list[str]:
    parser = _Links()
    text = (reports / "index.html").read_text(encoding="utf-8")
    assert text.rstrip().endswith("</html>")
    parser.feed(text)
    assert not parser.open
    return parser.links


def test_concurrent_runs_of_one_study(tmp_path):
    """Two runs with the same parameters and one with others, at the same time, as three
    ``journey`` processes: all succeed, every run folder is whole, the index lists both runs."""
    cmd = [sys.executable, "-c", "from journey.cli import main; main()", "run", TOY,
           "--reports", str(tmp_path)]
    procs = [subprocess.Popen([*cmd, "-p", f"n_customers={n}"], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for n in (31, 31, 32)]
    results = [p.communicate(timeout=300) for p in procs]
    for p, (_out, err) in zip(procs, results, strict=True):
        assert p.returncode == 0, err
        assert err == ""
    runs = {d.name: cache.read_run(d) for d in (tmp_path / "toy").iterdir()
            if d.is_dir() and not d.name.startswith(".")}
    assert len(runs) == 2 and all(runs.values())
    assert sorted(m["parameters"]["n_customers"] for m, _ in runs.values()) == [31, 32]
    for name in runs:
        files = {p.name for p in (tmp_path / "toy" / name).rglob("*") if p.is_file()}
        assert files == {"toy.ipynb", "toy.html", "metrics.json", "manifest.json",
                         "lifetimes.png"}
    assert not list((tmp_path / "toy" / staging.STAGING_DIR).iterdir())
    links = _index_links(tmp_path)
    assert all(any(name in link for link in links) for name in runs)
    assert all((tmp_path / link).is_file() for link in links)


def test_promote_the_same_run_from_two_threads(tmp_path):
    """The swap into place is under the study's lock: racing promotions of one run id all
    succeed and leave one whole folder (without the lock, one fails on a non-empty target)."""
    study = tmp_path / "s"
    errors = []

    def promote(i: int) -> None:
        try:
            for _ in range(30):
                stage = staging.new_staging(study, "abc")
                (stage / "who").write_text(str(i))
                staging.promote(stage, study / "abc", study)
        except Exception as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=promote, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert [p.name for p in (study / "abc").iterdir()] == ["who"]
    assert not list((study / staging.STAGING_DIR).iterdir())


def test_clean_stale_removes_only_what_dead_owners_left(tmp_path):
    study = tmp_path / "s"
    mine = staging.new_staging(study, "aaa")
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    pid = int(dead.stdout)
    orphan = study / staging.STAGING_DIR / f"bbb.{pid}.x1y2z3"
    old = study / staging.STAGING_DIR / f"ccc.old.{pid}.0a0b0c0d"
    for d in (orphan, old):
        (d / "figures").mkdir(parents=True)
    reused = study / staging.STAGING_DIR / f"ddd.{os.getpid()}.q"  # our pid, another start time
    reused.mkdir()
    (reused / staging.OWNER_FILE).write_text(json.dumps({"pid": os.getpid(), "started": 1.0}))
    removed = staging.clean_stale(study)
    assert sorted(removed) == sorted([orphan, old, reused])
    assert mine.is_dir() and [p.name for p in mine.iterdir()] == [staging.OWNER_FILE]


DAMAGES = {
    "metrics null": ("metrics.json", "null", "metrics.json holds null"),
    "metrics not JSON": ("metrics.json", "{\"a\": 1", "metrics.json is not valid JSON"),
    "manifest not JSON": ("manifest.json", "{oops", "manifest.json is not valid JSON"),
    "manifest a list": ("manifest.json", "[1, 2]", "manifest.json holds list"),
    "manifest without parameters": ("manifest.json", None, "field 'parameters'"),
}


@pytest.fixture(scope="module")
def good_run(tmp_path_factory):
    reports = tmp_path_factory.mktemp("good")
    result = run_study(TOY, ["n_customers=40"], reports=reports)
    return result.path


def _damage(good_run: Path, tmp_path: Path, kind: str) -> tuple[Path, Path, str]:
    reports = tmp_path / "reports"
    run = reports / "toy" / good_run.name
    run.mkdir(parents=True)
    for p in good_run.iterdir():
        if p.is_file():
            (run / p.name).write_bytes(p.read_bytes())
    name, text, why = DAMAGES[kind]
    if text is None:
        m = json.loads((run / name).read_text())
        del m["parameters"]
        text = json.dumps(m)
    (run / name).write_text(text)
    return reports, run, why


def _one_warning(stderr: str, run: Path, why: str) -> None:
    warnings = [line for line in stderr.splitlines() if line.startswith("journey: warning:")]
    assert len(warnings) == 1, stderr
    assert str(run) in warnings[0] and why in warnings[0] and "treated as absent" in warnings[0]
    assert "Traceback" not in stderr


@pytest.mark.parametrize("kind", sorted(DAMAGES))
def test_report_and_inspect_skip_a_damaged_run(good_run, tmp_path, kind):
    reports, run, why = _damage(good_run, tmp_path, kind)
    res = cli.invoke(app, ["report", "--reports", str(reports)])
    assert res.exit_code == 0, res.output
    _one_warning(res.stderr, run, why)
    assert run.name not in (reports / "index.html").read_text()
    res = cli.invoke(app, ["inspect", TOY, "--reports", str(reports)])
    assert res.exit_code == 0 and "no runs in" in res.stdout
    _one_warning(res.stderr, run, why)
    res = cli.invoke(app, ["inspect", TOY, "--run", run.name, "--reports", str(reports)])
    assert res.exit_code == 2
    (line,) = res.stderr.strip().splitlines()
    assert line.startswith(f"journey: error: {run}: damaged run folder") and why in line


@pytest.mark.parametrize("kind", ["metrics null", "manifest not JSON"])
def test_run_and_sweep_replace_a_damaged_run(good_run, tmp_path, kind):
    reports, run, why = _damage(good_run, tmp_path, kind)
    res = cli.invoke(app, ["run", TOY, "-p", "n_customers=40", "--reports", str(reports)])
    assert res.exit_code == 0, res.stderr
    _one_warning(res.stderr, run, why)
    assert f"run {run.name} done" in res.stdout  # not reused: rerun, in the same folder
    assert cache.read_run(run)[1] == json.loads((good_run / "metrics.json").read_text())

    (run / "metrics.json").write_text("null")
    grid = tmp_path / "grid.yaml"
    grid.write_text("n_customers: [40]\n")
    res = cli.invoke(app, ["sweep", TOY, "--grid", str(grid), "--reports", str(reports)])
    assert res.exit_code == 0, res.stderr
    _one_warning(res.stderr, run, "metrics.json holds null")
    assert "1 parameter sets (1 ok)" in res.stdout
    assert cache.read_run(run) is not None
    res = cli.invoke(app, ["run", TOY, "-p", "n_customers=40", "--reports", str(reports)])
    assert "up to date, skipped" in res.stdout and res.stderr == ""
