"""The month-by-month engine of one chunk of prospects (the model: ``docs/model.md``).

Courtship runs over every prospect, service over those who signed. Each phase is a function:
:func:`draw_prospects` (who the prospects are), :func:`court` (courtship and the signing
decision), :func:`draw_service_events` (what happens to a customer in a month, which does not
depend on their state), :func:`serve` (the recursive state month by month: expectation,
satisfaction, bond, contract, exits) and :func:`survey` (who answers a survey).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import expit

from journey.scenario import Scenario
from journey.schema import EXIT_REASONS, Journeys
from journey.simulate.tables import KIND_BIT, State, mark, tables

COURTSHIP_FORMATION = 0.5  # expectation forms fast while promises are made (docs/model.md)
MAX_COURTSHIP = 12
_logistic = expit  # 1 / (1 + exp(-x)), in one pass
_REASON = {r: np.int8(i) for i, r in enumerate(EXIT_REASONS)}


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


def fee_by_contract_age(sc: Scenario, T: int) -> np.ndarray:  # noqa: N803
    """The early-termination fee owed at contract age ``a = 0..T`` (0 from the term end on)."""
    a = np.arange(T + 1)
    term = sc.term_months
    if term > 0 and sc.fee_schedule == "flat":
        return np.where(a < term, sc.exit_fee, 0.0)
    if term > 0 and sc.fee_schedule == "declining":
        return np.where(a < term, sc.exit_fee * (term - a) / term, 0.0)
    return np.zeros(T + 1)


def financing_path(sc: Scenario, T: int) -> np.ndarray:  # noqa: N803
    """The financed balance that falls due on exit, by month since signing (first term only)."""
    t = np.arange(T)
    if sc.financing_months <= 0:
        return np.zeros(T)
    return np.where(t < sc.financing_months,
                    sc.financing_balance * (1 - t / sc.financing_months), 0.0)


def competitor_path(sc: Scenario, T: int) -> np.ndarray:  # noqa: N803
    t = np.arange(T)
    entered = (sc.competitor_entry_month >= 0) & (t >= sc.competitor_entry_month)
    return np.where(entered, sc.competitor_attractiveness, sc.competitor_base)


def _odds(p: float) -> float:
    return p / (1.0 - p) if p < 1.0 else np.inf


@dataclass
class Prospects:
    """What each prospect brings: one value per prospect of the chunk."""

    court_len: np.ndarray
    sales_q: np.ndarray
    read: np.ndarray
    trait: np.ndarray  # mental-barrier multiplier
    frailty: np.ndarray  # z: multiplies the exit odds
    sensitivity: np.ndarray  # multiplies the quality shocks of service incidents
    volume: np.ndarray
    sow0: np.ndarray  # initial share of wallet
    ps: np.ndarray  # platform share of dialogue
    platform_only: np.ndarray
    own: np.ndarray  # contact data in the firm's own system
    person_q: np.ndarray  # the first service contact person's skill
    person_exp: np.ndarray  # and experience, months
    u_conv: np.ndarray


def _lognormal_mean1(rng: np.random.Generator, sd: float, n: int) -> np.ndarray:
    return np.exp(rng.normal(-0.5 * sd * sd, sd, n))


def draw_prospects(sc: Scenario, n: int, rng: np.random.Generator) -> Prospects:
    court_len = np.clip(1 + rng.poisson(sc.courtship_months - 1.0, n), 1, MAX_COURTSHIP)
    sales_q = np.clip(rng.normal(sc.sales_quality, sc.sales_quality_sd, n), 0, 10)
    read = rng.random(n) < sc.read_share
    trait = _lognormal_mean1(rng, sc.mental_trait_sd, n)
    theta = sc.churn_heterogeneity
    frailty = rng.gamma(1.0 / theta, theta, n) if theta > 0 else np.ones(n)
    sensitivity = _lognormal_mean1(rng, sc.service_sensitivity_sd, n)
    if sc.partners:
        volume = np.exp(rng.normal(0.0, sc.partner_volume_sd, n))
        k = sc.sow_concentration
        sow0 = rng.beta(sc.sow_initial * k, (1 - sc.sow_initial) * k, n)
    else:
        volume, sow0 = np.ones(n), np.ones(n)
    if sc.platform_share > 0:
        conc = 4.0
        ps = rng.beta(sc.platform_share * conc, max(1 - sc.platform_share, 1e-6) * conc, n)
    else:
        ps = np.zeros(n)
    platform_only = rng.random(n) < ps
    captured = sc.keep_contact_data & (rng.random(n) < sc.owned_capture)
    person_q = rng.normal(sc.service_quality, sc.service_quality_sd, n)
    # the first contact person has the experience of a staff member in post: with monthly
    # turnover p, staff tenure is geometric with mean 1/p months
    p = sc.staff_turnover
    person_exp = rng.geometric(p, n) - 1.0 if p > 0 else np.full(n, np.inf)
    return Prospects(court_len, sales_q, read, trait, frailty, sensitivity, volume, sow0, ps,
                     platform_only, ~platform_only | captured, person_q, person_exp,
                     rng.random(n))


@dataclass
class Courtship:
    """The courted months (``K x n``, month ``j - K``) and the state at signing."""

    K: int
    E: np.ndarray
    Q: np.ndarray
    S: np.ndarray
    R: np.ndarray
    active: np.ndarray
    contacts: np.ndarray
    e: np.ndarray  # expectation at signing (after reading the contract)
    s: np.ndarray
    r: np.ndarray
    signed: np.ndarray


def court(sc: Scenario, pr: Prospects, rng: np.random.Generator) -> Courtship:
    """Courtship: the sales treatment forms satisfaction, the promises form expectation.

    ``Q_j = sales_q + ε``; ``S`` starts at the first impression ``Q`` and then follows
    ``S_j = S_{j-1} + λ (Q_j - S_{j-1})`` (no service experienced yet, so no disconfirmation);
    expectation starts at ``prior_satisfaction`` and forms on the promised offer,
    ``E_j = E_{j-1} + ½ (min(Q_j + π, 10) - E_{j-1})``; the bond grows with each month of
    contacts. At signing a reader's expectation loses ``read_temper · π``; the
    prospect signs with ``logistic(c0 + c1 ((S + E)/2 - 7))``.
    """
    n = len(pr.sales_q)
    K = int(pr.court_len.max())
    noise = rng.standard_normal((K, n), dtype=np.float32) * np.float32(sc.month_noise_sd)
    E, Q, S, R = np.empty((4, K, n))
    active = np.arange(K)[:, None] >= K - pr.court_len  # the prospect is being courted
    contacts = np.zeros((K, n), np.uint8)  # sales contacts, drawn for courted months only
    contacts[active] = np.minimum(rng.poisson(sc.courtship_contacts, int(active.sum())), 255)
    e = np.full(n, sc.prior_satisfaction)
    s = np.full(n, sc.prior_satisfaction)
    r = np.zeros(n)
    lam = sc.satisfaction_lambda
    for j in range(K):
        q = np.clip(pr.sales_q + noise[j], 0, 10)
        first = active[j] & (j == K - pr.court_len)  # the first impression sets S
        s = np.where(first, q, np.where(active[j], s + lam * (q - s), s))
        r = np.where(active[j] & (contacts[j] > 0), r + sc.bond_growth * (1 - r), r)
        E[j], Q[j], S[j], R[j] = e, q, s, r
        e = np.where(active[j], e + COURTSHIP_FORMATION * (np.minimum(q + sc.promise_inflation, 10)
                                                             - e), e)
    e = np.clip(e - pr.read * sc.read_temper * sc.promise_inflation, 0, 10)
    value = 0.5 * (s + e)
    signed = pr.u_conv < _logistic(sc.conversion_logit + sc.conversion_slope * (value - 7.0))
    return Courtship(K, E, Q, S, R, active, contacts, e, s, r, signed)


def _given(rng: np.random.Generator, cond: np.ndarray, p: float) -> np.ndarray:
    """A Bernoulli(p) outcome drawn only where ``cond`` holds (False elsewhere)."""
    idx = np.flatnonzero(cond)
    hit = np.zeros(cond.size, bool)
    hit[idx[rng.random(len(idx), dtype=np.float32) < p]] = True
    return hit.reshape(cond.shape)


@dataclass
class ServiceEvents:
    """What happens to each signed customer in each month (rows ``t = 0..T-1``)."""

    flags: dict[str, np.ndarray]  # event kind -> (T x m) flags
    shock: np.ndarray  # quality change from incidents (problems, clauses, calls)
    new_col: np.ndarray  # staff changes in month order: the customer's column,
    new_q: np.ndarray  # the new contact person's skill,
    starts: np.ndarray  # and where each month's changes begin
    forced: np.ndarray


def draw_service_events(sc: Scenario, read: np.ndarray, T: int, rng: np.random.Generator,  # noqa: N803
                        buf: Buffers) -> ServiceEvents:
    """Staff changes, problems (resolved or not), clause shocks and outbound calls for all
    months at once: none of them depends on the customer's satisfaction."""
    m = len(read)
    u_problem, u_out, u_staff = rng.random(dtype=np.float32, out=buf.get("u", (3, T, m),
                                                                           np.float32))
    changed = u_staff < sc.staff_turnover
    problem = u_problem < sc.problem_rate
    out = u_out < sc.outbound_rate
    for flag in (changed, problem, out):
        flag[0] = False  # the signing month: still the salesperson's treatment
    p_res = sc.resolution_rate * min(1.0, sc.handle_time_cap / sc.handle_time_needed)
    resolved = _given(rng, problem, p_res)
    bite = _given(rng, problem & ~read, sc.clause_bite_rate)
    calls = np.flatnonzero(out)
    mix = np.full(out.size, np.float32(2.0))  # > 1: no call
    mix[calls] = rng.random(len(calls), dtype=np.float32)
    mix = mix.reshape(out.shape)
    care = mix < sc.outbound_care
    upsell = ~care & (mix < sc.outbound_care + sc.outbound_upsell)
    collect = out & ~care & ~upsell
    forced = _given(rng, collect, sc.forced_exit_rate)
    shock = buf.get("shock", (T, m), fill=0.0)
    for weight, flag in ((-sc.problem_penalty, resolved),
                         (-sc.unresolved_penalty, problem & ~resolved),
                         (-sc.clause_shock, bite), (sc.care_effect, care),
                         (sc.upsell_effect, upsell), (sc.collection_effect, collect)):
        shock += weight * flag
    who = np.flatnonzero(changed)  # time-major: month by month
    new_q = rng.normal(sc.service_quality, sc.service_quality_sd, len(who))
    starts = np.searchsorted(who, np.arange(T + 1) * m)
    flags = {"problem": problem, "resolution": resolved, "clause_shock": bite,
             "care_call": care, "upsell_call": upsell, "collection_call": collect,
             "staff_change": changed}
    return ServiceEvents(flags, shock, who % m, new_q, starts, forced)


