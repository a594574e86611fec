"""Property-based fuzzing of the table readers and the flat-file import (hypothesis).

A small valid cohort is mutated (odd values in random cells: NaN, inf, huge integers, NUL
characters, text in number columns, ...; changed dtypes; dropped, added or emptied columns;
emptied tables), written as CSV or Parquet and read back. Reading and validation must either
give valid journeys, whose tables have the schema's dtypes and validate again, or raise
:class:`journey.errors.JourneyError`: never another exception. ``journey.flat.from_flat`` is
fuzzed the same way with random flat frames. A valid cohort whose segment labels are arbitrary
text reads back from CSV unchanged.
"""

from __future__ import annotations

import functools
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from journey.errors import JourneyError
from journey.flat import from_flat
from journey.schema import TABLES, Journeys
from journey.tables_io import read_journeys, write_journeys

FUZZ = settings(max_examples=100, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@functools.cache
def _cohort() -> Journeys:
    from journey.scenario import load_preset
    from journey.simulate import simulate

    return simulate(load_preset("telecom"), 12, 6, seed=5)


def _copy(j: Journeys) -> Journeys:
    return Journeys(j.customers.copy(), j.events.copy(), j.panel.copy())


# text without lone surrogates, which no file format can hold
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=12)
ODD = st.one_of(
    st.none(),
    st.just(np.nan), st.just(np.inf), st.just(-np.inf), st.just(1e308), st.just(-0.0),
    st.just(2**63), st.just(2**64 - 1), st.just(-(2**63)), st.just(10**30),
    st.integers(-10**6, 10**6), st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.sampled_from(["", " ", "NA", "null", "nan", "inf", "True", "2024", "1.5", "a\x00b",
                     "18446744073709551615", "1e308", "exit", "survey", "courtship", "-1",
                     "x" * 300]),
    TEXT,
)


@st.composite
def mutation(draw):
    """(table, how, column, row, value): one change to make to the valid cohort."""
    table = draw(st.sampled_from(list(TABLES)))
    how = draw(st.sampled_from(["cell", "cell", "cell", "dtype", "drop", "extra", "empty",
                                "duplicate"]))
    names = list(_cohort().__dict__[table].columns)
    column = draw(st.sampled_from(names))
    row = draw(st.integers(0, 40))
    value = draw(ODD)
    return table, how, column, row, value


def _mutate(j: Journeys, table: str, how: str, column: str, row: int, value) -> None:
    df = getattr(j, table)
    if how == "cell" and len(df):
        s = df[column].astype(object)
        s.iloc[row % len(df)] = value
        try:  # keep the column's dtype when the value fits it, as a user's frame would
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # a value outside a categorical's categories
                s = s.astype(df[column].dtype)
        except (TypeError, ValueError, OverflowError):
            pass
        df[column] = s
    elif how == "dtype":
        df[column] = df[column].astype(str) if isinstance(value, str) else (
            df[column].astype(object))
    elif how == "drop":
        setattr(j, table, df.drop(columns=column))
    elif how == "extra":
        df["extra_col" if not isinstance(value, str) or not value else value[:20]] = value
    elif how == "empty":
        setattr(j, table, df.iloc[0:0])
    elif how == "duplicate" and len(df):
        setattr(j, table, pd.concat([df, df.iloc[[row % len(df)]]], ignore_index=True))


def _write(j: Journeys, out: Path, fmt: str) -> bool:
    """Write the (possibly broken) tables as a user would; False if the format cannot hold them."""
    out.mkdir()
    for name in TABLES:
        df = getattr(j, name)
        try:
            if fmt == "csv":
                df.to_csv(out / f"{name}.csv", index=False)
            else:
                df.to_parquet(out / f"{name}.parquet", index=False)
        except (pa.ArrowException, ValueError, TypeError, OverflowError, UnicodeError):
            return False
    return True


def _check_read(folder: Path) -> None:
    try:
        j = read_journeys(folder)
    except JourneyError:
        return
    j.validate()  # what was accepted stays valid
    for name in TABLES:
        df = getattr(j, name)
        for c in TABLES[name].columns:
            if c.name in df.columns:
                kind = {"int": "int64", "float": "float64", "bool": "bool"}.get(c.kind)
                assert kind is None or str(df[c.name].dtype) == kind, (name, c.name)


@FUZZ
@given(fmt=st.sampled_from(["csv", "parquet"]), changes=st.lists(mutation(), min_size=1,
                                                                 max_size=3))
