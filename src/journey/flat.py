"""Flat files in: one row per customer (a duration, an event flag, ...) into the journey tables.

A churn file as researchers usually hold it (``tenure``, ``Churn = Yes/No``, a contract type, a
monthly charge, perhaps a satisfaction item) becomes a ``customers`` table with only the columns
the file observes, an ``events`` table with its survey answers or contact log, and an empty
``panel``. Nothing is invented: columns the file does not hold are absent, and metrics that need
them refuse with their reason.

Time convention (``docs/model.md``, "Time axis"): months since signing. A customer observed for
``d`` months who churned exits in month ``d`` (``exit_month = d``); a censored one was last seen
at month ``d``. Either way the customer was at risk in months ``0 … d``, so ``tenure_months =
d + 1`` and the life table of the imported cohort equals the Kaplan–Meier estimate of
(duration, event) (Kaplan & Meier 1958): at risk at ``t`` are those with ``d ≥ t``, exits at
``t`` those with ``d = t`` and the event. Days and weeks are converted to the nearest whole
month, ``round(d · 12 / 365.25)`` and ``round(d · 7 · 12 / 365.25)`` (365 days is month 12,
30 days month 1).

The map (a YAML file or a mapping, :class:`FlatMap`) says what flags cannot: the contract term by
a column's values, the exit reason, survey items (rescaled to the journey's 0–10 ratings), an
events file with its vocabulary, the time unit and the file's missing-value codes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from journey.csv_text import read_csv_text
from journey.errors import JourneyDataError
from journey.flat_map import EventsFile, FlatMap, SurveyItem, ValueMap, load_map
from journey.messages import listed, shown
from journey.schema import (
    CUSTOMERS,
    EVENTS,
    EXIT_REASONS,
    MAX_MONTHS,
    PANEL,
    Journeys,
    conform,
    required_columns,
)

__all__ = ["EventsFile", "FlatMap", "SurveyItem", "from_flat", "from_survivors", "read_flat"]
# the map's models live in journey.flat_map; imported here so journey.flat.FlatMap keeps working

# durations beyond MAX_MONTHS (50 years, journey.schema) are a unit mistake, not a customer
MONTHS_PER_UNIT = {"months": 1.0, "weeks": 7 * 12 / 365.25, "days": 12 / 365.25}
TRUE_WORDS = ("yes", "y", "true", "t", "1", "1.0", "churn", "churned", "exited")
FALSE_WORDS = ("no", "n", "false", "f", "0", "0.0")


def read_flat(path: str | Path) -> pd.DataFrame:
    """Read a CSV, Parquet or Excel file as text-preserving columns.

    CSV cells are read as text (no guessing: ``NA``, ``null`` or ``2024`` stay what they are)
    and converted column by column by :func:`from_flat`, so errors can name the row.
    """
    path = Path(path)
    if not path.is_file():
        raise JourneyDataError(f"{path}: no such file")
    suffix = path.suffix.lower()
    try:
        if suffix == ".parquet":
            return pd.read_parquet(path)
        if suffix in (".xlsx", ".xls"):
            try:
                return pd.read_excel(path, dtype=object)
            except ImportError:
                raise JourneyDataError(
                    f"{path}: reading Excel needs openpyxl; pip install 'journey[excel]'"
                    " or save the sheet as CSV") from None
        return read_csv_text(path)
    except (OSError, ValueError) as exc:
        if isinstance(exc, JourneyDataError):
            raise
        raise JourneyDataError(f"{path}: cannot be read as a {suffix or 'CSV'} table"
                               f" ({shown(str(exc), 200)})") from None


def from_flat(data: pd.DataFrame | str | Path, duration: str, event: str,
              event_value: str | None = None, id: str | None = None,  # noqa: A002
              group: str | None = None, price: str | None = None,
              map: FlatMap | dict | str | Path | None = None,  # noqa: A002
              source: str | None = None) -> Journeys:
    """Journey tables from a one-row-per-customer frame or file (see the module docstring).

    Parameters
    ----------
    data: the frame, or a CSV / Parquet / Excel file.
    duration: column of the time observed since signing, in ``map.time_unit`` (default months).
    event: column flagging the exit; with ``event_value`` the exit is ``column == value`` (text
        compare), else the column must read as yes/no, true/false or 1/0.
    id: column of customer ids (unique; integers are kept, text ids are numbered 0 … n−1 in
        file order and kept in ``customers.source_id``); default: the row number.
    group: column copied to ``customers.segment``; price: monthly price column.
    map: a :class:`FlatMap`, mapping or YAML file (term, exit reason, surveys, events file,
        time unit, missing codes, further columns to keep).

    Returns
    -------
    Journeys with ``customers`` (``customer_id``, ``exit_month``, ``tenure_months`` and what
    the file holds), ``events`` (survey answers and the events file) and an empty ``panel``.
    """
    fmap, base = load_map(map)
    where = source or (str(data) if isinstance(data, (str, Path)) else "data")
    df = read_flat(data) if isinstance(data, (str, Path)) else data.reset_index(drop=True)
    flat = _Flat(df, where, fmap)
    months = flat.months(duration)
    customers = pd.DataFrame({"customer_id": flat.ids(id)})
    exited = flat.event(event, event_value)
    customers["exit_month"] = pd.array(np.where(exited, months, -1), dtype="Int64")
    customers.loc[~exited, "exit_month"] = pd.NA
    customers["tenure_months"] = months + 1
    if id is not None and "source_id" in flat.extra:
        customers["source_id"] = flat.extra["source_id"]
    if group is not None:
        customers["segment"] = pd.array(flat.text(group), dtype="string")
    if price is not None:
        customers["price"] = flat.number(price, lo=0.0)
    if fmap.term is not None:
        customers["term_months"] = flat.mapped_int(fmap.term, "term")
    if fmap.exit_reason is not None:
        customers["exit_reason"] = flat.reasons(fmap.exit_reason, exited)
    taken = [col for col in fmap.keep if col in customers.columns or col in CUSTOMERS.names]
    if taken:
        raise JourneyDataError(f"map: key 'keep': {', '.join(taken)} would overwrite a column"
                               " journey writes; rename it in the file or leave it out of keep")
    for col in fmap.keep:
        customers[col] = flat.kept(col)
    events = [flat.survey(item, customers, months) for item in fmap.surveys]
    if fmap.events is not None:
        if id is None:
            raise JourneyDataError("map: key 'events': an events file is linked to the customers"
                                   " by their ids; give the id column with --id (id=...)")
        events.append(_events_file(fmap, base, customers, flat, months))
    return Journeys(conform(customers, CUSTOMERS, f"{where} → customers"),
                    _events(events, where), _empty(PANEL))


class _Flat:
    """Column readers of one flat frame: each names file, column, row and expected value."""

    def __init__(self, df: pd.DataFrame, where: str, fmap: FlatMap):
        self.df, self.where, self.fmap = df, where, fmap
        self.missing_text = {m.strip() for m in fmap.missing if isinstance(m, str)}
        self.missing_num = [float(m) for m in fmap.missing if not isinstance(m, str)]
        self.extra: dict[str, np.ndarray] = {}
        if len(df) == 0:
            raise JourneyDataError(f"{where}: holds no rows; expected one row per customer")

    def column(self, name: str) -> pd.Series:
        if name not in self.df.columns:
            cols = listed(self.df.columns, 20, quote=False)
            sep = ""
            if len(self.df.columns) == 1 and ";" in str(self.df.columns[0]):
                sep = "; the file seems to use ';' as separator (expected commas)"
            raise JourneyDataError(f"{self.where}: no column {shown(name)}; the file holds"
                                   f" {cols}{sep}")
        return self.df[name]

    def _is_missing(self, s: pd.Series) -> np.ndarray:
        na = s.isna().to_numpy()
        text = s.astype("string").str.strip().fillna("")
        miss = na | text.isin(list(self.missing_text)).to_numpy() | (text == "").to_numpy()
        if self.missing_num:
            x = pd.to_numeric(text, errors="coerce").to_numpy("float64", na_value=np.nan)
            miss |= np.isin(x, self.missing_num)
        return miss

    def _fail(self, name: str, row: int, value: Any, expected: str) -> None:
        """Raise naming the cell at position ``row`` (reported 1-based: the first data row is
        row 1)."""
        raise JourneyDataError(f"{self.where}: column {shown(name)} row {row + 1}: value"
                               f" {shown(value)}; expected {expected}")

    def number(self, name: str, lo: float | None = None, allow_missing: bool = False
               ) -> np.ndarray:
        s = self.column(name)
        miss = self._is_missing(s)
        if miss.any() and not allow_missing:
            row = int(np.flatnonzero(miss)[0])
            self._fail(name, row, s.iloc[row], "a number (missing values are not allowed here)")
        x = pd.to_numeric(s.where(~miss), errors="coerce").to_numpy("float64")
        bad = ~miss & ~np.isfinite(x)
        if lo is not None:
            bad |= ~miss & (x < lo)
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            self._fail(name, row, s.iloc[row],
                       "a finite number" + (f" ≥ {lo:g}" if lo is not None else ""))
        return x

    def months(self, name: str) -> np.ndarray:
        """Whole months since signing from the duration column (see the time convention)."""
        x = self.number(name, lo=0.0)
        limit = MAX_MONTHS / MONTHS_PER_UNIT[self.fmap.time_unit]
        long = x > limit
        if long.any():
            row = int(np.flatnonzero(long)[0])
            self._fail(name, row, self.column(name).iloc[row],
                       f"at most {limit:,.0f} {self.fmap.time_unit} ({MAX_MONTHS // 12} years);"
                       " is the time unit right (time_unit in the map)?")
        unit = self.fmap.time_unit
        if unit == "months":
            frac = x != np.floor(x)
            if frac.any():
                row = int(np.flatnonzero(frac)[0])
                self._fail(name, row, self.column(name).iloc[row],
                           "whole months (set time_unit: days or weeks in the map for finer"
                           " durations)")
            return x.astype("int64")
        return np.floor(x * MONTHS_PER_UNIT[unit] + 0.5).astype("int64")

    def ids(self, name: str | None) -> np.ndarray:
        if name is None:
            return np.arange(len(self.df), dtype="int64")
        s = self.column(name)
        miss = self._is_missing(s)
        if miss.any():
            row = int(np.flatnonzero(miss)[0])
            self._fail(name, row, s.iloc[row], "an id in every row")
        dup = s.astype("string").str.strip().duplicated().to_numpy()
        if dup.any():
            row = int(np.flatnonzero(dup)[0])
            self._fail(name, row, s.iloc[row], "unique ids (one row per customer)")
        text = s.astype("string").str.strip()
        x = pd.to_numeric(text, errors="coerce").to_numpy("float64")
        whole = np.isfinite(x) & (x >= 0) & (x == np.floor(x)) & (x < 2**53)
        if np.all(whole) and (text.to_numpy() == pd.Series(x.astype("int64")).astype(str)
                              .to_numpy()).all():
            return x.astype("int64")  # integer ids that read back exactly (no "00123", "1.0")
        self.extra["source_id"] = s.astype("string").str.strip().to_numpy()
        return np.arange(len(s), dtype="int64")

    def event(self, name: str, value: str | None) -> np.ndarray:
        s = self.column(name)
        miss = self._is_missing(s)
        if miss.any():
            row = int(np.flatnonzero(miss)[0])
            self._fail(name, row, s.iloc[row], "an event flag in every row")
        text = s.astype("string").str.strip()
        if value is not None:
            hit = (text == str(value).strip()).to_numpy(dtype=bool)
            folded = (text.str.casefold() == str(value).strip().casefold()).to_numpy(dtype=bool)
            if (folded & ~hit).any():
                row = int(np.flatnonzero(folded & ~hit)[0])
                self._fail(name, row, s.iloc[row], f"exactly {value!r} for an exit (this value"
                           " differs only in case or spaces; clean the column or choose the"
                           " spelling)")
            if not hit.any():
                seen = listed(text.unique(), 8)
                raise JourneyDataError(f"{self.where}: column {shown(name)} never holds"
                                       f" {shown(value)}"
                                       f" (it holds {seen}); expected the value that marks an exit")
            return hit
        low = text.str.lower()
        yes, no = low.isin(TRUE_WORDS).to_numpy(), low.isin(FALSE_WORDS).to_numpy()
        bad = ~(yes | no)
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            seen = listed(text.unique(), 8)
            self._fail(name, row, s.iloc[row],
                       f"yes/no, true/false or 1/0 (the column holds {seen}); or give the exit"
                       f" value: --event {name}=VALUE")
        return yes

    def text(self, name: str) -> np.ndarray:
        s = self.column(name)
        miss = self._is_missing(s)
        if miss.any():
            row = int(np.flatnonzero(miss)[0])
            self._fail(name, row, s.iloc[row], "a label in every row")
        return s.astype("string").str.strip().to_numpy()

    def mapped_int(self, vm: ValueMap, key: str) -> np.ndarray:
        if vm.values is None:
            x = self.number(vm.column, lo=0.0)
            frac = x != np.floor(x)
            if frac.any():
                row = int(np.flatnonzero(frac)[0])
                self._fail(vm.column, row, self.column(vm.column).iloc[row],
                           f"whole months ({key})")
            return x.astype("int64")
        labels = self.text(vm.column)
        table = {str(k).strip(): v for k, v in vm.values.items()}
        for k, v in table.items():
            if not isinstance(v, int) or isinstance(v, bool) or v < 0:
                raise JourneyDataError(f"map: key '{key}.values.{k}': {v!r}; expected whole months")
        out = np.empty(len(labels), dtype="int64")
        for i, lab in enumerate(labels):
            if lab not in table:
                self._fail(vm.column, i, lab, f"one of {', '.join(map(repr, table))} (map key"
                           f" '{key}.values')")
            out[i] = table[lab]
        return out

    def reasons(self, vm: ValueMap, exited: np.ndarray) -> pd.Categorical:
        s = self.column(vm.column)
        text = s.astype("string").str.strip().fillna("").to_numpy()
        table = {str(k).strip(): v for k, v in (vm.values or {}).items()}
        bad = sorted({v for v in table.values() if v not in EXIT_REASONS})
        if bad:
            raise JourneyDataError(f"map: key 'exit_reason.values': unknown reason(s) {bad};"
                                   f" expected one of {', '.join(EXIT_REASONS)}")
        out = np.full(len(text), None, dtype=object)
        for i in np.flatnonzero(exited):
            r = table.get(text[i], text[i])
            if r not in EXIT_REASONS:
                self._fail(vm.column, int(i), text[i], f"an exit reason ({', '.join(EXIT_REASONS)})"
                           " or a value mapped to one under exit_reason.values")
            out[i] = r
        return pd.Categorical(out, categories=list(EXIT_REASONS))

    def kept(self, name: str) -> np.ndarray:
        s = self.column(name)
        miss = self._is_missing(s)
        x = pd.to_numeric(s.where(~miss), errors="coerce")
        if bool((x.notna() | pd.Series(miss)).all()):
            return x.to_numpy("float64")
        return s.astype("string").where(~miss).to_numpy()

    def survey(self, item: SurveyItem, customers: pd.DataFrame, months: np.ndarray
               ) -> pd.DataFrame:
        r = self.number(item.column, allow_missing=True)
        lo, hi = item.scale
        out = ~np.isnan(r) & ((r < lo) | (r > hi))
        if out.any():
            row = int(np.flatnonzero(out)[0])
            self._fail(item.column, row, self.column(item.column).iloc[row],
                       f"an answer on the item's scale [{lo:g}, {hi:g}] or a missing code")
        when = months if item.month == "last" else self.months(item.month)
        late = when > months
        if late.any():
            row = int(np.flatnonzero(late)[0])
            self._fail(item.month, row, self.column(item.month).iloc[row],
                       "a time within the customer's observed duration")
        keep = ~np.isnan(r)
        return pd.DataFrame({"customer_id": customers["customer_id"].to_numpy()[keep],
                             "month": when[keep], "kind": item.kind,
                             "rating": 10.0 * (r[keep] - lo) / (hi - lo)})


def from_survivors(survivors: np.ndarray | list[int] | pd.Series, period_months: int = 12
                   ) -> Journeys:
    """A cohort's survivors table ``n_0, n_1, …, n_k`` (still active after t periods, e.g. the
    renewal tables of Fader & Hardie 2007) as journey tables.

    The ``n_{t−1} − n_t`` customers lost in period t exit in its last month (``exit_month =
    t·p − 1`` with ``p = period_months``: they did not renew at the period's end); the ``n_k``
    still active are censored after ``k·p`` months. Under the time convention of
    ``docs/model.md`` the life table then has survival ``n_t / n_0`` at month ``t·p − 1`` and
    :func:`journey.models.fit_sbg` on the customers gives the survivors-table fit.
    """
    n = np.asarray(survivors, dtype="float64")
    if n.ndim != 1 or n.size < 2 or np.any(n < 0) or np.any(n != np.floor(n)):
        raise JourneyDataError("survivors: expected whole counts n_0, n_1, ... (at least two)")
    if np.any(np.diff(n) > 0):
        raise JourneyDataError("survivors: counts must not rise (n_t <= n_(t-1))")
    if int(period_months) != period_months or period_months < 1:
        raise JourneyDataError(f"period_months must be a whole number >= 1, got {period_months}")
    lost = (n[:-1] - n[1:]).astype("int64")
    k = n.size - 1
    last = np.r_[np.repeat(np.arange(1, k + 1) * period_months - 1, lost),
                 np.full(int(n[-1]), k * period_months - 1)]
    exited = np.r_[np.ones(lost.sum(), bool), np.zeros(int(n[-1]), bool)]
    customers = pd.DataFrame({
        "customer_id": np.arange(last.size, dtype="int64"),
        "exit_month": pd.array(np.where(exited, last, 0), dtype="Int64"),
        "tenure_months": last + 1,
    })
    customers.loc[~exited, "exit_month"] = pd.NA
    return Journeys(conform(customers, CUSTOMERS, "survivors → customers"), _empty(EVENTS),
                    _empty(PANEL))


def _events_file(fmap: FlatMap, base: Path, customers: pd.DataFrame, flat: _Flat,
                 months: np.ndarray) -> pd.DataFrame:
    spec = fmap.events
    assert spec is not None
    path = Path(spec.file) if Path(spec.file).is_absolute() else base / spec.file
    ev = _Flat(read_flat(path), str(path), fmap)
    ids = ev.text(spec.id)
    known = {str(k): i for i, k in enumerate(
        customers["source_id"] if "source_id" in customers else customers["customer_id"])}
    cid = np.empty(len(ids), dtype="int64")
    for i, k in enumerate(ids):
        j = known.get(k)
        if j is None:
            ev._fail(spec.id, i, k, "an id of the customers file")
        cid[i] = customers["customer_id"].iloc[j]
    month = ev.months(spec.time)
    kinds = ev.text(spec.kind)
    mapped = np.array([spec.vocabulary.get(k) for k in kinds], dtype=object)
    unmapped = np.array([m is None for m in mapped])
    if unmapped.any() and not spec.drop_unmapped:
        row = int(np.flatnonzero(unmapped)[0])
        ev._fail(spec.kind, row, kinds[row], "a value listed under events.vocabulary (or set"
                 " events.drop_unmapped: true)")
    rating = np.full(len(kinds), np.nan)
    if spec.rating is not None:
        r = ev.number(spec.rating, allow_missing=True)
        lo, hi = spec.scale
        bad = ~np.isnan(r) & ((r < lo) | (r > hi))
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            ev._fail(spec.rating, row, r[row], f"a rating on the scale [{lo:g}, {hi:g}]")
        rating = 10.0 * (r - lo) / (hi - lo)
    last = pd.Series(months, index=customers["customer_id"].to_numpy()).loc[cid].to_numpy()
    late = month > last
    if late.any():
        row = int(np.flatnonzero(late)[0])
        ev._fail(spec.time, row, ev.column(spec.time).iloc[row],
                 f"a time within the customer's observed duration ({last[row]} months)")
    keep = ~unmapped
    return pd.DataFrame({"customer_id": cid[keep], "month": month[keep],
                         "kind": mapped[keep], "rating": rating[keep]})


def _events(parts: list[pd.DataFrame], where: str) -> pd.DataFrame:
    cols = ["customer_id", "month", "kind", "rating"]
    if not parts:
        return _empty(EVENTS)
    ev = pd.concat(parts, ignore_index=True)[cols]
    ev = ev.sort_values(["customer_id", "month"], kind="stable").reset_index(drop=True)
    ev["phase"] = "service"
    return conform(ev, EVENTS, f"{where} → events")


def _empty(table) -> pd.DataFrame:
    """An empty table with the required columns in their canonical dtypes."""
    dtypes = {"int": "int64", "nullable_int": "Int64", "float": "float64", "bool": "bool",
              "str": "string"}
    cols = {c.name: pd.Series([], dtype=dtypes.get(c.kind) or pd.CategoricalDtype(list(c.vocab)))
            for c in table.columns if c.name in required_columns(table)}
    return conform(pd.DataFrame(cols), table, table.name)