def simulate_chunk(sc: Scenario, n: int, T: int, rng: np.random.Generator,  # noqa: N803
                   id0: int, buf: Buffers) -> Journeys:
    pr = draw_prospects(sc, n, rng)
    ct = court(sc, pr, rng)
    K = ct.K
    W = K + T  # time axis: j = 0..W-1, month = j - K
    ev = np.zeros((W, n), np.uint32)  # bit k set: an event of EVENT_KINDS[k] this month
    mark(ev[:K], "contact", ct.active & (ct.contacts > 0))
    ev[K - 1] |= np.uint32(1 << KIND_BIT["offer"])
    mark(ev[K], "signing", ct.signed)
    mark(ev[K], "contract_read", ct.signed & pr.read)

    sidx = np.flatnonzero(ct.signed)
    st, cust = serve(sc, pr, ct, sidx, T, rng, buf)
    ev[:, sidx] |= st.ev
    st.ev = ev
    st.contacts = ct.contacts
    st.sidx = sidx
    own = pr.own.copy()
    own[sidx] = cust.pop("own")
    for key in ("reason", "exit_month"):
        full = np.full(n, -1, cust[key].dtype)
        full[sidx] = cust[key]
        cust[key] = full
    tenure = np.zeros(n, np.int64)
    tenure[sidx] = st.at_risk[K:].sum(axis=0)
    cust.update(court_len=pr.court_len, signed=ct.signed, read_n=pr.read, trait=pr.trait,
                frailty=pr.frailty, volume=pr.volume, own=own, tenure=tenure,
                expectation=ct.e)
    return tables(sc, n, T, K, id0, st, cust, rng)


