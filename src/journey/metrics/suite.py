"""The metric suite of a cohort, group by group, as partial aggregates that add up over parts.

Each group of :func:`journey.metrics.summarize` is a dataclass of partial sums and counts
(:mod:`journey.metrics._partial`): ``Group.of(journeys, options)`` reads them from a cohort or
from one part of it, ``p + q`` adds two parts, and ``p.values(options)`` finishes the metrics.
The in-memory suite finishes the partial of the whole cohort; the partitioned suite
(:func:`journey.metrics.parts.summarize_parts`) adds the partials of its parts first, so both
use the same formulas. A group that does not apply to the data is skipped with the reason;
a metric that needs the whole cohort at once (a top share) is exact on one part and skipped,
with the reason, when the cohort comes in several.

What each group adds over parts (every sum is over the rows of that part):

* retention, value, competing_risks, cliff_ratio: at risk and exits by month (per exit reason,
  per contract term), the signed customers, the prospects and the sum of their prices;
* satisfaction: sums and counts of S before and after signing, of the paired drop
  ``S(0) − S(k)`` and of S per service month (the trough is the month of the lowest mean);
* surveys: answers at or above the CSAT cut, promoters, detractors and answers;
* segments: customers per Jones & Sasser and Dick & Basu segment (each customer's segment
  reads its own rows, which one part holds);
* model_state: sums and counts of Q, Q − E, F + P + M, h0, h, and hostages at a month;
* platform: reach before and after each customer's platform exit;
* partners: partners, share of wallet and volume sums per month (``volume_share_end``); the
  top share of the loyal core (``loyal_core_share``) needs every partner's volume at once.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

import numpy as np
import pandas as pd

from journey.errors import JourneyDataError
from journey.metrics._partial import Addable, BySource, Mean, OnePart
from journey.metrics.barriers import hazard_reduction_of, hazard_sums, hostage_counts
from journey.metrics.competing import ReasonCounts, cumulative_incidence_of, reason_counts
from journey.metrics.partners import WalletSums, loyal_core_share, wallet_of, wallet_sums
from journey.metrics.platform import ReachCounts, reach_counts
from journey.metrics.retention import (
    MonthCounts,
    TermCounts,
    cliff_table,
    life_counts,
    life_table_of,
    median_of,
    term_counts,
)
from journey.metrics.satisfaction import (
    MonthSums,
    NpsCounts,
    csat_counts,
    drop_sums,
    gap_of,
    gap_sums,
    month_sums,
    nps_counts,
    trough_of,
)
from journey.metrics.segments import (
    DICK_BASU,
    JONES_SASSER,
    dick_basu_segments,
    jones_sasser_segments,
)
from journey.metrics.value import (
    Economics,
    _economics,
    clv_of,
    mean_price,
    price_sum,
    signed_share_of,
)
from journey.schema import Journeys

V = TypeVar("V")


@dataclass(frozen=True)
class Options:
    """The suite's parameters (see :func:`journey.metrics.summary`)."""

    k: int = 6
    economics: Economics | None = None
    s_threshold: float = 7.0
    hostage_month: int = 12


@dataclass
class SummaryReport:
    """The metric suite of one cohort: ``values`` (what the data support) and ``skipped``
    (metric group, or a single metric, → the one-line reason it is not reported); ``parts``
    is the number of parts it was computed from and ``prospects`` the rows of ``customers``."""

    values: dict[str, float]
    skipped: dict[str, str] = field(default_factory=dict)
    parts: int = 1
    prospects: int = 0


class NotApplicable(Exception):
    """A metric group that does not apply to these data (the message says why)."""


class Group(Protocol):
    def __add__(self, other: Any) -> Any: ...

    def values(self, opt: Options) -> dict[str, float | OnePart]: ...


def attempt(read: Callable[[], V]) -> V | JourneyDataError:
    """``read()``, or the data error it raised (kept in a partial, raised if it is needed)."""
    try:
        return read()
    except JourneyDataError as exc:
        return exc


def _ok(value: V | JourneyDataError) -> V:
    if isinstance(value, JourneyDataError):
        raise value
    return value


