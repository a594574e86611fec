"""What happens to a signed customer that does not depend on their state, drawn for all
months at once: service incidents and staff changes, and the contract's and the market's paths
over the months since signing (``docs/model.md``, sections 3.3 and 3.5)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from journey.scenario import Scenario
from journey.simulate.buffers import Buffers


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
