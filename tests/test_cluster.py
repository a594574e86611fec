"""Running on a dask cluster (``--scheduler``): a real ``dask scheduler`` and two ``dask worker``
processes on 127.0.0.1, a chunked simulation, a calibration and a sweep through them, one worker
killed (SIGKILL, with its kernel) in the middle of the sweep; every result must equal the local
path's. The tests that need no cluster (addresses, idempotent writes, first-writer-wins) come
first and run without dask.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from importlib.util import find_spec
from pathlib import Path

import pytest
from typer.testing import CliRunner

import journey
from journey.cli import app
from journey.errors import JourneyIOError, ParameterError
from journey.scenario import load_preset
from journey.simulate import simulate
from journey.study import runner
from journey.tables_io import TABLES, CohortWriter, read_journeys, write_part

TOY = str(Path(__file__).parent / "notebooks" / "toy.ipynb")
SRC = str(Path(journey.__file__).resolve().parents[1])
needs_dask = pytest.mark.skipif(find_spec("distributed") is None,
                                reason="dask.distributed is not installed ("
                                       "pip install 'journey[dask]'; part of dev)")
cli = CliRunner()


# --------------------------------------------------------------------------- without a cluster


def test_importing_journey_does_not_import_dask():
    code = ("import journey, journey.cli, journey.cluster, journey.study.sweep, journey.simulate,"
            " journey.calibrate, sys; "
            "assert 'dask' not in sys.modules and 'distributed' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True, env={**os.environ, "PYTHONPATH": SRC})


@pytest.mark.parametrize("address", ["localhost:8786", "tcp://", "tcp://host", "tcp://h:0",
                                     "tcp://h:70000", "http://h:8786", "tcp://h:87 86"])
def test_a_malformed_scheduler_address_is_refused(address):
    from journey.cluster import check_address

    with pytest.raises(ParameterError, match="--scheduler: expected tcp://HOST:PORT"):
        check_address(address)


@pytest.mark.parametrize("address", ["tcp://127.0.0.1:8786", "tcp://node-7.cluster:1",
                                     "tcp://[::1]:8786"])
def test_a_good_scheduler_address_is_taken(address):
    from journey.cluster import check_address

    assert check_address(address) == address


def test_without_dask_the_error_says_what_to_install(monkeypatch):
    from journey.cluster import connect

    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed -> ImportError
    with pytest.raises(ParameterError, match=r"pip install 'journey\[dask\]'"):
        connect("tcp://127.0.0.1:8786")


def test_a_part_written_twice_is_whole_and_the_same(tmp_path):
    j = simulate(load_preset("telecom"), 1500, 6, seed=2)
    stage = tmp_path / "stage"
    for name in TABLES:
        (stage / name).mkdir(parents=True)
    write_part(j, stage, 3, "parquet")
    first = {p: p.read_bytes() for p in stage.rglob("*") if p.is_file()}
    write_part(j, stage, 3, "parquet")  # a retried task, or a duplicate of a lost worker's
    again = {p: p.read_bytes() for p in stage.rglob("*") if p.is_file()}
    assert first == again
    assert sorted(p.name for p in again) == ["part-00003.parquet"] * 3


def test_adopting_parts_removes_strays_and_needs_every_part(tmp_path):
    j = simulate(load_preset("telecom"), 800, 6, seed=2)
    out = tmp_path / "cohort"
    with CohortWriter(out) as w:  # parts written "elsewhere", plus a lost writer's leftover
        write_part(j, w.stage, 0, "parquet")
        write_part(j.only(j.customers["customer_id"].to_numpy()[:0]), w.stage, 1, "parquet")
        (w.stage / "panel" / ".part-00001.parquet.dead.tmp").write_bytes(b"half")
        w.adopt(2)
    assert sorted(p.name for p in (out / "panel").iterdir()) == [
        "part-00000.parquet", "part-00001.parquet"]
    with pytest.raises(JourneyIOError, match="part 1 was not written"):
        with CohortWriter(tmp_path / "missing") as w:
            write_part(j, w.stage, 0, "parquet")
            w.adopt(2)
    assert not (tmp_path / "missing").exists()


@pytest.fixture(scope="module")
def toy_run(tmp_path_factory):
    reports = tmp_path_factory.mktemp("reports")
    return runner.run_study(TOY, ["seed=4"], reports=reports)


def _files(d: Path) -> dict[str, bytes]:
    return {str(p.relative_to(d)): p.read_bytes() for p in sorted(d.rglob("*")) if p.is_file()}


def test_a_duplicate_run_finishing_second_is_discarded(toy_run):
    """Two workers ran the same plan (a lost worker's task recomputed while the first still
    ran): the first run stays, byte for byte; the second's staging folder goes."""
    plan = runner.plan_run(TOY, ["seed=4"], reports=toy_run.path.parents[1])
    before = _files(plan.run_dir)
    dup = plan.study_dir / runner.STAGING_DIR / f"{plan.key.run_id}.dup"
    shutil.copytree(plan.run_dir, dup)
    (dup / "manifest.json").write_text("{}")  # whatever it holds, it must not land
    assert runner._promote_first(dup, plan) is False
    assert not dup.exists() and _files(plan.run_dir) == before


