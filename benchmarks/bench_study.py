"""Study runner benchmark: cold run, cached rerun, 8-set sweep at -j 1 and -j 2, beside papermill.

    /work/venv/bin/python benchmarks/bench_study.py [--study courtship-and-marriage] [--repeat 3]

Baseline: plain ``papermill`` (its CLI, same notebook, same kernel, same parameters) in the same
run. Goals (issue 4): cached rerun < 1 s; -j 2 sweep <= 0.65 x the -j 1 wall time; per-run
overhead of ``journey run`` over plain papermill <= 15%. Everything goes to a temporary directory.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def timed(cmd: list[str]) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{proc.stderr[-2000:]}")
    return wall


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--study", default="courtship-and-marriage")
    ap.add_argument("--repeat", type=int, default=3, help="repeats of the cold-run comparison")
    ap.add_argument("--sweep-customers", type=int, default=None,
                    help="cohort size of the sweep runs (default: the notebook's)")
    args = ap.parse_args()

    from journey.study.kernel import ensure_kernel

    ensure_kernel()
    nb = ROOT / "notebooks" / f"{args.study}.ipynb"
    journey, papermill = str(BIN / "journey"), str(BIN / "papermill")
    with tempfile.TemporaryDirectory(prefix="bench-study-") as tmp:
        tmp = Path(tmp)
        reports = tmp / "reports"
        run = [journey, "run", args.study, "--reports", str(reports)]
        pm = [papermill, str(nb), str(tmp / "pm.ipynb"), "-k", "journey", "--no-progress-bar",
              "-p", "seed", "2"]
        timed(pm)  # warm the OS file cache for both
        cold = timed(run)
        cached = [timed(run) for _ in range(5)]
        runner_only = [timed([sys.executable, "-c", (
            "from journey.study.runner import plan_run, execute_plan; "
            f"r = execute_plan(plan_run({args.study!r}, reports={str(reports)!r})); "
            "assert r.status == 'cached'")]) for _ in range(5)]
        ours, theirs = [], []
        for _ in range(args.repeat):  # alternate to share the machine's noise
            ours.append(timed([*run, "--force"]))
            theirs.append(timed(pm))

        grid = tmp / "grid.yaml"
        grid.write_text("seed: [1, 2, 3, 4, 5, 6, 7, 8]\n")
        extra = ["-p", f"n_customers={args.sweep_customers}"] if args.sweep_customers else []
        sweep = {}
        for jobs in (1, 2):
            sweep[jobs] = timed([journey, "sweep", args.study, "--grid", str(grid), "-j",
                                 str(jobs), "--reports", str(tmp / f"sweep-j{jobs}"), *extra])

    o, t = statistics.median(ours), statistics.median(theirs)
    overhead = o / t - 1
    ratio = sweep[2] / sweep[1]
    c = statistics.median(cached)
    print(f"study {args.study}: {args.repeat} repeats, medians, wall clock incl. process start")
    print(f"  cold journey run           {cold:7.2f} s")
    print(f"  cached rerun               {c:7.2f} s   goal < 1 s            "
          f"{'OK' if c < 1 else 'MISSED'}")
    print(f"  cached, runner only        {statistics.median(runner_only):7.2f} s   "
          "(the same lookup without the CLI's imports)")
    print(f"  journey run --force        {o:7.2f} s   (runs: "
          f"{', '.join(f'{x:.2f}' for x in ours)})")
    print(f"  plain papermill (baseline) {t:7.2f} s   (runs: "
          f"{', '.join(f'{x:.2f}' for x in theirs)})")
    print(f"  per-run overhead           {overhead:+7.1%}   goal <= +15%          "
          f"{'OK' if overhead <= 0.15 else 'MISSED'}")
    print(f"  sweep 8 sets -j 1          {sweep[1]:7.2f} s")
    print(f"  sweep 8 sets -j 2          {sweep[2]:7.2f} s   ratio {ratio:.2f}, goal <= 0.65  "
          f"{'OK' if ratio <= 0.65 else 'MISSED'}")
    print(f"  (plain papermill x 8 sequential, estimated: {8 * t:.1f} s)")


if __name__ == "__main__":
    main()
