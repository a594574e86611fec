"""``journey run``, ``sweep``, ``list``, ``inspect``, ``report`` and ``kernel``.

Thin: parse options, call :mod:`journey.study`, print. A bad study, parameter or option is one line
on stderr and exit code 2 with nothing written and no kernel started; a notebook that raises is one
line on stderr and exit code 1 (the run is kept under ``failed/``).
"""

from __future__ import annotations

import sys
from typing import Annotated, NoReturn

import typer

from journey.cli.app import app

ReportsOpt = Annotated[str | None, typer.Option(
    "--reports", help="Reports directory (default: $JOURNEY_REPORTS or <project>/reports).")]
ParamOpt = Annotated[list[str] | None, typer.Option(
    "-p", "--param", help="Parameter as name=value (repeatable); typed by the notebook.")]


def _fail(message: str, code: int = 2) -> NoReturn:
    print(f"journey: error: {' '.join(str(message).split())}", file=sys.stderr)
    raise typer.Exit(code)


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
    timeout: Annotated[float | None, typer.Option(
        "--timeout", help="Seconds allowed per cell.", min=0.1)] = None,
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
    from journey.study.runner import StudyFailed, StudyUsageError, execute_plan, plan_run

    try:
        plan = plan_run(study, param, file, reports=reports)
    except StudyUsageError as exc:
        _fail(str(exc))
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
    timeout: Annotated[float | None, typer.Option(
        "--timeout", help="Seconds allowed per cell.", min=0.1)] = None,
    reports: ReportsOpt = None,
    scheduler: Annotated[str | None, typer.Option(
        "--scheduler", help="tcp://HOST:PORT of a dask scheduler to run the parameter sets on"
                            " instead of -j local processes (docs/cluster.md).")] = None,
) -> None:
    """Run the cartesian product of a parameter grid; resumable; writes a summary CSV and plot."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from journey.errors import JourneyError
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
    except (JourneyError, KernelError) as exc:  # StudyUsageError, a bad --scheduler
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
        for col in ("parameter", "type", "default", "help"):
            t.add_column(col)
        for p in specs:
            t.add_row(p.name, p.annotation, repr(p.default), p.help)
        console.print(t)


@app.command("inspect")
def inspect_cmd(
    study: Annotated[str, typer.Argument(help="Study name in notebooks/ or a .ipynb path.")],
    reports: ReportsOpt = None,
) -> None:
    """Show a study's parameters and its runs (good and failed)."""
    from rich.table import Table

    from journey.study import notebookfile
    from journey.study.index import collect
    from journey.study.locate import find_study, reports_root
    from journey.study.runner import StudyUsageError, study_parameters

    try:
        s = find_study(study)
        nb, specs = study_parameters(s)
    except (ValueError, StudyUsageError) as exc:
        _fail(str(exc))
    console = _console()
    console.print(f"[bold]{s.name}[/bold] — {notebookfile.title(nb)}\n  {s.path}")
    t = Table(title="parameters", title_justify="left")
    for col in ("parameter", "type", "default", "help"):
        t.add_column(col)
    for p in specs:
        t.add_row(p.name, p.annotation, repr(p.default), p.help)
    console.print(t)
    root = reports_root(reports)
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


@app.command("report")
def report_cmd(reports: ReportsOpt = None) -> None:
    """Rebuild reports/index.html from every run on disk."""
    from journey.study.index import build_index
    from journey.study.locate import reports_root

    print(build_index(reports_root(reports)))


@app.command("kernel")
def kernel_cmd() -> None:
    """Install (or refresh) the 'journey' Jupyter kernel for this environment."""
    from journey.study.kernel import install_kernel

    print(f"installed kernel 'journey' in {install_kernel()}")