@dataclass(frozen=True)
class Retention(Addable):
    life: BySource[MonthCounts]

    @classmethod
    def of(cls, j: Journeys, opt: Options) -> Retention:
        return cls(life_counts(j, both=True))

    def values(self, opt: Options) -> dict[str, float | OnePart]:
        lt = life_table_of(self.life.pick())
        return {"customers": float(lt["at_risk"].iloc[0]) if len(lt) else 0.0,
                "survival_end": float(lt["survival"].iloc[-1]) if len(lt) else math.nan,
                "median_lifetime": median_of(lt)}


@dataclass(frozen=True)
class Cliff(Addable):
    terms: dict[int, TermCounts]

    @classmethod
    def of(cls, j: Journeys, opt: Options) -> Cliff:
        return cls(term_counts(j, both=True))

    def values(self, opt: Options) -> dict[str, float | OnePart]:
        by_term = cliff_table(self.terms)
        if by_term.empty:
            raise NotApplicable("customers: no fixed contract term (the cliff ratio compares the"
                                " hazard after a term's end with the hazard during it)")
        if len(by_term) == 1:
            return {"cliff_ratio": float(by_term["cliff_ratio"].iloc[0])}
        return {f"cliff_ratio_{r.term_months}": float(r.cliff_ratio)
                for r in by_term.itertuples()}


@dataclass(frozen=True)
class Value(Addable):
    life: BySource[MonthCounts]
    price: Mean | JourneyDataError
    signed: int
    prospects: int

    @classmethod
    def of(cls, j: Journeys, opt: Options) -> Value:
        return cls(life_counts(j, both=True), attempt(lambda: price_sum(j)),
                   int(j.signed().sum()), len(j.customers))

    def values(self, opt: Options) -> dict[str, float | OnePart]:
        econ = _economics(opt.economics)
        lt = life_table_of(self.life.pick())

        def clv() -> float:
            return clv_of(lt, econ.margin(mean_price(_ok(self.price))), econ.discount)

        out: dict[str, float | OnePart] = {"clv": clv() if len(lt) else math.nan}
        if self.prospects:
            share = signed_share_of(self.signed, self.prospects)
            out["signed_share"] = share
            out["value_per_prospect"] = (-econ.acquisition_cost if share == 0.0
                                         else share * clv() - econ.acquisition_cost)
        return out


@dataclass(frozen=True)
class Satisfaction(Addable):
    before: Mean
    after: Mean
    drop: Mean
    months: MonthSums

    @classmethod
    def of(cls, j: Journeys, opt: Options) -> Satisfaction:
        p = j.panel
        if "S" not in p.columns:
            raise NotApplicable("panel: no satisfaction column S (S_courtship, S_service, S_gap,"
                                f" S_drop_{opt.k}, trough_month need monthly satisfaction)")
        before, after = gap_sums(p, "S")
        return cls(before, after, drop_sums(p, opt.k), month_sums(p, "S"))

    def values(self, opt: Options) -> dict[str, float | OnePart]:
        return {"S_courtship": self.before.value(), "S_service": self.after.value(),
                "S_gap": gap_of(self.before, self.after), f"S_drop_{opt.k}": self.drop.value(),
                "trough_month": float(trough_of(self.months)) if self.after.n else math.nan}


@dataclass(frozen=True)
class Surveys(Addable):
    answered: int
    csat: Mean | JourneyDataError
    nps: NpsCounts | JourneyDataError

    @classmethod
    def of(cls, j: Journeys, opt: Options) -> Surveys:
        ev = j.events
        answered = 0
        if "rating" in ev.columns:
            kinds = ev["kind"].astype("object")
            answered = int((kinds.isin(["survey", "recommend"]).to_numpy()
                            & ev["rating"].notna().to_numpy()).sum())
        return cls(answered, attempt(lambda: csat_counts(j)), attempt(lambda: nps_counts(j)))

    def values(self, opt: Options) -> dict[str, float | OnePart]:
        if not self.answered:
            raise NotApplicable("events: no survey answers (csat needs satisfaction ratings, nps"
                                " the likelihood-to-recommend item)")
        return {"csat": _ok(self.csat).value(), "nps": _ok(self.nps).value()}


