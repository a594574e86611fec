"""Leaving a social platform (seed document 001): how much reach, dialogue and sentiment survive
the exit, by how the firm leaves.

The model (``docs/model.md``, sections 3.1 and 3.4): a customer's share of dialogue on the
platform is ``ps ~ Beta(4·p, 4·(1 − p))``, ``p`` = ``platform_share``; the customer is
platform-only with probability ``ps``, and a platform-only customer's contact data is owned
only if the firm keeps it (``keep_contact_data``) and captured it (probability ``c`` =
``owned_capture``). In each of the ``L_eff = min(L, m − 1)`` months of notice before the exit
month ``m`` (``L`` = ``announcement_lead``) an unowned platform-only customer moves to an
owned channel with probability ``r`` = ``migration_rate``. In month ``m`` the customers still
without owned contact meet a one-month quality shock ``−s · ps`` (``s`` =
``platform_exit_shock``), and from ``m`` on only owned contacts are reachable. Hence the
expected reach retained (:func:`expected_reach_retained`)::

    E[reach retained] = 1 − p · (1 − c·K) · (1 − r)^L_eff,   K = 1 when data are kept.

The essay's four rules map onto the design factors of :func:`exit_plans`: (1) own the
contact data (``K``); (2) announce early (``L``); (3) do not leave because of criticism: an
exit after criticism is modelled as a larger shock ``s`` for the customers it leaves behind
(the ``criticism_shock`` of :func:`exit_scenario`; a planned exit keeps the scenario's own
``s``) — a design value, not a published magnitude; (4) a one-off campaign or a long-running
presence (:class:`Presence`: the platform's share of dialogue and the month the firm leaves).

Outcomes of one exit (:func:`exit_outcomes`), each against the same cohort had the firm stayed
on the platform (:func:`staying_scenario`: the same random numbers, so the two cohorts are
identical up to the exit month and differ only by what the exit does):

* ``reach_retained`` (``journey.metrics.reach_retained``) at the exit and ``k`` months later;
* ``dialogue_continuity`` (``journey.metrics.dialogue_continuity``): the platform-weighted
  share of dialogue still going ``k`` months after the exit, beside the same with the firm
  staying (``dialogue_staying``) and their ratio (``dialogue_kept``);
* sentiment: the change in mean satisfaction ``S`` in the exit month among all customers
  (``satisfaction_hit``) and among those left unreachable (``satisfaction_hit_left``), the
  change in mean ``S`` over the ``k`` months from the exit (``satisfaction_change``), the
  Net Promoter Score over those months (Reichheld 2003) and its change (``nps_change``), and
  the change in the share of customers still there ``k`` months on (``retained_change``).

:func:`run_design` runs cells of (presence, exit plan) over replications with common random
numbers (:mod:`journey.replications`); :func:`journey.replications.factor_effect` reads the
paired effect of each factor from its output.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import product

import numpy as np
import pandas as pd

from journey.errors import JourneyDataError, ParameterError
from journey.metrics import dialogue_continuity, nps, reach_retained
from journey.replications import replication_seeds
from journey.scenario import Scenario
from journey.schema import Journeys
from journey.simulate import simulate

__all__ = ["FACTORS", "DesignRuns", "ExitPlan", "Presence", "exit_outcomes", "exit_plans",
           "exit_scenario", "expected_reach_retained", "months_needed", "run_design",
           "sentiment_by_month", "staying_scenario"]

FACTORS = ("presence", "owned", "lead", "criticism")  # the design columns of run_design


@dataclass(frozen=True)
class Presence:
    """A presence on the platform: how much of the dialogue it carries and when the firm leaves.

    ``platform_share`` is the mean share of a customer's dialogue with the firm on the platform
    (0 < share < 1); ``exit_month`` the month since signing in which the firm leaves (≥ 1).
    A one-off campaign carries little dialogue and ends soon; a long-running presence (e.g.
    complaints handling) carries more and is left later.
    """

    name: str
    platform_share: float
    exit_month: int

    def __post_init__(self) -> None:
        if not 0 < self.platform_share < 1:
            raise ParameterError(f"Presence '{self.name}': platform_share must be a share in"
                                 f" (0, 1), got {self.platform_share!r}")
        if not (isinstance(self.exit_month, int | np.integer) and self.exit_month >= 1):
            raise ParameterError(f"Presence '{self.name}': exit_month must be a month since signing"
                                 f" >= 1, got {self.exit_month!r}")


@dataclass(frozen=True)
class ExitPlan:
    """How the firm leaves: with its own copy of the contact data or not, announced ``lead``
    months ahead, after criticism or as planned."""

    owned: bool
    lead: int
    criticism: bool

    def __post_init__(self) -> None:
        if not (isinstance(self.lead, int | np.integer) and self.lead >= 0):
            raise ParameterError(f"ExitPlan: lead must be a whole number of months >= 0, got"
                                 f" {self.lead!r}")


def exit_plans(owned: Iterable[bool] = (False, True), leads: Iterable[int] = (0, 3, 6),
               criticism: Iterable[bool] = (False, True)) -> list[ExitPlan]:
    """The full factorial of exit plans: every combination of the levels given."""
    return [ExitPlan(bool(o), int(ld), bool(c))
            for o, ld, c in product(owned, leads, criticism)]


def exit_scenario(base: Scenario, presence: Presence, plan: ExitPlan,
                  criticism_shock: float) -> Scenario:
    """``base`` with the firm on the platform as in ``presence`` and leaving as in ``plan``.

    Sets ``platform_share``, ``platform_exit_month``, ``announcement_lead`` and
    ``keep_contact_data``; ``platform_exit_shock`` is ``criticism_shock`` after criticism and
    the base scenario's own value for a planned exit. Validated like any scenario
    (:class:`journey.errors.ScenarioError` names a value out of bounds).
    """
    shock = float(criticism_shock) if plan.criticism else base.platform_exit_shock
    return base.replace(platform_share=presence.platform_share,
                        platform_exit_month=presence.exit_month,
                        announcement_lead=plan.lead, keep_contact_data=plan.owned,
                        platform_exit_shock=shock)


def staying_scenario(base: Scenario, presence: Presence, months: int) -> Scenario:
    """The same presence with the firm staying on the platform for the ``months`` followed.

    The exit is put at month ``months``, just past the horizon, rather than switched off
    (``-1``): the simulator draws its migration uniforms whenever an exit month is set, so the
    staying cohort shares every random number with the exit cohorts (common random numbers)
    and the two are identical up to the exit month.
    """
    if months <= presence.exit_month:
        raise ParameterError(f"months must exceed the exit month {presence.exit_month} of"
                             f" '{presence.name}', got {months}")
    return base.replace(platform_share=presence.platform_share, platform_exit_month=months,
                        announcement_lead=0, keep_contact_data=False)


def months_needed(presence: Presence, k: int) -> int:
    """Months to simulate to follow ``k`` months after the exit: ``exit_month + k + 1``."""
    return presence.exit_month + int(k) + 1


def expected_reach_retained(scenario: Scenario) -> float:
    """The model's expected reach retained at the exit,
    ``1 − p · (1 − c·K) · (1 − r)^L_eff`` with ``L_eff = min(L, m − 1)`` (module docstring).

    Exact for ``journey.metrics.reach_retained`` (``after = 0``): before the exit month
    nothing in the model depends on being platform-only, so the customers alive at the exit
    are a random sample of the signers in that respect.
    """
    m = scenario.platform_exit_month
    if m < 1:
        raise ParameterError(f"scenario: platform_exit_month must be >= 1 (the firm leaves),"
                             f" got {m}")
    kept = scenario.owned_capture if scenario.keep_contact_data else 0.0
    lead = min(scenario.announcement_lead, m - 1)
    unreached = (1.0 - kept) * (1.0 - scenario.migration_rate) ** lead
    return 1.0 - scenario.platform_share * unreached


@dataclass(frozen=True)
class _Columns:
    """One cohort's panel columns that the outcomes read, as arrays (service months only)."""

    month: np.ndarray
    cid: np.ndarray
    S: np.ndarray
    reachable: np.ndarray

    @classmethod
    def of(cls, data: Journeys) -> _Columns:
        panel = data.panel
        month = panel["month"].to_numpy()
        keep = month >= 0
        return cls(month[keep], panel["customer_id"].to_numpy()[keep],
                   panel["S"].to_numpy("float64")[keep],
                   panel["reachable"].to_numpy(dtype=bool)[keep])

    def mean_s(self, first: int, last: int | None = None,
               ids: np.ndarray | None = None) -> float:
        """Mean ``S`` over the customer-months of months ``first … last`` (of ``ids``)."""
        sel = (self.month >= first) & (self.month <= (first if last is None else last))
        if ids is not None:
            sel &= np.isin(self.cid, ids)
        return float(self.S[sel].mean()) if sel.any() else math.nan

    def still_there(self, month: int, k: int) -> float:
        """Share of the customers in the panel at ``month`` still in it at ``month + k``."""
        at = self.cid[self.month == month]
        return float(np.isin(at, self.cid[self.month == month + k]).mean()) if at.size \
            else math.nan

    def reach(self, month: int) -> float:
        """Share of the customers in the panel at ``month`` the firm can reach."""
        sel = self.month == month
        return float(self.reachable[sel].mean()) if sel.any() else math.nan


