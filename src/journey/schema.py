"""The three journey tables: ``customers``, ``events`` and ``panel``.

Real data and simulated data meet here. Every table has documented columns, dtypes and
vocabularies; :func:`validate` checks a table and raises :class:`JourneyDataError` naming the
file, column, row and the expected value; :func:`conform` brings a table read from CSV or
Parquet back to the canonical dtypes.

Time runs in whole months relative to signing: courtship months are negative, the signing
month is 0, service months are positive (see ``docs/model.md``, "Time axis").
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from journey.errors import JourneyDataError
from journey.messages import listed, shown

PHASES = ("courtship", "signing", "service", "renewal", "exit")
ACTORS = ("sales", "service", "collections", "community", "platform")
CHANNELS = ("face", "phone", "email", "letter", "platform")
EVENT_KINDS = (
    "contact",  # a sales contact during courtship
    "offer",  # the final offer at the end of courtship
    "signing",  # the contract is signed (month 0)
    "contract_read",  # the customer read the contract before signing
    "problem",  # the customer met a problem and called the service line
    "resolution",  # the problem was solved
    "clause_shock",  # an unread clause bit when a problem occurred
    "care_call",  # outbound call asking how things are
    "upsell_call",  # outbound call with a new offer
    "collection_call",  # outbound debt-collection call
    "staff_change",  # the customer's contact person left
    "survey",  # a satisfaction survey was answered (``rating`` holds the answer)
    "recommend",  # likelihood-to-recommend item answered, 0-10 (``rating``; for NPS)
    "rollover",  # the term ended and the customer stayed, month to month
    "recontract",  # the term ended and the customer signed a new term
    "idea",  # a partner sent an idea to the firm
    "idea_adopted",  # the firm adopted a partner's idea ("being heard")
    "platform_announce",  # the firm announced it will leave an external platform
    "platform_exit",  # the firm left the platform
    "exit",  # the relationship ended
)
EXIT_REASONS = ("dissatisfaction", "competitor", "term_end", "forced", "other")
FEE_SCHEDULES = ("none", "flat", "declining")
RATED_KINDS = ("survey", "recommend")  # the event kinds whose ``rating`` holds an answer

# Bounds that catch unit and typing mistakes (a month count of 5,000, a price of 1e308) before
# they reach a metric: CLV of an infinite price is infinite.
MAX_MONTHS = 600  # 50 years: month counts lie in 0 … 600, event and panel months in −600 … 600
MAX_AMOUNT = 1e7  # a monthly price or volume of ten million or more is a typing mistake

Kind = Literal["int", "float", "bool", "str", "category", "nullable_int"]


@dataclass(frozen=True)
class Column:
    """One documented column: its kind, meaning and the values it may take."""

    name: str
    kind: Kind
    doc: str
    vocab: tuple[str, ...] = ()
    nullable: bool = False
    lo: float | None = None
    hi: float | None = None
    model_only: bool = False  # exists only in simulated data (real data may lack it)
    optional: bool = False  # real data may lack it (model-only columns are optional too)

    @property
    def required(self) -> bool:
        """A table must carry this column (real data included)."""
        return not (self.optional or self.model_only)


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    doc: str = ""

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]


CUSTOMERS = Table(
    "customers",
    (
        Column("customer_id", "int", "unique id of the relationship", lo=0),
        Column("segment", "str", "segment label set by the scenario or the data", optional=True),
        Column("courtship_months", "int", "months of courtship before signing", lo=0,
               hi=MAX_MONTHS, optional=True),
        Column("signed", "bool", "the prospect signed a contract", optional=True),
        Column("signed_month", "int", "calendar month of signing (cohort clock)", lo=0,
               hi=MAX_MONTHS, optional=True),
        Column("term_months", "int", "contract term in months; 0 = no fixed term", lo=0,
               hi=MAX_MONTHS, optional=True),
        Column("fee_schedule", "category", "early-termination fee schedule", FEE_SCHEDULES,
               optional=True),
        Column("exit_fee", "float", "exit fee at signing, in months of price", lo=0,
               hi=MAX_MONTHS, optional=True),
        Column("price", "float", "monthly price", lo=0, hi=MAX_AMOUNT, optional=True),
        Column("read_contract", "bool", "the customer read the contract before signing",
               optional=True),
        Column("is_partner", "bool", "a partner (share-of-wallet) rather than a customer",
               optional=True),
        Column("volume", "float", "partner's monthly volume at full share (1 for customers)", lo=0,
               hi=MAX_AMOUNT, optional=True),
        Column("owned_contact", "bool", "contact data is kept in the firm's own system",
               optional=True),
        Column("expectation", "float", "expectation E at signing (0-10); empty if unobserved",
               nullable=True, lo=0, hi=10, model_only=True),
        Column("mental_trait", "float", "disposition to stay (mental barrier multiplier)", lo=0,
               model_only=True),
        Column("frailty", "float", "unobserved churn propensity z (multiplies the exit odds;"
               " mean 1)", lo=0, model_only=True),
        Column("exit_month", "nullable_int", "months since signing at exit; empty if censored",
               nullable=True, lo=0, hi=MAX_MONTHS),
        Column("exit_reason", "category", "why the relationship ended; empty if censored",
               EXIT_REASONS, nullable=True, optional=True),
        Column("tenure_months", "int", "service months observed (alive at the month's start)",
               lo=0, hi=MAX_MONTHS + 1),
        Column("source_id", "str", "the customer's id as the imported file wrote it (text ids)",
               optional=True),
    ),
    key=("customer_id",),
    doc="one row per relationship (prospects that never signed included)",
)

EVENTS = Table(
    "events",
    (
        Column("customer_id", "int", "relationship id (customers.customer_id)", lo=0),
        Column("month", "int", "months since signing; negative in courtship", lo=-MAX_MONTHS,
               hi=MAX_MONTHS),
        Column("phase", "category", "phase of the relationship", PHASES, optional=True),
        Column("channel", "category", "where the touchpoint happened", CHANNELS, optional=True),
        Column("actor", "category", "who acted for the firm", ACTORS, optional=True),
        Column("kind", "category", "what happened", EVENT_KINDS),
        Column("rating", "float", "answer 0-10 (survey and recommend events only)", nullable=True,
               lo=0, hi=10, optional=True),
    ),
    key=(),
    doc="the touchpoint log",
)

PANEL = Table(
    "panel",
    (
        Column("customer_id", "int", "relationship id (customers.customer_id)", lo=0),
        Column("month", "int", "months since signing; negative in courtship", lo=-MAX_MONTHS,
               hi=MAX_MONTHS),
        Column("phase", "category", "phase of the relationship this month", PHASES, optional=True),
        Column("E", "float", "expectation (0-10)", lo=0, hi=10, model_only=True),
        Column("Q", "float", "perceived quality of this month's treatment (0-10)", lo=0, hi=10,
               model_only=True),
        Column("D", "float", "disconfirmation Q - E (Oliver 1980)", lo=-10, hi=10,
               model_only=True),
        Column("S", "float", "satisfaction (0-10)", lo=0, hi=10, optional=True),
        Column("R", "float", "relational bond (0-1)", lo=0, hi=1, model_only=True),
        Column("F", "float", "financial barrier, months of price", lo=0, model_only=True),
        Column("P", "float", "procedural barrier, months of price", lo=0, model_only=True),
        Column("M", "float", "mental/relational barrier, months of price", lo=0,
               model_only=True),
        Column("C", "float", "competitor attractiveness", model_only=True),
        Column("h", "float", "exit hazard this month", lo=0, hi=1, model_only=True),
        Column("h0", "float", "exit hazard without barriers (B = 0)", lo=0, hi=1,
               model_only=True),
        Column("rolled_over", "bool", "month to month after a lapsed term (not re-contracted)",
               model_only=True),
        Column("exited", "bool", "the relationship ended during this month", optional=True),
        Column("alive", "bool", "alive at the end of this month", optional=True),
        Column("share_of_wallet", "float", "share of the partner's volume with the firm", lo=0,
               hi=1, optional=True),
        Column("platform_share", "float", "share of dialogue carried by an external platform",
               lo=0, hi=1, optional=True),
        Column("reachable", "bool", "the firm can still reach the customer", optional=True),
    ),
    key=("customer_id", "month"),
    doc="one row per customer-month, courtship months and the service months alive",
)

TABLES: dict[str, Table] = {t.name: t for t in (CUSTOMERS, EVENTS, PANEL)}
MODEL_ONLY: dict[str, list[str]] = {
    t.name: [c.name for c in t.columns if c.model_only] for t in TABLES.values()
}


def required_columns(table: str | Table) -> list[str]:
    """The columns every ``table`` must carry; all others are optional (real data may lack them)."""
    t = TABLES[table] if isinstance(table, str) else table
    return [c.name for c in t.columns if c.required]


def _where(source: str | None, table: Table) -> str:
    return source if source else table.name


def _first_row(mask: np.ndarray) -> int:
    return int(np.flatnonzero(mask)[0])


@dataclass(frozen=True)
class Place:
    """Where a table's rows came from, to name a row in a message: the table's ``label`` (its
    file, or its folder of parts), the ``files`` and the first row of each in the table."""

    label: str
    files: tuple[str, ...]
    starts: tuple[int, ...] = (0,)

    @classmethod
    def of(cls, label: str) -> Place:
        """A table held in one file (or in memory) named ``label``."""
        return cls(label, (label,))

    def row(self, i: int) -> str:
        """``<file> row <n>`` for row ``i`` (0-based) of the table; ``n`` counts from 1."""
        k = bisect_right(self.starts, i) - 1
        return f"{self.files[k]} row {i - self.starts[k] + 1}"

    def at(self, column: str, i: int) -> str:
        """``<file>: column '<column>' row <n>``."""
        k = bisect_right(self.starts, i) - 1
        return f"{self.files[k]}: column {shown(column)} row {i - self.starts[k] + 1}"


def _dtype_ok(s: pd.Series, kind: Kind) -> bool:
    if kind == "int":
        return pd.api.types.is_integer_dtype(s.dtype) and not s.isna().any()
    if kind == "nullable_int":
        if pd.api.types.is_integer_dtype(s.dtype):
            return True
        x = s.to_numpy(dtype="float64", na_value=np.nan) if pd.api.types.is_float_dtype(
            s.dtype) else None
        return x is not None and bool(np.all(np.isnan(x) | (x == np.floor(x))))
    if kind == "float":
        return (pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype)
                and not pd.api.types.is_complex_dtype(s.dtype))
    if kind == "bool":
        return pd.api.types.is_bool_dtype(s.dtype)
    if kind in ("str", "category"):
        if len(s) and s.isna().all():  # an all-empty column reads back from CSV as float
            return True
        return isinstance(s.dtype, pd.CategoricalDtype) or pd.api.types.is_string_dtype(s.dtype)
    raise AssertionError(kind)


_EXPECTED = {
    "int": "integers without gaps",
    "nullable_int": "integers or empty",
    "float": "numbers",
    "bool": "True/False",
    "str": "text",
    "category": "text",
}
_INT64_MAX = np.iinfo(np.int64).max


def validate(df: pd.DataFrame, table: str | Table, source: str | None = None,
             require_model_columns: bool = False, place: Place | None = None) -> None:
    """Check one table against the schema; raise :class:`JourneyDataError` on the first fault.

    The message reads ``<file>: column '<col>' row <n>: <what is wrong>; expected <what>``,
    ``n`` the 1-based data row (the first row after a CSV header is row 1). Only the required
    columns (:func:`required_columns`) must be present: optional columns, which real data may
    lack (contract details, partner fields, satisfaction), are checked when present, and
    model-only columns (E, Q, D, R, F, P, M, C, h, h0, ...) may be absent unless
    ``require_model_columns`` is set.

    Each column is checked for its kind, emptiness, vocabulary, finiteness and range
    (``Column.lo`` … ``Column.hi``; months within ``0 … MAX_MONTHS``, prices and volumes below
    ``MAX_AMOUNT``); text may not be empty or hold a NUL character. Then the rules between the
    columns of one row (:mod:`journey.rules`) and the table's key.
    """
    from journey import rules  # rules reads the vocabularies defined here

    t = TABLES[table] if isinstance(table, str) else table
    where = _where(source, t)
    place = place or Place.of(where)
    if not isinstance(df, pd.DataFrame):
        raise JourneyDataError(f"{where}: expected a pandas DataFrame, got {type(df).__name__}")
    if not df.columns.is_unique:
        twice = df.columns[df.columns.duplicated()].unique()
        raise JourneyDataError(f"{where}: column(s) {listed(twice)} appear more than once;"
                               " expected each column once")
    for c in t.columns:
        if c.name not in df.columns:
            if not c.required and not (c.model_only and require_model_columns):
                continue
            raise JourneyDataError(
                f"{where}: column '{c.name}' is missing; expected {c.doc} ({c.kind})"
            )
        _check_column(df[c.name], c, place)
    if t.name == "customers":
        rules.customer_rules(df, place)
    elif t.name == "events":
        rules.event_rules(df, place)
    rules.phase_rules(df, place)
    check_unique_key(df, t, where, place)


def _check_column(s: pd.Series, c: Column, place: Place) -> None:
    """Kind, emptiness, vocabulary, finiteness and range of one column."""
    if not _dtype_ok(s, c.kind):
        _wrong_kind(s, c, place)
    na = s.isna().to_numpy()
    if c.kind == "str":
        na = na | (s == "").to_numpy(dtype=bool, na_value=False)
    if not c.nullable and na.any():
        row = _first_row(na)
        raise JourneyDataError(f"{place.at(c.name, row)}: empty value; expected {c.doc}")
    if c.kind in ("str", "category"):
        _check_text(s, c, place)
    if c.kind in ("int", "nullable_int", "float"):
        _check_number(s, c, place)


def _wrong_kind(s: pd.Series, c: Column, place: Place) -> None:
    """Raise for a column of the wrong dtype, naming the first cell that is not of the kind
    (an empty cell, a fraction, text in a number column) when there is one."""
    numeric = c.kind in ("int", "nullable_int", "float")
    if numeric and not pd.api.types.is_bool_dtype(s.dtype):
        x = _as_numbers(s)
        bad = s.notna().to_numpy() & np.isnan(x)
        if c.kind != "float":
            bad |= np.isfinite(x) & (x != np.floor(x))
        if c.kind == "int":
            bad |= s.isna().to_numpy()
        if bad.any():
            row = _first_row(bad)
            what = "empty value" if pd.isna(s.iloc[row]) else f"value {shown(s.iloc[row])}"
            raise JourneyDataError(f"{place.at(c.name, row)}: {what}; expected"
                                   f" {_EXPECTED[c.kind]} ({c.doc})")
    stored = " (numbers stored as text)" if numeric and not pd.api.types.is_numeric_dtype(
        s.dtype) else ""
    raise JourneyDataError(f"{place.label}: column '{c.name}' has dtype {s.dtype}{stored};"
                           " expected"
                           f" {_EXPECTED[c.kind]} ({c.doc})")


def _as_numbers(s: pd.Series) -> np.ndarray:
    """The cells as floats, NaN where a cell is empty or not a number."""
    if pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_complex_dtype(s.dtype):
        return s.to_numpy(dtype="float64", na_value=np.nan)
    if pd.api.types.is_string_dtype(s.dtype) and s.dtype != object:
        return pd.to_numeric(s, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    return np.array([_number(v) for v in s.to_numpy()], dtype="float64")


def _number(v: object) -> float:
    """A cell of an object column as a float; NaN when it is not a number."""
    if isinstance(v, bool | np.bool_ | complex | np.complexfloating) or not isinstance(
            v, int | float | np.number):
        return np.nan
    try:
        return float(v)
    except (OverflowError, TypeError, ValueError):
        return np.nan


def _check_text(s: pd.Series, c: Column, place: Place) -> None:
    """Vocabulary of a category column; no NUL character in text (checked on the distinct
    values: a column of millions of rows holds a handful of labels)."""
    codes, uniques = pd.factorize(s)
    values = np.asarray(uniques, dtype=object)
    if c.vocab:
        bad_value = ~np.isin(values, np.array(c.vocab, dtype=object))
        expected = f"one of {', '.join(c.vocab)}"
        what = "unknown value"
    else:
        bad_value = np.array(["\x00" in str(v) for v in values], dtype=bool)
        expected = "text without NUL characters"
        what = "value"
    if bad_value.any():
        row = _first_row(np.isin(codes, np.flatnonzero(bad_value)))
        raise JourneyDataError(f"{place.at(c.name, row)}: {what} {shown(s.iloc[row])};"
                               f" expected {expected}")


def _check_number(s: pd.Series, c: Column, place: Place) -> None:
    """Whole numbers within int64, finite values, and the column's range."""
    if s.dtype.kind == "u":  # unsigned 64-bit values beyond int64 would wrap to negatives
        big = (s > _INT64_MAX).to_numpy(dtype=bool, na_value=False)
        if big.any():
            row = _first_row(big)
            raise JourneyDataError(f"{place.at(c.name, row)}: value {s.iloc[row]} is too large;"
                                   f" expected {c.doc} at most {_INT64_MAX}")
    x = s.to_numpy(dtype="float64", na_value=np.nan)
    inf = np.isinf(x)
    if inf.any():
        row = _first_row(inf)
        raise JourneyDataError(f"{place.at(c.name, row)}: value {x[row]:g}; expected a finite"
                               f" number ({c.doc})")
    if c.lo is None and c.hi is None:
        return
    lo = -np.inf if c.lo is None else c.lo
    hi = np.inf if c.hi is None else c.hi
    bad = (x < lo - 1e-9) | (x > hi + 1e-9)  # NaN compares False
    if bad.any():
        row = _first_row(bad)
        raise JourneyDataError(
            f"{place.at(c.name, row)}: value {shown(s.iloc[row])} out of range; expected"
            f" {c.doc} within [{_bound(lo)}, {_bound(hi)}]")


