"""Benchmark ``journey validate`` on a simulated cohort of 100,000 prospects (Parquet and CSV).

    python benchmarks/bench_validate.py [--customers 100000] [--months 36] [--repeat 3]

The cohort (telecom preset) is written in the simulator's chunks to a temporary folder, once as
Parquet and once as CSV. Timed, best of ``--repeat``: ``journey validate DIR`` as a user runs it
(a fresh process: imports, reading, every rule), and in the same run the baseline, reading the
same files with plain pandas (``pd.read_parquet``; ``pd.read_csv`` with every cell as text, the
reading journey's CSV path needs), printed beside it as a ratio. The goal of issue 12: a
100,000-prospect cohort validates in about a second plus the read.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from journey.scenario import load_preset
from journey.simulate import simulate_chunks
from journey.tables_io import CohortWriter


def _best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def _plain_read(folder: Path, fmt: str) -> None:
    for path in sorted(folder.rglob(f"*.{fmt}")):
        if fmt == "parquet":
            pd.read_parquet(path)
        else:
            pd.read_csv(path, dtype=str, keep_default_na=False)


def _cli(folder: Path) -> None:
    subprocess.run([sys.executable, "-c", "from journey.cli import main; main()", "validate",
                    str(folder)], check=True, stdout=subprocess.DEVNULL)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--customers", type=int, default=100_000)
    ap.add_argument("--months", type=int, default=36)
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    sc = load_preset("telecom")
    with tempfile.TemporaryDirectory() as tmp:
        for fmt in ("parquet", "csv"):
            folder = Path(tmp) / fmt
            with CohortWriter(folder, fmt) as w:
                for part in simulate_chunks(sc, a.customers, a.months, seed=1):
                    w.write(part)
            size = sum(p.stat().st_size for p in folder.rglob("*")) / 1e6
            ours = _best(lambda folder=folder: _cli(folder), a.repeat)
            base = _best(lambda folder=folder, fmt=fmt: _plain_read(folder, fmt), a.repeat)
            print(f"{fmt:8s} {a.customers:,} prospects ({size:,.0f} MB): journey validate"
                  f" {ours:.2f} s; plain pandas read {base:.2f} s; ratio {ours / base:.2f}")


if __name__ == "__main__":
    main()
