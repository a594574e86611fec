"""The three journey tables: ``customers``, ``events`` and ``panel``.

Real data and simulated data meet here. Every table has documented columns, dtypes and
vocabularies; :func:`validate` checks a table and raises :class:`JourneyDataError` naming the
file, column, row and the expected value; :func:`conform` brings a table read from CSV or
Parquet back to the canonical dtypes.

Time runs in whole months relative to signing: courtship months are negative, the signing
month is 0, service months are positive (see ``docs/model.md``, "Time axis").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from journey.errors import JourneyDataError

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
               optional=True),
        Column("signed", "bool", "the prospect signed a contract", optional=True),
        Column("signed_month", "int", "calendar month of signing (cohort clock)", lo=0,
               optional=True),
        Column("term_months", "int", "contract term in months; 0 = no fixed term", lo=0,
               optional=True),
        Column("fee_schedule", "category", "early-termination fee schedule", FEE_SCHEDULES,
               optional=True),
        Column("exit_fee", "float", "exit fee at signing, in months of price", lo=0, optional=True),
        Column("price", "float", "monthly price", lo=0, optional=True),
        Column("read_contract", "bool", "the customer read the contract before signing",
               optional=True),
        Column("is_partner", "bool", "a partner (share-of-wallet) rather than a customer",
               optional=True),
        Column("volume", "float", "partner's monthly volume at full share (1 for customers)", lo=0,
               optional=True),
        Column("owned_contact", "bool", "contact data is kept in the firm's own system",
               optional=True),
        Column("expectation", "float", "expectation E at signing (0-10); empty if unobserved",
               nullable=True, lo=0, hi=10, model_only=True),
        Column("mental_trait", "float", "disposition to stay (mental barrier multiplier)", lo=0,
               model_only=True),
        Column("frailty", "float", "unobserved churn propensity z (multiplies the exit odds;"
               " mean 1)", lo=0, model_only=True),
        Column("exit_month", "nullable_int", "months since signing at exit; empty if censored",
               nullable=True, lo=0),
        Column("exit_reason", "category", "why the relationship ended; empty if censored",
               EXIT_REASONS, nullable=True, optional=True),
        Column("tenure_months", "int", "service months observed (alive at the month's start)",
               lo=0),
    ),
    key=("customer_id",),
    doc="one row per relationship (prospects that never signed included)",
)

EVENTS = Table(
    "events",
    (
        Column("customer_id", "int", "relationship id (customers.customer_id)", lo=0),
        Column("month", "int", "months since signing; negative in courtship"),
        Column("phase", "category", "phase of the relationship", PHASES, optional=True),
        Column("channel", "category", "where the touchpoint happened", CHANNELS, optional=True),
        Column("actor", "category", "who acted for the firm", ACTORS, optional=True),
        Column("kind", "category", "what happened", EVENT_KINDS),
        Column("rating", "float", "survey answer 0-10 (surveys only)", nullable=True, lo=0,
               hi=10, optional=True),
    ),
    key=(),
    doc="the touchpoint log",
)

PANEL = Table(
    "panel",
    (
        Column("customer_id", "int", "relationship id (customers.customer_id)", lo=0),
        Column("month", "int", "months since signing; negative in courtship"),
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


def _dtype_ok(s: pd.Series, kind: Kind) -> bool:
    if kind == "int":
        return pd.api.types.is_integer_dtype(s.dtype) and not s.isna().any()
    if kind == "nullable_int":
        return pd.api.types.is_integer_dtype(s.dtype) or (
            pd.api.types.is_float_dtype(s.dtype)
            and bool(np.all(np.isnan(s.to_numpy()) | (s.to_numpy() == np.floor(s.to_numpy()))))
        )
    if kind == "float":
        return pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype)
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


def validate(df: pd.DataFrame, table: str | Table, source: str | None = None,
             require_model_columns: bool = False) -> None:
    """Check one table against the schema; raise :class:`JourneyDataError` on the first fault.

    The message reads ``<file>: column '<col>' row <i>: <what is wrong>; expected <what>``.
    Rows are 0-based data rows (a CSV header is not counted). Only the required columns
    (:func:`required_columns`) must be present: optional columns, which real data may lack
    (contract details, partner fields, satisfaction), are checked when present, and model-only
    columns (E, Q, D, R, F, P, M, C, h, h0, ...) may be absent unless ``require_model_columns``
    is set.
    """
    t = TABLES[table] if isinstance(table, str) else table
    where = _where(source, t)
    if not isinstance(df, pd.DataFrame):
        raise JourneyDataError(f"{where}: expected a pandas DataFrame, got {type(df).__name__}")
    for c in t.columns:
        if c.name not in df.columns:
            if not c.required and not (c.model_only and require_model_columns):
                continue
            raise JourneyDataError(
                f"{where}: column '{c.name}' is missing; expected {c.doc} ({c.kind})"
            )
        s = df[c.name]
        if not _dtype_ok(s, c.kind):
            if c.kind == "int" and s.isna().any():
                row = _first_row(s.isna().to_numpy())
                raise JourneyDataError(
                    f"{where}: column '{c.name}' row {row}: empty value; expected {c.doc}"
                )
            raise JourneyDataError(
                f"{where}: column '{c.name}' has dtype {s.dtype}; expected {_EXPECTED[c.kind]}"
                f" ({c.doc})"
            )
        na = s.isna().to_numpy()
        if not c.nullable and na.any():
            row = _first_row(na)
            raise JourneyDataError(
                f"{where}: column '{c.name}' row {row}: empty value; expected {c.doc}"
            )
        if c.vocab:
            bad = _outside(s, na, c.vocab)
            if bad.any():
                values = s.astype("object").to_numpy()
                row = _first_row(bad)
                raise JourneyDataError(
                    f"{where}: column '{c.name}' row {row}: unknown value {values[row]!r};"
                    f" expected one of {', '.join(c.vocab)}"
                )
        if c.lo is not None or c.hi is not None:
            x = s.to_numpy(dtype="float64", na_value=np.nan)
            lo = -np.inf if c.lo is None else c.lo
            hi = np.inf if c.hi is None else c.hi
            bad = ~np.isnan(x) & ((x < lo - 1e-9) | (x > hi + 1e-9))
            if bad.any():
                row = _first_row(bad)
                raise JourneyDataError(
                    f"{where}: column '{c.name}' row {row}: value {x[row]:g} out of range;"
                    f" expected {c.doc} within [{lo:g}, {hi:g}]"
                )
    if "month" in df.columns and "phase" in df.columns and "phase" in t.names:
        m = df["month"].to_numpy()
        court = (df["phase"] == "courtship").to_numpy(dtype=bool, na_value=False)
        bad = (m < 0) & ~court
        if bad.any():
            row = _first_row(bad)
            raise JourneyDataError(
                f"{where}: column 'month' row {row}: negative month {m[row]} in phase"
                f" '{df['phase'].iloc[row]}'; expected month >= 0 outside courtship"
            )
        bad = (m >= 0) & court
        if bad.any():
            row = _first_row(bad)
            raise JourneyDataError(
                f"{where}: column 'month' row {row}: month {m[row]} in courtship;"
                " expected a negative month (courtship precedes signing at month 0)"
            )
    if t.name == "customers" and {"exit_month", "tenure_months"} <= set(df.columns):
        _check_exit_within_tenure(df, where)
    check_unique_key(df, t, where)


def _outside(s: pd.Series, na: np.ndarray, vocab: tuple[str, ...]) -> np.ndarray:
    """Rows whose (non-empty) value is not in ``vocab``; a categorical column is checked on
    its categories, not row by row."""
    allowed = np.array(vocab, dtype=object)
    if isinstance(s.dtype, pd.CategoricalDtype):
        cats = np.asarray(s.cat.categories.astype("object"))
        ok = np.append(np.isin(cats, allowed), True)  # code -1 (empty) reads the last
        return ~ok[s.cat.codes.to_numpy()]
    values = s.astype("object").to_numpy()
    bad = np.zeros(len(values), dtype=bool)
    bad[~na] = ~np.isin(values[~na], allowed)
    return bad


def _check_exit_within_tenure(df: pd.DataFrame, where: str) -> None:
    """An exit happens in the last month at risk: ``exit_month = tenure_months − 1``."""
    exit_m = df["exit_month"].to_numpy(dtype="float64", na_value=np.nan)
    tenure = df["tenure_months"].to_numpy(dtype="float64", na_value=np.nan)
    bad = ~np.isnan(exit_m) & (exit_m != tenure - 1)
    if bad.any():
        row = _first_row(bad)
        raise JourneyDataError(
            f"{where}: column 'exit_month' row {row}: exit in month {exit_m[row]:g} with"
            f" tenure_months {tenure[row]:g}; expected exit_month = tenure_months - 1 (the exit"
            " happens in the last month at risk; docs/model.md, time axis)")


def check_unique_key(df: pd.DataFrame, table: str | Table, where: str) -> None:
    """Raise :class:`JourneyDataError` at the first row repeating the table's key."""
    t = TABLES[table] if isinstance(table, str) else table
    if not t.key:
        return
    dup = df.duplicated(list(t.key)).to_numpy()
    if dup.any():
        row = _first_row(dup)
        key = ", ".join(f"{k}={df[k].iloc[row]}" for k in t.key)
        raise JourneyDataError(
            f"{where}: column '{t.key[-1]}' row {row}: duplicate key ({key});"
            f" expected one row per {' and '.join(t.key)}"
        )


