"""From the simulator's arrays to the three journey tables.

The panel state is kept time-major (month x signed customer) while the month loop runs; here it
is gathered into customer-major rows. Events are kept as bits per customer-month (bit ``k``: an
event of ``EVENT_KINDS[k]``), which expand into a log already sorted by customer, month and kind.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from journey.scenario import Scenario
from journey.schema import (
    ACTORS,
    CHANNELS,
    EVENT_KINDS,
    EXIT_REASONS,
    FEE_SCHEDULES,
    PHASES,
    Journeys,
)

KIND_BIT = {k: i for i, k in enumerate(EVENT_KINDS)}
_PH = {p: i for i, p in enumerate(PHASES)}
# channel and actor of each event kind, in EVENT_KINDS order
_KIND_CHANNEL = np.array([CHANNELS.index(c) for c in (
    "face", "face", "face", "letter", "phone", "phone", "letter", "phone", "phone", "phone",
    "email", "email", "email", "letter", "phone", "face", "email", "platform", "platform",
    "letter")], np.int8)
_KIND_ACTOR = np.array([ACTORS.index(a) for a in (
    "sales", "sales", "sales", "sales", "service", "service", "service", "service", "sales",
    "collections", "service", "service", "service", "service", "sales", "community",
    "community", "platform", "platform", "service")], np.int8)
assert len(_KIND_CHANNEL) == len(_KIND_ACTOR) == len(EVENT_KINDS)


def mark(bits: np.ndarray, kind: str, flag: np.ndarray) -> None:
    """Set the bit of ``kind`` where ``flag`` holds (one month, all customers)."""
    bits |= flag.astype(np.uint32) << np.uint32(KIND_BIT[kind])


@dataclass
class State:
    """Arrays the simulation fills: the panel state is time-major over signed customers
    (``W x m``, columns ``sidx`` of the prospects); the event bits cover every prospect."""

    E: np.ndarray
    Q: np.ndarray
    S: np.ndarray
    R: np.ndarray
    F: np.ndarray
    h: np.ndarray
    h0: np.ndarray
    sow: np.ndarray | None
    reach: np.ndarray | None
    rolled: np.ndarray
    at_risk: np.ndarray
    exited: np.ndarray
    ev: np.ndarray
    contacts: np.ndarray
    sidx: np.ndarray
    C: np.ndarray  # competitor attractiveness by month since signing
    renewal_j: np.ndarray  # month indices j in which some term lapsed


_RENEWAL_BITS = np.uint32((1 << KIND_BIT["rollover"]) | (1 << KIND_BIT["recontract"]))


def _phase_grid(K: int, T: int) -> np.ndarray:  # noqa: N803
    ph = np.full(K + T, _PH["service"], np.int8)
    ph[:K] = _PH["courtship"]
    ph[K] = _PH["signing"]
    return ph


def _phases(ev: np.ndarray, j: np.ndarray, i: np.ndarray, phase_of_j: np.ndarray,
            renewal_j: np.ndarray) -> np.ndarray:
    """Phase codes of cells (month index ``j``, prospect ``i``): ``renewal`` where a term
    lapsed (a rollover or re-contract event), else courtship, signing or service by month.
    Only cells in ``renewal_j`` (the month indices with a lapse) are looked up."""
    codes = phase_of_j[j]
    if renewal_j.size:
        lapse_month = np.zeros(len(phase_of_j), bool)
        lapse_month[renewal_j] = True
        sel = np.flatnonzero(lapse_month[j])
        renewal = (ev[j[sel], i[sel]] & _RENEWAL_BITS) != 0
        codes[sel[renewal]] = _PH["renewal"]
    return codes


def expand_bits(bits: np.ndarray, where: np.ndarray,
                extra0: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """One (position, bit index) pair per set bit, positions kept in order, bits ascending;
    bit 0 of a cell repeated ``1 + extra0`` times (several events of the lowest kind).

    The pairs of a cell are consecutive, so every pair's slot in the output follows from the
    counts: a cell starts at the running sum of the counts before it. Single-event cells
    (most) take the index of their one bit directly (``popcount(v - 1)`` for ``v = 2^k``);
    the others write their lowest set bit ``v & -v`` and clear it, round by round, so the
    rounds run as often as a cell has events, each over the cells that still have some.
    Slots no round writes hold bit 0 (the extra copies).
    """
    if extra0 is None:
        extra0 = np.zeros(len(bits), np.int64)
    count = np.bitwise_count(bits).astype(np.int64) + extra0
    start = np.cumsum(count) - count
    kind = np.zeros(int(count.sum()), np.int8)  # bit 0 where nothing else is written
    single = count == 1
    kind[start[single]] = np.bitwise_count(bits[single] - np.uint32(1))
    multi = np.flatnonzero(~single)
    v, slot = bits[multi], start[multi] + extra0[multi]
    while v.size:
        low = v & (~v + np.uint32(1))  # the lowest set bit
        kind[slot] = np.bitwise_count(low - np.uint32(1))
        v = v ^ low
        more = v != 0
        v, slot = v[more], slot[more] + 1
    return np.repeat(where, count), kind


def tables(sc: Scenario, n: int, T: int, K: int, id0: int, st: State,  # noqa: N803
           c: dict, rng: np.random.Generator) -> Journeys:
    comp = st.C
    W = K + T
    m = len(st.sidx)
    ids = np.arange(id0, id0 + n, dtype=np.int64)
    sids = ids[st.sidx]
    months = np.arange(W, dtype=np.int64) - K
    phase_of_j = _phase_grid(K, T)

    # panel rows in customer-major order, gathered from the time-major state
    ci, cj = np.nonzero(st.at_risk.T)
    tm = cj * m + ci

    def g(a: np.ndarray) -> np.ndarray:
        return np.take(a.reshape(-1), tm, mode="clip")  # tm is in range: no bounds checks

    served = cj >= K

    def by_j(path: np.ndarray) -> np.ndarray:
        """A path over service months, zero in courtship, indexed by the time axis j."""
        return np.concatenate([np.zeros(K), path])

    e_, q_, r_, ex_ = g(st.E), g(st.Q), g(st.R), g(st.exited)
    panel = pd.DataFrame(copy=False, data={
        "customer_id": sids[ci], "month": months[cj],
        "phase": pd.Categorical.from_codes(
            _phases(st.ev, cj, st.sidx[ci], phase_of_j, st.renewal_j), PHASES),
        "E": e_, "Q": q_, "D": q_ - e_, "S": g(st.S), "R": r_,
        "F": g(st.F),
        "P": sc.procedural_barrier * served,
        "M": (c["mental0"][ci] + sc.bond_weight * r_) * served,  # no barrier before signing
        "C": by_j(comp)[cj],
        "h": g(st.h), "h0": g(st.h0), "rolled_over": g(st.rolled),
        "exited": ex_, "alive": ~ex_,
        "share_of_wallet": g(st.sow) if st.sow is not None else np.ones(len(ci)),
        "platform_share": c["ps"][ci] if sc.platform_share > 0 else np.zeros(len(ci)),
        "reachable": g(st.reach) if st.reach is not None else np.ones(len(ci), bool),
    })

    # events: cells (customer, month) in customer-major order, then the set bits of each cell
    # in kind order, so the log comes out sorted by customer, month and kind without a sort
    cells = np.ascontiguousarray(st.ev.T).reshape(-1)
    cell = np.flatnonzero(cells)
    bits = cells[cell]
    # several sales contacts in a courtship month: one row each (contact is bit 0)
    extra = np.zeros(len(cell), np.int64)
    has_contact = np.flatnonzero(bits & np.uint32(1))
    ci_, cj_ = np.divmod(cell[has_contact], W)
    extra[has_contact] = st.contacts[cj_, ci_].astype(np.int64) - 1
    cell, ek = expand_bits(bits, cell, extra)
    ei, ej = np.divmod(cell, W)
    rating = np.full(len(ek), np.nan)
    sv = ek == KIND_BIT["survey"]
    col = np.full(n, -1, np.int64)  # prospect -> column of the signed customers' state
    col[st.sidx] = np.arange(m)
    noise = rng.normal(0, sc.rating_noise_sd, sv.sum())
    answer = st.S.reshape(-1)[ej[sv] * m + col[ei[sv]]] + noise
    rating[sv] = np.clip(np.rint(answer), 0, 10)
    rec = ek == KIND_BIT["recommend"]  # likelihood to recommend: S, the bond and noise
    cell_r = ej[rec] * m + col[ei[rec]]
    ltr = (st.S.reshape(-1)[cell_r] + sc.recommend_shift
           + sc.recommend_bond * st.R.reshape(-1)[cell_r]
           + rng.normal(0, sc.recommend_noise_sd, rec.sum()))
    rating[rec] = np.clip(np.rint(ltr), 0, 10)
    events = pd.DataFrame(copy=False, data={
        "customer_id": ids[ei], "month": months[ej],
        "phase": pd.Categorical.from_codes(
            np.where(ek == KIND_BIT["exit"], np.int8(_PH["exit"]),
                     _phases(st.ev, ej, ei, phase_of_j, st.renewal_j)).astype(np.int8),
            PHASES),
        "channel": pd.Categorical.from_codes(_KIND_CHANNEL[ek], CHANNELS),
        "actor": pd.Categorical.from_codes(_KIND_ACTOR[ek], ACTORS),
        "kind": pd.Categorical.from_codes(ek, EVENT_KINDS),
        "rating": rating,
    })

    exit_month = c["exit_month"]
    exit_m = pd.arrays.IntegerArray(np.maximum(exit_month, 0), exit_month < 0)
    signed = c["signed"]
    customers = pd.DataFrame(copy=False, data={
        "customer_id": ids,
        "segment": pd.array([sc.segment] * n, dtype="string"),
        "courtship_months": c["court_len"].astype(np.int64),
        "signed": signed,
        "signed_month": np.zeros(n, np.int64),
        "term_months": np.full(n, sc.term_months, np.int64),
        "fee_schedule": pd.Categorical.from_codes(
            np.full(n, FEE_SCHEDULES.index(sc.fee_schedule), np.int8), FEE_SCHEDULES),
        "exit_fee": np.full(n, sc.exit_fee if sc.term_months > 0 else 0.0),
        "price": np.full(n, sc.price),
        "read_contract": signed & c["read_n"],
        "is_partner": np.full(n, sc.partners),
        "volume": c["volume"],
        "owned_contact": c["own"],
        "expectation": c["expectation"],
        "mental_trait": c["trait"],  # every prospect's
        "frailty": c["frailty"],
        "exit_month": exit_m,
        "exit_reason": pd.Categorical.from_codes(c["reason"], EXIT_REASONS),
        "tenure_months": c["tenure"],
    })
    return Journeys(customers, events, panel)
