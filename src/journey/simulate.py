"""The seeded, vectorised simulator: courtship -> signing -> service -> renewal / exit.

One cohort of prospects is courted, some sign, and the signed customers are followed month by
month. Every array operation runs over all customers of a chunk at once; the only Python loop is
over months, because satisfaction, expectation, bond and survival are recursive in time.

The model (MODEL.md), per customer and month ``t``:

* perceived quality ``Q_t``: sales treatment in courtship and at signing; afterwards the contact
  person's quality, noise, problems (resolved or not), hidden-clause shocks, outbound calls;
* disconfirmation ``D_t = Q_t - E_{t-1}`` (Oliver 1980);
* satisfaction ``S_t = clip(S_{t-1} + λ (Q_t + δ D_t - S_{t-1}), 0, 10)``;
* expectation ``E_t = E_{t-1} + a (Q_t + π - E_{t-1})`` in courtship (promises ``π`` lift it,
  ``a = 0.5``), ``E_t = E_{t-1} + a_E (Q_t - E_{t-1})`` afterwards;
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

DEFAULT_CHUNK = 50_000
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


def _logistic(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


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
    for k, stream in enumerate(streams):
        start = k * cohort.chunk_size
        n = min(cohort.chunk_size, cohort.n_customers - start)
        yield _simulate_chunk(scenario, n, cohort.months, np.random.default_rng(stream), start)
        if on_chunk is not None:
            on_chunk(n)


def _simulate_chunk(sc: Scenario, n: int, T: int, rng: np.random.Generator,  # noqa: N803
                    id0: int) -> Journeys:
    # ---------- customer-level draws ----------
    court_len = np.clip(1 + rng.poisson(sc.courtship_months - 1.0, n), 1, MAX_COURTSHIP)
    K = int(court_len.max())
    W = K + T  # time axis: j = 0..W-1, month = j - K
    sales_q = np.clip(rng.normal(sc.sales_quality, sc.sales_quality_sd, n), 0, 10)
    read = rng.random(n) < sc.read_share
    sd = sc.mental_trait_sd
    trait = np.exp(rng.normal(-0.5 * sd * sd, sd, n))
    volume = np.exp(rng.normal(0.0, sc.partner_volume_sd, n)) if sc.partners else np.ones(n)
    staff_q = rng.normal(sc.service_quality, sc.service_quality_sd, n)

    # platform presence: share of dialogue, and whether the platform is the only route to them
    if sc.platform_share > 0:
        conc = 4.0
        ps = np.clip(rng.beta(sc.platform_share * conc + 1e-9,
                              (1 - sc.platform_share) * conc + 1e-9, n), 0, 1)
    else:
        ps = np.zeros(n)
    platform_only = rng.random(n) < ps
    captured = sc.keep_contact_data & (rng.random(n) < sc.owned_capture)
    owned = ~platform_only | captured

    # ---------- month-level draws (time-major: row j is one month for all customers) ----------
    noise = rng.standard_normal((W, n)) * sc.month_noise_sd
    contacts = rng.poisson(sc.courtship_contacts, (K, n)).astype(np.uint8)
    u_conv = rng.random(n)
    u_problem = rng.random((T, n))
    u_resolve = rng.random((T, n))
    u_clause = rng.random((T, n))
    u_out = rng.random((T, n))
    u_mix = rng.random((T, n))
    u_staff = rng.random((T, n))
    u_exit = rng.random((T, n))
    u_forced = rng.random((T, n))
    u_survey = rng.random((W, n))
    rating_noise = rng.standard_normal((W, n)) * sc.rating_noise_sd
    if sc.partners:
        u_idea = rng.random((T, n))
        u_adopt = rng.random((T, n))
    if sc.platform_exit_month >= 0:
        u_migrate = rng.random((T, n))
    new_staff_q = rng.normal(sc.service_quality, sc.service_quality_sd, (T, n))

    # ---------- state arrays ----------
    E = np.zeros((W, n))
    Q = np.zeros((W, n))
    D = np.zeros((W, n))
    S = np.zeros((W, n))
    R = np.zeros((W, n))
    F = np.zeros((W, n))
    M = np.zeros((W, n))
    h = np.zeros((W, n))
    h0 = np.zeros((W, n))
    sow = np.ones((W, n))
    reach = np.ones((W, n), bool)
    at_risk = np.zeros((W, n), bool)  # row exists in the panel
    exited = np.zeros((W, n), bool)
    ev = np.zeros((n, W, len(EVENT_KINDS)), np.uint8)  # event counts, customer-major

    lam, dlt = sc.satisfaction_lambda, sc.disconfirmation_weight

    # ---------- courtship ----------
    e = np.full(n, sc.prior_satisfaction)
    s = np.full(n, sc.prior_satisfaction)
    for j in range(K):
        active = j >= K - court_len
        q = np.clip(sales_q + noise[j], 0, 10)
        d = q - e
        s = np.where(active, np.clip(s + lam * (q + dlt * d - s), 0, 10), s)
        E[j], Q[j], D[j], S[j] = e, q, d, s
        target = q + sc.promise_inflation
        e = np.where(active, np.clip(e + COURTSHIP_FORMATION * (target - e), 0, 10), e)
        at_risk[j] = active
        ev[:, j, _K["contact"]] = np.where(active, contacts[j], 0)
    p_sign = _logistic(sc.conversion_logit + sc.conversion_slope * (s - 7.0))
    signed = u_conv < p_sign
    ev[:, K - 1, _K["offer"]] = 1
    at_risk[:K] &= signed  # prospects who never sign have no panel rows
    ev[:, K, _K["signing"]] = signed
    ev[:, K, _K["contract_read"]] = signed & read

    # ---------- service ----------
    term = sc.term_months
    p_res = sc.resolution_rate * min(1.0, sc.handle_time_cap / sc.handle_time_needed)
    c_care = sc.outbound_care
    c_up = c_care + sc.outbound_upsell
    t_idx = np.arange(T)
    fee = np.zeros(T)
    if term > 0 and sc.fee_schedule == "flat":
        fee = np.where(t_idx < term, sc.exit_fee, 0.0)
    elif term > 0 and sc.fee_schedule == "declining":
        fee = np.where(t_idx < term, sc.exit_fee * (term - t_idx) / term, 0.0)
    if sc.financing_months > 0:
        fin = sc.financing_balance * (1 - t_idx / sc.financing_months)
        fee = fee + np.where(t_idx < sc.financing_months, fin, 0.0)
    comp = np.where((sc.competitor_entry_month >= 0) & (t_idx >= sc.competitor_entry_month),
                    sc.competitor_attractiveness, sc.competitor_base)
    mental0 = sc.mental_base * trait + sc.sunk_investment
    pe_month, lead = sc.platform_exit_month, sc.announcement_lead

    alive = signed.copy()
    r = np.zeros(n)
    w = np.ones(n)
    own = owned.copy()
    person_q = staff_q
    reached = np.ones(n, bool)
    reason = np.full(n, -1, np.int8)
    exit_month = np.full(n, -1, np.int64)
    for t in range(T):
        j = K + t
        if t == 0:  # the wedding: still the salesperson's treatment
            q = np.clip(sales_q + noise[j], 0, 10)
            changed = np.zeros(n, bool)
        else:
            changed = u_staff[t] < sc.staff_turnover
            person_q = np.where(changed, new_staff_q[t], person_q)
            q = person_q + noise[j] - sc.new_staff_penalty * changed
            problem = u_problem[t] < sc.problem_rate
            resolved = problem & (u_resolve[t] < p_res)
            bite = problem & ~read & (u_clause[t] < sc.clause_bite_rate)
            out = u_out[t] < sc.outbound_rate
            care = out & (u_mix[t] < c_care)
            upsell = out & ~care & (u_mix[t] < c_up)
            collect = out & ~care & ~upsell
            q = (q - np.where(resolved, sc.problem_penalty, 0.0)
                 - np.where(problem & ~resolved, sc.unresolved_penalty, 0.0)
                 - sc.clause_shock * bite + sc.care_effect * care
                 + sc.upsell_effect * upsell + sc.collection_effect * collect)
            if pe_month >= 0:
                if pe_month - lead <= t < pe_month:
                    own |= platform_only & (u_migrate[t] < sc.migration_rate)
                if t == pe_month:
                    lost = ~own
                    reached = own.copy()
                    q = q - sc.platform_exit_shock * ps * lost
            q = np.clip(q, 0, 10)
            for kind, flag in (("problem", problem), ("resolution", resolved),
                               ("clause_shock", bite), ("care_call", care),
                               ("upsell_call", upsell), ("collection_call", collect),
                               ("staff_change", changed)):
                ev[:, j, _K[kind]] = flag & alive
        d = q - e
        s = np.clip(s + lam * (q + dlt * d - s), 0, 10)
        r = np.where(changed, r * (1 - sc.bond_loss), r + sc.bond_growth * (1 - r))
        if sc.partners and t > 0:
            idea = u_idea[t] < sc.idea_rate
            adopted = idea & (u_adopt[t] < sc.ideas_adopted)
            r = np.where(adopted, r + sc.heard_bond * (1 - r), r)
            r = np.where(idea & ~adopted, r * (1 - sc.heard_bond), r)
            ev[:, j, _K["idea"]] = idea & alive
            ev[:, j, _K["idea_adopted"]] = adopted & alive
            w = np.clip(w - sc.sow_erosion * max(comp[t], 0.0) * (1 - sc.sow_shield * r), 0, 1)
        m = mental0 + sc.bond_weight * r
        b = fee[t] + sc.procedural_barrier + m
        gap = sc.satisfaction_target - s
        x = sc.alpha0 + sc.alpha_S * gap + sc.alpha_C * comp[t]
        if term > 0 and t == term:
            x = x + sc.term_end_boost
        hb = _logistic(x - np.maximum(0.0, sc.alpha_B + sc.alpha_SB * gap) * b)
        hn = _logistic(x)
        if t == 0:  # not at risk in the signing month
            hb = np.zeros(n)
            hn = np.zeros(n)
            forced = np.zeros(n, bool)
        else:
            forced = collect & (u_forced[t] < sc.forced_exit_rate)
        leave = alive & ((u_exit[t] < hb) | forced)
        E[j], Q[j], D[j], S[j], R[j], F[j], M[j], h[j], h0[j] = e, q, d, s, r, fee[t], m, hb, hn
        sow[j] = w
        reach[j] = reached
        at_risk[j] = alive
        exited[j] = leave
        if leave.any():
            why = np.where(gap * sc.alpha_S >= sc.alpha_C * comp[t], 0, 1)
            if term > 0 and t == term:
                why[:] = 2
            why = np.where(forced, 3, why)
            reason = np.where(leave, why, reason)
            exit_month = np.where(leave, t, exit_month)
        ev[:, j, _K["exit"]] = leave
        if term > 0 and t == term:
            ev[:, j, _K["rollover"]] = alive & ~leave
        if pe_month >= 0 and t == max(pe_month - lead, 0):
            ev[:, j, _K["platform_announce"]] = alive & (ps > 0)
        if pe_month >= 0 and t == pe_month:
            ev[:, j, _K["platform_exit"]] = alive & (ps > 0)
        alive = alive & ~leave
        e = e + sc.expectation_adapt * (q - e)

    # surveys answered in any month the customer is in the panel
    surveyed = at_risk & (u_survey < sc.survey_rate * sc.response_rate)
    ev[:, :, _K["survey"]] = surveyed.T
    rating_grid = np.clip(np.rint(S + rating_noise), 0, 10)

    return _tables(sc, n, T, K, id0, court_len, signed, read, trait, volume, own, exit_month,
                   reason, E, Q, D, S, R, F, M, h, h0, sow, reach, exited, at_risk, ev,
                   rating_grid, comp, ps)


def _phase_grid(K: int, T: int, term: int) -> np.ndarray:
    ph = np.full(K + T, _PH["service"], np.int8)
    ph[:K] = _PH["courtship"]
    ph[K] = _PH["signing"]
    if 0 < term < T:
        ph[K + term] = _PH["renewal"]
    return ph


def _tables(sc, n, T, K, id0, court_len, signed, read, trait, volume, own, exit_month,  # noqa: N803
            reason, E, Q, D, S, R, F, M, h, h0, sow, reach, exited, at_risk, ev, rating_grid,
            comp, ps) -> Journeys:
    W = K + T
    ids = np.arange(id0, id0 + n, dtype=np.int64)
    months = np.arange(W, dtype=np.int64) - K
    phase_of_j = _phase_grid(K, T, sc.term_months)

    # panel: customer-major order; gather from the time-major state arrays
    flat = np.flatnonzero(at_risk.T)  # index i*W + j
    ci, cj = np.divmod(flat, W)
    tm = cj * n + ci

    def g(a: np.ndarray) -> np.ndarray:
        return a.ravel()[tm]

    phase = pd.Categorical.from_codes(phase_of_j[cj], PHASES)
    panel = pd.DataFrame({
        "customer_id": ids[ci], "month": months[cj], "phase": phase,
        "E": g(E), "Q": g(Q), "D": g(D), "S": g(S), "R": g(R), "F": g(F),
        "P": np.where(cj >= K, sc.procedural_barrier, 0.0),
        "M": g(M), "C": np.where(cj >= K, np.concatenate([np.zeros(K), comp])[cj], 0.0),
        "h": g(h), "h0": g(h0), "exited": g(exited),
        "alive": ~g(exited), "share_of_wallet": g(sow), "platform_share": ps[ci],
        "reachable": g(reach),
    })
    panel.loc[panel["month"] < 0, ["F", "M"]] = 0.0  # no barrier before signing

    # events: nonzero of the (customer, month, kind) count cube is already sorted
    cube = ev.reshape(-1)
    nz = np.flatnonzero(cube)
    counts = cube[nz]
    if counts.max(initial=0) > 1:
        nz = np.repeat(nz, counts)
    ei, rest = np.divmod(nz, W * len(EVENT_KINDS))
    ej, ek = np.divmod(rest, len(EVENT_KINDS))
    ev_phase = np.where(ek == _K["exit"], _PH["exit"], phase_of_j[ej]).astype(np.int8)
    rating = np.full(len(nz), np.nan)
    is_survey = ek == _K["survey"]
    rating[is_survey] = rating_grid[ej[is_survey], ei[is_survey]]
    events = pd.DataFrame({
        "customer_id": ids[ei], "month": months[ej],
        "phase": pd.Categorical.from_codes(ev_phase, PHASES),
        "channel": pd.Categorical.from_codes(_KIND_CHANNEL[ek], CHANNELS),
        "actor": pd.Categorical.from_codes(_KIND_ACTOR[ek], ACTORS),
        "kind": pd.Categorical.from_codes(ek.astype(np.int8), EVENT_KINDS),
        "rating": rating,
    })

    tenure = at_risk[K:].sum(axis=0).astype(np.int64)
    exit_m = pd.array(np.where(exit_month >= 0, exit_month, 0), dtype="Int64")
    exit_m[exit_month < 0] = pd.NA
    customers = pd.DataFrame({
        "customer_id": ids,
        "segment": pd.array(np.full(n, sc.segment, dtype=object), dtype="string"),
        "courtship_months": court_len.astype(np.int64),
        "signed": signed,
        "signed_month": np.zeros(n, np.int64),
        "term_months": np.full(n, sc.term_months, np.int64),
        "fee_schedule": pd.Categorical.from_codes(
            np.full(n, FEE_SCHEDULES.index(sc.fee_schedule), np.int8), FEE_SCHEDULES),
        "exit_fee": np.full(n, sc.exit_fee if sc.term_months > 0 else 0.0),
        "price": np.full(n, sc.price),
        "read_contract": signed & read,
        "is_partner": np.full(n, sc.partners),
        "volume": volume,
        "owned_contact": own,
        "expectation": E[K],
        "mental_trait": trait,
        "exit_month": exit_m,
        "exit_reason": pd.Categorical.from_codes(reason, EXIT_REASONS),
        "tenure_months": tenure,
    })
    return Journeys(customers, events, panel)