def serve(sc: Scenario, pr: Prospects, ct: Courtship, sidx: np.ndarray, T: int,  # noqa: N803, PLR0915
          rng: np.random.Generator, buf: Buffers) -> tuple[State, dict]:
    """Signing and service for the signed customers (the columns of every array here).

    Per month ``t >= 1`` (``docs/model.md``): the contact person (replaced when staff leave,
    then learning), the month's incidents and noise make ``Q``; ``D = Q - E``; ``S`` moves
    toward ``Q + δ w(D) D`` with ``w = loss_weight`` for ``D < 0``; ``E`` learns at rate
    ``max(1/(n0 + t), a_E)``; the bond grows or breaks; at term end the customer re-contracts
    or rolls over; then one multinomial draw decides between staying and the exit causes.
    """
    K = ct.K
    W = K + T
    m = len(sidx)
    f32 = np.float32
    read = pr.read[sidx]
    sales_q, sens = pr.sales_q[sidx], pr.sensitivity[sidx]
    person_q, exper = pr.person_q[sidx].copy(), pr.person_exp[sidx]
    ps_s, platform_only_s, own_s = pr.ps[sidx], pr.platform_only[sidx], pr.own[sidx]
    log_z = np.log(np.maximum(pr.frailty[sidx], 1e-300))
    e, s = ct.e[sidx], ct.s[sidx]
    r = sc.sales_bond_carryover * ct.r[sidx]
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

    sv = draw_service_events(sc, read, T, rng, buf)
    shock = sv.shock
    shock *= sens  # customers differ in how much incidents hurt
    fee_age, fin = fee_by_contract_age(sc, T), financing_path(sc, T)
    comp = competitor_path(sc, T)
    mental0 = sc.mental_base * pr.trait[sidx] + sc.sunk_investment
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
        sv.flags["idea"], sv.flags["idea_adopted"] = idea_all, adopted_all
        w = pr.sow0[sidx].copy()
        sow_base = np.log(w / (1 - w)) + sc.reward_effect * sc.partner_rewards
    renew_flags = np.zeros((T, m), bool), np.zeros((T, m), bool)  # recontract, rollover
    learn = np.exp(-1.0 / sc.learning_months)
    gap_new = sc.newcomer_gap * np.exp(-exper / sc.learning_months)  # current newcomer gap
    lam, dlt, loss = sc.satisfaction_lambda, sc.disconfirmation_weight, sc.loss_weight
    odds_other = _odds(sc.other_exit_rate)
    alive = np.ones(m, bool)
    in_contract = np.full(m, term > 0)
    is_rolled = np.zeros(m, bool)
    start = np.zeros(m, np.int64)  # month the current term began
    reason = np.full(m, -1, np.int8)
    exit_month = np.full(m, -1, np.int64)
    lapses = 0
    base_dis = sc.alpha0 + log_z  # the parts of the exit logits fixed per customer
    base_c = sc.competitor_alpha0 + log_z
    for t in range(T):
        j = K + t
        E[j] = e  # the expectation this month's experience is compared with
        if t == 0:  # the wedding: still the sales treatment; nothing experienced yet
            q = np.clip(sales_q + noise[0], 0, 10)
            s = np.clip(s + lam * (q - s), 0, 10)
        else:  # the contact person (replaced when staff leave, then learning) plus incidents
            lo, hi = sv.starts[t], sv.starts[t + 1]
            cols = sv.new_col[lo:hi]
            person_q[cols] = sv.new_q[lo:hi]
            gap_new[cols] = sc.newcomer_gap
            q = np.clip(person_q - gap_new + shock[t] + noise[t], 0, 10)
            gap_new *= learn
            d = q - e
            s = np.clip(s + lam * (q + dlt * (d + (loss - 1.0) * np.minimum(d, 0.0)) - s), 0, 10)
            e = e + max(1.0 / (sc.expectation_prior_months + t), sc.expectation_adapt) * d
            r = np.where(sv.flags["staff_change"][t], r * (1 - sc.bond_loss),
                         r + sc.bond_growth * (1 - r))
        if sc.partners and t > 0:
            adopted, idea = adopted_all[t], idea_all[t]
            r = np.where(adopted, r + sc.heard_bond * (1 - r), r)
            r = np.where(idea & ~adopted, r * (1 - sc.heard_bond), r)
            pull = sc.sow_erosion * max(comp[t], 0.0) * (1 - sc.sow_shield * r)
            target = _logistic(sow_base + sc.sow_satisfaction * (s - sc.satisfaction_target)
                               + sc.sow_bond * (r - 0.5) - pull)
            w = w + sc.sow_speed * (target - w)
        if sc.partners:
            sow[j] = w
        at_risk[j] = alive
        if t > 0:  # not at risk in the signing month
            gap = sc.satisfaction_target - s
            boost = np.where(is_rolled, sc.rollover_boost, 0.0) if lapses else 0.0
            if term > 0:
                lapse = alive & in_contract & (t - start == term)
                if lapse.any():  # the renewal decision
                    u = u_renew[lapses]
                    lapses += 1
                    p_rc = _logistic(sc.recontract_logit + sc.recontract_slope * -gap
                                     + sc.recontract_bond * r)
                    rc = lapse & (u < p_rc)
                    roll = lapse & ~rc
                    start[rc] = t
                    in_contract &= ~roll
                    is_rolled |= roll
                    renew_flags[0][t], renew_flags[1][t] = rc, roll
                    boost = np.where(is_rolled, sc.rollover_boost, 0.0)
                    boost[roll] = sc.term_end_boost
                if lapses:  # contracts of different ages from the first lapse on
                    age = np.minimum(t - start, T)
                    fee = np.where(in_contract, fee_age[age], 0.0) + fin[t]
                else:  # everyone is in the first term: one fee for all
                    fee = fee_age[t] + fin[t]
            else:
                fee = fin[t]
            F[j] = fee
            rolled[j] = is_rolled
            b = held0 + fee + sc.bond_weight * r
            x_dis = base_dis + sc.alpha_S * gap
            x_dis += boost
            o0_dis = np.exp(x_dis)
            slope = sc.alpha_SB * gap
            slope += sc.alpha_B
            np.maximum(slope, 0.0, out=slope)
            slope *= b
            x_dis -= slope
            o_dis = np.exp(x_dis, out=x_dis)
            if comp[t] > 0:  # a competitor's offer needs a competitor
                o0_c = np.exp(base_c + (sc.alpha_C * comp[t]) + boost)
                o_c = o0_c * np.exp(-sc.alpha_B * b)
            else:
                o_c = o0_c = 0.0
            tot = 1.0 + o_dis + o_c + odds_other
            h[j] = (tot - 1.0) / tot
            h0[j] = 1.0 - 1.0 / (1.0 + o0_dis + o0_c + odds_other)
            forced = sv.forced[t]
            u = u_exit[t] * tot  # one multinomial draw: dissatisfaction | competitor | other
            leave = alive & ((u < tot - 1.0) | forced)
            exited[j] = leave
            who = np.flatnonzero(leave)
            if len(who):
                uw = u[who]
                why = np.where(uw < o_dis[who], _REASON["dissatisfaction"],
                               np.where(uw < (o_dis + o_c)[who] if comp[t] > 0 else False,
                                        _REASON["competitor"], _REASON["other"]))
                why[forced[who]] = _REASON["forced"]
                reason[who] = why
                exit_month[who] = t
            alive &= ~leave
        Q[j], S[j], R[j] = q, s, r

    ev_s = buf.get("ev", (W, m), np.uint32, 0)
    in_service = at_risk[K:]
    for kind, flag in sv.flags.items():
        mark(ev_s[K:], kind, flag & in_service)
    mark(ev_s[K:], "recontract", renew_flags[0] & in_service)
    mark(ev_s[K:], "rollover", renew_flags[1] & in_service)
    mark(ev_s[K:], "exit", exited[K:])
    for kind, month in (("platform_announce", max(pe_month - lead, 0)),
                        ("platform_exit", pe_month)):
        if pe_month >= 0 and month < T:
            mark(ev_s[K + month], kind, at_risk[K + month] & (ps_s > 0))
    answered = survey(sc, S, at_risk, u_survey)
    ev_s |= answered.astype(np.uint32) << np.uint32(KIND_BIT["survey"])
    recommend = answered.copy()
    recommend[:K] = False  # likelihood to recommend: asked of customers only
    ev_s |= recommend.astype(np.uint32) << np.uint32(KIND_BIT["recommend"])
    state = State(E=E, Q=Q, S=S, R=R, F=F, h=h, h0=h0, sow=sow, reach=reach, rolled=rolled,
                  at_risk=at_risk, exited=exited, ev=ev_s, contacts=ct.contacts, sidx=sidx)
    cust = dict(own=own_s, reason=reason, exit_month=exit_month, mental0=mental0, ps=ps_s)
    return state, cust


def survey(sc: Scenario, S: np.ndarray, at_risk: np.ndarray, u: np.ndarray) -> np.ndarray:  # noqa: N803
    """Who answers a survey in a month: asked with ``survey_rate``, answering with
    ``logistic(logit(response_rate) + response_slope (S - S*))`` (non-response that depends on
    satisfaction)."""
    rr = sc.response_rate
    if rr <= 0.0 or sc.survey_rate <= 0.0:
        return np.zeros(S.shape, bool)
    if sc.response_slope == 0.0 or rr >= 1.0:
        return at_risk & (u < sc.survey_rate * rr)
    p = _logistic(np.log(rr / (1 - rr)) + sc.response_slope * (S - sc.satisfaction_target))
    return at_risk & (u < sc.survey_rate * p)
