"""Cox PH and Kaplan–Meier on 100,000 customers with monthly (tied) durations, timed side by
side with lifelines' CoxPHFitter / KaplanMeierFitter and statsmodels' PHReg in the same run.

    /work/venv/bin/python benchmarks/bench_cox.py [--n 100000] [--repeat 3]

Prints the best-of-``repeat`` wall time of each route and the largest difference of its
estimates from ours. The issue's earlier measurement on this machine class: lifelines 0.11 s,
PHReg 0.58 s (Breslow) / 0.65 s (Efron).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np
import pandas as pd
from statsmodels.duration.hazard_regression import PHReg

from journey.models.survival import fit_cox, kaplan_meier

COVARIATES = ["x0", "x1", "fee"]


def cohort(n: int, seed: int = 0) -> pd.DataFrame:
    """Monthly exits with a logistic monthly hazard, censored at 36 months or earlier."""
    rng = np.random.default_rng(seed)
    x0, x1 = rng.normal(size=n), rng.normal(size=n)
    fee = (rng.random(n) < 0.4).astype(float)
    lin = -3.5 + 0.5 * x0 - 0.3 * x1 - 0.6 * fee
    t_exit = rng.geometric(1 / (1 + np.exp(-lin)))
    t_cens = np.minimum(rng.integers(1, 49, n), 36)
    return pd.DataFrame({"duration": np.minimum(t_exit, t_cens).astype(float),
                         "event": (t_exit <= t_cens).astype(int), "x0": x0, "x1": x1,
                         "fee": fee})


def best(f: Callable[[], object], repeat: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = f()
        times.append(time.perf_counter() - t0)
    return min(times), out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    df = cohort(a.n)
    print(f"cohort: {a.n:,} customers, {int(df['event'].sum()):,} exits,"
          f" {df['duration'].nunique()} distinct monthly durations, {len(COVARIATES)} covariates")
    rows = []
    ours = {}
    for ties in ("efron", "breslow"):
        t, res = best(lambda ties=ties: fit_cox(df, COVARIATES, ties=ties), a.repeat)
        ours[ties] = res.params.to_numpy()
        rows.append((f"journey fit_cox ({ties})", t, 0.0))
    x = df[COVARIATES].to_numpy()
    for ties in ("efron", "breslow"):
        t, res = best(lambda ties=ties: PHReg(df["duration"].to_numpy(), x,
                                              status=df["event"].to_numpy(), ties=ties).fit(),
                      a.repeat)
        rows.append((f"statsmodels PHReg ({ties})", t,
                     float(np.abs(res.params - ours[ties]).max())))
    try:
        from lifelines import CoxPHFitter, KaplanMeierFitter
    except ImportError:
        CoxPHFitter = KaplanMeierFitter = None  # noqa: N806
        print("lifelines not installed: its rows are skipped")
    if CoxPHFitter is not None:
        t, res = best(lambda: CoxPHFitter().fit(df, "duration", "event"), a.repeat)
        rows.append(("lifelines CoxPHFitter (efron, default)", t,
                     float(np.abs(res.params_.to_numpy() - ours["efron"]).max())))
    t, km = best(lambda: kaplan_meier(df), a.repeat)
    s = km.summary()
    rows.append(("journey kaplan_meier (SurvfuncRight)", t, 0.0))
    if KaplanMeierFitter is not None:
        t, kmf = best(lambda: KaplanMeierFitter().fit(df["duration"], df["event"]), a.repeat)
        ref = kmf.survival_function_.loc[s["time"]].to_numpy().ravel()
        rows.append(("lifelines KaplanMeierFitter", t,
                     float(np.abs(s["estimate"].to_numpy() - ref).max())))
    width = max(len(r[0]) for r in rows)
    print(f"{'route':<{width}}  {'seconds':>8}  max |diff| vs journey")
    for name, t, d in rows:
        print(f"{name:<{width}}  {t:8.3f}  {d:.1e}")


if __name__ == "__main__":
    main()
