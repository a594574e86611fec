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


def _given(rng: np.random.Generator, pos: np.ndarray, p: float) -> np.ndarray:
    """The positions among ``pos`` where a Bernoulli(p) draw succeeds (one draw each)."""
    return pos[rng.random(len(pos), dtype=np.float32) < p]


@dataclass
class ServiceEvents:
    """What happens to each signed customer in each month, as flat positions ``t * m + i``
    into the (months x customers) grid, sorted (time-major)."""

    at: dict[str, np.ndarray]  # event kind -> positions
    shock: np.ndarray  # (T x m) quality change from incidents (problems, clauses, calls)
    new_col: np.ndarray  # staff changes in month order: the customer's column,
    new_q: np.ndarray  # the new contact person's skill,
    starts: np.ndarray  # and where each month's changes begin
    forced: np.ndarray  # (T x m) a collection call ended the contract


def draw_service_events(sc: Scenario, read: np.ndarray, T: int, rng: np.random.Generator,  # noqa: N803
                        buf: Buffers) -> ServiceEvents:
    """Staff changes, problems (resolved or not), clause shocks and outbound calls for all
    months at once: none of them depends on the customer's satisfaction. Events are rare, so
    after the first uniform per cell and kind everything runs on their positions only."""
    m = len(read)
    u = rng.random(dtype=np.float32, out=buf.get("u", (3, T, m), np.float32))

    def where(k: int, p: float) -> np.ndarray:
        """Cells where uniform ``k`` falls below ``p``, the signing month left out (still the
        salesperson's treatment)."""
        pos = np.flatnonzero(u[k] < p)
        return pos[pos >= m]

    problem, out, changed = where(0, sc.problem_rate), where(1, sc.outbound_rate), \
        where(2, sc.staff_turnover)
    p_res = sc.resolution_rate * min(1.0, sc.handle_time_cap / sc.handle_time_needed)
    solved = rng.random(len(problem), dtype=np.float32) < p_res
    resolved = problem[solved]
    bite = _given(rng, problem[~read[problem % m]], sc.clause_bite_rate)
    mix = rng.random(len(out), dtype=np.float32)
    care_share, upsell_share = sc.outbound_care, sc.outbound_care + sc.outbound_upsell
    is_care = mix < care_share
    is_upsell = ~is_care & (mix < upsell_share)
    collect = out[~is_care & ~is_upsell]
    forced_at = _given(rng, collect, sc.forced_exit_rate)
    at = {"problem": problem, "resolution": resolved, "clause_shock": bite,
          "care_call": out[is_care], "upsell_call": out[is_upsell],
          "collection_call": collect, "staff_change": changed}
    shock = buf.get("shock", (T, m), fill=0.0)
    flat = shock.reshape(-1)
    for weight, pos in ((-sc.problem_penalty, resolved),
                        (-sc.unresolved_penalty, problem[~solved]),
                        (-sc.clause_shock, bite), (sc.care_effect, at["care_call"]),
                        (sc.upsell_effect, at["upsell_call"]),
                        (sc.collection_effect, collect)):
        flat[pos] += weight
    new_q = rng.normal(sc.service_quality, sc.service_quality_sd, len(changed))
    starts = np.searchsorted(changed, np.arange(T + 1) * m)
    forced = np.zeros((T, m), bool)
    forced.reshape(-1)[forced_at] = True
    return ServiceEvents(at, shock, changed % m, new_q, starts, forced)
