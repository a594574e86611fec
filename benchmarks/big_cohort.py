"""Benchmark a big cohort: simulate to partitioned Parquet and compute the metrics part by part,
with wall time and peak memory, beside the in-memory path as the baseline.

    python benchmarks/big_cohort.py [--customers 10000000] [--small 1000000] [--months 36]
                                    [--chunk-size 16000] [--dir /tmp] [--keep]
    python benchmarks/run_all.py big_cohort      # the same (not part of a plain run_all: long)

Each run is its own process, so its peak RSS (``ru_maxrss`` from ``os.wait4``) is its own:

1. ``journey simulate --preset telecom --chunk-size 16000`` of ``--small`` and of
   ``--customers`` prospects x ``--months`` months to partitioned Parquet;
2. ``simulate()`` of ``--small`` prospects in memory (the baseline);
3. ``journey metrics --json`` on both partitioned cohorts (part by part);
4. ``summarize(read_journeys(...))`` of the ``--small`` cohort in memory (the baseline), and the
   largest relative difference between its values and the part-by-part ones.

Goals (issue 11): peak RSS of the chunked runs <= 2 GB whatever the cohort size, so the RSS ratio
big/small is ~1 while the wall-time ratio is ~the size ratio (linear). The cohort is written to
a temporary folder under ``--dir`` (about 1.3 GB per million prospects at 36 months) and removed
at the end unless ``--keep``.

Measured once (telecom, 36 months, chunk 16,000, seed 1; 2 cores shared with other sessions,
load average 9.6 to 16 during the run, so wall times are upper bounds)::

    run                                             prospects    wall s  peak RSS MB
    journey simulate (partitioned)                  1,000,000     106.5          418
    journey simulate (partitioned)                 10,000,000     874.8          434
    simulate() in memory (baseline)                 1,000,000      45.0         7018
    journey metrics (part by part)                  1,000,000      28.7          527
    journey metrics (part by part)                 10,000,000     437.6          548
    summarize(read_journeys()) in memory (baseline) 1,000,000      95.0         7467

    simulate 10M / 1M: wall 8.22x, peak RSS 1.04x; partitioned / in memory at 1M: RSS 0.06x
    metrics 10M / 1M: wall 15.23x, peak RSS 1.04x; part by part / in memory at 1M: RSS 0.07x,
    wall 0.30x, largest relative difference of the values 9.3e-15
    on disk 1.38 GB (1M), 13.78 GB (10M, 625 parts); peak RSS of the chunked runs 548 MB
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CLI = [sys.executable, "-c", "from journey.cli import main; main()"]
GOAL_MB = 2048

IN_MEMORY_SIMULATE = """
import sys
from journey.scenario import load_preset
from journey.simulate import simulate
j = simulate(load_preset("telecom"), int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]))
print(len(j.panel))
"""

IN_MEMORY_METRICS = """
import json, math, sys
from journey.metrics import summarize
from journey.tables_io import read_journeys
rep = summarize(read_journeys(sys.argv[1]))
print(json.dumps({k: (None if math.isnan(v) else v if math.isfinite(v) else str(v))
                  for k, v in rep.values.items()}))
