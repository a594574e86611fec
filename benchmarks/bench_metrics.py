"""Benchmark the metric suite: the time of each metric and of ``summary`` on a simulated cohort.

    python benchmarks/bench_metrics.py [--customers 100000] [--months 36] [--seed 0]

Two cohorts of ``--customers`` prospects followed ``--months`` months after signing, each with
a platform exit in month 18 (so that the reach metrics apply): ``telecom`` and ``housing``
(little churn: the most panel rows per prospect). Each metric is timed best-of-3.
Baselines in the same run: the goal of issue 3 (the whole suite in < 5 s on a
100,000-customer x 36-month cohort) and a naive per-customer ``groupby.apply`` of the customer
states behind the segments, timed on 5,000 customers and scaled linearly.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import pandas as pd

from journey import metrics as M
from journey.scenario import load_preset
from journey.schema import Journeys
from journey.simulate import simulate

GOAL_SECONDS = 5.0


def best_of(fn: Callable[[], object], repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def suite(j: Journeys) -> dict[str, Callable[[], object]]:
    """Every public metric, with the arguments a study would pass."""
    return {
        "satisfaction_by_phase": lambda: M.satisfaction_by_phase(j),
        "satisfaction_by_month": lambda: M.satisfaction_by_month(j),
        "csat": lambda: M.csat(j),
        "nps": lambda: M.nps(j),
        "survey_scores": lambda: M.survey_scores(j),
        "disconfirmation_by_phase": lambda: M.disconfirmation_by_phase(j),
        "courtship_service_gap": lambda: M.courtship_service_gap(j),
        "satisfaction_drop": lambda: M.satisfaction_drop(j),
        "trough_month": lambda: M.trough_month(j),
        "barrier_index_by_tenure": lambda: M.barrier_index_by_tenure(j),
        "barrier_hazard_reduction": lambda: M.barrier_hazard_reduction(j),
        "barrier_hazard_reduction_by_tenure": lambda: M.barrier_hazard_reduction_by_tenure(j),
        "hostage_share": lambda: M.hostage_share(j),
        "hostage_share_by_tenure": lambda: M.hostage_share_by_tenure(j),
        "jones_sasser_segments": lambda: M.segment_shares(M.jones_sasser_segments(j)),
        "dick_basu_segments": lambda: M.segment_shares(M.dick_basu_segments(j)),
        "life_table": lambda: M.life_table(j),
        "median_lifetime": lambda: M.median_lifetime(j),
        "cliff_ratio": lambda: M.cliff_ratio(j, term_months=24),
        "clv": lambda: M.clv(j),
        "clv_residual_sbg": lambda: M.clv(j, residual="sbg"),
        "value_per_prospect": lambda: M.value_per_prospect(j),
        "clv_lost": lambda: M.clv_lost(j, j),
        "share_of_wallet_over_time": lambda: M.share_of_wallet_over_time(j),
        "concentration_by_month": lambda: M.concentration_by_month(j),
        "reach_by_month": lambda: M.reach_by_month(j),
        "reach_retained": lambda: M.reach_retained(j),
    }


def naive_states_seconds(j: Journeys, n: int = 5_000) -> float:
    """Per-customer Python (groupby.apply) customer states on ``n`` customers, in seconds."""
    p = j.panel.loc[(j.panel["month"] >= 0) & (j.panel["customer_id"] < n)]

    def one(g: pd.DataFrame) -> pd.Series:
        g = g.sort_values("month")
        return pd.Series({"S_mean": g["S"].mean(), "S_last": g["S"].iloc[-1],
                          "exited": g["exited"].any(),
                          "sow_last": g["share_of_wallet"].iloc[-1]})

    t0 = time.perf_counter()
    p.groupby("customer_id")[["month", "S", "exited", "share_of_wallet"]].apply(one)
    return time.perf_counter() - t0


def run(name: str, j: Journeys, customers: int) -> float:
    print(f"\n== {name}: {customers:,} prospects, {j.panel['customer_id'].nunique():,} in panel,"
          f" {len(j.panel):,} panel rows, {len(j.events):,} events")
    total = 0.0
    for metric, fn in suite(j).items():
        t = best_of(fn)
        total += t
        print(f"  {metric:<30s} {t * 1000:8.1f} ms")
    t_sum = best_of(lambda: M.summary(j))
    print(f"  {'sum of the metrics above':<30s} {total:8.3f} s")
    print(f"  {'summary(journeys)':<30s} {t_sum:8.3f} s   goal < {GOAL_SECONDS:.0f} s:"
          f" {'met' if max(total, t_sum) < GOAL_SECONDS else 'MISSED'}")
    return max(total, t_sum)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--customers", type=int, default=100_000)
    ap.add_argument("--months", type=int, default=36)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    platform = {"platform_share": 0.5, "platform_exit_month": 18}
    cohorts = [(f"{p} + platform exit", load_preset(p).model_copy(update=platform))
               for p in ("telecom", "housing")]
    worst = 0.0
    for name, sc in cohorts:
        t0 = time.perf_counter()
        j = simulate(sc, a.customers, a.months, a.seed)
        print(f"\n(simulated in {time.perf_counter() - t0:.1f} s)")
        worst = max(worst, run(name, j, a.customers))
        if name.startswith("housing"):
            n_small = 5_000
            naive = naive_states_seconds(j, n_small)
            served = j.panel.loc[j.panel["month"] >= 0, "customer_id"]
            scale = served.nunique() / max(served[served < n_small].nunique(), 1)
            fast = best_of(lambda j=j: M.customer_states(j))
            print(f"\n  baseline: per-customer groupby.apply customer states ~"
                  f"{naive * scale:.1f} s (measured {naive:.2f} s on {n_small:,} prospects,"
                  f" scaled x{scale:.1f}); vectorised customer_states {fast:.3f} s")
    print(f"\nworst suite time {worst:.2f} s against the goal of {GOAL_SECONDS:.0f} s")


if __name__ == "__main__":
    main()