def _segment_counts(segments: pd.DataFrame, k: int) -> np.ndarray:
    codes = segments["segment"].cat.codes.to_numpy()
    return np.bincount(codes[codes >= 0], minlength=k).astype("int64")


def _shares(counts: np.ndarray) -> np.ndarray:
    """``n_k / Σ n`` (as :func:`journey.metrics.segment_shares`); NaN when nobody counts."""
    total = counts.sum()
    return counts / total if total else counts * math.nan


@dataclass(frozen=True)
class Segments(Addable):
    js: np.ndarray
    db: np.ndarray
    db_unclassified: int
    db_customers: int

    @classmethod
    def of(cls, j: Journeys, opt: Options) -> Segments:
        if "S" not in j.panel.columns:
            raise NotApplicable("panel: no satisfaction column S (Jones & Sasser and Dick & Basu"
                                " segments need each customer's satisfaction)")
        db = dick_basu_segments(j)
        return cls(_segment_counts(jones_sasser_segments(j, opt.s_threshold), len(JONES_SASSER)),
                   _segment_counts(db, len(DICK_BASU)), int(db["segment"].isna().sum()),
                   len(db))

    def values(self, opt: Options) -> dict[str, float | OnePart]:
        out: dict[str, float | OnePart] = {}
        for name, labels, counts in (("js", JONES_SASSER, self.js), ("db", DICK_BASU, self.db)):
            for label, share in zip(labels, _shares(counts), strict=True):
                out[f"{name}_{label}"] = float(share)
        n = self.db_customers
        out["db_unclassified"] = self.db_unclassified / n if n else math.nan
        return out


@dataclass(frozen=True)
class Competing(Addable):
    reasons: BySource[ReasonCounts]

    @classmethod
    def of(cls, j: Journeys, opt: Options) -> Competing:
        if "exit_reason" not in j.customers.columns:
            raise NotApplicable("customers: no exit_reason column (cumulative incidence by exit"
                                " reason needs why each customer left)")
        return cls(reason_counts(j, both=True))

    def values(self, opt: Options) -> dict[str, float | OnePart]:
        cif = cumulative_incidence_of(self.reasons.pick())
        return {f"cif_{reason}": float(cif[reason].iloc[-1]) if len(cif) else math.nan
                for reason in cif.columns[4:]}


@dataclass(frozen=True)
class ModelState(Addable):
    q_before: Mean | None
    q_after: Mean | None
    disconfirmation: Mean | None
    barrier: Mean | None
    h0: float | None
    h: float | None
    hostages: Mean | None

    @classmethod
    def of(cls, j: Journeys, opt: Options) -> ModelState:
        p = j.panel
        cols = set(p.columns)
        if not {"Q", "E", "F", "P", "M", "h", "h0"} & cols:
            raise NotApplicable("panel: no model state (Q, E, F, P, M, h, h0 exist in simulated"
                                " data only)")
        serv = p["month"].to_numpy() >= 0

        def col(c: str) -> np.ndarray:
            return p[c].to_numpy()[serv]

        q = gap_sums(p, "Q") if "Q" in cols else (None, None)
        hh = hazard_sums(p) if {"h", "h0"} <= cols else (None, None)
        return cls(*q,
                   Mean.of(col("Q") - col("E")) if {"Q", "E"} <= cols else None,
                   Mean.of(col("F") + col("P") + col("M")) if {"F", "P", "M"} <= cols else None,
                   *hh,
                   hostage_counts(p, opt.hostage_month, opt.s_threshold)
                   if {"h", "h0"} <= cols else None)

    def values(self, opt: Options) -> dict[str, float | OnePart]:
        out: dict[str, float | OnePart] = {}
        if self.q_before is not None and self.q_after is not None:
            out["Q_gap"] = gap_of(self.q_before, self.q_after)
        if self.disconfirmation is not None:
            out["D_service"] = self.disconfirmation.value()
        if self.barrier is not None:
            out["B_service"] = self.barrier.value()
        if self.h0 is not None and self.h is not None and self.hostages is not None:
            out["barrier_hazard_reduction"] = hazard_reduction_of(self.h0, self.h)
            out["hostage_share"] = self.hostages.value()
        return out