def _bound(v: float) -> str:
    return f"{int(v):,}" if np.isfinite(v) and v == int(v) else f"{v:g}"


def check_unique_key(df: pd.DataFrame, table: str | Table, where: str,
                     place: Place | None = None) -> None:
    """Raise :class:`JourneyDataError` at the first row repeating the table's key
    (``place`` names the row's file when the table was read from several)."""
    t = TABLES[table] if isinstance(table, str) else table
    if not t.key:
        return
    dup = _repeated(df, t.key)
    if dup.any():
        row = _first_row(dup)
        key = ", ".join(f"{k}={df[k].iloc[row]}" for k in t.key)
        at = (place or Place.of(where)).at(t.key[-1], row)
        raise JourneyDataError(f"{at}: duplicate key ({key}); expected one row per"
                               f" {' and '.join(t.key)}")


def _repeated(df: pd.DataFrame, key: tuple[str, ...]) -> np.ndarray:
    """Rows repeating an earlier row's key. A (customer_id, month) key of validated columns is
    packed into one integer, ``id · (2·MAX_MONTHS + 1) + month + MAX_MONTHS``, when the ids
    allow it (a single-column hash is several times faster than a two-column one)."""
    if key == ("customer_id", "month") and len(df):
        cid, month = df["customer_id"].to_numpy(), df["month"].to_numpy()
        span = 2 * MAX_MONTHS + 1
        if (cid.dtype.kind in "iu" and month.dtype.kind in "iu" and cid.min() >= 0
                and cid.max() < np.iinfo(np.int64).max // span
                and month.min() >= -MAX_MONTHS and month.max() <= MAX_MONTHS):
            packed = cid.astype(np.int64) * span + (month.astype(np.int64) + MAX_MONTHS)
            return pd.Series(packed).duplicated().to_numpy()
    return df.duplicated(list(key)).to_numpy()


