"""The month-by-month service engine of one chunk of prospects (the model: ``docs/model.md``).

:func:`simulate_chunk` runs the phases in order: the prospects and their courtship
(:mod:`journey.simulate.courtship`), the incidents drawn up front
(:mod:`journey.simulate.events`), then :func:`serve`, the only part that is recursive in time:
each month the experience (:func:`_experience`), the partners' share of wallet, the renewal
decision at term end (:func:`_renew`) and one multinomial draw between staying and the exit
causes (:func:`_exit_odds`, :func:`_draw_exits`). Finally :func:`survey` decides who answers
and :func:`journey.simulate.tables.tables` writes the three tables.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np
from scipy.special import expit as _logistic

from journey.scenario import Scenario
from journey.schema import EXIT_REASONS, Journeys
from journey.simulate.buffers import Buffers
from journey.simulate.courtship import Courtship, Prospects, court, draw_prospects
from journey.simulate.events import (
    ServiceEvents,
    competitor_path,
    draw_service_events,
    fee_by_contract_age,
    financing_path,
)
from journey.simulate.tables import KIND_BIT, State, mark, tables

__all__ = ["Buffers", "run_chunk", "simulate_chunk"]

_REASON = {r: np.int8(i) for i, r in enumerate(EXIT_REASONS)}


def _odds(p: float) -> float:
    return p / (1.0 - p) if p < 1.0 else np.inf


def simulate_chunk(sc: Scenario, n: int, T: int, rng: np.random.Generator,  # noqa: N803
                   id0: int, buf: Buffers) -> Journeys:
    """One chunk of prospects, from their draws to the three tables."""
    return run_chunk(sc, n, T, rng, id0, buf)()


def run_chunk(sc: Scenario, n: int, T: int, rng: np.random.Generator,  # noqa: N803
              id0: int, buf: Buffers) -> Callable[[], Journeys]:
    """Simulate one chunk; returns the step that writes its tables (it reads the arrays in
    ``buf`` and draws the survey answers from ``rng``, so it runs before either is reused)."""
    pr = draw_prospects(sc, n, rng)
    ct = court(sc, pr, rng)
    K = ct.K
    ev = np.zeros((K + T, n), np.uint32)  # bit k set: an event of EVENT_KINDS[k] this month
    mark(ev[:K], "contact", ct.active & (ct.contacts > 0))
    ev[K - 1] |= np.uint32(1 << KIND_BIT["offer"])
    mark(ev[K], "signing", ct.signed)
    mark(ev[K], "contract_read", ct.signed & pr.read)

    sidx = np.flatnonzero(ct.signed)
    st, cust = serve(sc, pr, ct, sidx, T, rng, buf)
    ev[:, sidx] |= st.ev
    st.ev = ev
    own = pr.own.copy()
    own[sidx] = cust.pop("own")
    for key in ("reason", "exit_month"):  # back to every prospect
        full = np.full(n, -1, cust[key].dtype)
        full[sidx] = cust[key]
        cust[key] = full
    tenure = np.zeros(n, np.int64)
    tenure[sidx] = st.at_risk[K:].sum(axis=0)
    cust.update(court_len=pr.court_len, signed=ct.signed, read_n=pr.read, trait=pr.trait,
                frailty=pr.frailty, volume=pr.volume, own=own, tenure=tenure,
                expectation=ct.e)
    return partial(tables, sc, n, T, K, id0, st, cust, rng)


@dataclass
class Relationship:
    """The state of every signed customer of the chunk (one value each), updated month by
    month."""

    e: np.ndarray  # expectation
    s: np.ndarray  # satisfaction
    r: np.ndarray  # bond
    person_q: np.ndarray  # the contact person's skill
    newcomer: np.ndarray  # and their remaining newcomer gap
    alive: np.ndarray
    in_contract: np.ndarray
    rolled: np.ndarray  # month to month after a lapsed term
    start: np.ndarray  # month the current term began
    reason: np.ndarray
    exit_month: np.ndarray
    w: np.ndarray | None = None  # partners' share of wallet
    lapses: int = 0  # term ends with someone lapsing so far (0: all in their first term)


def _relationship(sc: Scenario, pr: Prospects, ct: Courtship, sidx: np.ndarray) -> Relationship:
    m = len(sidx)
    newcomer = sc.newcomer_gap * np.exp(-pr.person_exp[sidx] / sc.learning_months)
    return Relationship(
        e=ct.e[sidx], s=ct.s[sidx], r=sc.sales_bond_carryover * ct.r[sidx],
        person_q=pr.person_q[sidx], newcomer=newcomer, alive=np.ones(m, bool),
        in_contract=np.full(m, sc.term_months > 0), rolled=np.zeros(m, bool),
        start=np.zeros(m, np.int64), reason=np.full(m, -1, np.int8),
        exit_month=np.full(m, -1, np.int64),
        w=pr.sow0[sidx].copy() if sc.partners else None)


def _experience(sc: Scenario, c: Relationship, sv: ServiceEvents, shock: np.ndarray,
                noise: np.ndarray, t: int) -> np.ndarray:
    """Month ``t >= 1``: the contact person (replaced when staff leave, then learning) and the
    month's incidents make ``Q``; ``D = Q - E``; ``S`` moves toward ``Q + δ w(D) D`` with
    ``w = loss_weight`` for ``D < 0``; ``E`` learns at ``max(1/(n0 + t), a_E)``; the bond grows
    or breaks. Returns ``Q``."""
    lo, hi = sv.starts[t], sv.starts[t + 1]
    cols = sv.new_col[lo:hi]
    c.person_q[cols] = sv.new_q[lo:hi]
    c.newcomer[cols] = sc.newcomer_gap
    q = np.clip(c.person_q - c.newcomer + shock[t] + noise[t], 0, 10)
    c.newcomer *= np.exp(-1.0 / sc.learning_months)
    d = q - c.e
    felt = d + (sc.loss_weight - 1.0) * np.minimum(d, 0.0)
    c.s = np.clip(c.s + sc.satisfaction_lambda * (q + sc.disconfirmation_weight * felt - c.s),
                  0, 10)
    c.e = c.e + max(1.0 / (sc.expectation_prior_months + t), sc.expectation_adapt) * d
    grown = c.r + sc.bond_growth * (1 - c.r)
    grown[cols] = c.r[cols] * (1 - sc.bond_loss)  # a new contact person breaks the bond
    c.r = grown
    return q


def _partner_month(sc: Scenario, c: Relationship, idea: np.ndarray, adopted: np.ndarray,
                   comp: float, sow_base: np.ndarray) -> None:
    """Being heard moves the bond; the share of wallet moves toward its target (satisfaction,
    bond, rewards, the competitor's pull that a bond shields against)."""
    c.r = np.where(adopted, c.r + sc.heard_bond * (1 - c.r), c.r)
    c.r = np.where(idea & ~adopted, c.r * (1 - sc.heard_bond), c.r)
    pull = sc.sow_erosion * max(comp, 0.0) * (1 - sc.sow_shield * c.r)
    target = _logistic(sow_base + sc.sow_satisfaction * (c.s - sc.satisfaction_target)
                       + sc.sow_bond * (c.r - 0.5) - pull)
    c.w = c.w + sc.sow_speed * (target - c.w)


def _renew(sc: Scenario, c: Relationship, t: int, u_renew: np.ndarray,
           flags: tuple[np.ndarray, np.ndarray]) -> np.ndarray | float:
    """At term end each customer re-contracts (a new term from month ``t``) or rolls over to
    month to month; ``flags`` (re-contract, rollover) are set for month ``t``. Returns the
    month's boost to the exit logits: ``term_end_boost`` for those rolling over now,
    ``rollover_boost`` for those rolled over before."""
    term = sc.term_months
    if term > 0 and t % term == 0:  # terms start at multiples of the term only
        lapse = c.alive & c.in_contract & (t - c.start == term)
        if lapse.any():
            # the row of the k-th term end (t = k·term): it does not depend on who is alive,
            # so a counterfactual that changes exits (no barriers) keeps the renewal draws
            u = u_renew[t // term - 1]
            c.lapses += 1
            p = _logistic(sc.recontract_logit + sc.recontract_slope
                          * (c.s - sc.satisfaction_target) + sc.recontract_bond * c.r)
            rc = lapse & (u < p)
            roll = lapse & ~rc
            c.start[rc] = t
            c.in_contract &= ~roll
            c.rolled |= roll
            flags[0][t], flags[1][t] = rc, roll
            boost = np.where(c.rolled, sc.rollover_boost, 0.0)
            boost[roll] = sc.term_end_boost
            return boost
    return np.where(c.rolled, sc.rollover_boost, 0.0) if c.lapses else 0.0


def _fee(sc: Scenario, c: Relationship, t: int, fee_age: np.ndarray,
         fin: np.ndarray) -> np.ndarray | float:
    """``F``: the fee owed at the contract's age, plus the financing balance."""
    if sc.term_months > 0 and c.lapses:  # contracts of different ages from the first lapse on
        age = np.minimum(t - c.start, len(fee_age) - 1)
        return np.where(c.in_contract, fee_age[age], 0.0) + fin[t]
    return fee_age[t] + fin[t]  # everyone is in the first term (or has none): one fee for all


def _exit_odds(sc: Scenario, gap: np.ndarray, b: np.ndarray, boost: np.ndarray | float,
               comp: float, base_dis: np.ndarray, base_c: np.ndarray,
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray | float, np.ndarray | float]:
    """Odds against staying of the dissatisfaction and competitor causes, with and without
    barriers: ``(o_dis, o0_dis, o_comp, o0_comp)``; a competitor exit needs ``C > 0``."""
    x = base_dis + sc.alpha_S * gap
    x += boost
    o0_dis = np.exp(x)
    slope = sc.alpha_SB * gap
    slope += sc.alpha_B
    np.maximum(slope, 0.0, out=slope)  # barriers never push a customer out
    slope *= b
    x -= slope
    o_dis = np.exp(x, out=x)
    if comp <= 0:
        return o_dis, o0_dis, 0.0, 0.0
    o0_c = np.exp(base_c + sc.alpha_C * comp + boost)
    return o_dis, o0_dis, o0_c * np.exp(-sc.alpha_B * b), o0_c


def _draw_exits(c: Relationship, t: int, u: np.ndarray, o_dis: np.ndarray,
                o_c: np.ndarray | float, odds_other: float, forced: np.ndarray,
                ) -> tuple[np.ndarray, np.ndarray]:
    """One multinomial draw per customer: stay | dissatisfaction | competitor | other (forced
    exits override it). Returns the month's exit probability ``h`` and who left."""
    tot = 1.0 + o_dis + o_c + odds_other
    x = u * tot
    leave = c.alive & ((x < tot - 1.0) | forced)
    who = np.flatnonzero(leave)
    if len(who):
        xw = x[who]
        comp = xw < (o_dis + o_c)[who] if np.ndim(o_c) else False
        why = np.where(xw < o_dis[who], _REASON["dissatisfaction"],
                       np.where(comp, _REASON["competitor"], _REASON["other"]))
        why[forced[who]] = _REASON["forced"]
        c.reason[who] = why
        c.exit_month[who] = t
    c.alive &= ~leave
    return (tot - 1.0) / tot, leave


def serve(sc: Scenario, pr: Prospects, ct: Courtship, sidx: np.ndarray, T: int,  # noqa: N803
          rng: np.random.Generator, buf: Buffers) -> tuple[State, dict]:
    """Signing and service for the signed customers (the columns of every array here)."""
    K, m, f32 = ct.K, len(sidx), np.float32
    W = K + T
    noise = rng.standard_normal(dtype=f32, out=buf.get("noise", (T, m), f32))
    noise *= f32(sc.month_noise_sd)
    u_exit = rng.random(dtype=f32, out=buf.get("u_exit", (T, m), f32))
    u_survey = rng.random(dtype=f32, out=buf.get("u_survey", (W, m), f32))
    term = sc.term_months
    u_renew = rng.random((T // term if 0 < term < T else 0, m), dtype=f32)
    if sc.partners:
        u_idea, u_adopt = rng.random((2, T, m), dtype=f32)
    if sc.platform_exit_month >= 0:
        u_migrate = rng.random((T, m), dtype=f32)

    # state kept for the panel, time-major (W x m); courtship rows copied from above
    E, Q, S, R, h, h0 = (buf.get(k, (W, m)) for k in ("E", "Q", "S", "R", "h", "h0"))
    E[:K], Q[:K], S[:K], R[:K] = ct.E[:, sidx], ct.Q[:, sidx], ct.S[:, sidx], ct.R[:, sidx]
    h[:K] = h0[:K] = h[K] = h0[K] = 0.0  # nobody at risk before or in the signing month
    F = buf.get("F", (W, m), fill=0.0)
    sow = buf.get("sow", (W, m), fill=1.0) if sc.partners else None
    reach = buf.get("reach", (W, m), bool, True) if sc.platform_exit_month >= 0 else None
    at_risk = buf.get("at_risk", (W, m), bool)  # the row exists in the panel
    at_risk[:K] = ct.active[:, sidx]
    exited = buf.get("exited", (W, m), bool, False)
    rolled = buf.get("rolled", (W, m), bool, False)

    sv = draw_service_events(sc, pr.read[sidx], T, rng, buf)
    shock = sv.shock
    shock *= pr.sensitivity[sidx]  # customers differ in how much incidents hurt
    fee_age, fin, comp = fee_by_contract_age(sc, T), financing_path(sc, T), competitor_path(sc, T)
    mental0 = sc.mental_base * pr.trait[sidx] + sc.sunk_investment
    held0 = mental0 + sc.procedural_barrier  # the barrier parts that do not change
    ps_s, own_s = pr.ps[sidx], pr.own[sidx]
    pe_month, lead = sc.platform_exit_month, sc.announcement_lead
    if 1 <= pe_month < T:  # leaving the platform: who is still reachable afterwards
        window = u_migrate[max(pe_month - lead, 1):pe_month]
        own_s = own_s | (pr.platform_only[sidx] & (window < sc.migration_rate).any(axis=0))
        shock[pe_month] -= sc.platform_exit_shock * ps_s * ~own_s
        reach[K + pe_month:] = own_s
    c = _relationship(sc, pr, ct, sidx)
    if sc.partners:
        idea_all = u_idea < sc.idea_rate
        idea_all[0] = False
        adopted_all = idea_all & (u_adopt < sc.ideas_adopted)
        sv.at["idea"], sv.at["idea_adopted"] = np.flatnonzero(idea_all), np.flatnonzero(
            adopted_all)
        sow_base = np.log(c.w / (1 - c.w)) + sc.reward_effect * sc.partner_rewards
    renewal = np.zeros((T, m), bool), np.zeros((T, m), bool)  # re-contract, rollover
    odds_other = _odds(sc.other_exit_rate)
    log_z = np.log(np.maximum(pr.frailty[sidx], 1e-300))
    base_dis = sc.alpha0 + log_z  # the parts of the exit logits fixed per customer
    base_c = sc.competitor_alpha0 + log_z
    for t in range(T):
        j = K + t
        E[j] = c.e  # the expectation this month's experience is compared with
        if t == 0:  # the wedding: still the sales treatment; nothing experienced yet
            q = np.clip(pr.sales_q[sidx] + noise[0], 0, 10)
            c.s = np.clip(c.s + sc.satisfaction_lambda * (q - c.s), 0, 10)
        else:
            q = _experience(sc, c, sv, shock, noise, t)
            if sc.partners:
                _partner_month(sc, c, idea_all[t], adopted_all[t], comp[t], sow_base)
        if sc.partners:
            sow[j] = c.w
        at_risk[j] = c.alive
        if t > 0:  # not at risk in the signing month
            boost = _renew(sc, c, t, u_renew, renewal)
            F[j] = fee = _fee(sc, c, t, fee_age, fin)
            rolled[j] = c.rolled
            gap = sc.satisfaction_target - c.s
            b = held0 + fee + sc.bond_weight * c.r
            o_dis, o0_dis, o_c, o0_c = _exit_odds(sc, gap, b, boost, comp[t], base_dis, base_c)
            h0[j] = 1.0 - 1.0 / (1.0 + o0_dis + o0_c + odds_other)
            h[j], exited[j] = _draw_exits(c, t, u_exit[t], o_dis, o_c, odds_other, sv.forced[t])
        Q[j], S[j], R[j] = q, c.s, c.r

    ev_s = buf.get("ev", (W, m), np.uint32, 0)
    in_service = at_risk[K:]
    served_bits, served = ev_s[K:].reshape(-1), in_service.reshape(-1)
    for kind, pos in sv.at.items():  # incidents while the customer is still there
        served_bits[pos[served[pos]]] |= np.uint32(1 << KIND_BIT[kind])
    mark(ev_s[K:], "recontract", renewal[0] & in_service)
    mark(ev_s[K:], "rollover", renewal[1] & in_service)
    mark(ev_s[K:], "exit", exited[K:])
    for kind, month in (("platform_announce", max(pe_month - lead, 0)),
                        ("platform_exit", pe_month)):
        if pe_month >= 0 and month < T:
            mark(ev_s[K + month], kind, at_risk[K + month] & (ps_s > 0))
    answered = survey(sc, S, at_risk, u_survey)
    ev_s |= answered.astype(np.uint32) << np.uint32(KIND_BIT["survey"])
    answered[:K] = False  # likelihood to recommend: asked of customers only
    ev_s |= answered.astype(np.uint32) << np.uint32(KIND_BIT["recommend"])
    state = State(E=E, Q=Q, S=S, R=R, F=F, h=h, h0=h0, sow=sow, reach=reach, rolled=rolled,
                  at_risk=at_risk, exited=exited, ev=ev_s, contacts=ct.contacts, sidx=sidx,
                  C=comp, renewal_j=K + np.flatnonzero((renewal[0] | renewal[1]).any(axis=1)))
    cust = dict(own=own_s, reason=c.reason, exit_month=c.exit_month, mental0=mental0, ps=ps_s)
    return state, cust


def survey(sc: Scenario, S: np.ndarray, at_risk: np.ndarray, u: np.ndarray) -> np.ndarray:  # noqa: N803
    """Who answers a survey in a month: asked with ``survey_rate``, answering with
    ``logistic(logit(response_rate) + response_slope (S - S*))`` (non-response that depends on
    satisfaction). The response probability is computed only for those asked."""
    rr = sc.response_rate
    if rr <= 0.0 or sc.survey_rate <= 0.0:
        return np.zeros(S.shape, bool)
    if sc.response_slope == 0.0 or rr >= 1.0:
        return at_risk & (u < sc.survey_rate * rr)
    asked = np.flatnonzero(at_risk & (u < sc.survey_rate))
    p = _logistic(np.log(rr / (1 - rr))
                  + sc.response_slope * (S.reshape(-1)[asked] - sc.satisfaction_target))
    answered = np.zeros(S.shape, bool)
    answered.reshape(-1)[asked[u.reshape(-1)[asked] < sc.survey_rate * p]] = True
    return answered