def _nps_between(data: Journeys, first: int, last: int) -> float:
    """NPS of the likelihood-to-recommend answers given in months ``first … last``."""
    ev = data.events
    month = ev["month"].to_numpy()
    rec = (ev["kind"] == "recommend").to_numpy(dtype=bool, na_value=False)
    window = ev.loc[rec & (month >= first) & (month <= last)]
    return nps(window) if len(window) else math.nan


@dataclass(frozen=True)
class _Staying:
    """The staying cohort's side of every comparison, computed once per cohort."""

    cols: _Columns
    dialogue: float
    nps: float

    @classmethod
    def of(cls, staying: Journeys, exit_month: int, k: int) -> _Staying:
        _check(staying, "staying", exit_month, k)
        return cls(_Columns.of(staying), dialogue_continuity(staying, exit_month, k),
                   _nps_between(staying, exit_month, exit_month + k - 1))


def _check(data: Journeys, name: str, exit_month: int, k: int) -> None:
    if not (isinstance(k, int | np.integer) and k >= 1):
        raise ParameterError(f"k must be a whole number of months >= 1, got {k!r}")
    if not isinstance(data, Journeys):
        raise JourneyDataError(f"exit_outcomes: {name} must be a Journeys, got"
                               f" {type(data).__name__}")
    last = int(data.panel["month"].max())
    if exit_month + k > last:
        raise JourneyDataError(f"panel of {name}: exit_outcomes needs month {exit_month + k}"
                               f" (exit month {exit_month} + k = {k}); the panel ends at"
                               f" month {last}")