def test_a_broken_run_under_the_same_id_is_replaced(toy_run, tmp_path):
    plan = runner.plan_run(TOY, ["seed=4"], reports=toy_run.path.parents[1])
    good = _files(plan.run_dir)
    staged = plan.study_dir / runner.STAGING_DIR / f"{plan.key.run_id}.new"
    shutil.copytree(plan.run_dir, staged)
    (plan.run_dir / "manifest.json").write_text("not json")  # an interrupted copy, say
    assert runner._promote_first(staged, plan) is True
    assert _files(plan.run_dir) == good and not staged.exists()


# --------------------------------------------------------------------------- the cluster


class Cluster:
    """``dask scheduler`` and two ``dask worker --no-nanny`` processes, each in its own process
    group (killing a group takes the worker's notebook kernels with it: a lost machine)."""

    def __init__(self, root: Path):
        self.root = root
        self.env = {**os.environ, "PYTHONPATH": os.pathsep.join(
            [SRC, *filter(None, [os.environ.get("PYTHONPATH")])])}
        self.procs: dict[str, subprocess.Popen] = {}
        self.address = ""

    def _start(self, name: str, *args: str) -> None:
        log = open(self.root / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
        self.procs[name] = subprocess.Popen(
            [sys.executable, "-m", "dask", *args], cwd=self.root, env=self.env, stdout=log,
            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)

    def start(self) -> None:
        file = self.root / "scheduler.json"
        self._start("scheduler", "scheduler", "--host", "127.0.0.1", "--port", "0",
                    "--no-dashboard", "--scheduler-file", str(file))
        self._wait(lambda: file.is_file() and file.stat().st_size > 0, "the scheduler file")
        self.address = json.loads(file.read_text())["address"]
        for name in ("w1", "w2"):
            self._start(name, "worker", self.address, "--name", name, "--nthreads", "1",
                        "--nworkers", "1", "--no-nanny", "--no-dashboard")

    def _wait(self, ready, what: str, seconds: float = 60) -> None:
        end = time.monotonic() + seconds
        while not ready():
            for name, p in self.procs.items():
                if p.poll() is not None and name not in getattr(self, "killed", ()):
                    raise RuntimeError(f"{name} exited; see {self.root / name}.log")
            if time.monotonic() > end:
                raise TimeoutError(f"waited {seconds} s for {what}")
            time.sleep(0.05)

    def kill(self, name: str) -> None:
        self.killed = (*getattr(self, "killed", ()), name)
        os.killpg(self.procs[name].pid, signal.SIGKILL)
        self.procs[name].wait(timeout=10)

    def stop(self) -> None:
        for p in self.procs.values():
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            p.wait(timeout=10)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    from distributed import Client

    c = Cluster(tmp_path_factory.mktemp("cluster"))
    try:
        c.start()
        with Client(c.address, set_as_default=False, timeout=30) as client:
            client.wait_for_workers(2, timeout=60)
            c.client = client
            yield c
    finally:
        c.stop()


def _simulate(out: Path, *extra: str) -> str:
    res = cli.invoke(app, ["simulate", "--preset", "telecom", "--customers", "23500",
                           "--months", "18", "--seed", "11", "--out", str(out), *extra])
    assert res.exit_code == 0, res.output
    return res.stdout


@needs_dask
@pytest.mark.cluster
def test_a_simulation_on_the_cluster_equals_the_local_ones(cluster, tmp_path):
    text = _simulate(tmp_path / "cluster", "--chunk-size", "7000",
                     "--scheduler", cluster.address)
    local = _simulate(tmp_path / "local7k", "--chunk-size", "7000")
    _simulate(tmp_path / "local16k", "--chunk-size", "16000")
    # the same files, byte for byte, as the local path with the same chunks
    assert _files(tmp_path / "cluster") == _files(tmp_path / "local7k")
    assert len(list((tmp_path / "cluster" / "panel").iterdir())) == 4
    assert text.replace("cluster", "local7k") == local  # the same summary (same-length names)
    # and the same tables whatever the chunk size
    a, b = read_journeys(tmp_path / "cluster"), read_journeys(tmp_path / "local16k")
    for name in TABLES:  # DataFrame.equals: same values (NaN where NaN), dtypes and labels
        x, y = getattr(a, name), getattr(b, name)
        assert len(x) > 0 and x.equals(y), name
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".journey-")]


