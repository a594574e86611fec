"""Benchmark the simulator: customer-months per second and peak memory, beside a bare loop.

    python benchmarks/bench_simulate.py [--customers 1000000] [--months 36]

Each measurement runs in its own process so that peak RSS belongs to it alone. Baselines in the
same run: a bare numpy loop that updates only satisfaction and the alive flag for the same size
(the ceiling of any month-recursive simulator here), and a per-customer Python loop on a small
cohort (what a naive implementation does), scaled to a rate.
Goal (issue 7): the simulator's rate as a ratio to the bare loop measured in the same run stays
>= 0.18 (goal 0.35); peak RSS for 1,000,000 prospects <= 1 GB. The simulator writes one chunk's
tables in a second thread while it simulates the next (two cores used at most); the bare loop
runs on one.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

import numpy as np


def run_simulator(n: int, months: int, seed: int, write: str | None) -> dict:
    from journey.scenario import load_preset
    from journey.simulate import simulate_chunks
    from journey.tables_io import CohortWriter

    sc = load_preset("telecom")
    rows = events = signed = 0
    t0 = time.perf_counter()
    if write:
        with CohortWriter(write, "parquet", overwrite=True) as w:
            for part in simulate_chunks(sc, n, months, seed):
                w.write(part)
                rows += len(part.panel)
                events += len(part.events)
                signed += int(part.customers["signed"].sum())
    else:
        for part in simulate_chunks(sc, n, months, seed):
            rows += len(part.panel)  # all three tables are built as DataFrames
            events += len(part.events)
            signed += int(part.customers["signed"].sum())
    dt = time.perf_counter() - t0
    return {"seconds": dt, "panel_rows": rows, "events": events, "signed": signed}


def run_bare(n: int, months: int, seed: int) -> dict:
    """Only S and alive, vectorised over customers, chunked like the simulator."""
    rng = np.random.default_rng(seed)
    t0 = time.perf_counter()
    chunk = 50_000
    for start in range(0, n, chunk):
        m = min(chunk, n - start)
        s = np.full(m, 7.0)
        alive = np.ones(m, bool)
        for _ in range(months):
            q = rng.normal(6.0, 1.0, m)
            s = np.clip(s + 0.3 * (q - s), 0, 10)
            h = 1.0 / (1.0 + np.exp(-(-4.0 + 0.5 * (7.0 - s))))
            alive &= rng.random(m) >= h
    return {"seconds": time.perf_counter() - t0}


def run_python_loop(n: int, months: int, seed: int) -> dict:
    """A per-customer Python loop over the same S/alive update (the naive approach)."""
    import math
    import random

    random.seed(seed)
    t0 = time.perf_counter()
    for _ in range(n):
        s, alive = 7.0, True
        for _ in range(months):
            if not alive:
                break
            s = min(10.0, max(0.0, s + 0.3 * (random.gauss(6.0, 1.0) - s)))
            h = 1.0 / (1.0 + math.exp(-(-4.0 + 0.5 * (7.0 - s))))
            alive = random.random() >= h
    return {"seconds": time.perf_counter() - t0}


def child(kind: str, n: int, months: int, seed: int, write: str | None) -> None:
    fn = {"simulator": lambda: run_simulator(n, months, seed, write),
          "bare": lambda: run_bare(n, months, seed),
          "python": lambda: run_python_loop(n, months, seed)}[kind]
    out = fn()
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(out))


def measure(kind: str, n: int, months: int, seed: int, write: str | None = None) -> dict:
    cmd = [sys.executable, __file__, "--child", kind, "--customers", str(n), "--months",
           str(months), "--seed", str(seed)] + (["--write", write] if write else [])
    res = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return json.loads(res.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--customers", type=int, default=1_000_000)
    ap.add_argument("--months", type=int, default=36)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--write", default=None, help="also write Parquet to this folder")
    ap.add_argument("--child", default=None)
    a = ap.parse_args()
    if a.child:
        child(a.child, a.customers, a.months, a.seed, a.write)
        return
    n, T = a.customers, a.months
    cm = n * T
    sim = measure("simulator", n, T, a.seed)
    bare = measure("bare", n, T, a.seed)
    small = max(n // 100, 1000)
    py = measure("python", small, T, a.seed)
    rate = cm / sim["seconds"]
    bare_rate = cm / bare["seconds"]
    py_rate = small * T / py["seconds"]
    print(f"cohort: {n:,} prospects x {T} months = {cm:,} customer-months on the cohort clock;"
          f" {sim['signed']:,} signed ({sim['signed'] * T:,} signed customer-months),"
          f" {sim['panel_rows']:,} panel rows, {sim['events']:,} events")
    print(f"{'run':<34}{'seconds':>9}{'M cust-months/s':>17}{'peak RSS MB':>13}")
    print(f"{'journey simulate (3 tables)':<34}{sim['seconds']:>9.2f}{rate / 1e6:>17.2f}"
          f"{sim['peak_rss_mb']:>13.0f}")
    print(f"{'bare numpy loop (S, alive)':<34}{bare['seconds']:>9.2f}{bare_rate / 1e6:>17.2f}"
          f"{bare['peak_rss_mb']:>13.0f}")
    print(f"{'per-customer Python loop':<34}{py['seconds']:>9.2f}{py_rate / 1e6:>17.2f}"
          f"{py['peak_rss_mb']:>13.0f}   (on {small:,} customers)")
    print(f"  per signed customer-month: {sim['signed'] * T / sim['seconds'] / 1e6:.2f} M/s;"
          f" panel rows written to DataFrames: {sim['panel_rows'] / sim['seconds'] / 1e6:.2f} M/s")
    if a.write:
        w = measure("simulator", n, T, a.seed, a.write)
        print(f"{'journey simulate + Parquet write':<34}{w['seconds']:>9.2f}"
              f"{cm / w['seconds'] / 1e6:>17.2f}{w['peak_rss_mb']:>13.0f}")
    ratio = rate / bare_rate
    print(f"ratio to the bare loop: {ratio:.3f} (issue 7: floor 0.18, goal 0.35:"
          f" {'met' if ratio >= 0.35 else 'floor met' if ratio >= 0.18 else 'NOT met'});"
          f" peak RSS {sim['peak_rss_mb']:.0f} MB for {n:,} prospects (<= 1024 MB:"
          f" {'met' if sim['peak_rss_mb'] <= 1024 else 'NOT met'})")


if __name__ == "__main__":
    main()