def test_a_mutated_cohort_reads_as_journeys_or_a_journey_error(fmt, changes):
    j = _copy(_cohort())
    for change in changes:
        name, how, column, *_ = change
        if column not in getattr(j, name).columns:
            continue
        _mutate(j, *change)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "cohort"
        assume(_write(j, folder, fmt))
        _check_read(folder)


@FUZZ
@given(fmt=st.sampled_from(["csv", "parquet"]), cells=st.lists(
    st.tuples(st.sampled_from(list(TABLES)), st.integers(0, 10), st.integers(0, 40), ODD),
    min_size=1, max_size=4))
def test_odd_cells_in_any_column_give_journeys_or_a_journey_error(fmt, cells):
    """Cells replaced whatever the column, the column becoming object (as a hand-made frame)."""
    j = _copy(_cohort())
    for table, col, row, value in cells:
        df = getattr(j, table)
        name = df.columns[col % df.shape[1]]
        s = df[name].astype(object)
        s.iloc[row % len(df)] = value
        df[name] = s
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "cohort"
        assume(_write(j, folder, fmt))
        _check_read(folder)
    try:  # the in-memory tables, validated without a file
        j.validate()
    except JourneyError:
        pass


LABEL = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"),
                min_size=1, max_size=10)


@FUZZ
@given(labels=st.lists(st.one_of(LABEL, st.sampled_from(
    ["NA", "null", "NULL", "None", "nan", "NaN", "2024", "True", "false", "0", " x ", "a,b",
     'say "hi"', "two\nlines", "#", "-"])), min_size=1, max_size=12))
def test_segment_labels_round_trip_through_csv(labels):
    j = _copy(_cohort())
    seg = [labels[i % len(labels)] for i in range(len(j.customers))]
    j.customers["segment"] = pd.array(seg, dtype="string")
    j.validate()
    with tempfile.TemporaryDirectory() as tmp:
        write_journeys(j, Path(tmp) / "c", fmt="csv")
        back = read_journeys(Path(tmp) / "c")
    assert back.customers["segment"].tolist() == seg


FLAT_VALUE = st.one_of(st.none(), st.integers(-5, 700), st.floats(allow_nan=True,
                                                                  allow_infinity=True),
                       st.sampled_from(["", "Yes", "No", "yes", "1", "0", "NA", "-99", "1e308",
                                        "12", "3.5", "a\x00b", "inf"]), TEXT)


@st.composite
def flat_frame(draw):
    n = draw(st.integers(0, 8))
    cols = {name: draw(st.lists(FLAT_VALUE, min_size=n, max_size=n))
            for name in ("tenure", "churn", "id", "group", "price")}
    typed = {"tenure": st.integers(0, 72), "churn": st.sampled_from(["Yes", "No"]),
             "id": st.integers(0, 10**6), "price": st.floats(0, 200)}
    for name, strategy in typed.items():  # mostly plausible columns, with odd cells
        if draw(st.booleans()):
            cols[name] = [draw(strategy) if draw(st.integers(0, 4)) else v
                          for v in cols[name]]
    return pd.DataFrame(cols, dtype=object)


@FUZZ
@given(df=flat_frame(), use=st.fixed_dictionaries({
    "id": st.sampled_from([None, "id"]), "group": st.sampled_from([None, "group"]),
    "price": st.sampled_from([None, "price", "nope"]),
    "event_value": st.sampled_from([None, "Yes", "1"])}), as_file=st.booleans())
def test_from_flat_gives_journeys_or_a_journey_error(df, use, as_file):
    with tempfile.TemporaryDirectory() as tmp:
        data = df
        if as_file:
            data = Path(tmp) / "flat.csv"
            df.to_csv(data, index=False)
        try:
            j = from_flat(data, "tenure", "churn", **use)
        except JourneyError:
            return
    j.validate()
    assert len(j.customers) == len(df)


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_empty_tables_read_alike_from_csv_and_parquet(tmp_path, fmt):
    """A header-only CSV is the same table as the empty Parquet table."""
    j = _copy(_cohort())
    j = Journeys(j.customers, j.events.iloc[0:0], j.panel.iloc[0:0])
    write_journeys(j, tmp_path / "c", fmt=fmt)
    back = read_journeys(tmp_path / "c")
    ref = read_journeys(write_journeys(j, tmp_path / "ref", fmt="parquet"))
    for name in ("events", "panel"):
        assert len(getattr(back, name)) == 0
        pd.testing.assert_frame_equal(getattr(back, name), getattr(ref, name))
