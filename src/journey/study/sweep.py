"""Parameter sweeps: the cartesian product of a grid, run in separate processes.

A grid file maps parameter names to lists of values (a scalar means a single value)::

    seed: [1, 2, 3, 4]
    n_customers: [500, 1000]

Every combination is validated before any kernel starts. Combinations already in the cache are
skipped (so an interrupted sweep resumes where it stopped); the rest run in a pool of ``jobs``
worker processes (``spawn``, one kernel each; :func:`journey.study.workers.worker_pool` ties
their lives and their kernels' to this process, so an interrupted or killed sweep leaves no
process behind, and the next run cleans its leftovers). The summary table (``summary.csv``, one
row per combination with its scalar metrics) and ``summary.png`` go to
``reports/<study>/sweeps/<id>/``.
With ``scheduler`` the runs go to a dask cluster instead (:mod:`journey.cluster`).
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import os
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from journey.study import atomic, cache, staging, workers
from journey.study.kernel import ensure_kernel
from journey.study.provenance import sha256_text
from journey.study.runner import (
    RunPlan,
    StudyFailed,
    StudyUsageError,
    execute_plan,
    plan_run,
    read_yaml_mapping,
)

SWEEPS_DIR = "sweeps"


def read_grid(path: str | os.PathLike[str]) -> dict[str, list[Any]]:
    """Read a YAML grid; ``StudyUsageError`` naming the file if it is not a mapping of lists."""
    data = read_yaml_mapping(path, "grid file")
    if not data:
        raise StudyUsageError(f"grid file {path}: expected a mapping of name: [values]")
    return normalise_grid(data, str(path))


def normalise_grid(grid: Mapping[str, Any], where: str = "grid") -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    for name, values in grid.items():
        vals = list(values) if isinstance(values, list | tuple) else [values]
        if not vals:
            raise StudyUsageError(f"{where}: parameter {name!r} has an empty list of values")
        out[str(name)] = vals
    return out


def expand_grid(grid: Mapping[str, Sequence[Any]]) -> list[dict[str, Any]]:
    """Cartesian product, in the grid's order (the last name varies fastest)."""
    names = list(grid)
    return [dict(zip(names, combo, strict=True))
            for combo in itertools.product(*(grid[n] for n in names))]


@dataclass
class SweepRow:
    values: dict[str, Any]
    run_id: str
    status: str  # ok, cached, failed
    metrics: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    seconds: float = 0.0
    headline: list[str] = field(default_factory=list)


@dataclass
class SweepResult:
    study: str
    rows: list[SweepRow]
    directory: Path
    csv_path: Path
    plot_path: Path | None

    @property
    def failed(self) -> list[SweepRow]:
        return [r for r in self.rows if r.status == "failed"]


def _worker(plan: RunPlan, force: bool, timeout: float | None) -> dict[str, Any]:
    import warnings

    warnings.simplefilter("ignore", cache.DamagedRunWarning)  # the parent has said it once
    try:
        r = execute_plan(plan, force=force, timeout=timeout)
        return {"status": r.status, "metrics": r.metrics, "seconds": r.seconds,
                "headline": r.manifest.get("headline_metrics", [])}
    except StudyFailed as exc:
        return {"status": "failed", "error": str(exc), "seconds": exc.result.seconds}


def run_sweep(study_ref: str, grid: Mapping[str, Any], jobs: int = 1,
              assignments: Sequence[str] = (), reports: str | os.PathLike[str] | None = None,
              force: bool = False, timeout: float | None = None,
              on_progress: Callable[[SweepRow], None] | None = None,
              scheduler: str | None = None) -> SweepResult:
    """Run every combination of ``grid`` (plus fixed ``assignments``) and write the summary.

    ``on_progress`` is called once per finished combination (cached ones first). With
    ``scheduler`` (``tcp://HOST:PORT``) the runs go to that dask cluster instead of ``jobs``
    local processes (:func:`journey.cluster.run_plans`); rows and summary are the same.
    """
    if jobs < 1:
        raise StudyUsageError(f"-j/--jobs must be at least 1, got {jobs}")
    if scheduler is not None:
        from journey.cluster import check_address

        scheduler = check_address(scheduler)
    grid = normalise_grid(grid)
    combos = expand_grid(grid)
    plans = [plan_run(study_ref, assignments, values=v, reports=reports) for v in combos]
    rows = [SweepRow(v, p.key.run_id, "pending") for v, p in zip(combos, plans, strict=True)]

    todo: dict[str, list[int]] = {}  # run id → rows (duplicates run once)
    for i, (row, plan) in enumerate(zip(rows, plans, strict=True)):
        hit = None if force else cache.cached_manifest(plan.study_dir, plan.key)
        if hit is not None:
            row.status, row.metrics = "cached", cache.metrics_of(plan.run_dir)
            row.headline = hit.get("headline_metrics", [])
            if on_progress:
                on_progress(row)
        else:
            todo.setdefault(row.run_id, []).append(i)

    def record(idx: list[int], out: dict[str, Any]) -> None:
        for i in idx:
            row = rows[i]
            # "cached" here: a duplicate of this task (a lost worker's) finished it first
            row.status = "ok" if out["status"] == "cached" else out["status"]
            row.seconds = out["seconds"]
            row.metrics, row.error = out.get("metrics", {}), out.get("error")
            row.headline = out.get("headline", [])
            if on_progress:
                on_progress(row)

    if todo and scheduler is not None:
        from journey.cluster import connect, run_plans

        groups = list(todo.values())
        with connect(scheduler) as client:
            for k, out in run_plans(client, [plans[idx[0]] for idx in groups], force, timeout):
                record(groups[k], out)
    elif todo:
        ensure_kernel()  # once, before workers could race to install it
        staging.clean_stale(plans[0].study_dir)
        try:
            with workers.worker_pool(min(jobs, len(todo))) as pool:
                futures = {pool.submit(_worker, plans[idx[0]], force, timeout): idx
                           for idx in todo.values()}
                for fut in as_completed(futures):
                    record(futures[fut], fut.result())
        finally:
            staging.clean_stale(plans[0].study_dir)  # what killed workers left behind

    study_dir = plans[0].study_dir
    sweep_id = sha256_text(json.dumps([r.run_id for r in rows]))[:12]
    out_dir = study_dir / SWEEPS_DIR / sweep_id
    out_dir.mkdir(parents=True, exist_ok=True)
    atomic.write_text(out_dir / "grid.json", json.dumps(grid, indent=2) + "\n")
    csv_path = write_summary_csv(rows, list(grid), out_dir / "summary.csv")
    plot_path = write_summary_plot(rows, list(grid), out_dir / "summary.png")
    return SweepResult(plans[0].study.name, rows, out_dir, csv_path, plot_path)


