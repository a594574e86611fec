"""A CSV file read as text, strictly: every cell a string, nothing guessed, faults named by row.

Journey reads CSV cells as text and converts them column by column to the kinds its schema
expects, so that a segment called ``NA``, ``null``, ``2024`` or ``True`` stays what the file
says and a number that does not parse can be reported with its row. This module does the
reading (pyarrow's CSV reader: fast, and strict about the number of fields) and turns
what cannot be read into one :class:`~journey.errors.JourneyDataError` naming the file, the data
row (the first row after the header is row 1; blank lines are skipped and not counted) and the
fault:

* an empty file, a header that names a column twice, a header of one column holding ``;`` or a
  tab (the file uses another separator);
* bytes that are not UTF-8 text (a BOM is accepted), a NUL character;
* a row with more or fewer fields than the header.
"""

from __future__ import annotations

import csv
import mmap
import re
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from journey.errors import JourneyDataError
from journey.messages import listed, shown

_NOT_UTF8 = re.compile("[\udc80-\udcff]+")  # undecodable bytes, as surrogateescape keeps them


def read_csv_text(path: str | Path) -> pd.DataFrame:
    """The CSV file at ``path`` as a frame of strings (``""`` for an empty cell), one column
    per header field; :class:`JourneyDataError` naming file and row when it cannot be read."""
    return read_csv_table(path).to_pandas()


def read_csv_table(path: str | Path) -> pa.Table:
    """As :func:`read_csv_text`, as a pyarrow table of string columns."""
    path = Path(path)
    header = _header(path)
    if _has_nul(path):
        _diagnose(path, header)
    try:
        table = pacsv.read_csv(  # one thread, as for Parquet (journey.tables_io._read_file)
            path,
            read_options=pacsv.ReadOptions(use_threads=False),
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                column_types={name: pa.string() for name in header},
                strings_can_be_null=False, quoted_strings_can_be_null=False),
        )
    except pa.ArrowInvalid as exc:
        _diagnose(path, header)
        raise JourneyDataError(f"{path}: cannot be read as CSV ({shown(str(exc), 200)})"
                               ) from None
    return table


def _open(path: Path):
    return open(path, encoding="utf-8-sig", errors="surrogateescape", newline="")


def _header(path: Path) -> list[str]:
    """The header's fields; refuses an empty file, undecodable or repeated names and a single
    column that looks like a line of another separator."""
    try:
        with _open(path) as f:
            header = next((row for row in csv.reader(f) if row), None)  # blank lines skipped
    except csv.Error as exc:
        raise JourneyDataError(f"{path}: the header (line 1) cannot be read as CSV ({exc})"
                               ) from None
    if not header:
        raise JourneyDataError(f"{path}: empty file; expected a header line naming the columns")
    for name in header:
        if _NOT_UTF8.search(name) or "\x00" in name:
            raise JourneyDataError(f"{path}: the header (line 1) holds {_bad_text(name)};"
                                   " expected UTF-8 text (save the file as 'CSV UTF-8')")
    names = pd.Index(header, dtype=object)
    twice = names[names.duplicated()].unique().tolist()
    if twice:
        raise JourneyDataError(f"{path}: the header names column(s) {listed(twice)} more than"
                               " once; expected each column once")
    if len(header) == 1:
        for sep, name in ((";", "';'"), ("\t", "a tab")):
            if sep in header[0]:
                raise JourneyDataError(
                    f"{path}: one column named {shown(header[0])}: the file seems to use {name}"
                    " as separator; expected comma-separated values (save it as CSV with"
                    " commas)")
    return header


def _has_nul(path: Path) -> bool:
    if path.stat().st_size == 0:
        return False
    with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as m:
        return m.find(b"\x00") >= 0


def _bad_text(text: str) -> str:
    """What is wrong with a cell: the undecodable bytes or the NUL character it holds."""
    m = _NOT_UTF8.search(text)
    if m:
        raw = m.group().encode("utf-8", "surrogateescape")[:8]
        return f"bytes {raw!r} that are not UTF-8 text"
    return "a NUL character"


def _diagnose(path: Path, header: list[str]) -> None:
    """Find the first data row that is not UTF-8 text, holds a NUL character or has the wrong
    number of fields, and raise naming it (the slow path, only when the fast reader failed)."""
    width = len(header)
    row = 0
    try:
        with _open(path) as f:
            reader = csv.reader(f)
            next(reader, None)
            for fields in reader:
                if not fields:
                    continue  # a blank line, skipped like the reader does
                row += 1
                for name, cell in zip(header, fields, strict=False):
                    if _NOT_UTF8.search(cell) or "\x00" in cell:
                        raise JourneyDataError(
                            f"{path}: column {shown(name)} row {row}: the cell holds"
                            f" {_bad_text(cell)}; expected UTF-8 text without NUL characters")
                if len(fields) != width:
                    raise JourneyDataError(
                        f"{path}: row {row} (line {reader.line_num}): {len(fields)} fields;"
                        f" expected {width}, one per column of the header")
    except csv.Error as exc:
        raise JourneyDataError(f"{path}: row {row + 1} cannot be read as CSV ({exc})") from None
