"""``journey simulate``, ``journey validate`` and ``journey presets``."""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path
from typing import Annotated

import typer

from journey.cli.app import app
from journey.cli.errors import fail

# numpy, pandas and the simulator are imported inside the commands, so that commands which do
# not need them (``journey run`` on a cached study, ``journey list``) start fast. Errors are
# mapped once, for every command, in journey.cli.errors.

FORMATS = ("parquet", "csv")
DEFAULT_CHUNK = 16_000  # journey.simulate.DEFAULT_CHUNK; checked by the tests
SchedulerOpt = Annotated[str | None, typer.Option(
    "--scheduler", help="tcp://HOST:PORT of a dask scheduler to run on (docs/cluster.md);"
                        " default: this machine")]


def _console():
    from rich.console import Console

    return Console()


class Summary:
    """Running totals for the one-screen summary of a simulated cohort."""

    def __init__(self) -> None:
        self.prospects = self.signed = 0
        self.reasons: dict[str, int] = {}
        self.s_sum: dict[str, float] = {}
        self.s_n: dict[str, int] = {}

    @classmethod
    def of(cls, j) -> Summary:
        """The totals of one chunk (computed where the chunk is, e.g. on a cluster's worker)."""
        s = cls()
        s.add(j)
        return s

    def merge(self, other: Summary) -> None:
        """Add another chunk's totals (in chunk order, as :meth:`add` would have)."""
        self.prospects += other.prospects
        self.signed += other.signed
        for reason, k in other.reasons.items():
            self.reasons[reason] = self.reasons.get(reason, 0) + k
        for phase, v in other.s_sum.items():
            self.s_sum[phase] = self.s_sum.get(phase, 0.0) + v
            self.s_n[phase] = self.s_n.get(phase, 0) + other.s_n[phase]

    def add(self, j) -> None:
        c = j.customers
        self.prospects += len(c)
        self.signed += int(c["signed"].sum())
        for reason, k in c["exit_reason"].value_counts().items():
            self.reasons[str(reason)] = self.reasons.get(str(reason), 0) + int(k)
        g = j.panel.groupby("phase", observed=True)["S"].agg(["sum", "size"])
        for phase, row in g.iterrows():
            self.s_sum[str(phase)] = self.s_sum.get(str(phase), 0.0) + float(row["sum"])
            self.s_n[str(phase)] = self.s_n.get(str(phase), 0) + int(row["size"])

    def render(self, out: Path):
        from rich.table import Table

        t = Table(title=f"cohort written to {out}", show_header=True)
        t.add_column("measure")
        t.add_column("value", justify="right")
        t.add_row("prospects", f"{self.prospects:,}")
        t.add_row("signed", f"{self.signed:,} ({self.signed / max(self.prospects, 1):.1%})")
        exited = sum(self.reasons.values())
        t.add_row("exited", f"{exited:,} ({exited / max(self.signed, 1):.1%} of signed)")
        for reason, k in sorted(self.reasons.items(), key=lambda kv: -kv[1]):
            t.add_row(f"  exit: {reason}", f"{k:,}")
        for phase in ("courtship", "signing", "service", "renewal"):
            if self.s_n.get(phase):
                t.add_row(f"mean S, {phase}", f"{self.s_sum[phase] / self.s_n[phase]:.2f}")
        return t