"""


def measure(argv: list[str], log: Path) -> dict:
    """Run ``argv`` to the end; its wall time, peak RSS (MB) and standard output."""
    t0 = time.perf_counter()
    with open(log, "w") as out, open(log.with_suffix(".err"), "w") as err:
        proc = subprocess.Popen(argv, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise SystemExit(f"{' '.join(argv[3:])} failed ({proc.returncode}):\n"
                         f"{log.with_suffix('.err').read_text()[-2000:]}")
    return {"seconds": seconds, "rss_mb": usage.ru_maxrss / 1024, "stdout": log.read_text()}


def size_gb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e9


def simulate_cli(n: int, a: argparse.Namespace, out: Path, log: Path) -> dict:
    return measure([*CLI, "simulate", "--preset", "telecom", "--customers", str(n), "--months",
                    str(a.months), "--seed", str(a.seed), "--chunk-size", str(a.chunk_size),
                    "--out", str(out)], log)


def metrics_cli(folder: Path, log: Path) -> dict:
    r = measure([*CLI, "metrics", str(folder), "--json"], log)
    r["json"] = json.loads(r["stdout"])
    return r


def worst_difference(a: dict, b: dict) -> float:
    """Largest relative difference between two metric dicts over their common keys."""
    worst = 0.0
    for k in a.keys() & b.keys():
        x, y = a[k], b[k]
        if isinstance(x, float) and isinstance(y, float) and math.isfinite(x) and x != y:
            worst = max(worst, abs(x - y) / max(abs(y), 1e-300))
        elif x != y:
            worst = math.inf
    return worst


def row(name: str, n: int, r: dict) -> str:
    return f"{name:<48}{n:>12,}{r['seconds']:>10.1f}{r['rss_mb']:>12.0f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--customers", type=int, default=10_000_000)
    ap.add_argument("--small", type=int, default=1_000_000)
    ap.add_argument("--months", type=int, default=36)
    ap.add_argument("--chunk-size", type=int, default=16_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--dir", default=tempfile.gettempdir())
    ap.add_argument("--keep", action="store_true", help="keep the partitioned cohorts")
    a = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="journey-big-", dir=a.dir))
    big, small = work / "big", work / "small"
    print(f"telecom, {a.months} months, chunk {a.chunk_size:,}; {os.cpu_count()} cores, load"
          f" average {os.getloadavg()[0]:.1f} at the start; cohorts in {work}", flush=True)
    try:
        r = {"sim_small": simulate_cli(a.small, a, small, work / "sim_small.log")}
        print(row("journey simulate (partitioned)", a.small, r["sim_small"]), flush=True)
        r["sim_big"] = simulate_cli(a.customers, a, big, work / "sim_big.log")
        print(row("journey simulate (partitioned)", a.customers, r["sim_big"]), flush=True)
        r["sim_mem"] = measure([sys.executable, "-c", IN_MEMORY_SIMULATE, str(a.small),
                                str(a.months), str(a.seed)], work / "sim_mem.log")
        print(row("simulate() in memory (baseline)", a.small, r["sim_mem"]), flush=True)
        r["met_small"] = metrics_cli(small, work / "met_small.log")
        print(row("journey metrics (part by part)", a.small, r["met_small"]), flush=True)
        r["met_big"] = metrics_cli(big, work / "met_big.log")
        print(row("journey metrics (part by part)", a.customers, r["met_big"]), flush=True)
        r["met_mem"] = measure([sys.executable, "-c", IN_MEMORY_METRICS, str(small)],
                               work / "met_mem.log")
        print(row("summarize(read_journeys()) in memory (baseline)", a.small, r["met_mem"]),
              flush=True)
        report(a, r, size_gb(small), size_gb(big))
    finally:
        if not a.keep:
            shutil.rmtree(work, ignore_errors=True)


def report(a: argparse.Namespace, r: dict, gb_small: float, gb_big: float) -> None:
    x = a.customers / a.small
    print(f"\n{'run':<48}{'prospects':>12}{'wall s':>10}{'peak RSS MB':>12}")
    for key, name, n in (("sim_small", "journey simulate (partitioned)", a.small),
                         ("sim_big", "journey simulate (partitioned)", a.customers),
                         ("sim_mem", "simulate() in memory (baseline)", a.small),
                         ("met_small", "journey metrics (part by part)", a.small),
                         ("met_big", "journey metrics (part by part)", a.customers),
                         ("met_mem", "summarize(read_journeys()) in memory (baseline)", a.small)):
        print(row(name, n, r[key]))
    parts = r["met_big"]["json"]["parts"]
    print(f"\non disk: {gb_small:.2f} GB ({a.small:,}), {gb_big:.2f} GB ({a.customers:,},"
          f" {parts:,} parts)")
    sim_rss = r["sim_big"]["rss_mb"] / r["sim_small"]["rss_mb"]
    met_rss = r["met_big"]["rss_mb"] / r["met_small"]["rss_mb"]
    print(f"simulate, {a.customers:,} / {a.small:,} ({x:.0f}x the prospects): wall"
          f" {r['sim_big']['seconds'] / r['sim_small']['seconds']:.2f}x, peak RSS {sim_rss:.2f}x"
          " (goal ~1)")
    print(f"simulate at {a.small:,}, partitioned / in memory: peak RSS"
          f" {r['sim_small']['rss_mb'] / r['sim_mem']['rss_mb']:.2f}x, wall"
          f" {r['sim_small']['seconds'] / r['sim_mem']['seconds']:.2f}x")
    print(f"metrics, {a.customers:,} / {a.small:,}: wall"
          f" {r['met_big']['seconds'] / r['met_small']['seconds']:.2f}x, peak RSS {met_rss:.2f}x"
          " (goal ~1)")
    diff = worst_difference(r["met_small"]["json"]["metrics"], json.loads(r["met_mem"]["stdout"]))
    print(f"metrics at {a.small:,}, part by part / in memory: peak RSS"
          f" {r['met_small']['rss_mb'] / r['met_mem']['rss_mb']:.2f}x, wall"
          f" {r['met_small']['seconds'] / r['met_mem']['seconds']:.2f}x; largest relative"
          f" difference of the values: {diff:.1e}")
    peak = max(r[k]["rss_mb"] for k in ("sim_small", "sim_big", "met_small", "met_big"))
    print(f"peak RSS of the chunked runs {peak:.0f} MB (goal <= {GOAL_MB} MB:"
          f" {'met' if peak <= GOAL_MB else 'NOT met'})")


if __name__ == "__main__":
    main()
