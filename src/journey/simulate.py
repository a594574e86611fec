"""The seeded, vectorised simulator: courtship -> signing -> service -> renewal / exit.

One cohort of prospects is courted, some sign, and the signed customers are followed month by
month. Every array operation runs over all customers of a chunk at once; the only Python loop is
over months, because satisfaction, expectation, bond and survival are recursive in time.

The model (MODEL.md), per customer and month ``t``:

* perceived quality ``Q_t``: in courtship and at signing the sales treatment plus the promises
  ``π`` (the offer as the prospect sees it); afterwards the contact person's quality, noise,
  problems (resolved or not), hidden-clause shocks, outbound calls;
* disconfirmation ``D_t = Q_t - E_{t-1}`` (Oliver 1980);
* satisfaction ``S_t = clip(S_{t-1} + λ (Q_t + δ D_t - S_{t-1}), 0, 10)``;
* expectation ``E_t = E_{t-1} + a (Q_t - E_{t-1})``, fast in courtship (``a = 0.5``: it forms
  on the promised offer), slow afterwards (``a = a_E``); promises thus buy conversion and are
  paid for in disconfirmation after signing;
* bond ``R_t = R_{t-1} + g (1 - R_{t-1})``, or ``R_{t-1} (1 - ℓ)`` when the contact person leaves;
* barriers in months of price: ``F`` (fee still owed, plus financing balance), ``P`` (constant),
  ``M = m · trait + w_R · R + sunk``; ``B = F + P + M``;
* hazard ``h_t = logistic(α0 + αS (S* - S_t) + αC C_t + boost_t - max(0, αB + αSB (S* - S_t)) B_t)``
  and ``h0_t`` the same with ``B = 0``; ``boost`` applies in the month the term lapses.

Random numbers: a chunk of customers draws from its own stream,
``SeedSequence(seed).spawn(n_chunks)[k]``, so results depend on ``seed`` and ``chunk_size`` only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import expit

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

DEFAULT_CHUNK = 16_000
COURTSHIP_FORMATION = 0.5  # expectation forms fast while promises are made
MAX_COURTSHIP = 12

_K = {k: i for i, k in enumerate(EVENT_KINDS)}
_PH = {p: i for i, p in enumerate(PHASES)}
# channel and actor of each event kind, in EVENT_KINDS order
_KIND_CHANNEL = np.array([CHANNELS.index(c) for c in (
    "face", "face", "face", "letter", "phone", "phone", "letter", "phone", "phone", "phone",
    "email", "email", "letter", "face", "email", "platform", "platform", "letter")], np.int8)
_KIND_ACTOR = np.array([ACTORS.index(a) for a in (
    "sales", "sales", "sales", "sales", "service", "service", "service", "service", "sales",
    "collections", "service", "service", "service", "community", "community", "platform",
    "platform", "service")], np.int8)
assert len(_KIND_CHANNEL) == len(_KIND_ACTOR) == len(EVENT_KINDS)


def _mark(bits: np.ndarray, kind: str, flag: np.ndarray) -> None:
    """Set the bit of ``kind`` where ``flag`` holds (one month, all customers)."""
    bits |= flag.astype(np.uint32) << np.uint32(_K[kind])


_logistic = expit  # 1 / (1 + exp(-x)), in one pass


class _Buffers:
    """Arrays reused from chunk to chunk: fresh large arrays cost a page fault per 4 KiB."""

    def __init__(self) -> None:
        self._store: dict[str, np.ndarray] = {}

    def get(self, name: str, shape: tuple[int, ...], dtype: type = np.float64,
            fill: object = None) -> np.ndarray:
        size = int(np.prod(shape))
        buf = self._store.get(name)
        if buf is None or buf.size < size or buf.dtype != np.dtype(dtype):
            buf = self._store[name] = np.empty(size, dtype)
        out = buf[:size].reshape(shape)
        if fill is not None:
            out.fill(fill)
        return out


@dataclass(frozen=True)
class Cohort:
    """Size of a simulated cohort and its random stream."""

    n_customers: int
    months: int
    seed: int
    chunk_size: int = DEFAULT_CHUNK

    def __post_init__(self) -> None:
        for name, lo in (("n_customers", 1), ("months", 1), ("chunk_size", 1), ("seed", 0)):
            v = getattr(self, name)
            if not isinstance(v, int | np.integer) or isinstance(v, bool) or v < lo:
                raise ValueError(f"parameter '{name}' must be an integer >= {lo}, got {v!r}")
        if self.months > 600:
            raise ValueError(f"parameter 'months' must be <= 600, got {self.months}")

    @property
    def n_chunks(self) -> int:
        return -(-self.n_customers // self.chunk_size)


def simulate(
    scenario: Scenario,
    n_customers: int = 10_000,
    months: int = 36,
    seed: int = 0,
    chunk_size: int = DEFAULT_CHUNK,
) -> Journeys:
    """Simulate one cohort and return its three tables in memory.

    ``n_customers`` prospects enter courtship; those who sign are followed for ``months``
    months after signing. For cohorts too large for memory, iterate :func:`simulate_chunks`.
    """
    parts = list(simulate_chunks(scenario, n_customers, months, seed, chunk_size))
    if len(parts) == 1:
        return parts[0]
    return Journeys(*(pd.concat([getattr(p, t) for p in parts], ignore_index=True)
                      for t in ("customers", "events", "panel")))


def simulate_chunks(
    scenario: Scenario,
    n_customers: int,
    months: int,
    seed: int,
    chunk_size: int = DEFAULT_CHUNK,
    on_chunk: Callable[[int], None] | None = None,
) -> Iterator[Journeys]:
    """Yield the cohort chunk by chunk (bounded memory); ``on_chunk(n)`` reports progress."""
    if not isinstance(scenario, Scenario):
        raise TypeError(f"parameter 'scenario' must be a Scenario, got {type(scenario).__name__}")
    cohort = Cohort(int(n_customers), int(months), int(seed), int(chunk_size))
    streams = np.random.SeedSequence(cohort.seed).spawn(cohort.n_chunks)
    buffers = _Buffers()
    for k, stream in enumerate(streams):
        start = k * cohort.chunk_size
        n = min(cohort.chunk_size, cohort.n_customers - start)
        rng = np.random.default_rng(stream)
        yield _simulate_chunk(scenario, n, cohort.months, rng, start, buffers)
        if on_chunk is not None:
            on_chunk(n)


def _fee_path(sc: Scenario, T: int) -> np.ndarray:  # noqa: N803
    """F by month since signing: the fee still owed plus the financing balance due on exit."""
    t = np.arange(T)
    term = sc.term_months
    fee = np.zeros(T)
    if term > 0 and sc.fee_schedule == "flat":
        fee = np.where(t < term, sc.exit_fee, 0.0)
    elif term > 0 and sc.fee_schedule == "declining":
        fee = np.where(t < term, sc.exit_fee * (term - t) / term, 0.0)
    if sc.financing_months > 0:
        fin = sc.financing_balance * (1 - t / sc.financing_months)
        fee = fee + np.where(t < sc.financing_months, fin, 0.0)
    return fee


def _competitor_path(sc: Scenario, T: int) -> np.ndarray:  # noqa: N803
    t = np.arange(T)
    entered = (sc.competitor_entry_month >= 0) & (t >= sc.competitor_entry_month)
    return np.where(entered, sc.competitor_attractiveness, sc.competitor_base)


def _service_draws(sc: Scenario, u: np.ndarray, read: np.ndarray, person_q0: np.ndarray,
                   sales_q: np.ndarray, rng: np.random.Generator, buf: _Buffers
                   ) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """Service events of every month (rows t = 0..T-1) and the treatment quality they make.

    Returns the event flags by kind, the quality before month noise (``base``: the sales
    treatment at signing, then the contact person's quality plus the month's shocks) and the
    forced exits. Quality of a contact person is redrawn when staff change.
    """
    u_problem, u_out, u_staff = u
    T, n = u_staff.shape  # noqa: N806
    changed = u_staff < sc.staff_turnover
    problem = u_problem < sc.problem_rate
    out = u_out < sc.outbound_rate
    for flag in (changed, problem, out):
        flag[0] = False  # the signing month: still the salesperson's treatment

    def given(cond: np.ndarray, p: float) -> np.ndarray:
        """A Bernoulli(p) outcome drawn only where ``cond`` holds (False elsewhere)."""
        hit = np.zeros_like(cond)
        hit[cond] = rng.random(int(cond.sum()), dtype=np.float32) < p
        return hit

    p_res = sc.resolution_rate * min(1.0, sc.handle_time_cap / sc.handle_time_needed)
    resolved = given(problem, p_res)
    bite = given(problem & ~read, sc.clause_bite_rate)
    mix = np.full(out.shape, np.float32(2.0))  # > 1: no call
    mix[out] = rng.random(int(out.sum()), dtype=np.float32)
    care = mix < sc.outbound_care
    upsell = ~care & (mix < sc.outbound_care + sc.outbound_upsell)
    collect = out & ~care & ~upsell
    forced = given(collect, sc.forced_exit_rate)
    # the contact person's quality: the latest draw, carried forward until the next change
    draws = buf.get("draws", (T, n))
    draws[0] = person_q0
    draws[changed] = rng.normal(sc.service_quality, sc.service_quality_sd, int(changed.sum()))
    last = np.where(changed, np.arange(T)[:, None], 0)
    np.maximum.accumulate(last, axis=0, out=last)
    base = np.take_along_axis(draws, last, axis=0)
    base -= sc.new_staff_penalty * changed
    base -= sc.problem_penalty * resolved
    base -= sc.unresolved_penalty * (problem & ~resolved)
    base -= sc.clause_shock * bite
    base += sc.care_effect * care
    base += sc.upsell_effect * upsell
    base += sc.collection_effect * collect
    base[0] = sales_q + sc.promise_inflation  # the wedding: promises still believed
    flags = {"problem": problem, "resolution": resolved, "clause_shock": bite,
             "care_call": care, "upsell_call": upsell, "collection_call": collect,
             "staff_change": changed}
    return flags, base, forced


def _simulate_chunk(sc: Scenario, n: int, T: int, rng: np.random.Generator,  # noqa: N803
                    id0: int, buf: _Buffers) -> Journeys:
    f32 = np.float32
    # ---------- prospect-level draws ----------
    court_len = np.clip(1 + rng.poisson(sc.courtship_months - 1.0, n), 1, MAX_COURTSHIP)
    K = int(court_len.max())
    W = K + T  # time axis: j = 0..W-1, month = j - K
    sales_q = np.clip(rng.normal(sc.sales_quality, sc.sales_quality_sd, n), 0, 10)
    read = rng.random(n) < sc.read_share
    sd = sc.mental_trait_sd
    trait = np.exp(rng.normal(-0.5 * sd * sd, sd, n))
    volume = np.exp(rng.normal(0.0, sc.partner_volume_sd, n)) if sc.partners else np.ones(n)
    person_q = rng.normal(sc.service_quality, sc.service_quality_sd, n)
    # platform presence: share of dialogue, and whether the platform is the only route to them
    if sc.platform_share > 0:
        conc = 4.0
        ps = rng.beta(sc.platform_share * conc, max(1 - sc.platform_share, 1e-6) * conc, n)
    else:
        ps = np.zeros(n)
    platform_only = rng.random(n) < ps
    captured = sc.keep_contact_data & (rng.random(n) < sc.owned_capture)
    own = ~platform_only | captured
    u_conv = rng.random(n)
    lam, dlt = sc.satisfaction_lambda, sc.disconfirmation_weight

    # ---------- courtship: every prospect ----------
    noise_c = rng.standard_normal((K, n), dtype=f32) * f32(sc.month_noise_sd)
    contacts = rng.poisson(sc.courtship_contacts, (K, n)).astype(np.uint8)
    Ec, Qc, Sc = np.empty((3, K, n))
    active = np.arange(K)[:, None] >= K - court_len  # the prospect is being courted
    e = np.full(n, sc.prior_satisfaction)
    s = np.full(n, sc.prior_satisfaction)
    for j in range(K):
        q = np.clip(sales_q + sc.promise_inflation + noise_c[j], 0, 10)
        s = np.where(active[j], np.clip(s + lam * (q + dlt * (q - e) - s), 0, 10), s)
        Ec[j], Qc[j], Sc[j] = e, q, s
        e = np.where(active[j], e + COURTSHIP_FORMATION * (q - e), e)
    signed = u_conv < _logistic(sc.conversion_logit + sc.conversion_slope * (s - 7.0))
    expectation = e.copy()
    ev = np.zeros((W, n), np.uint32)  # bit k set: an event of EVENT_KINDS[k] this month
    _mark(ev[:K], "contact", active & (contacts > 0))
    ev[K - 1] |= np.uint32(1 << _K["offer"])
    _mark(ev[K], "signing", signed)
    _mark(ev[K], "contract_read", signed & read)

    # ---------- signing and service: signed customers only (columns of the arrays below) ----
    sidx = np.flatnonzero(signed)
    m = len(sidx)
    read_n, trait_n = read, trait
    read, trait, person_q, sales_q = read[sidx], trait[sidx], person_q[sidx], sales_q[sidx]
    ps_s, platform_only_s, own_s = ps[sidx], platform_only[sidx], own[sidx]
    e, s = e[sidx], s[sidx]
    noise = rng.standard_normal(dtype=f32, out=buf.get("noise", (T, m), f32))
    noise *= f32(sc.month_noise_sd)
    u = rng.random(dtype=f32, out=buf.get("u", (4, T, m), f32))
    u_exit = u[3]
    u_survey = rng.random(dtype=f32, out=buf.get("u_survey", (W, m), f32))
    if sc.partners:
        u_idea, u_adopt = rng.random((2, T, m), dtype=f32)
    if sc.platform_exit_month >= 0:
        u_migrate = rng.random((T, m), dtype=f32)

    # state kept for the panel, time-major (W x m); courtship rows copied from above
    E, Q, S, R, h, h0 = (buf.get(k, (W, m)) for k in ("E", "Q", "S", "R", "h", "h0"))
    E[:K], Q[:K], S[:K] = Ec[:, sidx], Qc[:, sidx], Sc[:, sidx]
    R[:K] = h[:K] = h0[:K] = h[K] = h0[K] = 0.0  # no bond or risk before signing
    sow = buf.get("sow", (W, m), fill=1.0) if sc.partners else None
    reach = buf.get("reach", (W, m), bool, True) if sc.platform_exit_month >= 0 else None
    at_risk = buf.get("at_risk", (W, m), bool)  # the row exists in the panel
    at_risk[:K] = active[:, sidx]
    exited = buf.get("exited", (W, m), bool, False)

    # What happens to a customer in a month (staff changes, problems, calls, clause shocks)
    # does not depend on their satisfaction, so it is drawn for all months at once; only the
    # recursive state (E, S, R, survival) runs month by month.
    term = sc.term_months
    ev_flags, base, forced_all = _service_draws(sc, u[:3], read, person_q, sales_q, rng, buf)
    changed_all = ev_flags["staff_change"]
    fee, comp = _fee_path(sc, T), _competitor_path(sc, T)
    mental0 = sc.mental_base * trait + sc.sunk_investment
    held0 = mental0 + sc.procedural_barrier  # the barrier parts that do not change
    pe_month, lead = sc.platform_exit_month, sc.announcement_lead
    if 1 <= pe_month < T:  # leaving the platform: who is still reachable afterwards
        window = u_migrate[max(pe_month - lead, 1):pe_month]
        own_s = own_s | (platform_only_s & (window < sc.migration_rate).any(axis=0))
        base[pe_month] -= sc.platform_exit_shock * ps_s * ~own_s
        reach[K + pe_month:] = own_s
    if sc.partners:
        idea_all = u_idea < sc.idea_rate
        idea_all[0] = False
        adopted_all = idea_all & (u_adopt < sc.ideas_adopted)
        ev_flags["idea"], ev_flags["idea_adopted"] = idea_all, adopted_all
    alive = np.ones(m, bool)
    r = np.zeros(m)
    w = np.ones(m)
    reason = np.full(m, -1, np.int8)
    exit_month = np.full(m, -1, np.int64)
    for t in range(T):
        j = K + t
        q = np.clip(base[t] + noise[t], 0, 10)
        s = np.clip(s + lam * (q + dlt * (q - e) - s), 0, 10)
        r = np.where(changed_all[t], r * (1 - sc.bond_loss), r + sc.bond_growth * (1 - r))
        if sc.partners and t > 0:
            adopted, idea = adopted_all[t], idea_all[t]
            r = np.where(adopted, r + sc.heard_bond * (1 - r), r)
            r = np.where(idea & ~adopted, r * (1 - sc.heard_bond), r)
            w = np.clip(w - sc.sow_erosion * max(comp[t], 0.0) * (1 - sc.sow_shield * r), 0, 1)
            sow[j] = w
        E[j], Q[j], S[j], R[j] = e, q, s, r
        at_risk[j] = alive
        if t > 0:  # not at risk in the signing month
            b = held0 + (fee[t] + sc.bond_weight * r)
            gap = sc.satisfaction_target - s
            x = sc.alpha0 + sc.alpha_S * gap + sc.alpha_C * comp[t]
            if term > 0 and t == term:
                x = x + sc.term_end_boost
            h[j] = hb = _logistic(x - np.maximum(0.0, sc.alpha_B + sc.alpha_SB * gap) * b)
            h0[j] = _logistic(x)
            forced = forced_all[t]
            leave = alive & ((u_exit[t] < hb) | forced)
            exited[j] = leave
            who = np.flatnonzero(leave)
            if len(who):
                if term > 0 and t == term:
                    why = np.full(len(who), 2, np.int8)
                else:  # the larger push: dissatisfaction (0) or the competitor (1)
                    why = (gap[who] * sc.alpha_S < sc.alpha_C * comp[t]).astype(np.int8)
                why[forced[who]] = 3
                reason[who] = why
                exit_month[who] = t
            alive &= ~leave
        e = e + sc.expectation_adapt * (q - e)

    # ---------- the event log, as bits per customer-month ----------
    ev_s = buf.get("ev", (W, m), np.uint32, 0)
    in_service = at_risk[K:]
    for kind, flag in ev_flags.items():
        _mark(ev_s[K:], kind, flag & in_service)
    _mark(ev_s[K:], "exit", exited[K:])
    if 0 < term < T:
        _mark(ev_s[K + term], "rollover", at_risk[K + term] & ~exited[K + term])
    for kind, month in (("platform_announce", max(pe_month - lead, 0)),
                        ("platform_exit", pe_month)):
        if pe_month >= 0 and month < T:
            _mark(ev_s[K + month], kind, at_risk[K + month] & (ps_s > 0))
    # surveys are answered in any month the customer is in the panel
    surveyed = at_risk & (u_survey < sc.survey_rate * sc.response_rate)
    ev_s |= surveyed.astype(np.uint32) << np.uint32(_K["survey"])
    ev[:, sidx] |= ev_s

    # back to every prospect
    own[sidx] = own_s
    reason_n = np.full(n, -1, np.int8)
    reason_n[sidx] = reason
    exit_n = np.full(n, -1, np.int64)
    exit_n[sidx] = exit_month
    tenure = np.zeros(n, np.int64)
    tenure[sidx] = at_risk[K:].sum(axis=0)
    state = _State(E=E, Q=Q, S=S, R=R, h=h, h0=h0, sow=sow, reach=reach, at_risk=at_risk,
                   exited=exited, ev=ev, contacts=contacts, sidx=sidx)
    cust = dict(court_len=court_len, signed=signed, read_n=read_n, trait=trait_n, volume=volume,
                own=own, exit_month=exit_n, reason=reason_n, tenure=tenure,
                expectation=expectation, mental0=mental0, ps=ps_s)
    return _tables(sc, n, T, K, id0, state, cust, fee, comp, rng)


@dataclass
class _State:
    """Arrays the simulation fills: the panel state is time-major over signed customers
    (``W x m``, columns ``sidx`` of the prospects); the event bits cover every prospect."""

    E: np.ndarray
    Q: np.ndarray
    S: np.ndarray
    R: np.ndarray
    h: np.ndarray
    h0: np.ndarray
    sow: np.ndarray | None
    reach: np.ndarray | None
    at_risk: np.ndarray
    exited: np.ndarray
    ev: np.ndarray
    contacts: np.ndarray
    sidx: np.ndarray


def _phase_grid(K: int, T: int, term: int) -> np.ndarray:  # noqa: N803
    ph = np.full(K + T, _PH["service"], np.int8)
    ph[:K] = _PH["courtship"]
    ph[K] = _PH["signing"]
    if 0 < term < T:
        ph[K + term] = _PH["renewal"]
    return ph


def _expand_bits(bits: np.ndarray, where: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One (position, bit index) pair per set bit, positions kept in order, bits ascending.

    The pairs of a cell are consecutive, so a cell's slots in the output are known from the
    counts alone: single-event cells (most) get the index of their one bit directly
    (``popcount(v - 1)`` for ``v = 2^k``), cells with several are unpacked.
    """
    count = np.bitwise_count(bits)
    single = count == 1
    owner_single = np.repeat(single, count)  # for each output slot: its cell has one event
    kind = np.empty(len(owner_single), np.int64)
    kind[owner_single] = np.bitwise_count(bits[single] - np.uint32(1))
    nbytes = (len(EVENT_KINDS) + 7) // 8
    packed = bits[~single].astype("<u4").view(np.uint8).reshape(-1, 4)[:, :nbytes]
    pos = np.flatnonzero(np.unpackbits(packed, axis=1, bitorder="little"))
    kind[~owner_single] = pos % (8 * nbytes)
    return np.repeat(where, count), kind