def exit_outcomes(cohort: Journeys, staying: Journeys, exit_month: int, k: int
                  ) -> dict[str, float]:
    """Reach, dialogue and sentiment after the firm leaves the platform in ``exit_month``,
    ``cohort`` against ``staying`` (the same cohort with the firm staying; same seed).

    With ``m`` = ``exit_month`` and the window ``W = m … m + k − 1``:

    * ``reach_retained`` = :func:`journey.metrics.reach_retained` at ``m``;
      ``reach_retained_k`` the same ``k`` months later (customers still there);
    * ``dialogue_continuity`` = :func:`journey.metrics.dialogue_continuity` ``DC(k)``;
      ``dialogue_staying`` the same for ``staying`` (only churn ends a dialogue there);
      ``dialogue_kept = DC(k) / DC_staying(k)``, the share of the dialogue the firm would
      still have had on the platform that it keeps after leaving;
    * ``satisfaction_hit`` = mean ``S`` in month m of the customers alive at its start,
      cohort minus staying (the same customers: the cohorts are identical before m);
      ``satisfaction_hit_left`` the same over the customers the exit left unreachable
      (NaN when nobody);
    * ``satisfaction_change`` = mean ``S`` over the customer-months of ``W``, cohort minus
      staying;
    * ``nps`` = Net Promoter Score of the likelihood-to-recommend answers in ``W``
      (``100·(share 9–10 − share 0–6)``; Reichheld 2003), ``nps_change`` cohort minus
      staying;
    * ``retained_change`` = share of the customers alive at the start of m still there at
      the start of m + k, cohort minus staying.
    """
    return _outcomes(cohort, _Staying.of(staying, int(exit_month), k), int(exit_month), k)