@app.command()
def simulate(
    out: Annotated[str, typer.Option("--out", help="folder to write the tables into")],
    preset: Annotated[str | None, typer.Option(help="a shipped preset (see journey presets)")
                      ] = None,
    scenario: Annotated[Path | None, typer.Option(help="a scenario YAML file")] = None,
    customers: Annotated[int, typer.Option(help="prospects entering courtship")] = 10_000,
    months: Annotated[int, typer.Option(help="months followed after signing")] = 36,
    seed: Annotated[int, typer.Option(help="random seed")] = 0,
    fmt: Annotated[str, typer.Option("--format", help="parquet or csv")] = "parquet",
    chunk_size: Annotated[int, typer.Option(
        help="prospects per chunk (bounded memory), rounded down to whole blocks of 1,000;"
             " the cohort does not depend on it")] = DEFAULT_CHUNK,
    scheduler: SchedulerOpt = None,
) -> None:
    """Simulate a cohort and write customers, events and panel tables to OUT.

    With --scheduler each chunk is a task on that dask cluster, written by a worker into OUT's
    staging folder (OUT must be on storage the workers share); the tables are the same.
    """
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    from journey.cluster import connect, write_cohort_parts  # dask only with --scheduler
    from journey.output_paths import check_output
    from journey.scenario import Scenario, load_preset
    from journey.simulate import simulate_chunks
    from journey.tables_io import CohortWriter

    if (preset is None) == (scenario is None):
        fail("give exactly one of --preset NAME or --scenario FILE")
    if fmt not in FORMATS:
        fail(f"--format must be one of {', '.join(FORMATS)}, got '{fmt}'")
    folder = check_output(out)
    sc: Scenario = load_preset(preset) if preset else Scenario.from_yaml(scenario)
    summary = Summary()
    client = connect(scheduler) if scheduler else None
    progress = Progress(TextColumn("simulating"), BarColumn(), MofNCompleteColumn(),
                        TimeElapsedColumn(), console=Console(stderr=True),
                        disable=customers <= chunk_size)
    task = progress.add_task("sim", total=customers)
    chunks = simulate_chunks(sc, customers, months, seed, chunk_size,  # sizes checked here
                             on_chunk=lambda n: progress.advance(task, n))
    with progress, client if client is not None else nullcontext(), \
            CohortWriter(folder, fmt) as writer:
        if client is not None:
            tallies = write_cohort_parts(client, sc, customers, months, seed, chunk_size,
                                         writer.stage, fmt, Summary.of,
                                         lambda n: progress.advance(task, n))
            writer.adopt(len(tallies))
            for t in tallies:
                summary.merge(t)
        else:
            for part in chunks:
                writer.write(part)
                summary.add(part)
    _console().print(summary.render(folder))


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="a flat file, one row per customer (CSV, Parquet,"
                                              " Excel)")],
    out: Annotated[str, typer.Option("--out", help="folder to write the journey tables into")],
    duration: Annotated[str, typer.Option(help="column: time observed since signing (months"
                                               " unless the map says days or weeks)")],
    event: Annotated[str, typer.Option(help="column flagging the exit, as COL (yes/no, true/false,"
                                            " 1/0) or COL=VALUE (exit when COL equals VALUE)")],
    id_: Annotated[str | None, typer.Option("--id", help="column of customer ids")] = None,
    group: Annotated[str | None, typer.Option(help="column copied to customers.segment")] = None,
    price: Annotated[str | None, typer.Option(help="column of the monthly price")] = None,
    map_: Annotated[Path | None, typer.Option("--map", help="YAML map: term, exit reason,"
                                                           " surveys, events file, time unit,"
                                                           " missing codes")] = None,
    fmt: Annotated[str, typer.Option("--format", help="parquet or csv")] = "parquet",
) -> None:
    """Import a flat churn file (one row per customer) into journey tables in OUT.

    Time convention: a customer observed for d months who churned exits at month d (censored
    ones were last seen at month d), so the life table of the imported cohort equals the
    Kaplan-Meier estimate of (duration, event). Only columns the file holds are written.
    """
    from journey.flat import from_flat
    from journey.output_paths import check_output
    from journey.tables_io import write_journeys

    if fmt not in FORMATS:
        fail(f"--format must be one of {', '.join(FORMATS)}, got '{fmt}'")
    folder = check_output(out)
    col, _, value = event.partition("=")
    j = from_flat(file, duration, col, value or None, id=id_, group=group, price=price,
                  map=map_)
    write_journeys(j, folder, fmt)
    c = j.customers
    exits = int(c["exit_month"].notna().sum())
    kinds = j.events["kind"].value_counts()
    _console().print(
        f"imported {len(c):,} customers from {file} into {folder}: {exits:,} exits,"
        f" {len(c) - exits:,} censored; events: "
        + (", ".join(f"{k} {n:,}" for k, n in kinds.items() if n) or "none")
        + f"; columns: {', '.join(c.columns)}", highlight=False)


