"""Run every benchmark in this folder, one after another, printing each one's figures.

    python benchmarks/run_all.py [name ...]     # e.g. simulate metrics

``big_cohort`` (10,000,000 prospects to partitioned Parquet and the metrics part by part, most
of an hour) runs only when named: ``python benchmarks/run_all.py big_cohort``.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).parent
LONG = ("big_cohort",)  # run only when named


def main() -> int:
    wanted = set(sys.argv[1:])
    failed = []
    long = [HERE / f"{name}.py" for name in LONG if name in wanted]
    for script in [*sorted(HERE.glob("bench_*.py")), *long]:
        name = script.stem.removeprefix("bench_")
        if wanted and name not in wanted:
            continue
        print(f"\n=== {name} ===", flush=True)
        t0 = time.perf_counter()
        rc = subprocess.call([sys.executable, str(script)])
        print(f"--- {name}: {time.perf_counter() - t0:.1f} s wall, exit {rc}", flush=True)
        if rc:
            failed.append(name)
    if failed:
        print(f"failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
