"""Replications over seeds and dose-response sweeps: no finding rests on one random draw.

A study runs its measurement ``fn(seed) -> {metric: value}`` on ``replications`` cohorts whose
seeds all flow from the run's seed (``numpy.random.SeedSequence(seed).spawn(n)``, so the same
run seed gives the same replications and different replications are independent streams), and
reports each metric's mean with a Student-t 95% interval,
``mean ± t_{n−1, 0.975} · sd / √n`` (NaN with one replication). :func:`dose_response` does the
same at each value of one scenario parameter, with common random numbers across values (the
same replication seeds at every dose), so the curve's shape is not drawn from noise.
:func:`paired_difference` gives the effect of moving from one dose to another with the interval
of the differences paired by replication, which common random numbers make narrow;
:func:`factor_effect` does so for one factor of a factorial design, paired by replication and
by the levels of the other factors.
:func:`paired_contrast` any linear combination of doses (e.g. a difference in differences).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from journey.errors import ParameterError

__all__ = ["differences_from", "dose_response", "factor_effect", "paired_contrast",
           "paired_difference", "replicate", "replication_seeds", "summarize_replications"]

Measure = Callable[[int], Mapping[str, float]]


def replication_seeds(seed: int, replications: int) -> list[int]:
    """``replications`` independent seeds drawn from the run's ``seed`` (SeedSequence spawn)."""
    if int(replications) != replications or replications < 1:
        raise ParameterError(f"parameter 'replications' must be a whole number >= 1, got"
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
        raise ParameterError(f"level must be in (0, 1), got {level}")
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


def paired_difference(runs: pd.DataFrame, low: Any, high: Any,
                      level: float = 0.95) -> pd.DataFrame:
    """Effect of moving from dose ``low`` to dose ``high``, paired by replication.

    For every metric of :func:`dose_response` output, the differences
    ``d_i = y_i(high) − y_i(low)`` of each replication ``i`` (the same seed at both doses:
    common random numbers) summarised as :func:`summarize_replications` does:
    ``mean(d) ± t_{n−1,(1+level)/2} · sd(d)/√n``. Pairing removes the noise the two doses
    share, so the interval is that of the effect, not of the two levels (the paired t
    interval; e.g. Law 2015, *Simulation Modeling and Analysis*, 5th ed., section 10.2 †).

    Returns one row per metric: metric, n, mean, sd, ci_low, ci_high.
    """
    need = {"dose", "replication"}
    if not need <= set(runs.columns):
        raise ParameterError("paired_difference: expected dose_response output with columns dose"
                             f" and replication, got {', '.join(map(str, runs.columns))}")
    a, b = (runs.loc[runs["dose"] == d].set_index("replication") for d in (low, high))
    for d, part in ((low, a), (high, b)):
        if part.empty:
            raise ParameterError(f"paired_difference: no runs at dose {d!r}")
    if sorted(a.index) != sorted(b.index) or (
            "seed" in runs.columns and not a["seed"].equals(b["seed"].reindex(a.index))):
        raise ParameterError(f"paired_difference: doses {low!r} and {high!r} do not hold the same"
                             " replications (seeds); pair only runs of one dose_response")
    metrics = [c for c in a.columns if c not in ("dose", "seed")]
    diff = b[metrics].reindex(a.index) - a[metrics]
    return summarize_replications(diff.reset_index(), level)


def differences_from(runs: pd.DataFrame, baseline: Any, level: float = 0.95) -> pd.DataFrame:
    """:func:`paired_difference` from ``baseline`` to every dose of ``runs`` (the baseline
    itself gives 0), as one table with a ``dose`` column: the same layout as
    ``summarize_replications(runs, by="dose")``, so ``journey.plots.dose_response`` draws the
    effect of each dose against the baseline with its paired interval."""
    doses = list(dict.fromkeys(runs["dose"])) if "dose" in runs.columns else []
    parts = [paired_difference(runs, baseline, d, level).assign(dose=d) for d in doses]
    if not parts:
        raise ParameterError("differences_from: expected dose_response output with a dose column")
    out = pd.concat(parts, ignore_index=True)
    return out[["dose", *[c for c in out.columns if c != "dose"]]]


def factor_effect(runs: pd.DataFrame, factor: str, low: Any, high: Any,
                  factors: Sequence[str], by: str | Sequence[str] | None = None,
                  level: float = 0.95) -> pd.DataFrame:
    """Effect of moving one factor of a factorial design from ``low`` to ``high``, paired.

    ``runs`` holds one row per design cell and replication: a column per factor in
    ``factors`` (``factor`` among them), ``replication`` (and ``seed``) and metric columns.
    For every cell ``c`` of the other factors and replication ``i`` (the same seed in both
    cells: common random numbers), ``d_{c,i} = y_{c,i}(high) − y_{c,i}(low)``. The effect
    averages ``d`` over the cells of each ``by`` group, ``d̄_i = mean_c d_{c,i}`` (with
    ``by=None`` over all of them: the main effect, averaged over the other factors' levels
    with equal weights), and reports ``mean(d̄) ± t_{n−1,(1+level)/2} · sd(d̄)/√n`` over the
    replications (:func:`summarize_replications`). ``by`` set to other factors gives the
    effect at each of their levels (an interaction is a difference between those rows).
    Montgomery (2017), *Design and Analysis of Experiments*, 9th ed., ch. 5–6, for main
    effects in factorial designs †; Law (2015) for the paired-t interval †.

    Returns one row per metric (and ``by`` group): metric, n, mean, sd, ci_low, ci_high.
    """
    keys = list(dict.fromkeys(factors))
    groups = [] if by is None else [by] if isinstance(by, str) else list(by)
    missing = [c for c in [*keys, "replication"] if c not in runs.columns]
    if factor not in keys or missing:
        raise ParameterError(f"factor_effect: expected columns for the factors {keys} (with"
                             f" factor '{factor}' among them) and replication; missing"
                             f" {missing or [factor]}")
    if factor in groups or not set(groups) <= set(keys):
        raise ParameterError(f"factor_effect: by must name other factors of {keys}, got {groups}")
    others = [c for c in keys if c != factor]
    index = [*others, "replication"]
    a, b = (runs.loc[runs[factor] == v].set_index(index) for v in (low, high))
    for v, part in ((low, a), (high, b)):
        if part.empty:
            raise ParameterError(f"factor_effect: no runs with {factor} = {v!r}")
    if not a.index.is_unique or not b.index.is_unique:
        raise ParameterError(f"factor_effect: several runs share one cell of {index}; expected"
                             " one row per cell and replication")
    if set(a.index) != set(b.index) or (
            "seed" in runs.columns and not a["seed"].equals(b["seed"].reindex(a.index))):
        raise ParameterError(f"factor_effect: {factor} = {low!r} and {high!r} do not hold the same"
                             " cells and replications (seeds); pair only runs of one design")
    metrics = [c for c in a.columns if c not in (factor, "seed")
               and pd.api.types.is_numeric_dtype(a[c])]
    diff = (b[metrics] - a[metrics].reindex(b.index)).reset_index()
    per_rep = diff.groupby([*groups, "replication"], sort=True)[metrics].mean().reset_index()
    return summarize_replications(per_rep, level, by=groups or None)


def paired_contrast(runs: pd.DataFrame, weights: Mapping[Any, float],
                    level: float = 0.95) -> pd.DataFrame:
    """A linear contrast of doses, paired by replication: for every metric of
    :func:`dose_response` output, ``d_i = Σ_k c_k · y_i(k)`` over the doses ``k`` of
    ``weights`` (dose → ``c_k``) in each replication ``i``, summarised as
    :func:`summarize_replications` does (``mean(d) ± t_{n−1,(1+level)/2} · sd(d)/√n``).

    ``{high: 1, low: −1}`` is :func:`paired_difference`; ``{a: 1, a0: −1, b: −1, b0: 1}`` is
    the difference in differences: how much more the change from ``a0`` to ``a`` is than the
    change from ``b0`` to ``b`` (e.g. a competitor's effect in one market against another).

    Returns one row per metric: metric, n, mean, sd, ci_low, ci_high.
    """
    if not weights:
        raise ParameterError("paired_contrast: weights is empty; expected dose -> coefficient")
    if not {"dose", "replication"} <= set(runs.columns):
        raise ParameterError("paired_contrast: expected dose_response output with columns dose"
                             f" and replication, got {', '.join(map(str, runs.columns))}")
    parts = {}
    for d in weights:
        part = runs.loc[runs["dose"] == d].set_index("replication")
        if part.empty:
            raise ParameterError(f"paired_contrast: no runs at dose {d!r}")
        parts[d] = part
    first = next(iter(parts.values()))
    for d, part in parts.items():
        if sorted(part.index) != sorted(first.index) or (
                "seed" in runs.columns and not part["seed"].reindex(first.index).equals(
                    first["seed"])):
            raise ParameterError(f"paired_contrast: dose {d!r} does not hold the same replications"
                                 " (seeds) as the others; pair only runs of one sweep")
    metrics = [c for c in first.columns if c not in ("dose", "seed")]
    total = sum(float(c) * parts[d][metrics].reindex(first.index) for d, c in weights.items())
    return summarize_replications(total.reset_index(), level)
