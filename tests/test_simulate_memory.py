"""``journey simulate --chunk-size`` holds one chunk in memory, not the cohort: its peak RSS
does not grow with the number of prospects.

Two runs of the command, each a fresh process, at 20,000 and 80,000 prospects (chunks of 4,000,
12 months): the larger's peak RSS (``ru_maxrss`` of that child alone, from ``os.wait4``) may
exceed the smaller's by at most 20%. Measured: +1 to +2% (200 and 202-204 MB). A command that
keeps its chunks until the end (``list(simulate_chunks(...))``) measured +56% (218 and 341 MB),
so the test fails if the command stops streaming.
"""

from __future__ import annotations

import os
import subprocess
import sys

MARGIN = 0.20


def peak_rss_mb(n: int, out) -> float:
    proc = subprocess.Popen(
        [sys.executable, "-c", "from journey.cli import main; main()", "simulate", "--preset",
         "telecom", "--customers", str(n), "--months", "12", "--chunk-size", "4000", "--out",
         str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, proc.stderr.read().decode()[-2000:]
    return usage.ru_maxrss / 1024


def test_peak_memory_does_not_grow_with_the_cohort(tmp_path):
    small = peak_rss_mb(20_000, tmp_path / "small")
    large = peak_rss_mb(80_000, tmp_path / "large")
    assert len(list((tmp_path / "large" / "panel").glob("part-*.parquet"))) == 20
    assert large <= small * (1 + MARGIN), (
        f"peak RSS {large:.0f} MB at 80,000 prospects against {small:.0f} MB at 20,000:"
        f" more than +{MARGIN:.0%}")
