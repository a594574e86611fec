"""Sweep throughput on a dask cluster: 1 worker against 2, with local processes beside them.

    python benchmarks/bench_cluster.py [--study courtship-and-marriage] [--runs 16]
                                       [-p n_customers=2000 -p replications=2]

The same sweep (``--runs`` seeds of the study, each run a few seconds) is run four times, each
into a fresh reports folder (nothing cached), as ``journey sweep`` commands timed wall clock
including process start: ``-j 1`` and ``-j 2`` local processes (the baseline) and
``--scheduler`` on a ``distributed.LocalCluster`` of 1 and of 2 worker processes (one thread
each, started before the timing). Goal (issue 11): 2 workers give >= 1.7x the throughput of 1.
The four summary.csv files must be identical (checked). The machine's load average is printed
before and after: with other work on the cores, no sweep can reach 2x.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def load() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg()) + f" on {os.cpu_count()} cores"


BUSY: dict[float, float] = {}  # wall time of a sweep -> cores busy on average during it


def busy_jiffies() -> int | None:
    """Busy CPU time of the whole machine so far (Linux /proc/stat, in clock ticks)."""
    try:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    except (OSError, ValueError):
        return None
    return sum(fields) - fields[3] - fields[4]  # all but idle and iowait


def sweep(args: list[str], study: str, grid: Path, reports: Path, params: list[str]) -> float:
    cmd = [sys.executable, "-c", "from journey.cli import main; main()", "sweep", study,
           "--grid", str(grid), "--reports", str(reports), *params, *args]
    j0, t0 = busy_jiffies(), time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    wall = time.perf_counter() - t0
    j1 = busy_jiffies()
    if j0 is not None and j1 is not None:
        BUSY[wall] = (j1 - j0) / os.sysconf("SC_CLK_TCK") / wall
    if proc.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{proc.stderr[-2000:]}")
    return wall


def on_cluster(workers: int, *run_args) -> float:
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                      dashboard_address=":0") as lc, Client(lc) as client:
        client.wait_for_workers(workers)
        return sweep(["--scheduler", lc.scheduler_address], *run_args)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--study", default="courtship-and-marriage")
    ap.add_argument("--runs", type=int, default=16)
    ap.add_argument("-p", "--param", action="append",
                    default=None, help="study parameter name=value (default: n_customers=2000,"
                                       " replications=2)")
    args = ap.parse_args()
    try:
        import distributed  # noqa: F401
    except ImportError:
        print("skipped: dask.distributed is not installed (pip install 'journey[dask]')")
        return
    from journey.study.kernel import ensure_kernel

    ensure_kernel()
    os.environ["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT / "src"), *filter(None, [os.environ.get("PYTHONPATH")])])
    params = [x for p in (args.param or ["n_customers=2000", "replications=2"])
              for x in ("-p", p)]
    print(f"load average before: {load()}", flush=True)
    walls: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="bench-cluster-") as tmp:
        tmp = Path(tmp)
        grid = tmp / "grid.yaml"
        grid.write_text(f"seed: {list(range(1, args.runs + 1))}\n")

        def local(jobs: int):
            return lambda reports: sweep(["-j", str(jobs)], args.study, grid, reports, params)

        def dask(workers: int):
            return lambda reports: on_cluster(workers, args.study, grid, reports, params)

        for label, run in (("local -j 1", local(1)), ("dask, 1 worker", dask(1)),
                           ("local -j 2", local(2)), ("dask, 2 workers", dask(2))):
            walls[label] = run(tmp / f"reports-{len(walls)}")
            print(f"  {label:16s} {walls[label]:7.1f} s", flush=True)
        busy = {label: BUSY.get(wall, float("nan")) for label, wall in walls.items()}
        summaries = {label: next((tmp / f"reports-{i}").glob("*/sweeps/*/summary.csv"))
                     .read_text() for i, label in enumerate(walls)}
    same = "identical" if len(set(summaries.values())) == 1 else "DIFFER"
    dask_ratio = walls["dask, 1 worker"] / walls["dask, 2 workers"]
    local_ratio = walls["local -j 1"] / walls["local -j 2"]
    print(f"\nsweep of {args.runs} runs of {args.study} ({' '.join(params[1::2])}); wall clock"
          " of journey sweep incl. process start")
    print(f"  {'':16s} {'wall s':>8s} {'runs/min':>9s} {'throughput vs local -j 1':>25s}"
          f" {'cores busy':>11s}")
    for label, wall in walls.items():
        print(f"  {label:16s} {wall:8.1f} {60 * args.runs / wall:9.2f} "
              f"{walls['local -j 1'] / wall:24.2f}x {busy[label]:11.2f}")
    print(f"  dask 2 workers / 1 worker: {dask_ratio:.2f}x throughput, goal >= 1.7x  "
          f"{'OK' if dask_ratio >= 1.7 else 'MISSED'}")
    print(f"  local -j 2 / -j 1:         {local_ratio:.2f}x throughput (the baseline's scaling)")
    print(f"  dask 2 workers / local -j 2: {walls['local -j 2'] / walls['dask, 2 workers']:.2f}x")
    print(f"  summary.csv of the four sweeps: {same}")
    one, two = (busy[k] * walls[k] for k in ("dask, 1 worker", "dask, 2 workers"))
    print(f"  CPU time of the machine: {one:.0f} core-s with 1 worker, {two:.0f} core-s with 2"
          f" ({two / one - 1:+.0%}); with 2 workers the cores are {busy['dask, 2 workers']:.2f}"
          f" of {os.cpu_count()} busy, so the ratio is bounded by the cores and by how much two"
          " runs side by side slow each other down (shared caches, the host's CPU threads)")
    if same != "identical":
        first = summaries["local -j 1"].splitlines()
        for label, text in summaries.items():
            diff = [f"    {a}\n != {b}" for a, b in zip(first, text.splitlines(), strict=False)
                    if a != b]
            print(f"  {label}: {len(diff)} rows differ from local -j 1", *diff[:3], sep="\n")
    print(f"load average after: {load()}")


if __name__ == "__main__":
    main()