def conform(df: pd.DataFrame, table: str | Table, source: str | None = None,
            place: Place | None = None) -> pd.DataFrame:
    """Return ``df`` with the canonical dtypes and column order of ``table`` (after validation).

    Canonical dtypes: ``int64``, ``float64``, ``bool``, pandas ``string``, ``Int64`` for
    nullable integers and a fixed-vocabulary ``category`` for vocabulary columns, so that a
    table read from CSV equals the one written to Parquet.
    """
    t = TABLES[table] if isinstance(table, str) else table
    validate(df, t, source, place=place)
    out = {}
    for c in t.columns:
        if c.name not in df.columns:
            continue
        s = df[c.name]
        if c.kind == "int":
            s = s.astype("int64")
        elif c.kind == "nullable_int":
            s = s.astype("Int64")
        elif c.kind == "float":
            s = s.astype("float64")
        elif c.kind == "bool":
            s = s.astype("bool")
        elif c.kind == "str":
            s = s.astype("string")
        else:
            s = _as_category(s, c.vocab)
        out[c.name] = s.reset_index(drop=True)
    extra = [c for c in df.columns if c not in t.names]
    for c in extra:
        out[c] = df[c].reset_index(drop=True)
    return pd.DataFrame(out)


def _as_category(s: pd.Series, vocab: tuple[str, ...]) -> pd.Series:
    """``s`` as the fixed-vocabulary category (values already checked against ``vocab``);
    through the distinct values, so millions of rows cost one pass."""
    dtype = pd.CategoricalDtype(list(vocab))
    if isinstance(s.dtype, pd.CategoricalDtype) and list(s.dtype.categories) == list(vocab) and (
            not s.dtype.ordered):  # (== between unordered categoricals ignores the order)
        return s
    codes, uniques = pd.factorize(s)
    lookup = pd.Index(list(vocab)).get_indexer(np.asarray(uniques, dtype=object))
    new = np.where(codes < 0, -1, lookup[codes] if lookup.size else -1)
    return pd.Series(pd.Categorical.from_codes(new, dtype=dtype), index=s.index, name=s.name)