@needs_dask
@pytest.mark.cluster
def test_a_calibration_on_the_cluster_equals_the_local_one(cluster):
    from journey.calibrate import calibrate
    from journey.cluster import ClusterSimulator

    data = simulate(load_preset("telecom").replace(service_quality=6.5),
                                     3000, 24, seed=5)
    args = (data, load_preset("telecom"), ["service_quality"])
    kw = {"n_customers": 4000, "seed": 1, "max_evals": 10, "n_boot": 50}
    here = calibrate(*args, **kw)
    there = calibrate(*args, **kw, simulator=ClusterSimulator(cluster.client))
    assert there.report() == here.report() and there.scenario == here.scenario
    assert there.evaluations == here.evaluations > 10  # the search, the optimum and G


@needs_dask
@pytest.mark.cluster
def test_a_worker_that_cannot_see_the_output_says_so(cluster, tmp_path):
    from journey.cluster import write_cohort_parts

    with pytest.raises(JourneyIOError, match="--out: worker .* cannot see .*not-shared; it must"
                                             " be on storage shared by the client"):
        write_cohort_parts(cluster.client, load_preset("telecom"), 2000, 6, 1, 1000,
                           tmp_path / "not-shared", "parquet")


@needs_dask
@pytest.mark.cluster
def test_a_worker_with_other_journey_code_is_refused(cluster, monkeypatch):
    from journey import cluster as jc

    monkeypatch.setattr(jc, "_fingerprint", lambda: "0.0.1+src.elsewhere")  # the client's
    with pytest.raises(ParameterError, match=r"worker .* runs journey .*, the client"
                                             r" 0\.0\.1\+src\.elsewhere; install the same"):
        list(jc.run_tasks(cluster.client, jc._host, [()], "check"))


def _run_dirs(study_dir: Path) -> list[str]:
    return sorted(p.name for p in study_dir.iterdir()
                  if p.is_dir() and p.name not in (".staging", "sweeps", "failed"))


@needs_dask
@pytest.mark.cluster
def test_a_sweep_survives_a_lost_worker_and_equals_the_local_sweep(cluster, tmp_path):
    from journey.study.sweep import run_sweep

    grid = {"seed": [1, 2, 3, 4, 5, 6]}
    extra = ["n_customers=5000"]
    outcome: dict = {}

    def sweep() -> None:
        try:
            outcome["result"] = run_sweep(TOY, grid, assignments=extra,
                                          reports=tmp_path / "dask", scheduler=cluster.address)
        except BaseException as exc:  # noqa: BLE001 - raised in the test below
            outcome["error"] = exc

    thread = threading.Thread(target=sweep)
    thread.start()
    study = tmp_path / "dask" / "toy"
    w1 = next(a for a, w in cluster.client.scheduler_info()["workers"].items()
              if w["name"] == "w1")

    def midway() -> bool:  # a run finished, and w1 holds a run in progress
        return (study.is_dir() and len(_run_dirs(study)) >= 1
                and bool(cluster.client.processing(workers=[w1]).get(w1)))

    cluster._wait(midway, "w1 to be in the middle of the sweep", seconds=120)
    lost = list(cluster.client.processing(workers=[w1])[w1])
    cluster.kill("w1")
    thread.join(timeout=180)
    assert not thread.is_alive(), "the sweep did not finish after the worker was lost"
    if "error" in outcome:
        raise outcome["error"]
    result = outcome["result"]
    assert lost and w1 not in cluster.client.scheduler_info()["workers"]

    local = run_sweep(TOY, grid, jobs=2, assignments=extra, reports=tmp_path / "local")
    # every run completed exactly once: one folder per run, nothing failed, nothing half-done
    ids = sorted(r.run_id for r in result.rows)
    assert [r.status for r in result.rows] == ["ok"] * 6
    assert _run_dirs(study) == ids == sorted(set(ids))
    assert not (study / "failed").exists()
    staging = [p.name for p in (study / ".staging").iterdir()]
    assert all(name.split(".")[0] in ids for name in staging)  # only the lost worker's
    for run_id in ids:
        m = json.loads((study / run_id / "manifest.json").read_text())
        assert m["status"] == "ok" and m["run_id"] == run_id
    # and the results equal the local path's
    assert result.csv_path.read_bytes() == local.csv_path.read_bytes()
    assert result.plot_path.read_bytes() == local.plot_path.read_bytes()
    for run_id in ids:
        for f in ("metrics.json", "figures/lifetimes.png"):
            assert (study / run_id / f).read_bytes() == \
                (tmp_path / "local" / "toy" / run_id / f).read_bytes()
    # a rerun finds them all in the cache
    again = run_sweep(TOY, grid, assignments=extra, reports=tmp_path / "dask",
                      scheduler=cluster.address)
    assert [r.status for r in again.rows] == ["cached"] * 6
