"""The month-by-month engine of one chunk of prospects (see :mod:`journey.simulate` for the
model). Courtship runs over every prospect, service over those who signed."""

from __future__ import annotations

import numpy as np
from scipy.special import expit

from journey.scenario import Scenario
from journey.schema import Journeys
from journey.simulate.tables import KIND_BIT, State, mark, tables

COURTSHIP_FORMATION = 0.5  # expectation forms fast while promises are made
MAX_COURTSHIP = 12
_logistic = expit  # 1 / (1 + exp(-x)), in one pass


class Buffers:
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


def _service_draws(sc: Scenario, u: np.ndarray, read: np.ndarray, rng: np.random.Generator,
                   buf: Buffers) -> tuple[dict[str, np.ndarray], np.ndarray,
                                          tuple[np.ndarray, np.ndarray, np.ndarray], np.ndarray]:
    """Service events of every month (rows t = 0..T-1) and the quality shocks they make.

    Returns the event flags by kind; ``shock``, the month's quality change from events (staff
    change, problems, clauses, outbound calls); the new contact persons' quality (one draw per
    staff change, in month order) with ``starts``, where each month's draws begin; and the
    forced exits.
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
        idx = np.flatnonzero(cond)
        hit = np.zeros(cond.size, bool)
        hit[idx[rng.random(len(idx), dtype=np.float32) < p]] = True
        return hit.reshape(cond.shape)

    p_res = sc.resolution_rate * min(1.0, sc.handle_time_cap / sc.handle_time_needed)
    resolved = given(problem, p_res)
    bite = given(problem & ~read, sc.clause_bite_rate)
    calls = np.flatnonzero(out)
    mix = np.full(out.size, np.float32(2.0))  # > 1: no call
    mix[calls] = rng.random(len(calls), dtype=np.float32)
    mix = mix.reshape(out.shape)
    care = mix < sc.outbound_care
    upsell = ~care & (mix < sc.outbound_care + sc.outbound_upsell)
    collect = out & ~care & ~upsell
    forced = given(collect, sc.forced_exit_rate)
    shock = buf.get("shock", (T, n), fill=0.0)
    for weight, flag in ((-sc.new_staff_penalty, changed), (-sc.problem_penalty, resolved),
                         (-sc.unresolved_penalty, problem & ~resolved),
                         (-sc.clause_shock, bite), (sc.care_effect, care),
                         (sc.upsell_effect, upsell), (sc.collection_effect, collect)):
        shock += weight * flag
    # new contact persons: their quality, and where each month's changes begin
    who = np.flatnonzero(changed)  # time-major: month by month
    new_q = rng.normal(sc.service_quality, sc.service_quality_sd, len(who))
    starts = np.searchsorted(who, np.arange(T + 1) * n)
    flags = {"problem": problem, "resolution": resolved, "clause_shock": bite,
             "care_call": care, "upsell_call": upsell, "collection_call": collect,
             "staff_change": changed}
    return flags, shock, (who % n, new_q, starts), forced


def simulate_chunk(sc: Scenario, n: int, T: int, rng: np.random.Generator,  # noqa: N803
                    id0: int, buf: Buffers) -> Journeys:
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
    Ec, Qc, Sc = np.empty((3, K, n))
    active = np.arange(K)[:, None] >= K - court_len  # the prospect is being courted
    contacts = np.zeros((K, n), np.uint8)  # sales contacts, drawn for courted months only
    contacts[active] = np.minimum(rng.poisson(sc.courtship_contacts, int(active.sum())), 255)
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
    mark(ev[:K], "contact", active & (contacts > 0))
    ev[K - 1] |= np.uint32(1 << KIND_BIT["offer"])
    mark(ev[K], "signing", signed)
    mark(ev[K], "contract_read", signed & read)

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
    ev_flags, shock, staff, forced_all = _service_draws(sc, u[:3], read, rng, buf)
    new_col, new_q, starts = staff
    changed_all = ev_flags["staff_change"]
    fee, comp = _fee_path(sc, T), _competitor_path(sc, T)
    mental0 = sc.mental_base * trait + sc.sunk_investment
    held0 = mental0 + sc.procedural_barrier  # the barrier parts that do not change
    pe_month, lead = sc.platform_exit_month, sc.announcement_lead
    if 1 <= pe_month < T:  # leaving the platform: who is still reachable afterwards
        window = u_migrate[max(pe_month - lead, 1):pe_month]
        own_s = own_s | (platform_only_s & (window < sc.migration_rate).any(axis=0))
        shock[pe_month] -= sc.platform_exit_shock * ps_s * ~own_s
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
        if t == 0:  # the wedding: still the sales treatment, promises still believed
            q = np.clip(sales_q + sc.promise_inflation + noise[0], 0, 10)
        else:  # the contact person (replaced when staff leave) plus the month's shocks
            lo, hi = starts[t], starts[t + 1]
            person_q[new_col[lo:hi]] = new_q[lo:hi]
            q = np.clip(person_q + shock[t] + noise[t], 0, 10)
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
        mark(ev_s[K:], kind, flag & in_service)
    mark(ev_s[K:], "exit", exited[K:])
    if 0 < term < T:
        mark(ev_s[K + term], "rollover", at_risk[K + term] & ~exited[K + term])
    for kind, month in (("platform_announce", max(pe_month - lead, 0)),
                        ("platform_exit", pe_month)):
        if pe_month >= 0 and month < T:
            mark(ev_s[K + month], kind, at_risk[K + month] & (ps_s > 0))
    # surveys are answered in any month the customer is in the panel
    surveyed = at_risk & (u_survey < sc.survey_rate * sc.response_rate)
    ev_s |= surveyed.astype(np.uint32) << np.uint32(KIND_BIT["survey"])
    ev[:, sidx] |= ev_s

    # back to every prospect
    own[sidx] = own_s
    reason_n = np.full(n, -1, np.int8)
    reason_n[sidx] = reason
    exit_n = np.full(n, -1, np.int64)
    exit_n[sidx] = exit_month
    tenure = np.zeros(n, np.int64)
    tenure[sidx] = at_risk[K:].sum(axis=0)
    state = State(E=E, Q=Q, S=S, R=R, h=h, h0=h0, sow=sow, reach=reach, at_risk=at_risk,
                   exited=exited, ev=ev, contacts=contacts, sidx=sidx)
    cust = dict(court_len=court_len, signed=signed, read_n=read_n, trait=trait_n, volume=volume,
                own=own, exit_month=exit_n, reason=reason_n, tenure=tenure,
                expectation=expectation, mental0=mental0, ps=ps_s)
    return tables(sc, n, T, K, id0, state, cust, fee, comp, rng)
