"""``journey run``, ``sweep``, ``list``, ``inspect``, ``report`` and ``kernel``.

Thin: parse options, call :mod:`journey.study`, print. A bad study, parameter or option is one line
on stderr and exit code 2 with nothing written and no kernel started; a notebook that raises is one
line on stderr and exit code 1 (the run is kept under ``failed/``). SIGINT or SIGTERM stops ``run``
and ``sweep`` with their workers and kernels: one line on stderr, exit code 130 or 143; the runs
that finished are kept, and a rerun resumes. A damaged run folder is one warning line
(``journey: warning: ...``) and is treated as absent.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer

from journey.cli.app import app
from journey.cli.errors import fail as _fail

ReportsOpt = Annotated[str | None, typer.Option(
    "--reports", help="Reports directory (default: $JOURNEY_REPORTS or <project>/reports).")]
ParamOpt = Annotated[list[str] | None, typer.Option(
    "-p", "--param", help="Parameter as name=value (repeatable); typed by the notebook.")]


TimeoutOpt = Annotated[float | None, typer.Option(
    "--timeout", help="Seconds allowed per cell (more than 0).")]


def _check_timeout(timeout: float | None) -> None:
    if timeout is not None and not timeout > 0:
        _fail(f"--timeout: expected a number of seconds greater than 0, got {timeout:g}")


@contextlib.contextmanager
def _warning_lines() -> Iterator[None]:
    """A damaged run folder becomes one ``journey: warning:`` line on stderr, once."""
    import warnings

    from journey.study.cache import DamagedRunWarning

    with warnings.catch_warnings():
        warnings.simplefilter("once", DamagedRunWarning)
        shown = warnings.showwarning

        def show(message, category, filename, lineno, file=None, line=None) -> None:
            if issubclass(category, DamagedRunWarning):
                print(f"journey: warning: {' '.join(str(message).split())}", file=sys.stderr)
            else:
                shown(message, category, filename, lineno, file, line)

        warnings.showwarning = show
        yield


@contextlib.contextmanager
def _supervised() -> Iterator[None]:
    """SIGINT / SIGTERM stop the command, its workers and kernels: one line, exit 128 + signal."""
    from journey.study.workers import Interrupted, interruptible

    try:
        with interruptible(), _warning_lines():
            yield
    except (Interrupted, KeyboardInterrupt) as exc:
        name = exc.args[0] if isinstance(exc, Interrupted) else "SIGINT"
        code = exc.exit_code if isinstance(exc, Interrupted) else 130
        print(f"journey: interrupted by {name}: stopped its workers and kernels; finished runs "
              "are kept and a rerun resumes", file=sys.stderr)
        raise typer.Exit(code) from None


def _console():  # rich is imported lazily: the cached path must stay fast
    from rich.console import Console

    return Console(highlight=False)


def _metrics_line(metrics: dict, names: list[str] | None = None) -> str:
    from journey.study.sweep import headline

    shown = [f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}"
             for k, v in list(headline(metrics, names).items())[:8]]
    return ", ".join(shown)


@app.command("run")
def run_cmd(
    study: Annotated[str | None, typer.Argument(
        help="Study name in notebooks/ or a .ipynb path (or --all).")] = None,
    param: ParamOpt = None,
    file: Annotated[list[str] | None, typer.Option(
        "-f", "--file", help="YAML file of parameters (repeatable; -p wins).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Rerun even if cached.")] = False,
    explain: Annotated[bool, typer.Option(
        "--explain", help="Say whether the run would be reused and why; run nothing.")] = False,
    timeout: TimeoutOpt = None,
    show_code: Annotated[bool, typer.Option(
        "--show-code", help="Keep code cells in the HTML report.")] = False,
    all_studies: Annotated[bool, typer.Option(
        "--all", help="Run every study in notebooks/ at its defaults.")] = False,
    reference: Annotated[bool, typer.Option(
        "--reference", help="Also store the run as reports/<study>/reference/ (default"
                            " parameters only).")] = False,
    reports: ReportsOpt = None,
) -> None:
    """Run a study notebook with typed parameters into reports/<study>/<run-id>/."""
    with _supervised():
        _run_cmd(study, param, file, force, explain, timeout, show_code, all_studies, reference,
                 reports)


def _run_cmd(study: str | None, param: list[str] | None, file: list[str] | None, force: bool,
             explain: bool, timeout: float | None, show_code: bool, all_studies: bool,
             reference: bool, reports: str | None) -> None:
    _check_timeout(timeout)
    if all_studies == (study is not None):
        _fail("give a study name or --all")
    if reference and (param or file):
        _fail("--reference stores default runs only: drop -p / -f")
    if all_studies:
        from journey.study.locate import list_studies

        if param or file or explain:
            _fail("--all runs every study at its defaults: drop -p / -f / --explain")
        failed = [s.name for s in list_studies()
                  if not _run_one(s.name, [], [], force, False, timeout, show_code, reference,
                                  reports)]
        if failed:
            _fail(f"{len(failed)} stud{'y' if len(failed) == 1 else 'ies'} failed:"
                  f" {', '.join(failed)}", code=1)
        return
    if not _run_one(study, param or [], file or [], force, explain, timeout, show_code,
                    reference, reports, fail_fast=True):
        raise typer.Exit(1)


def _run_one(study: str, param: list[str], file: list[str], force: bool, explain: bool,
             timeout: float | None, show_code: bool, reference: bool, reports: str | None,
             fail_fast: bool = False) -> bool:
    """Run (or reuse) one study and print its line; False when the notebook failed."""
    from journey.study import cache
    from journey.study.runner import StudyFailed, execute_plan, plan_run

    plan = plan_run(study, param, file, reports=reports)
    if explain:
        print(cache.explain(plan.study_dir, plan.key, force=force))
        return True
    from journey.study.index import build_index
    from journey.study.kernel import KernelError

    try:
        result = execute_plan(plan, force=force, timeout=timeout, show_code=show_code)
    except KernelError as exc:
        _fail(str(exc))
    except StudyFailed as exc:
        build_index(plan.reports)
        if fail_fast:
            _fail(str(exc), code=1)
        print(f"journey: error: {' '.join(str(exc).split())}", file=sys.stderr)
        return False
    if result.status == "cached":
        print(f"{plan.study.name}: run {result.run_id} is up to date, skipped "
              f"({result.path}); --force reruns, --explain says why")
    else:
        build_index(plan.reports)
        print(f"{plan.study.name}: run {result.run_id} done in {result.seconds:.1f} s → "
              f"{result.path}")
    line = _metrics_line(result.metrics, result.manifest.get("headline_metrics"))
    if line:
        print(f"  {line}")
    if reference:
        from journey.study.reference import write_reference

        out = write_reference(result.path, plan.reports, plan.study.name)
        print(f"  reference stored in {out}")
    return True


@app.command("sweep")
def sweep_cmd(
    study: Annotated[str, typer.Argument(help="Study name in notebooks/ or a .ipynb path.")],
    grid: Annotated[str, typer.Option("--grid", help="YAML file: name: [values, ...].")],
    jobs: Annotated[int, typer.Option("-j", "--jobs", help="Parallel worker processes.")] = 1,
    param: ParamOpt = None,
    force: Annotated[bool, typer.Option("--force", help="Rerun cached combinations.")] = False,
    timeout: TimeoutOpt = None,
    reports: ReportsOpt = None,
    scheduler: Annotated[str | None, typer.Option(
        "--scheduler", help="tcp://HOST:PORT of a dask scheduler to run the parameter sets on"
                            " instead of -j local processes (docs/cluster.md).")] = None,
) -> None:
    """Run the cartesian product of a parameter grid; resumable; writes a summary CSV and plot."""
    _check_timeout(timeout)
    with _supervised():
        _sweep_cmd(study, grid, jobs, param, force, timeout, reports, scheduler)


def _sweep_cmd(study: str, grid: str, jobs: int, param: list[str] | None, force: bool,
               timeout: float | None, reports: str | None, scheduler: str | None) -> None:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from journey.study.index import build_index
    from journey.study.kernel import KernelError
    from journey.study.sweep import expand_grid, read_grid, run_sweep

    try:
        g = read_grid(grid)
        total = len(expand_grid(g))
        progress = Progress(TextColumn("[bold]{task.description}"), BarColumn(),
                            MofNCompleteColumn(), TimeElapsedColumn(),
                            TextColumn("{task.fields[last]}"), console=_console())
        with progress:
            task = progress.add_task(f"sweep {study}", total=total, last="")

            def tick(row) -> None:
                progress.update(task, advance=1, last=f"{row.run_id} {row.status}")

            result = run_sweep(study, g, jobs=jobs, assignments=param or [], reports=reports,
                               force=force, timeout=timeout, on_progress=tick,
                               scheduler=scheduler)
    except KernelError as exc:
        _fail(str(exc))
    build_index(result.directory.parents[2])
    counts: dict[str, int] = {}
    for r in result.rows:
        counts[r.status] = counts.get(r.status, 0) + 1
    print(f"{result.study}: {len(result.rows)} parameter sets ("
          + ", ".join(f"{v} {k}" for k, v in sorted(counts.items())) + f") → {result.csv_path}")
    if result.failed:
        for r in result.failed:
            print(f"journey: error: {' '.join(str(r.error).split())}", file=sys.stderr)
        raise typer.Exit(1)


@app.command("list")
def list_cmd() -> None:
    """List the studies in notebooks/ with their parameters and help."""
    from rich.table import Table

    from journey.study import notebookfile
    from journey.study.locate import list_studies, notebooks_dir
    from journey.study.runner import StudyUsageError, study_parameters

    studies = list_studies()
    if not studies:
        print(f"no studies in {notebooks_dir()}")
        return
    console = _console()
    for s in studies:
        try:
            nb, specs = study_parameters(s)
        except StudyUsageError as exc:
            console.print(f"[bold]{s.name}[/bold]  [red]{exc}[/red]")
            continue
        t = Table(title=f"{s.name} — {notebookfile.title(nb)}", title_justify="left")
        for col in ("parameter", "type", "default", "allowed", "help"):
            t.add_column(col)
        for p in specs:
            t.add_row(p.name, p.annotation, repr(p.default), p.allowed, p.help)
        console.print(t)


@app.command("inspect")
def inspect_cmd(
    study: Annotated[str, typer.Argument(help="Study name in notebooks/ or a .ipynb path.")],
    run: Annotated[str | None, typer.Option(
        "--run", help="Show this run (its id, as listed) in full.")] = None,
    reports: ReportsOpt = None,
) -> None:
    """Show a study's parameters and its runs (good and failed), or one run in full."""
    with _warning_lines():
        _inspect_cmd(study, run, reports)