@dataclass
class Journeys:
    """The three tables of one cohort, simulated or real."""

    customers: pd.DataFrame
    events: pd.DataFrame
    panel: pd.DataFrame

    def validate(self, source: str | None = None, places: dict | None = None,
                 tables: bool = True) -> None:
        """Validate each table and the rules between them (:mod:`journey.rules`: ids known to
        ``customers``, no rows after a customer's exit, ...).

        ``source`` prefixes the table names in messages; ``places`` (table name →
        :class:`journey.rules.Place`) names the files the rows came from; ``tables=False``
        skips the per-table checks when the tables were validated as they were read.
        """
        from journey.rules import link_rules

        prefix = f"{source}/" if source else ""
        places = places or {name: Place.of(f"{prefix}{name}") for name in TABLES}
        if tables:
            for name in TABLES:
                validate(getattr(self, name), name, places[name].label)
        link_rules(self.customers, {"events": self.events, "panel": self.panel}, places)

    def only(self, customer_ids: np.ndarray) -> Journeys:
        """The same cohort restricted to ``customer_ids`` (rows of all three tables)."""
        ids = np.asarray(customer_ids)

        def keep(df: pd.DataFrame) -> pd.DataFrame:
            if "customer_id" not in df.columns:  # an empty table given without columns
                return df
            return df.loc[np.isin(df["customer_id"].to_numpy(), ids)]

        return Journeys(keep(self.customers), keep(self.events), keep(self.panel))

    def signed(self) -> np.ndarray:
        """Boolean mask of signed customers (all of them when the data hold no ``signed``)."""
        c = self.customers
        if "signed" not in c.columns:
            return np.ones(len(c), dtype=bool)
        return c["signed"].to_numpy(dtype=bool)

    def has_model_columns(self) -> bool:
        """True when the panel carries the simulator-only state (E, Q, ..., h, h0)."""
        return all(c in self.panel.columns for c in MODEL_ONLY["panel"])

    def __len__(self) -> int:
        return len(self.customers)


