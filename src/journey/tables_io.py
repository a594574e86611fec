"""Reading and writing the journey tables as CSV or Parquet (pyarrow), without loss of dtypes.

Layout of a cohort folder::

    DIR/customers.parquet  DIR/events.parquet  DIR/panel.parquet      (one file per table)
    DIR/customers/part-00000.parquet ...                             (a folder of parts, chunked)

Part k of every table holds the same customers (chunk k); :mod:`journey.parts_io` reads such
a folder one part at a time. CSV uses the same names with ``.csv``. Reading conforms each
table to the schema (:func:`journey.schema.conform`), so a table read back from CSV has the
dtypes it was written with. Writes go to a temporary folder that is renamed into place only
when every part is written, so a failed write leaves nothing behind. Each part file is itself
written under a temporary name and renamed (:func:`write_part`), so parts written by several
processes (workers of a cluster, a retried task writing the same part twice) never leave a
half-written file.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from journey.csv_text import read_csv_table
from journey.errors import JourneyIOError, ParameterError
from journey.messages import shown
from journey.output_paths import io_error, make_parents, remove_created
from journey.schema import (
    TABLES,
    JourneyDataError,
    Journeys,
    Place,
    Table,
    check_unique_key,
    conform,
)

Format = Literal["parquet", "csv"]
FORMATS = ("parquet", "csv")


def _write_one(df: pd.DataFrame, path: Path, fmt: Format) -> None:
    if fmt == "parquet":
        table = pa.Table.from_pandas(df, preserve_index=False)
        pq.write_table(table, path, compression="zstd")
    else:  # RFC 4180 line ends (CRLF): a text cell holding a lone "\r" is then quoted too
        df.to_csv(path, index=False, lineterminator="\r\n")


def part_path(stage: Path, table: str, index: int, fmt: Format) -> Path:
    return stage / table / f"part-{index:05d}.{fmt}"


def write_part(journeys: Journeys, stage: Path, index: int, fmt: Format = "parquet") -> None:
    """Write part ``index`` of each table into ``stage/<table>/`` (a temporary file renamed
    into place: whoever writes a part, and however often, the file is whole and the same)."""
    for name in TABLES:
        final = part_path(stage, name, index, fmt)
        tmp = final.with_name(f".{final.name}.{uuid.uuid4().hex[:12]}.tmp")
        try:
            _write_one(getattr(journeys, name), tmp, fmt)
            os.replace(tmp, final)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise


class CohortWriter:
    """Write a cohort chunk by chunk into ``out`` (atomic: all or nothing).

    Use as a context manager; on an exception the staging folder is removed, and so are the
    parent folders it created, and ``out`` is untouched. With one chunk each table is one file;
    with several, a folder of parts. The staging folder sits beside ``out`` (in its parent) when
    ``out`` does not exist yet, and is renamed to ``out``; inside ``out`` when it exists, its
    tables then renamed up one level. Either way every rename stays on one file system.
    """

    def __init__(self, out: str | Path, fmt: Format = "parquet", overwrite: bool = False):
        if fmt not in FORMATS:
            raise ParameterError(f"parameter 'format' must be one of {', '.join(FORMATS)},"
                                 f" got {fmt!r}")
        if not str(out).strip():
            raise JourneyIOError("parameter 'out' is empty; expected a folder to write")
        self.out = Path(out)
        self.fmt = fmt
        if self.out.exists() and not self.out.is_dir():
            raise JourneyIOError(f"{self.out}: is a file; expected a folder for the tables")
        if self.out.is_dir() and not overwrite:
            existing = [p.name for p in self.out.iterdir() if p.stem in TABLES]
            if existing:
                raise JourneyIOError(
                    f"{self.out}: already holds {', '.join(sorted(existing))}; choose an empty"
                    " folder (nothing was written)"
                )
        self._parts = 0
        self._stage: Path | None = None
        self._created: list[Path] = []

    def __enter__(self) -> CohortWriter:
        self._created = make_parents(self.out.parent)
        inside = self.out.is_dir()
        try:
            self._stage = Path(tempfile.mkdtemp(prefix=".journey-",
                                                dir=self.out if inside else self.out.parent))
            for name in TABLES:
                (self._stage / name).mkdir()
        except OSError as exc:
            self._abandon()
            raise io_error(exc, self.out, "write into") from None
        return self

    @property
    def stage(self) -> Path:
        """The staging folder (absolute) the parts are written into before the rename."""
        assert self._stage is not None, "use CohortWriter as a context manager"
        return self._stage.resolve()

    def write(self, journeys: Journeys) -> None:
        try:
            write_part(journeys, self.stage, self._parts, self.fmt)
        except OSError as exc:
            raise io_error(exc, self.out, "write the tables into") from None
        self._parts += 1

    def adopt(self, n_parts: int) -> None:
        """Take parts ``0 .. n_parts - 1`` written into :attr:`stage` by other processes
        (:func:`write_part` on a cluster's workers) as this cohort's; temporary files that lost
        writers left behind are removed."""
        for name in TABLES:
            for stray in (self.stage / name).glob(".part-*.tmp"):
                stray.unlink(missing_ok=True)
            missing = [i for i in range(n_parts)
                       if not part_path(self.stage, name, i, self.fmt).is_file()]
            if missing:
                raise JourneyIOError(f"{self.stage / name}: part {missing[0]} was not written")
        self._parts = n_parts

    def _abandon(self) -> None:
        if self._stage is not None:
            shutil.rmtree(self._stage, ignore_errors=True)
        remove_created(self._created)

    def __exit__(self, exc_type, exc, tb) -> None:
        assert self._stage is not None
        if exc_type is not None:
            self._abandon()
            return
        try:
            self._promote()
        except BaseException as err:
            self._abandon()
            if isinstance(err, OSError):
                raise io_error(err, self.out, "write the tables into") from None
            raise

    def _promote(self) -> None:
        stage = self._stage
        assert stage is not None
        if self._parts == 1:  # a single chunk: one file per table
            for name in TABLES:
                os.replace(stage / name / f"part-00000.{self.fmt}", stage / f"{name}.{self.fmt}")
                (stage / name).rmdir()
        if stage.parent != self.out:  # out did not exist: the stage becomes out
            os.rename(stage, self.out)
            return
        for entry in sorted(stage.iterdir()):
            target = self.out / entry.name
            if target.exists():
                shutil.rmtree(target) if target.is_dir() else target.unlink()
            os.replace(entry, target)
        stage.rmdir()


def write_journeys(journeys: Journeys | Iterable[Journeys], out: str | Path,
                   fmt: Format = "parquet", overwrite: bool = False) -> Path:
    """Write one cohort (or an iterable of chunks) to ``out``; returns ``out``."""
    chunks = [journeys] if isinstance(journeys, Journeys) else journeys
    with CohortWriter(out, fmt, overwrite) as w:
        for chunk in chunks:
            w.write(chunk)
    return Path(out)


def _read_file(path: Path, table: str) -> pd.DataFrame:
    try:
        if path.suffix == ".parquet":
            # one thread: no pyarrow worker may still run when an error ends the process
            # (apache/arrow#34314: "terminate called without an active exception" at exit)
            return pd.read_parquet(path, use_threads=False)
        if path.suffix == ".csv":
            return _typed_csv(read_csv_table(path), TABLES[table], str(path))
    except (OSError, ValueError, pa.ArrowException) as exc:
        if isinstance(exc, JourneyDataError):
            raise
        raise JourneyDataError(f"{path}: cannot be read ({shown(str(exc), 200)})") from None
    raise JourneyDataError(f"{path}: unknown file type; expected .parquet or .csv")


_BOOL_TEXT = {"True": True, "False": False, "true": True, "false": False, "1": True, "0": False}


def _typed_csv(text: pa.Table, table: Table, where: str) -> pd.DataFrame:
    """Convert a CSV read as text to the schema's kinds, column by column.

    Nothing is guessed: an empty cell is a missing value, and every other cell keeps its text
    (a segment called ``NA``, ``null``, ``2024`` or ``True`` stays a label). Cells that do not
    parse as the column's kind are reported with their row (1-based data row) and their text.
    Numbers are parsed by pyarrow; a column it cannot parse whole goes through pandas, which
    accepts a little more (``" 3"``, ``3.0`` in an integer column) and finds the faulty row.
    """
    out = {}
    kinds = {c.name: c.kind for c in table.columns}
    for name in text.column_names:
        arr = text.column(name)
        empty = pc.equal(arr, "").to_numpy(zero_copy_only=False).astype(bool, copy=False)
        kind = kinds.get(name)
        if kind == "category":  # a handful of labels: dictionary-encoded, checked per label
            out[name] = pd.Series(pc.dictionary_encode(_null_if_empty(arr)).to_pandas(),
                                  copy=False)
        elif kind == "str":
            out[name] = _text(arr).astype("string").mask(empty)
        elif kind == "bool":
            out[name] = _csv_bool(arr, empty, name, where)
        elif kind in ("int", "nullable_int", "float"):
            x = _fast_number(arr, empty, kind)
            out[name] = x if x is not None else _csv_number(_text(arr), empty, kind, name, where)
        else:  # a column outside the schema: numbers when every cell is one, text otherwise
            x = _fast_number(arr, empty, "float")
            if x is None:
                s = _text(arr)
                x = pd.to_numeric(s.mask(empty), errors="coerce")
                x = x if not (x.isna().to_numpy() & ~empty).any() else s.astype("string")
            out[name] = x
    return pd.DataFrame(out, index=pd.RangeIndex(text.num_rows))


def _text(arr: pa.ChunkedArray) -> pd.Series:
    return pd.Series(arr.to_pandas(), copy=False)


def _null_if_empty(arr: pa.ChunkedArray) -> pa.ChunkedArray:
    return pc.if_else(pc.equal(arr, ""), pa.scalar(None, pa.string()), arr)


def _fast_number(arr: pa.ChunkedArray, empty: np.ndarray, kind: str) -> pd.Series | None:
    """The column parsed by pyarrow (empty cells missing), or None when a cell does not parse
    or reads as NaN (pandas then decides and names the row)."""
    try:
        x = pc.cast(_null_if_empty(arr), pa.float64() if kind == "float" else pa.int64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    if kind == "float":
        v = x.to_numpy(zero_copy_only=False)
        return None if np.isnan(v[~empty]).any() else pd.Series(v)
    if not empty.any() and kind == "int":
        return pd.Series(x.to_numpy(zero_copy_only=False))
    values = pc.fill_null(x, 0).to_numpy(zero_copy_only=False)
    return pd.Series(pd.arrays.IntegerArray(values, empty))


def _csv_bool(arr: pa.ChunkedArray, empty: np.ndarray, name: str, where: str) -> pd.Series:
    """True/False (also true/false, 1/0)."""
    known = pc.is_in(arr, value_set=pa.array(list(_BOOL_TEXT))).to_numpy(zero_copy_only=False)
    _bad_cell(~known & ~empty, _text(arr), name, where, "True or False")
    truth = pc.is_in(arr, value_set=pa.array([k for k, v in _BOOL_TEXT.items() if v]))
    v = truth.to_numpy(zero_copy_only=False).astype(bool)
    if empty.any():
        return pd.Series(pd.arrays.BooleanArray(v, empty))
    return pd.Series(v)


def _csv_number(s: pd.Series, empty: np.ndarray, kind: str, name: str, where: str
                ) -> pd.Series:
    """Numbers of one column, by pandas; whole numbers within the 64-bit range for integer
    kinds (an unsigned 64-bit value is kept, so the schema reports it as the file writes it)."""
    x = pd.to_numeric(s.mask(empty), errors="coerce")
    _bad_cell(x.isna().to_numpy() & ~empty, s, name, where, "a number")
    if kind == "float":
        return x.astype("float64")
    if x.dtype.kind in "iu":
        return x
    v = x.to_numpy("float64", na_value=np.nan)
    _bad_cell(~np.isnan(v) & ~(np.isfinite(v) & (v == np.floor(v))), s, name, where,
              "a whole number")
    _bad_cell(np.abs(v) >= 2.0**63, s, name, where,
              "a whole number within the 64-bit integer range")
    return x.astype("Int64") if empty.any() or kind == "nullable_int" else x.astype("int64")


def _bad_cell(bad: np.ndarray, s: pd.Series, name: str, where: str, expected: str) -> None:
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise JourneyDataError(f"{where}: column {shown(name)} row {row + 1}: value"
                               f" {shown(s.iloc[row])}; expected {expected}")


def _table_name(path: Path) -> str:
    name = path.parent.name if path.stem.startswith("part-") else path.stem
    if name not in TABLES:
        raise JourneyDataError(
            f"{path}: cannot tell which table this is; expected a file named"
            f" {', '.join(TABLES)} (.parquet or .csv) or a part inside such a folder"
        )
    return name


def part_files(folder: Path) -> list[Path]:
    """The parts of a table folder in order: its ``.parquet`` and ``.csv`` files, hidden ones
    (a part still being written under a temporary name) left out."""
    parts = sorted(p for p in folder.iterdir()
                   if p.suffix in (".parquet", ".csv") and not p.name.startswith("."))
    if not parts:
        raise JourneyDataError(f"{folder}: folder holds no .parquet or .csv parts")
    return parts


def read_table(path: str | Path, table: str | None = None) -> pd.DataFrame:
    """Read one table file (or a folder of parts) and conform it to the schema."""
    return _read_table(Path(path), table)[0]


def _read_table(path: Path, table: str | None) -> tuple[pd.DataFrame, Place]:
    """The table and where its rows came from (for messages naming a part file's row)."""
    if not path.exists():
        raise JourneyDataError(f"{path}: no such file or folder")
    if path.is_dir():
        parts = part_files(path)
        name = table or path.name
        if name not in TABLES:
            raise JourneyDataError(f"{path}: folder name is not a table ({', '.join(TABLES)})")
        # each part is validated once, under its own file name and row numbers; across parts
        # only the key can clash
        frames = [conform(_read_file(p, name), name, str(p)) for p in parts]
        starts = np.r_[0, np.cumsum([len(f) for f in frames])[:-1]]
        place = Place(str(path), tuple(map(str, parts)), tuple(int(i) for i in starts))
        df = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
        check_unique_key(df, name, str(path), place)
        return df, place
    name = table or _table_name(path)
    return conform(_read_file(path, name), name, str(path)), Place.of(str(path))


def locate(folder: Path, name: str) -> Path:
    """The file or folder of parts holding table ``name`` in a cohort folder."""
    for cand in (folder / f"{name}.parquet", folder / f"{name}.csv", folder / name):
        if cand.exists():
            return cand
    raise JourneyDataError(f"{folder}: no '{name}' table (expected {name}.parquet,"
                           f" {name}.csv or a {name}/ folder of parts)")


def read_journeys(folder: str | Path) -> Journeys:
    """Read a cohort folder written by :func:`write_journeys` (or laid out the same way).

    Each table is validated as it is read (:func:`journey.schema.validate`), then the rules
    between the tables (:mod:`journey.rules`), whose messages name the files of both tables.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise JourneyDataError(f"{folder}: not a folder of journey tables")
    read = {name: _read_table(locate(folder, name), name) for name in TABLES}
    j = Journeys(**{name: df for name, (df, _) in read.items()})
    j.validate(places={name: place for name, (_, place) in read.items()}, tables=False)
    return j


def validate_path(path: str | Path) -> str:
    """Validate a cohort folder or a single table file; return a one-line description."""
    from journey.parts_io import is_partitioned, iter_parts

    path = Path(path)
    if is_partitioned(path) and path.name not in TABLES:  # one part in memory at a time
        n = [0, 0, 0, 0]
        for j in iter_parts(path):
            n = [n[0] + 1, n[1] + len(j.customers), n[2] + len(j.events), n[3] + len(j.panel)]
        return (f"{path}: valid ({n[1]} customers, {n[2]} events, {n[3]} panel rows;"
                f" {n[0]} parts, part k of each table holding the same customers)")
    if path.is_dir() and path.name not in TABLES:
        j = read_journeys(path)
        return (f"{path}: valid ({len(j.customers)} customers, {len(j.events)} events,"
                f" {len(j.panel)} panel rows)")
    df = read_table(path)
    return f"{path}: valid {_table_name(path) if path.is_file() else path.name} ({len(df)} rows)"