def headline(metrics: Mapping[str, Any], names: Sequence[str] | None = None) -> dict[str, float]:
    """The run's headline metrics: ``names`` (as marked by the notebook) if any, else every
    scalar numeric metric (bools excluded) in name order."""
    chosen = [n for n in names if n in metrics] if names else sorted(metrics)
    return {k: metrics[k] for k in chosen
            if isinstance(metrics[k], int | float) and not isinstance(metrics[k], bool)}


def _row_headline(r: SweepRow) -> dict[str, float]:
    return headline(r.metrics, r.headline)


def write_summary_csv(rows: Sequence[SweepRow], names: Sequence[str], path: Path) -> Path:
    """One row per combination: its values, run id, ``ok`` or ``failed`` (a reused run is ``ok``,
    so a resumed sweep writes the same file as an uninterrupted one) and headline metrics."""
    metric_names = list(dict.fromkeys(k for r in rows for k in _row_headline(r)))
    f = io.StringIO(newline="")
    w = csv.writer(f)
    w.writerow([*names, "run_id", "status", *metric_names])
    for r in rows:
        m = _row_headline(r)
        w.writerow([json.dumps(r.values[n]) if isinstance(r.values[n], list | dict)
                    else r.values[n] for n in names]
                   + [r.run_id, "failed" if r.status == "failed" else "ok"]
                   + [m.get(k, "") for k in metric_names])
    atomic.write_text(path, f.getvalue())
    return path


def write_summary_plot(rows: Sequence[SweepRow], names: Sequence[str], path: Path,
                       max_panels: int = 6) -> Path | None:
    """One panel per headline metric against the first varying parameter (byte-stable PNG)."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    from journey.study.record import figure_png

    metric_names = list(dict.fromkeys(k for r in rows for k in _row_headline(r)))[:max_panels]
    if not metric_names:
        return None
    varying = [n for n in names if len({json.dumps(r.values[n]) for r in rows}) > 1] or list(names)
    x_name, others = varying[0], varying[1:]
    numeric_x = all(isinstance(r.values[x_name], int | float) for r in rows)
    labels = sorted({json.dumps(r.values[x_name]) for r in rows})
    ncol = min(3, len(metric_names))
    nrow = -(-len(metric_names) // ncol)
    fig = Figure(figsize=(4.2 * ncol, 3.2 * nrow), layout="constrained")
    axes = fig.subplots(nrow, ncol, squeeze=False).ravel()
    groups: dict[str, list[SweepRow]] = {}
    for r in rows:
        groups.setdefault(", ".join(f"{n}={r.values[n]}" for n in others), []).append(r)
    for ax, metric in zip(axes, metric_names, strict=False):
        for label, grp in groups.items():
            pts = [(r.values[x_name] if numeric_x else labels.index(json.dumps(r.values[x_name])),
                    _row_headline(r)[metric]) for r in grp if metric in _row_headline(r)]
            pts.sort()
            if pts:
                xs, ys = zip(*pts, strict=True)
                ax.plot(xs, ys, marker="o", label=label or None)
        ax.set_title(metric, fontsize=10)
        ax.set_xlabel(x_name)
        if not numeric_x:
            ax.set_xticks(range(len(labels)), labels, rotation=30)
        elif all(isinstance(r.values[x_name], int) for r in rows):
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # seeds, sizes: whole ticks
    for ax in axes[len(metric_names):]:
        ax.set_visible(False)
    if len(groups) > 1 and len(groups) <= 8:
        axes[0].legend(fontsize=7)
    atomic.write_bytes(path, figure_png(fig))
    return path
