"""A cohort folder written in parts, read one part at a time.

``journey simulate --chunk-size K`` (and any writer of the same layout) writes each table as a
folder of parts, ``DIR/<table>/part-NNNNN.<fmt>``, part k of every table from chunk k: the
customers of ``customers/part-k`` are the customers whose events and panel rows are in
``events/part-k`` and ``panel/part-k``. A folder with one file per table is one part.

:func:`iter_parts` yields the parts as :class:`~journey.schema.Journeys`, one in memory at a
time, each table checked against the schema, and checks (each a
:class:`~journey.errors.JourneyDataError` naming the files): the three tables are all single
files or all folders of parts with the same part names; in each part every ``customer_id`` of
events and panel is in that part's customers; the parts of a table hold the same columns; no
customer is in two parts (checked on the parts' id ranges, which are disjoint when simulated,
and on the ids themselves when two ranges overlap).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from journey.errors import JourneyDataError
from journey.schema import TABLES, Journeys
from journey.tables_io import locate, part_files, read_table

__all__ = ["Layout", "is_partitioned", "iter_parts", "layout", "read_part"]


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
                f"{folder}: {', '.join(m + '/' for m in missing)}"
                f" {'has' if len(missing) == 1 else 'have'} no part {stem}"
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


def iter_parts(folder: str | Path) -> Iterator[Journeys]:
    """The parts of a cohort folder, one at a time, with the checks of the module docstring
    (the last, no customer in two parts, when every part has been read)."""
    lay = layout(folder)
    ranges: list[tuple[int, int]] = []
    first: dict[str, set[str]] = {}
    for files in lay.parts:
        j = read_part(files)
        if not first:
            first = {name: set(getattr(j, name).columns) for name in TABLES}
        _same_columns(j, first, files, lay.parts[0])
        ids = j.customers["customer_id"].to_numpy()
        ranges.append((int(ids.min()), int(ids.max())) if ids.size else (0, -1))
        yield j
    _check_unique_ids(lay, ranges)