@dataclass(frozen=True)
class Durations:
    """Each signed customer ever at risk: ``ids``, the last month at risk ``last =
    tenure_months − 1`` (the exit month for an exit; docs/model.md, time axis) and ``exited``."""

    ids: np.ndarray
    last: np.ndarray
    exited: np.ndarray

    def counts(self, size: int | None = None, weights: np.ndarray | None = None
               ) -> tuple[np.ndarray, np.ndarray]:
        """(at_risk, exits) per month ``0 … size − 1`` (default: up to the last month seen),
        each customer counted with its ``weight`` (1 by default; bootstrap weights)."""
        if size is None:
            size = int(self.last.max()) + 1 if self.last.size else 0
        if size == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        w = np.ones(self.last.size) if weights is None else weights
        # customers seen past the window are at risk in every month of it
        at = np.bincount(np.minimum(self.last, size - 1), weights=w, minlength=size)
        at = at[::-1].cumsum()[::-1]
        ex = np.bincount(self.last[self.exited], weights=w[self.exited], minlength=size + 1)
        return (at.astype(np.int64) if weights is None else at), ex[:size]


def durations(customers: pd.DataFrame, what: str) -> Durations:
    """:class:`Durations` of the signed customers with service months (``tenure_months > 0``);
    a clear error naming ``what`` when the table lacks ``tenure_months`` or ``exit_month``."""
    missing = [c for c in ("customer_id", "tenure_months", "exit_month")
               if c not in customers.columns]
    if missing:
        raise JourneyDataError(f"customers: {what} needs column(s) {', '.join(missing)};"
                               " expected the journey schema's customers table")
    signed = (customers["signed"].to_numpy(dtype=bool) if "signed" in customers.columns
              else np.ones(len(customers), dtype=bool))
    keep = signed & (customers["tenure_months"].to_numpy() > 0)
    c = customers.loc[keep]
    return Durations(c["customer_id"].to_numpy(), c["tenure_months"].to_numpy("int64") - 1,
                     c["exit_month"].notna().to_numpy())


def require_columns(df: pd.DataFrame, columns: list[str], table: str, what: str) -> None:
    """Raise a clear error when a metric needs columns real data may not have."""
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise JourneyDataError(
            f"{table}: {what} needs column(s) {', '.join(missing)}, which only simulated data"
            " carries (they are model state, not observed); use simulated data or a metric"
            " that needs observed columns only"
        )
