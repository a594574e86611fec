"""Benchmark ``journey calibrate``: three parameters fitted to 20,000 customers.

    python benchmarks/bench_calibrate.py [--customers 20000] [--months 36] [--max-evals 200]

The observed cohort is simulated from the telecom preset with three parameters moved (alpha0,
churn_heterogeneity, term_end_boost); the calibration starts from the preset. Printed beside it
in the same run: the time of one simulation of the same size (the unit the search spends) and
the goal of issue 9 (under 2 minutes on 2 cores), as ratios.
"""

from __future__ import annotations

import argparse
import time

from journey.calibrate import calibrate
from journey.scenario import load_preset
from journey.simulate import simulate

GOAL_SECONDS = 120.0
FIT = ("alpha0", "churn_heterogeneity", "term_end_boost")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--customers", type=int, default=20_000)
    ap.add_argument("--months", type=int, default=36)
    ap.add_argument("--max-evals", type=int, default=200)
    a = ap.parse_args()
    base = load_preset("telecom")
    truth = base.replace(alpha0=base.alpha0 + 0.4, churn_heterogeneity=2.0,
                         term_end_boost=base.term_end_boost - 0.5)
    observed = simulate(truth, a.customers, a.months, seed=1)
    t0 = time.perf_counter()
    simulate(base, a.customers, a.months, seed=0)
    one = time.perf_counter() - t0
    t0 = time.perf_counter()
    cal = calibrate(observed, base, FIT, n_customers=a.customers, seed=0,
                    max_evals=a.max_evals)
    wall = time.perf_counter() - t0
    print(cal.report())
    print(f"\ncalibration of {len(FIT)} parameters on {a.customers:,} prospects x {a.months}"
          f" months: {wall:.1f} s, {cal.evaluations} simulations")
    print(f"one simulation of the same size: {one:.2f} s; calibration / one simulation ="
          f" {wall / one:.0f}x")
    print(f"goal {GOAL_SECONDS:.0f} s: calibration / goal = {wall / GOAL_SECONDS:.2f}"
          f" ({'met' if wall < GOAL_SECONDS else 'NOT met'})")
    print("truth: " + ", ".join(f"{k} {getattr(truth, k):g}" for k in FIT))


if __name__ == "__main__":
    main()