def _outcomes(cohort: Journeys, ref: _Staying, m: int, k: int) -> dict[str, float]:
    _check(cohort, "cohort", m, k)
    p, q = _Columns.of(cohort), ref.cols
    left = p.cid[(p.month == m) & ~p.reachable]
    dc = dialogue_continuity(cohort, m, k)
    nps_exit = _nps_between(cohort, m, m + k - 1)
    return {
        "reach_retained": reach_retained(cohort, m),
        "reach_retained_k": reach_retained(cohort, m, after=k),
        "dialogue_continuity": dc,
        "dialogue_staying": ref.dialogue,
        "dialogue_kept": dc / ref.dialogue if ref.dialogue > 0 else math.nan,
        "satisfaction_hit": p.mean_s(m) - q.mean_s(m),
        "satisfaction_hit_left": (p.mean_s(m, ids=left) - q.mean_s(m, ids=left)) if left.size
        else math.nan,
        "satisfaction_change": p.mean_s(m, m + k - 1) - q.mean_s(m, m + k - 1),
        "nps": nps_exit,
        "nps_change": nps_exit - ref.nps,
        "retained_change": p.still_there(m, k) - q.still_there(m, k),
    }


def sentiment_by_month(cohort: Journeys, staying: Journeys, exit_month: int, before: int,
                       k: int) -> pd.DataFrame:
    """Months ``exit_month − before … exit_month + k`` around the exit (column ``month``,
    relative to the exit month): mean ``S`` of the customers alive at each month's start in
    the cohort and had the firm stayed, their difference ``S_gap``, and the share of alive
    customers the firm can reach (``reach``, as :func:`journey.metrics.reach_by_month`)."""
    return _curve(_Columns.of(cohort), _Columns.of(staying), exit_month, before, k)


def _curve(p: _Columns, q: _Columns, exit_month: int, before: int, k: int) -> pd.DataFrame:
    rows = []
    for t in range(int(exit_month) - int(before), int(exit_month) + int(k) + 1):
        s_exit, s_stay = p.mean_s(t), q.mean_s(t)
        rows.append({"month": t - exit_month, "S": s_exit, "S_staying": s_stay,
                     "S_gap": s_exit - s_stay, "reach": p.reach(t)})
    return pd.DataFrame(rows)


@dataclass
class DesignRuns:
    """Output of :func:`run_design`: ``outcomes`` has one row per cell and replication
    (columns :data:`FACTORS`, replication, seed and the :func:`exit_outcomes`), ``curves``
    one per cell, replication and month around the exit (:func:`sentiment_by_month`)."""

    outcomes: pd.DataFrame
    curves: pd.DataFrame


def run_design(base: Scenario, cells: Sequence[tuple[Presence, ExitPlan]], *, k: int,
               n_customers: int, seed: int, replications: int, criticism_shock: float,
               before: int = 3) -> DesignRuns:
    """Every ``(presence, plan)`` cell on the same ``replications`` seeds (drawn from
    ``seed``; common random numbers across cells), each against its presence's staying
    cohort of the same seed, simulated for :func:`months_needed` months.

    Duplicate cells are run once. Returns :class:`DesignRuns`.
    """
    cells = list(dict.fromkeys(cells))
    if not cells:
        raise ParameterError("run_design: cells is empty; expected (Presence, ExitPlan) pairs")
    presences = list(dict.fromkeys(pr for pr, _ in cells))
    rows, curves = [], []
    for i, s in enumerate(replication_seeds(seed, replications)):
        for pr in presences:
            months = months_needed(pr, k)
            staying = simulate(staying_scenario(base, pr, months), n_customers, months, s)
            ref = _Staying.of(staying, pr.exit_month, k)
            for plan in (pl for p, pl in cells if p == pr):
                sc = exit_scenario(base, pr, plan, criticism_shock)
                cohort = simulate(sc, n_customers, months, s)
                keys = {"presence": pr.name, "owned": plan.owned, "lead": plan.lead,
                        "criticism": plan.criticism, "replication": i, "seed": s}
                rows.append({**keys, **_outcomes(cohort, ref, pr.exit_month, k)})
                curves.append(_curve(_Columns.of(cohort), ref.cols, pr.exit_month,
                                     min(before, pr.exit_month), k).assign(**keys))
    return DesignRuns(pd.DataFrame(rows), pd.concat(curves, ignore_index=True))