def conform(df: pd.DataFrame, table: str | Table, source: str | None = None) -> pd.DataFrame:
    """Return ``df`` with the canonical dtypes and column order of ``table`` (after validation).

    Canonical dtypes: ``int64``, ``float64``, ``bool``, pandas ``string``, ``Int64`` for
    nullable integers and a fixed-vocabulary ``category`` for vocabulary columns, so that a
    table read from CSV equals the one written to Parquet.
    """
    t = TABLES[table] if isinstance(table, str) else table
    validate(df, t, source)
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
            if not isinstance(s.dtype, pd.CategoricalDtype):  # categories recode directly
                s = s.astype("object")
            s = s.astype(pd.CategoricalDtype(list(c.vocab)))
        out[c.name] = s.reset_index(drop=True)
    extra = [c for c in df.columns if c not in t.names]
    for c in extra:
        out[c] = df[c].reset_index(drop=True)
    return pd.DataFrame(out)


@dataclass
class Journeys:
    """The three tables of one cohort, simulated or real."""

    customers: pd.DataFrame
    events: pd.DataFrame
    panel: pd.DataFrame

    def validate(self, source: str | None = None) -> None:
        """Validate each table and the links between them (ids known to ``customers``)."""
        prefix = f"{source}/" if source else ""
        for name in TABLES:
            validate(getattr(self, name), name, f"{prefix}{name}" if source else None)
        ids = self.customers["customer_id"].to_numpy()
        for name in ("events", "panel"):
            df = getattr(self, name)
            unknown = ~np.isin(df["customer_id"].to_numpy(), ids)
            if unknown.any():
                row = _first_row(unknown)
                raise JourneyDataError(
                    f"{prefix}{name}: column 'customer_id' row {row}: id"
                    f" {df['customer_id'].iloc[row]} not in customers; expected a known id"
                )

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