@dataclass(frozen=True)
class Platform(Addable):
    exits: int
    reach: ReachCounts | JourneyDataError

    @classmethod
    def of(cls, j: Journeys, opt: Options) -> Platform:
        exits = int((j.events["kind"] == "platform_exit").to_numpy(dtype=bool,
                                                                   na_value=False).sum())
        return cls(exits, attempt(lambda: reach_counts(j)) if exits else ReachCounts())

    def values(self, opt: Options) -> dict[str, float | OnePart]:
        if not self.exits:
            raise NotApplicable("events: no platform exit (reach_retained needs one)")
        return {"reach_retained": _ok(self.reach).value()}


LOYAL_CORE = ("loyal_core_share is the volume share of the top 20% of partners in the last"
              " month: it ranks every partner of the cohort at once, which no sum over parts"
              " gives; compute it on the cohort in memory")


@dataclass(frozen=True)
class Partners(Addable):
    partners: int
    wallet: WalletSums | JourneyDataError
    loyal_core: OnePart | JourneyDataError

    @classmethod
    def of(cls, j: Journeys, opt: Options) -> Partners:
        c = j.customers
        if "is_partner" not in c.columns:
            raise NotApplicable("customers: no partner (share-of-wallet metrics need"
                                " is_partner)")
        n = int(c["is_partner"].to_numpy(dtype=bool).sum())
        loyal = (attempt(lambda: OnePart(loyal_core_share(j), LOYAL_CORE)) if n
                 else OnePart(math.nan, LOYAL_CORE))
        return cls(n, attempt(lambda: wallet_sums(j, partners_only=True)), loyal)

    def values(self, opt: Options) -> dict[str, float | OnePart]:
        if not self.partners:
            raise NotApplicable("customers: no partner (share-of-wallet metrics need"
                                " is_partner)")
        sow = wallet_of(_ok(self.wallet))
        return {"volume_share_end": float(sow["volume_share"].iloc[-1]),
                "loyal_core_share": _ok(self.loyal_core)}


GROUPS: dict[str, type] = {
    "retention": Retention,
    "cliff_ratio": Cliff,
    "value": Value,
    "satisfaction": Satisfaction,
    "surveys": Surveys,
    "segments": Segments,
    "competing_risks": Competing,
    "model_state": ModelState,
    "platform": Platform,
    "partners": Partners,
}

#: Per group, its partial or the one-line reason it is skipped.
Partials = dict[str, Any]


def _reason(exc: Exception) -> str:
    return str(exc) if isinstance(exc, NotApplicable) else " ".join(str(exc).split())


def partials(journeys: Journeys, opt: Options) -> Partials:
    """Every group's partial of ``journeys`` (a cohort or one part of it), or the reason the
    group does not apply."""
    out: Partials = {}
    for name, group in GROUPS.items():
        try:
            out[name] = group.of(journeys, opt)
        except (NotApplicable, JourneyDataError) as exc:
            out[name] = _reason(exc)
    return out


def add(a: Partials, b: Partials) -> Partials:
    """The partials of two parts added group by group (a skipped group stays skipped)."""
    return {name: a[name] if isinstance(a[name], str) else b[name] if isinstance(b[name], str)
            else a[name] + b[name] for name in GROUPS}


def report(parts: Partials, opt: Options) -> SummaryReport:
    """Finish every group's metrics from its (added) partials."""
    rep = SummaryReport({})
    for name in GROUPS:
        p = parts[name]
        try:
            if isinstance(p, str):
                raise NotApplicable(p)
            values = p.values(opt)
        except (NotApplicable, JourneyDataError) as exc:
            rep.skipped[name] = _reason(exc)
            continue
        for key, v in values.items():
            if isinstance(v, OnePart):
                if v.combined:
                    rep.skipped[key] = f"needs the whole cohort at once: {v.reason}"
                    continue
                v = v.value
            rep.values[key] = float(v)
    return rep
