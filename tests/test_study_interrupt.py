"""Interrupted and killed ``journey sweep`` / ``journey run``: real processes, real signals.

Each command runs in a session of its own with a tag in its environment (inherited by its
workers and by the kernels, which jupyter_client starts in sessions of their own); after the
signal, no process carrying the tag or in the command's session may be left. A rerun then
resumes: the finished runs are reused and the sweep's ``summary.csv`` and every run's
``metrics.json`` are the bytes an uninterrupted sweep writes.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psutil
import pytest

from journey.study import staging

NB = Path(__file__).parent / "notebooks"
SLOW = str(NB / "slow.ipynb")
GRID = "seed: [1, 2, 3, 4]\npause: [1.0]\n"
GONE_WITHIN_S = 5.0


def _journey(args: list[str], tag: str, **kw) -> subprocess.Popen:
    env = {**os.environ, "JOURNEY_TEST_TAG": tag}
    return subprocess.Popen([sys.executable, "-c", "from journey.cli import main; main()", *args],
                            env=env, start_new_session=True, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL, **kw)


def _processes(tag: str, sid: int) -> list[psutil.Process]:
    """Living (non-zombie) processes carrying ``tag`` in their environment or in session ``sid``."""
    out = []
    for p in psutil.process_iter():
        try:
            if p.status() == psutil.STATUS_ZOMBIE:
                continue
            if os.getsid(p.pid) == sid or p.environ().get("JOURNEY_TEST_TAG") == tag:
                out.append(p)
        except (psutil.Error, OSError):
            continue
    return out


def _wait_gone(tag: str, sid: int) -> list[psutil.Process]:
    deadline = time.monotonic() + GONE_WITHIN_S
    while (left := _processes(tag, sid)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return left


def _runs(study_dir: Path) -> list[Path]:
    return sorted(d for d in study_dir.glob("*") if (d / "manifest.json").exists())


def _sweep(reports: Path, grid: Path, tag: str) -> subprocess.Popen:
    return _journey(["sweep", SLOW, "--grid", str(grid), "-j", "2", "--reports", str(reports)],
                    tag)


def _outcome(reports: Path) -> dict[str, bytes]:
    """The files an interruption must not change: summary.csv and each run's metrics.json."""
    study = reports / "slow"
    files = {str(p.relative_to(study)): p.read_bytes() for p in study.glob("sweeps/*/summary.csv")}
    files |= {f"{d.name}/metrics.json": (d / "metrics.json").read_bytes() for d in _runs(study)}
    return files


@pytest.fixture(scope="module")
def grid(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("grid") / "grid.yaml"
    path.write_text(GRID)
    return path


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory, grid) -> dict[str, bytes]:
    reports = tmp_path_factory.mktemp("whole")
    proc = _sweep(reports, grid, uuid.uuid4().hex)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    outcome = _outcome(reports)
    assert len(outcome) == 5  # the summary and four runs
    return outcome


def _interrupt_midway(reports: Path, grid: Path, signum: int) -> tuple[subprocess.Popen, str]:
    """Start a sweep and send ``signum`` once one run is finished and another is under way."""
    tag = uuid.uuid4().hex
    proc = _sweep(reports, grid, tag)
    deadline = time.monotonic() + 240
    study = reports / "slow"
    while time.monotonic() < deadline and proc.poll() is None:
        if _runs(study) and any((study / staging.STAGING_DIR).glob("*")):
            break
        time.sleep(0.02)
    assert proc.poll() is None, "the sweep ended before it could be interrupted"
    assert len(_runs(study)) < 4
    os.kill(proc.pid, signum)
    return proc, tag


@pytest.mark.parametrize("signum, code", [(signal.SIGTERM, 143), (signal.SIGKILL, -9)])
def test_interrupted_sweep_leaves_no_process_and_resumes(tmp_path, grid, uninterrupted, signum,
                                                         code):
    proc, tag = _interrupt_midway(tmp_path, grid, signum)
    t0 = time.monotonic()
    left = _wait_gone(tag, proc.pid)
    assert not left, f"still running {GONE_WITHIN_S} s after {signum!r}: " + "; ".join(
        " ".join(p.cmdline())[:120] for p in left)
    print(f"{signal.Signals(signum).name}: every process gone after {time.monotonic() - t0:.2f} s")
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == code
    if signum == signal.SIGTERM:
        assert err.strip().splitlines() == [
            "journey: interrupted by SIGTERM: stopped its workers and kernels; finished runs are "
            "kept and a rerun resumes"]
        assert not list((tmp_path / "slow" / staging.STAGING_DIR).iterdir())
    finished = {d.name for d in _runs(tmp_path / "slow")}
    time.sleep(1.0)  # nothing goes on writing runs after the command is gone
    assert {d.name for d in _runs(tmp_path / "slow")} == finished

    rerun = _sweep(tmp_path, grid, uuid.uuid4().hex)
    out, err = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, err
    assert f"{len(finished)} cached" in out  # the finished runs are reused
    assert _outcome(tmp_path) == uninterrupted
    assert not list((tmp_path / "slow" / staging.STAGING_DIR).iterdir())  # no .staging / .old


def test_ctrl_c_of_a_run_stops_its_kernel(tmp_path):
    """SIGINT to the whole process group, as a terminal's Ctrl-C sends it: exit 130, one line,
    no kernel left, no staging folder; a SIGKILL'd run's folder is cleaned by the next run."""
    tag = uuid.uuid4().hex
    proc = _journey(["run", SLOW, "-p", "pause=60", "--reports", str(tmp_path)], tag)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not any(
            "ipykernel" in " ".join(p.cmdline()) for p in _processes(tag, proc.pid)):
        time.sleep(0.05)
    time.sleep(1.0)
    os.killpg(proc.pid, signal.SIGINT)
    assert not _wait_gone(tag, proc.pid)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130 and err.strip().splitlines() == [
        "journey: interrupted by SIGINT: stopped its workers and kernels; finished runs are kept "
        "and a rerun resumes"]
    stage_dir = tmp_path / "slow" / staging.STAGING_DIR
    assert not list(stage_dir.iterdir())

    tag = uuid.uuid4().hex
    proc = _journey(["run", SLOW, "-p", "pause=60", "--reports", str(tmp_path)], tag)
    while not list(stage_dir.iterdir()):
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=30)
    assert not _wait_gone(tag, proc.pid)
    (left,) = stage_dir.iterdir()
    assert str(proc.pid) in left.name  # the owner is recorded in the folder's name
    done = _journey(["run", SLOW, "-p", "pause=0", "--reports", str(tmp_path)], uuid.uuid4().hex)
    out, err = done.communicate(timeout=120)
    assert done.returncode == 0, err
    assert not list(stage_dir.iterdir())