@app.command()
def metrics(
    path: Annotated[Path, typer.Argument(help="a folder of journey tables")],
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object instead")
                       ] = False,
) -> None:
    """The metric suite on a folder of tables: what the data support, and why the rest does
    not apply (e.g. no satisfaction column, no exit reasons, no model state).

    A folder of parts (journey simulate --chunk-size) is read one part at a time, whatever its
    size; the output says which way the metrics were computed."""
    import json
    import math

    from journey.metrics import summarize, summarize_parts
    from journey.parts_io import is_partitioned
    from journey.tables_io import read_journeys

    if is_partitioned(path):
        rep = summarize_parts(path)
        how = f"part by part ({rep.parts:,} parts, one in memory at a time)"
    else:
        rep = summarize(read_journeys(path))
        how = "in memory"
    if as_json:
        values = {k: (None if math.isnan(v) else v if math.isfinite(v) else str(v))
                  for k, v in rep.values.items()}
        print(json.dumps({"metrics": values, "skipped": rep.skipped,
                          "computed": how.split(" (")[0], "parts": rep.parts}, indent=2))
        return
    from rich.table import Table

    t = Table(title=f"metrics of {path} ({rep.prospects:,} customers; computed {how})")
    t.add_column("metric")
    t.add_column("value", justify="right")
    for k, v in rep.values.items():
        t.add_row(k, f"{v:.4g}")
    con = _console()
    con.print(t)
    for group, why in rep.skipped.items():
        con.print(f"skipped {group}: {why}", highlight=False, markup=False)


@app.command()
def validate(path: Annotated[Path, typer.Argument(help="a cohort folder or one table file")]
             ) -> None:
    """Check a cohort folder (or one table file) against the journey schema."""
    from journey.tables_io import validate_path

    _console().print(validate_path(path), highlight=False)


@app.command()
def presets(
    name: Annotated[str | None, typer.Argument(help="show one preset's parameters")] = None,
) -> None:
    """List the shipped scenario presets, or show one with its parameters."""
    import numpy as np
    import pandas as pd
    from rich.table import Table

    from journey.scenario import PRESETS, Scenario, load_preset

    console = _console()
    if name is None:
        t = Table(title="presets")
        t.add_column("name")
        t.add_column("term")
        t.add_column("fee")
        t.add_column("description")
        for p in PRESETS:
            sc = load_preset(p)
            t.add_row(p, f"{sc.term_months} m", f"{sc.fee_schedule} {sc.exit_fee:g}",
                      _first_comment(p))
        console.print(t)
        return
    sc = load_preset(name)
    rows = pd.DataFrame(Scenario.describe())
    rows["value"] = [getattr(sc, n) for n in rows["name"]]
    t = Table(title=f"preset {name}")
    for col in ("name", "value", "default", "unit", "note"):
        t.add_column(col)
    for _, r in rows.iterrows():
        changed = r["value"] != r["default"] if not isinstance(r["value"], float) else not (
            np.isclose(r["value"], r["default"]))
        style = "bold" if changed else None
        t.add_row(r["name"], str(r["value"]), str(r["default"]), r["unit"], r["note"],
                  style=style)
    console.print(t)


def _first_comment(preset: str) -> str:
    from importlib import resources

    text = resources.files("journey").joinpath("presets", f"{preset}.yaml").read_text()
    lines = [ln.lstrip("# ").rstrip() for ln in text.splitlines() if ln.startswith("#")]
    return " ".join(lines).split(". ")[0]