def _inspect_cmd(study: str, run: str | None, reports: str | None) -> None:
    from rich.table import Table

    from journey.study import notebookfile
    from journey.study.index import collect
    from journey.study.locate import find_study, reports_root
    from journey.study.runner import study_parameters

    s = find_study(study)
    nb, specs = study_parameters(s)
    root = reports_root(reports)
    if run is not None:
        _inspect_run(s.name, run, root)
        return
    console = _console()
    console.print(f"[bold]{s.name}[/bold] — {notebookfile.title(nb)}\n  {s.path}")
    t = Table(title="parameters", title_justify="left")
    for col in ("parameter", "type", "default", "allowed", "help"):
        t.add_column(col)
    for p in specs:
        t.add_row(p.name, p.annotation, repr(p.default), p.allowed, p.help)
    console.print(t)
    data = collect(root).get(s.name)
    if not data:
        console.print(f"no runs in {root / s.name}")
        return
    defaults = {p.name: p.default for p in specs}
    r = Table(title=f"runs in {root / s.name}", title_justify="left")
    for col in ("run", "status", "finished", "non-default parameters", "headline metrics"):
        r.add_column(col)
    for m in data["runs"] + data["failed"]:
        changed = ", ".join(f"{k}={v!r}" for k, v in m.get("parameters", {}).items()
                            if defaults.get(k) != v)
        r.add_row(str(m.get("run_id")), str(m.get("status")),
                  str(m.get("timings", {}).get("finished", ""))[:19], changed or "(defaults)",
                  _metrics_line(m["_metrics"], m.get("headline_metrics")))
    console.print(r)