def _tables(sc: Scenario, n: int, T: int, K: int, id0: int, st: _State,  # noqa: N803
            c: dict, fee: np.ndarray, comp: np.ndarray, rng: np.random.Generator) -> Journeys:
    W = K + T
    m = len(st.sidx)
    ids = np.arange(id0, id0 + n, dtype=np.int64)
    sids = ids[st.sidx]
    months = np.arange(W, dtype=np.int64) - K
    phase_of_j = _phase_grid(K, T, sc.term_months)

    # panel rows in customer-major order, gathered from the time-major state
    ci, cj = np.divmod(np.flatnonzero(st.at_risk.T), W)
    tm = cj * m + ci

    def g(a: np.ndarray) -> np.ndarray:
        return a.reshape(-1)[tm]

    served = cj >= K

    def by_j(path: np.ndarray) -> np.ndarray:
        """A path over service months, zero in courtship, indexed by the time axis j."""
        return np.concatenate([np.zeros(K), path])

    e_, q_, r_ = g(st.E), g(st.Q), g(st.R)
    panel = pd.DataFrame(copy=False, data={
        "customer_id": sids[ci], "month": months[cj],
        "phase": pd.Categorical.from_codes(phase_of_j[cj], PHASES),
        "E": e_, "Q": q_, "D": q_ - e_, "S": g(st.S), "R": r_,
        "F": by_j(fee)[cj],
        "P": by_j(np.full(T, sc.procedural_barrier))[cj],
        "M": c["mental0"][ci] * served + sc.bond_weight * r_,  # R = 0 before signing
        "C": by_j(comp)[cj],
        "h": g(st.h), "h0": g(st.h0), "exited": g(st.exited), "alive": ~g(st.exited),
        "share_of_wallet": g(st.sow) if st.sow is not None else np.ones(len(ci)),
        "platform_share": c["ps"][ci] if sc.platform_share > 0 else np.zeros(len(ci)),
        "reachable": g(st.reach) if st.reach is not None else np.ones(len(ci), bool),
    })

    # events: cells (customer, month) in customer-major order, then the set bits of each cell
    # in kind order, so the log comes out sorted by customer, month and kind without a sort
    cells = np.ascontiguousarray(st.ev.T).reshape(-1)
    cell = np.flatnonzero(cells)
    cell, ek = _expand_bits(cells[cell], cell)
    ei, ej = np.divmod(cell, W)
    is_contact = ek == _K["contact"]
    if is_contact.any():  # several sales contacts in a month: one row each
        reps = np.ones(len(ek), np.int64)
        reps[is_contact] = st.contacts[ej[is_contact], ei[is_contact]]
        ei, ej, ek = np.repeat(ei, reps), np.repeat(ej, reps), np.repeat(ek, reps)
    rating = np.full(len(ek), np.nan)
    sv = ek == _K["survey"]
    col = np.full(n, -1, np.int64)  # prospect -> column of the signed customers' state
    col[st.sidx] = np.arange(m)
    noise = rng.normal(0, sc.rating_noise_sd, sv.sum())
    answer = st.S.reshape(-1)[ej[sv] * m + col[ei[sv]]] + noise
    rating[sv] = np.clip(np.rint(answer), 0, 10)
    events = pd.DataFrame(copy=False, data={
        "customer_id": ids[ei], "month": months[ej],
        "phase": pd.Categorical.from_codes(
            np.where(ek == _K["exit"], _PH["exit"], phase_of_j[ej]).astype(np.int8), PHASES),
        "channel": pd.Categorical.from_codes(_KIND_CHANNEL[ek], CHANNELS),
        "actor": pd.Categorical.from_codes(_KIND_ACTOR[ek], ACTORS),
        "kind": pd.Categorical.from_codes(ek.astype(np.int8), EVENT_KINDS),
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
        "exit_month": exit_m,
        "exit_reason": pd.Categorical.from_codes(c["reason"], EXIT_REASONS),
        "tenure_months": c["tenure"],
    })
    return Journeys(customers, events, panel)
