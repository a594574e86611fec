"""Replications over seeds and dose-response sweeps: no finding rests on one random draw.

A study runs its measurement ``fn(seed) -> {metric: value}`` on ``replications`` cohorts whose
seeds all flow from the run's seed (``numpy.random.SeedSequence(seed).spawn(n)``, so the same
run seed gives the same replications and different replications are independent streams), and
reports each metric's mean with a Student-t 95% interval,
``mean ± t_{n−1, 0.975} · sd / √n`` (NaN with one replication). :func:`dose_response` does the
same at each value of one scenario parameter, with common random numbers across values (the
same replication seeds at every dose), so the curve's shape is not drawn from noise.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["dose_response", "replicate", "replication_seeds", "summarize_replications"]

Measure = Callable[[int], Mapping[str, float]]


def replication_seeds(seed: int, replications: int) -> list[int]:
    """``replications`` independent seeds drawn from the run's ``seed`` (SeedSequence spawn)."""
    if int(replications) != replications or replications < 1:
        raise ValueError(f"parameter 'replications' must be a whole number >= 1, got"
                         f" {replications!r}")
    children = np.random.SeedSequence(int(seed)).spawn(int(replications))
    return [int(c.generate_state(1, dtype=np.uint32)[0]) for c in children]


def replicate(fn: Measure, seed: int, replications: int,
              on_done: Callable[[int], None] | None = None) -> pd.DataFrame:
    """One row per replication: column ``replication``, ``seed`` and each metric ``fn`` returns."""
    rows = []
    for i, s in enumerate(replication_seeds(seed, replications)):
        rows.append({"replication": i, "seed": s, **{k: float(v) for k, v in fn(s).items()}})
        if on_done is not None:
            on_done(i + 1)
    return pd.DataFrame(rows)


def summarize_replications(runs: pd.DataFrame, level: float = 0.95,
                           by: str | Sequence[str] | None = None) -> pd.DataFrame:
    """Mean, sd, n and the Student-t interval ``mean ± t_{n−1,(1+level)/2}·sd/√n`` of every
    metric column of :func:`replicate` (or :func:`dose_response`) output, per ``by`` group.

    Returns one row per metric (and group): metric, n, mean, sd, ci_low, ci_high.
    """
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level}")
    keys = [] if by is None else [by] if isinstance(by, str) else list(by)
    metrics = [c for c in runs.columns if c not in ("replication", "seed", *keys)]
    long = runs.melt(id_vars=keys, value_vars=metrics, var_name="metric")
    g = long.groupby([*keys, "metric"], sort=False)["value"]
    out = g.agg(n="count", mean="mean", sd="std").reset_index()
    n = out["n"].to_numpy("float64")
    with np.errstate(invalid="ignore", divide="ignore"):
        half = stats.t.ppf(0.5 + level / 2, np.where(n > 1, n - 1, np.nan)) * out["sd"] / np.sqrt(n)
    out["ci_low"] = out["mean"] - half
    out["ci_high"] = out["mean"] + half
    return out


def dose_response(measure: Callable[[Any, int], Mapping[str, float]], doses: Sequence[Any],
                  seed: int, replications: int,
                  on_done: Callable[[int], None] | None = None) -> pd.DataFrame:
    """``measure(dose, seed)`` at every dose and replication seed (common random numbers: the
    same seeds at every dose). One row per (dose, replication); summarise with
    ``summarize_replications(out, by="dose")``."""
    seeds = replication_seeds(seed, replications)
    rows, done = [], 0
    for d in doses:
        for i, s in enumerate(seeds):
            rows.append({"dose": d, "replication": i, "seed": s,
                         **{k: float(v) for k, v in measure(d, s).items()}})
            done += 1
            if on_done is not None:
                on_done(done)
    return pd.DataFrame(rows)