def _inspect_run(study: str, run_id: str, root: Path) -> None:
    """One run in full: status, folder, parameters, metrics and files; exit 2 if there is no such
    run or its folder is damaged."""
    from journey.study import cache
    from journey.study.runner import FAILED_DIR

    study_dir = root / study
    found = [d for d in (study_dir / run_id, study_dir / FAILED_DIR / run_id)
             if run_id and "/" not in run_id and d.is_dir()]
    if not found:
        known = sorted(m["run_id"] for m in cache.study_runs(study_dir))
        _fail(f"study {study}: no run {run_id!r} in {study_dir} (runs: "
              f"{', '.join(known[:10]) + (' ...' if len(known) > 10 else '') or 'none'})")
    why = cache.run_problem(found[0])
    if why:
        _fail(f"{found[0]}: damaged run folder ({why}); rerun the study with these parameters to "
              "replace it")
    m, metrics = cache.read_run(found[0])
    print(f"{study} run {m['run_id']}: {m['status']}, finished "
          f"{str(m.get('timings', {}).get('finished', '?'))[:19]} → {found[0]}")
    for k, v in m["parameters"].items():
        print(f"  parameter {k} = {v!r}")
    for k, v in metrics.items():
        if isinstance(v, int | float | str | bool) or v is None:
            print(f"  metric {k} = {v:.6g}" if isinstance(v, float) else f"  metric {k} = {v!r}")
    for label, name in sorted(m.get("outputs", {}).items()):
        if isinstance(name, str):
            print(f"  {label}: {found[0] / name}")
    err = m.get("error")
    if isinstance(err, dict):
        print(f"  error: {err.get('ename')}: {str(err.get('evalue', ''))[:200]}")


@app.command("report")
def report_cmd(reports: ReportsOpt = None) -> None:
    """Rebuild reports/index.html from every run on disk."""
    from journey.study.index import build_index
    from journey.study.locate import reports_root

    with _warning_lines():
        print(build_index(reports_root(reports)))


@app.command("kernel")
def kernel_cmd() -> None:
    """Install (or refresh) the 'journey' Jupyter kernel for this environment."""
    from journey.study.kernel import install_kernel

    print(f"installed kernel 'journey' in {install_kernel()}")
