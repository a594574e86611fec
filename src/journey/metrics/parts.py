"""The metric suite on a cohort written in parts, one part in memory at a time.

``journey simulate --chunk-size K`` writes each table as a folder of parts,
``DIR/<table>/part-NNNNN.<fmt>``, part k of every table from chunk k: the customers of
``customers/part-k`` are the customers whose events and panel rows are in ``events/part-k``
and ``panel/part-k``. :func:`summarize_parts` reads the three tables of one part, checks that
they hold the same customers, reads every metric group's partial sums and counts from it
(:mod:`journey.metrics.suite`) and adds them to those of the parts before; the metrics are
finished from the totals. Peak memory is that of one part, whatever the number of parts.

The values equal :func:`journey.metrics.summarize` on the whole cohort read into memory:
counts exactly, means to the last bits of the floating-point sums (the additions run in
another order). A metric that needs the whole cohort at once (the loyal core's top share of
volume) is skipped with the reason when there is more than one part. A folder with one file
per table is one part.

Checks, each a :class:`~journey.errors.JourneyDataError` naming the files: the three tables
are all single files or all folders of parts with the same part names; in each part every
``customer_id`` of events and panel is in that part's customers; the parts of a table hold the
same columns; no customer is in two parts.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from journey.errors import JourneyDataError
from journey.metrics.suite import Options, Partials, SummaryReport, add, partials, report
from journey.metrics.value import Economics
from journey.schema import TABLES, Journeys
from journey.tables_io import locate, part_files, read_table

__all__ = ["Layout", "layout", "read_part", "summarize_parts"]


@dataclass(frozen=True)
class Layout:
    """Where the tables of a cohort folder are: ``parts[k][table]`` is part k's file."""

    folder: Path
    parts: list[dict[str, Path]]
    partitioned: bool


def is_partitioned(folder: str | Path) -> bool:
    """A cohort folder whose tables are folders of parts (``DIR/<table>/part-*``)."""
    folder = Path(folder)
    return folder.is_dir() and any((folder / name).is_dir() for name in TABLES)


def layout(folder: str | Path) -> Layout:
    """The parts of a cohort folder, matched by name across the three tables."""
    folder = Path(folder)
    if not folder.is_dir():
        raise JourneyDataError(f"{folder}: not a folder of journey tables")
    where = {name: locate(folder, name) for name in TABLES}
    folders = [name for name, p in where.items() if p.is_dir()]
    if not folders:
        return Layout(folder, [where], False)
    if len(folders) < len(TABLES):
        files = [where[n].name for n in TABLES if n not in folders]
        raise JourneyDataError(
            f"{folder}: {', '.join(files)} {'is one file' if len(files) == 1 else 'are files'}"
            f" but {', '.join(f + '/' for f in folders)} {'holds' if len(folders) == 1 else 'hold'}"
            " parts; expected every table as one file, or every table as a folder of parts"
            " with the same names")
    by_stem = {name: {p.stem: p for p in part_files(where[name])} for name in TABLES}
    stems = sorted(set().union(*by_stem.values()))
    for stem in stems:
        missing = [n for n in TABLES if stem not in by_stem[n]]
        if missing:
            has = next(by_stem[n][stem] for n in TABLES if n not in missing)
            raise JourneyDataError(
                f"{folder}: {', '.join(m + '/' for m in missing)} has no part {stem}"
                f" ({has.relative_to(folder)} exists); expected customers, events and panel"
                " to hold the same parts, part k of each with the same customers")
    return Layout(folder, [{n: by_stem[n][stem] for n in TABLES} for stem in stems], True)


def read_part(files: dict[str, Path]) -> Journeys:
    """The three tables of one part, each checked against the schema, and checked to hold the
    same customers (every id of events and panel in the part's customers)."""
    tables = {name: read_table(files[name], name) for name in TABLES}
    ids = tables["customers"]["customer_id"].to_numpy()
    for name in ("events", "panel"):
        cid = tables[name]["customer_id"].to_numpy()
        unknown = ~np.isin(cid, ids)
        if unknown.any():
            row = int(np.flatnonzero(unknown)[0])
            raise JourneyDataError(
                f"{files[name]}: column 'customer_id' data row {row + 1}: id {cid[row]} is not"
                f" in {files['customers']}; expected part k of events and panel to hold the"
                " customers of part k of customers (as journey simulate writes them)")
    return Journeys(**tables)


def _same_columns(j: Journeys, first: dict[str, set[str]], files: dict[str, Path],
                  first_files: dict[str, Path]) -> None:
    for name in TABLES:
        cols = set(getattr(j, name).columns)
        if cols != first[name]:
            diff = sorted(cols ^ first[name])
            raise JourneyDataError(
                f"{files[name]}: column(s) {', '.join(diff)} in one of this part and"
                f" {first_files[name]} but not the other; expected every part of {name} to"
                " hold the same columns")


def _check_unique_ids(lay: Layout, ranges: list[tuple[int, int]]) -> None:
    """No customer in two parts: the parts' id ranges are disjoint (as simulated), or, when
    two overlap, the ids of every part are read again and compared."""
    spans = sorted(r for r in ranges if r[1] >= r[0])
    if all(b[0] > a[1] for a, b in zip(spans[:-1], spans[1:], strict=True)):
        return
    ids = [read_table(p["customers"], "customers")["customer_id"].to_numpy() for p in lay.parts]
    owner = np.repeat(np.arange(len(ids)), [len(x) for x in ids])
    all_ids = np.concatenate(ids)
    sort = np.argsort(all_ids, kind="stable")
    dup = np.flatnonzero(np.diff(all_ids[sort]) == 0)
    if dup.size:
        i, j = sort[dup[0]], sort[dup[0] + 1]
        raise JourneyDataError(
            f"{lay.folder}: customer_id {all_ids[i]} is in {lay.parts[owner[i]]['customers']}"
            f" and {lay.parts[owner[j]]['customers']}; expected each customer in one part")


def summarize_parts(folder: str | Path, k: int = 6, economics: Economics | None = None,
                    s_threshold: float = 7.0, hostage_month: int = 12) -> SummaryReport:
    """:func:`journey.metrics.summarize` of the cohort in ``folder``, read one part at a time.

    The partial sums of every metric group are added over the parts and the metrics finished
    from the totals (module docstring). ``SummaryReport.parts`` says how many parts were read
    and ``prospects`` how many rows ``customers`` holds.
    """
    lay = layout(folder)
    opt = Options(k, economics, s_threshold, hostage_month)
    total: Partials | None = None
    ranges: list[tuple[int, int]] = []
    prospects = 0
    first: dict[str, set[str]] = {}
    for files in lay.parts:
        j = read_part(files)
        if not first:
            first = {name: set(getattr(j, name).columns) for name in TABLES}
        _same_columns(j, first, files, lay.parts[0])
        ids = j.customers["customer_id"].to_numpy()
        ranges.append((int(ids.min()), int(ids.max())) if ids.size else (0, -1))
        prospects += len(ids)
        p = partials(j, opt)
        total = p if total is None else add(total, p)
    _check_unique_ids(lay, ranges)
    assert total is not None
    rep = report(total, opt)
    rep.parts, rep.prospects = len(lay.parts), prospects
    return rep
