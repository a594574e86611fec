"""``journey calibrate``: fit scenario parameters to a cohort of tables (a "twin")."""

from __future__ import annotations

import sys
from contextlib import nullcontext
from pathlib import Path
from typing import Annotated

import typer

from journey.cli.app import app
from journey.cli.data_commands import SchedulerOpt, _console
from journey.cli.errors import fail


def _names(values: list[str]) -> list[str]:
    """``--fit a --fit b`` or ``--fit a,b`` (or both) as one list."""
    return [n.strip() for v in values for n in v.split(",") if n.strip()]


@app.command()
def calibrate(
    data: Annotated[Path, typer.Option("--data", help="folder of journey tables (journey import"
                                                     " or journey simulate)")],
    fit: Annotated[list[str], typer.Option("--fit", help="scenario parameter(s) to fit;"
                                                        " repeat or comma-separate")],
    out: Annotated[str, typer.Option("--out", help="scenario YAML to write (with OUT.fit.md)")],
    preset: Annotated[str | None, typer.Option(help="start from a shipped preset")] = None,
    scenario: Annotated[Path | None, typer.Option(help="start from a scenario YAML")] = None,
    targets: Annotated[list[str] | None, typer.Option(
        "--targets", help="moments: survival, term_end, satisfaction, nps (default: all the"
                          " data hold)")] = None,
    horizon: Annotated[int | None, typer.Option(help="months matched (default: observed)")
                       ] = None,
    step: Annotated[int, typer.Option(help="months between survival moments")] = 3,
    customers: Annotated[int, typer.Option(help="prospects simulated per evaluation")] = 20_000,
    seed: Annotated[int, typer.Option(help="seed of every simulation (common random numbers)"
                                      )] = 0,
    max_evals: Annotated[int, typer.Option(help="simulations the search may spend")] = 200,
    segment: Annotated[str | None, typer.Option(help="calibrate to one customers.segment")
                       ] = None,
    force: Annotated[bool, typer.Option("--force", help="overwrite OUT and OUT.fit.md if they"
                                                       " exist")] = False,
    scheduler: SchedulerOpt = None,
) -> None:
    """Fit scenario parameters so the simulated cohort matches the data's moments.

    Method of simulated moments with common random numbers (docs/own-data.md, section 3).
    Writes OUT (a scenario every command and study accepts) and OUT with suffix .fit.md (the
    fit report: targets against simulated moments, parameters with 95% intervals); an existing
    OUT is kept unless --force. With --scheduler the simulations run on that dask cluster; the
    fit is the same.
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from journey.calibrate import MOMENTS, calibrate
    from journey.cluster import ClusterSimulator, connect  # dask only with --scheduler
    from journey.output_paths import check_output, write_texts
    from journey.scenario import Scenario, load_preset
    from journey.tables_io import read_journeys

    if (preset is None) == (scenario is None):
        fail("give exactly one of --preset NAME or --scenario FILE")
    path = check_output(out, kind="file")
    if path.suffix not in (".yaml", ".yml"):
        fail(f"--out must name a .yaml file, got '{out}'")
    report = path.with_suffix(".fit.md")
    if not force and (path.exists() or report.exists()):
        fail(f"--out {path}: {path if path.exists() else report} exists; pass --force to"
             " overwrite it (nothing was written)")
    base: Scenario = load_preset(preset) if preset else Scenario.from_yaml(scenario)
    j = read_journeys(data)
    client = connect(scheduler) if scheduler else None
    progress = Progress(TextColumn("calibrating"), BarColumn(), MofNCompleteColumn(),
                        TextColumn("loss {task.fields[loss]:.4g}"),
                        console=_stderr(), disable=not sys.stderr.isatty())
    with progress, client if client is not None else nullcontext():
        task = progress.add_task("cal", total=max_evals, loss=float("nan"))
        cal = calibrate(
            j, base, _names(fit), tuple(_names(targets or [])) or MOMENTS, horizon, step,
            customers, seed, max_evals, segment=segment,
            simulator=None if client is None else ClusterSimulator(client),
            on_evaluation=lambda k, q: progress.update(task, completed=min(k, max_evals),
                                                       loss=q))
    write_texts({path: cal.scenario.to_yaml(), report: cal.report() + "\n"}, force=True)
    _console().print(cal.report(), highlight=False, markup=False)
    _console().print(f"\nwrote {path} and {report}", highlight=False)


def _stderr():
    from rich.console import Console

    return Console(stderr=True)
