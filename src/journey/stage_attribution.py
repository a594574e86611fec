"""Which journey stage explains how much of the loss: the stages as players of a Shapley game.

The six stages of the journey where a relationship breaks down, and the repair of each, a
transform of the scenario (``docs/model.md`` documents every parameter). Five are the repairs of
the ``courtship-and-marriage`` study; turnover is the sixth:

* **courtship promises** — honest promises: ``promise_inflation = 0`` (expectation ``E`` equals
  what sales deliver; Oliver 1980);
* **service quality** — service as good as sales: the staff's skill lifted by the perceived
  quality gap between courtship and service measured on the cohort as is,
  ``service_quality + max(0, Q_gap)``, capped at 10
  (:func:`journey.metrics.courtship_service_gap`; the gap includes what the other service
  stages cost, so this repair is a substitute for them and the game shares that overlap out);
* **handle-time cap** — the call-centre target lifted to the time a typical problem needs,
  ``handle_time_cap = max(handle_time_cap, handle_time_needed)`` (no change where it is
  already as long);
* **outbound mix** — care calls instead of upsell: ``outbound_care + outbound_upsell``,
  ``outbound_upsell = 0`` (collection calls unchanged);
* **unread clauses** — every contract read: ``read_share = 1`` (no unread clause bites, and
  reading tempers the inflated expectation by ``read_temper``);
* **turnover** — the contact person stays: ``staff_turnover = 0`` (no newcomer gap, no bond
  lost to a change of staff).

**The game.** A coalition ``S`` is the set of stages repaired; its value is an outcome of the
cohort simulated with those repairs, ``v(S) = m(simulate(scenario + repairs(S), n, months,
seed))``, every coalition with the same seed (common random numbers, ``docs/model.md`` 3.10:
the same prospects and, as far as the repairs leave the draws aligned, the same random paths).
``v(∅)`` is the cohort as is, ``v(N)`` the cohort with every stage repaired. The Shapley value
``φ_i`` (:mod:`journey.attribution`) is the part of the change ``v(N) − v(∅)`` due to stage
i, in the outcome's units; by efficiency the six parts add up to the change exactly, whatever
the interactions between stages. Outcomes (:data:`OUTCOMES`):

* ``S_drop`` — within-customer satisfaction drop over the first ``k`` months after signing,
  ``mean_i (S_i(0) − S_i(k))`` (:func:`journey.metrics.satisfaction_drop`; points on 0–10);
  repairs lower it, so its change is negative when the breakdowns cost satisfaction;
* ``value_per_prospect`` — ``(signed/prospects) · CLV − acquisition_cost`` over the months
  followed (:func:`journey.metrics.value_per_prospect`; Blattberg & Deighton 1996, Gupta,
  Lehmann & Stuart 2004), with the scenario's economics; positive change = the breakdowns
  destroy value;
* ``signed_share`` — share of prospects who sign (:func:`journey.metrics.signed_share`).

Cohorts are memoised by scenario (:class:`Cohorts`): a coalition whose repairs leave the
scenario unchanged (a handle-time cap already long enough) reuses the same cohort, so that stage
is a null player exactly and gets 0. :func:`attribute_replications` repeats the game over
replication seeds flowing from the run's seed (:func:`journey.replications.replication_seeds`)
and :meth:`StageAttribution.stage_summary` gives each stage's mean with its Student-t 95%
interval over replications; the intervals measure the Monte Carlo noise of the simulated
attribution at the scenario's parameters, not uncertainty about the parameters.

References
----------
Blattberg, R. C., & Deighton, J. (1996). Manage marketing by the customer equity test.
*Harvard Business Review*, 74(4), 136–144.
Gupta, S., Lehmann, D. R., & Stuart, J. A. (2004). Valuing customers. *Journal of Marketing
Research*, 41(1), 7–18.
Oliver, R. L. (1980). A cognitive model of the antecedents and consequences of satisfaction
decisions. *Journal of Marketing Research*, 17(4), 460–469.
Shapley (1953), Castro, Gómez & Tejada (2009), Shorrocks (2013): see :mod:`journey.attribution`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from journey import metrics
from journey.attribution import (
    ShapleyResult,
    leave_one_out,
    one_at_a_time,
    shapley_exact,
    shapley_sampled,
)
from journey.errors import AttributionError
from journey.repairs import repair_updates
from journey.replications import dose_response, replication_seeds, summarize_replications
from journey.scenario import Scenario
from journey.schema import Journeys
from journey.simulate import simulate

__all__ = ["OUTCOMES", "STAGES", "Cohorts", "StageAttribution", "StageGame",
           "attribute_replications", "cohort_outcomes", "repaired", "repairs_table",
           "stage_dose_response", "stage_repairs"]

STAGES = ("courtship promises", "service quality", "handle-time cap", "outbound mix",
          "unread clauses", "turnover")

#: outcome → (description with unit, +1 if higher is better / −1 if lower is better)
OUTCOMES: dict[str, tuple[str, int]] = {
    "S_drop": ("satisfaction drop after signing (points, 0-10 scale)", -1),
    "value_per_prospect": ("value per prospect (price units)", +1),
    "signed_share": ("share of prospects who sign", +1),
}


# each stage and the courtship-and-marriage repair (journey.repairs) that removes it
REPAIR_OF_STAGE = {
    "courtship promises": "honest promises",
    "service quality": "service as good as sales",
    "handle-time cap": "handle-time cap lifted",
    "outbound mix": "care calls instead of upsell",
    "unread clauses": "every contract read",
}


def stage_repairs(scenario: Scenario, as_is: Journeys) -> dict[str, dict[str, float]]:
    """The parameter updates that repair each stage (module docstring), in :data:`STAGES`
    order: the courtship-and-marriage repairs of :func:`journey.repairs.repair_updates` (``as_is``
    is the cohort simulated from ``scenario``; its panel gives the perceived quality gap that
    the service-quality repair closes) and ``staff_turnover = 0`` for turnover."""
    updates = repair_updates(scenario, as_is)
    stages = {stage: updates[name] for stage, name in REPAIR_OF_STAGE.items()}
    stages["turnover"] = {"staff_turnover": 0.0}
    return {stage: stages[stage] for stage in STAGES}


def repaired(scenario: Scenario, repairs: dict[str, dict[str, float]],
             coalition: Iterable[str]) -> Scenario:
    """``scenario`` with the repairs of the stages in ``coalition`` (validated; the name is
    kept, so a repair that changes no parameter gives an equal scenario)."""
    changes: dict[str, float] = {}
    for stage in coalition:
        if stage not in repairs:
            raise AttributionError(f"coalition: unknown stage {stage!r}; expected one of"
                                   f" {', '.join(repairs)}")
        changes.update(repairs[stage])
    return scenario.replace(**changes) if changes else scenario


def cohort_outcomes(journeys: Journeys, k: int, economics: metrics.Economics,
                    months: int) -> dict[str, float]:
    """The :data:`OUTCOMES` of one cohort; value over the ``months`` followed."""
    return {"S_drop": metrics.satisfaction_drop(journeys.panel, k),
            "value_per_prospect": metrics.value_per_prospect(journeys, economics,
                                                             horizon=months),
            "signed_share": metrics.signed_share(journeys)}


@dataclass
class Cohorts:
    """Outcomes of cohorts of one size and seed, memoised by scenario: every scenario is
    simulated from the same ``seed`` (common random numbers) and at most once."""

    n_customers: int
    months: int
    seed: int
    k: int = 6
    economics: metrics.Economics = field(default_factory=metrics.Economics)
    _outcomes: dict[Scenario, dict[str, float]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if not 1 <= self.k < self.months:
            raise AttributionError(f"k must be a whole number of months in 1 ... months - 1 ="
                                   f" {self.months - 1}, got {self.k}")

    @property
    def simulations(self) -> int:
        """Cohorts simulated so far."""
        return len(self._outcomes)

    def journeys(self, scenario: Scenario) -> Journeys:
        """The cohort itself (simulated afresh; its outcomes are memoised)."""
        j = simulate(scenario, self.n_customers, self.months, self.seed)
        self._outcomes.setdefault(scenario, cohort_outcomes(j, self.k, self.economics,
                                                            self.months))
        return j

    def outcomes(self, scenario: Scenario) -> dict[str, float]:
        """:func:`cohort_outcomes` of the cohort simulated from ``scenario``."""
        if scenario not in self._outcomes:
            self.journeys(scenario)
        return self._outcomes[scenario]


class StageGame:
    """The cooperative game of one cohort: coalition = stages repaired, value = an outcome
    (module docstring). ``repairs`` default to :func:`stage_repairs` on the cohort as is."""

    def __init__(self, scenario: Scenario, cohorts: Cohorts,
                 repairs: dict[str, dict[str, float]] | None = None,
                 stages: Sequence[str] = STAGES) -> None:
        self.scenario, self.cohorts = scenario, cohorts
        self.repairs = repairs or stage_repairs(scenario, cohorts.journeys(scenario))
        unknown = [s for s in stages if s not in self.repairs]
        if unknown or not stages:
            raise AttributionError(f"stages: expected some of {', '.join(self.repairs)}, got"
                                   f" {list(stages)}")
        self.stages = tuple(stages)

    def outcomes(self, coalition: Iterable[str]) -> dict[str, float]:
        """Every outcome of the cohort with the stages in ``coalition`` repaired."""
        return self.cohorts.outcomes(repaired(self.scenario, self.repairs, coalition))

    def value(self, outcome: str) -> Callable[[frozenset], float]:
        """``v(S)``: ``outcome`` of the cohort with the stages in S repaired."""
        if outcome not in OUTCOMES:
            raise AttributionError(f"outcome must be one of {', '.join(OUTCOMES)}, got"
                                   f" {outcome!r}")
        return lambda coalition: self.outcomes(coalition)[outcome]

    def shapley(self, outcome: str, n_permutations: int | None = None,
                rng: np.random.Generator | None = None) -> ShapleyResult:
        """Exact Shapley values (``n_permutations=None``) or sampled over random orders."""
        if n_permutations is None:
            return shapley_exact(self.stages, self.value(outcome))
        if rng is None:
            raise AttributionError("rng: the sampled Shapley value needs a numpy Generator"
                                   " seeded from the run's seed")
        return shapley_sampled(self.stages, self.value(outcome), n_permutations, rng)

    def attribute(self, outcome: str, n_permutations: int | None = None,
                  rng: np.random.Generator | None = None) -> pd.DataFrame:
        """One row per stage: ``shapley``, ``se`` (0 when exact), ``alone`` (one at a time,
        ``v({i}) − v(∅)``), ``last`` (leave one out, ``v(N) − v(N∖{i})``) and ``share``
        (``φ_i / (v(N) − v(∅))``); ``attrs`` hold ``as_is`` = v(∅), ``repaired`` = v(N) and
        ``total`` = their difference."""
        res = self.shapley(outcome, n_permutations, rng)
        v = self.value(outcome)
        alone, last = one_at_a_time(self.stages, v), leave_one_out(self.stages, v)
        out = res.frame().rename(columns={"player": "stage"})
        out["alone"] = [alone[s] for s in self.stages]
        out["last"] = [last[s] for s in self.stages]
        with np.errstate(divide="ignore", invalid="ignore"):
            out["share"] = out["shapley"] / res.total if res.total else np.nan
        out.attrs.update(as_is=v(frozenset()), repaired=v(frozenset(self.stages)),
                         total=res.total)
        return out


@dataclass(frozen=True)
class StageAttribution:
    """The attribution over replications.

    ``stages``: one row per (replication, outcome, stage) with seed, shapley, se, alone, last,
    share. ``levels``: one row per (replication, outcome) with seed, as_is, repaired, total
    (= repaired − as_is), shapley_sum, alone_sum, last_sum. ``games``: the game of each
    replication, its cohorts memoised (another estimator on the same game simulates nothing
    new). ``simulations``: cohorts simulated in all.
    """

    stages: pd.DataFrame
    levels: pd.DataFrame
    games: tuple[StageGame, ...] = field(repr=False)
    simulations: int = 0

    def stage_summary(self, level: float = 0.95) -> pd.DataFrame:
        """Mean and Student-t interval of shapley, alone, last, share per (outcome, stage):
        columns outcome, stage, quantity, n, mean, sd, ci_low, ci_high."""
        runs = self.stages[["replication", "seed", "outcome", "stage", "shapley", "alone",
                            "last", "share"]]
        out = summarize_replications(runs, level, by=["outcome", "stage"])
        return out.rename(columns={"metric": "quantity"})

    def level_summary(self, level: float = 0.95) -> pd.DataFrame:
        """Mean and Student-t interval of the levels per outcome: columns outcome, quantity,
        n, mean, sd, ci_low, ci_high."""
        return summarize_replications(self.levels, level, by="outcome").rename(
            columns={"metric": "quantity"})

    def table(self, outcome: str) -> pd.DataFrame:
        """One outcome at a glance: a row per stage and a row ``sum of stages`` with the
        Shapley value and its 95% interval, its share of the change, and the one-at-a-time
        (``alone``) and leave-one-out (``last``) effects; means over replications. The sum
        row's Shapley equals the change ``v(N) − v(∅)``; its alone and last need not."""
        st = self.stage_summary()
        st = st.loc[st["outcome"] == outcome]
        if st.empty:
            raise AttributionError(f"outcome: no {outcome!r} in this attribution")
        shap = st.loc[st["quantity"] == "shapley"].set_index("stage")
        wide = st.pivot(index="stage", columns="quantity", values="mean").loc[shap.index]
        out = pd.DataFrame({"shapley": shap["mean"], "ci_low": shap["ci_low"],
                            "ci_high": shap["ci_high"], "share": wide["share"],
                            "alone": wide["alone"], "last": wide["last"]})
        lv = self.level_summary()
        lv = lv.loc[lv["outcome"] == outcome].set_index("quantity")
        out.loc["sum of stages"] = [lv.loc["shapley_sum", "mean"],
                                    lv.loc["shapley_sum", "ci_low"],
                                    lv.loc["shapley_sum", "ci_high"], out["share"].sum(),
                                    lv.loc["alone_sum", "mean"], lv.loc["last_sum", "mean"]]
        out.index.name = "stage"
        return out

    def flat(self, prefix: str = "") -> dict[str, float]:
        """The summaries as ``{name: value}`` for ``metrics.json``: ``<prefix><outcome>.<level>``
        (as_is, repaired, total, shapley_sum, alone_sum, last_sum) and
        ``<prefix><outcome>.<quantity>.<stage>`` (stage with ``_`` for spaces and hyphens);
        means, with ``_ci_low`` / ``_ci_high`` for the levels, the Shapley values and the
        shares."""
        out: dict[str, float] = {}
        for r in self.level_summary().itertuples(index=False):
            name = f"{prefix}{r.outcome}.{r.quantity}"
            out |= {name: r.mean, f"{name}_ci_low": r.ci_low, f"{name}_ci_high": r.ci_high}
        for r in self.stage_summary().itertuples(index=False):
            name = f"{prefix}{r.outcome}.{r.quantity}.{_slug(r.stage)}"
            out[name] = r.mean
            if r.quantity in ("shapley", "share"):
                out |= {f"{name}_ci_low": r.ci_low, f"{name}_ci_high": r.ci_high}
        return {key: float(v) for key, v in out.items()}


def _slug(text: str) -> str:
    return text.replace(" ", "_").replace("-", "_")


def repairs_table(scenario: Scenario, repairs: dict[str, dict[str, float]]) -> pd.DataFrame:
    """One row per parameter a repair changes: stage, parameter, as_is, repaired."""
    return pd.DataFrame([{"stage": stage, "parameter": key,
                          "as_is": float(getattr(scenario, key)), "repaired": float(value)}
                         for stage, update in repairs.items() for key, value in update.items()])


def _economics(scenario: Scenario, economics: metrics.Economics | None) -> metrics.Economics:
    return economics if economics is not None else metrics.Economics.from_scenario(scenario)


def attribute_replications(scenario: Scenario, n_customers: int, months: int, seed: int,
                           replications: int, *, k: int = 6,
                           economics: metrics.Economics | None = None,
                           outcomes: Sequence[str] = ("S_drop", "value_per_prospect"),
                           stages: Sequence[str] = STAGES,
                           n_permutations: int | None = None) -> StageAttribution:
    """The stage game (:class:`StageGame`) played once per replication seed
    (:func:`journey.replications.replication_seeds` of ``seed``), for every outcome.

    Exact over all ``2^len(stages)`` coalitions when ``n_permutations`` is ``None``, else
    sampled over that many random orders (Castro et al. 2009) drawn from a generator seeded by
    the replication's seed. ``economics`` default to the scenario's
    (:meth:`journey.metrics.Economics.from_scenario`).
    """
    econ = _economics(scenario, economics)
    stage_rows, level_rows, games = [], [], []
    for r, s in enumerate(replication_seeds(seed, replications)):
        game = StageGame(scenario, Cohorts(n_customers, months, s, k, econ), stages=stages)
        for outcome in outcomes:
            rng = np.random.default_rng(s) if n_permutations is not None else None
            att = game.attribute(outcome, n_permutations, rng)
            stage_rows.append(att.assign(replication=r, seed=s, outcome=outcome))
            level_rows.append({"replication": r, "seed": s, "outcome": outcome, **att.attrs,
                               "shapley_sum": float(att["shapley"].sum()),
                               "alone_sum": float(att["alone"].sum()),
                               "last_sum": float(att["last"].sum())})
        games.append(game)
    first = ["replication", "seed", "outcome", "stage"]
    stages_df = pd.concat(stage_rows, ignore_index=True)
    stages_df = stages_df[first + [c for c in stages_df.columns if c not in first]]
    stages_df.attrs = {}
    return StageAttribution(stages_df, pd.DataFrame(level_rows), tuple(games),
                            sum(g.cohorts.simulations for g in games))


def stage_dose_response(scenario: Scenario, stage: str, parameter: str, doses: Sequence[float],
                        n_customers: int, months: int, seed: int, replications: int, *,
                        k: int = 6, economics: metrics.Economics | None = None,
                        outcomes: Sequence[str] = ("S_drop", "value_per_prospect"),
                        reuse: StageAttribution | None = None) -> pd.DataFrame:
    """How much one stage moves each outcome as its breakdown deepens.

    At each dose the scenario's ``parameter`` is set to the dose and the stage's repair (made
    on the scenario as given, :func:`stage_repairs`, so the same repaired level at every dose)
    is valued **alone**, ``v({i}) − v(∅)`` (the other stages as is), and **last**,
    ``v(N) − v(N∖{i})`` (the other stages repaired); the Shapley value is a weighted mean of
    the marginal contributions between these two positions. Common random numbers: the same
    replication seeds at every dose (:func:`journey.replications.dose_response`), and cohorts
    that do not depend on the dose are simulated once per seed. ``reuse``: an attribution of
    the same scenario, cohort size, seed, ``k`` and economics, whose memoised cohorts and
    repairs are used instead of simulating them again (the replication seeds are the same).

    Returns one row per (dose, replication): ``alone_<outcome>`` and ``last_<outcome>``;
    summarise with ``summarize_replications(out, by="dose")``.
    """
    if stage not in STAGES:
        raise AttributionError(f"stage must be one of {', '.join(STAGES)}, got {stage!r}")
    if parameter not in Scenario.model_fields:
        raise AttributionError(f"parameter: {parameter!r} is not a scenario parameter")
    econ = _economics(scenario, economics)
    state = {} if reuse is None else _reusable(reuse, scenario, n_customers, months, k, econ)

    def measure(dose: float, s: int) -> dict[str, float]:
        if s not in state:
            cohorts = Cohorts(n_customers, months, s, k, econ)
            state[s] = cohorts, stage_repairs(scenario, cohorts.journeys(scenario))
        cohorts, repairs = state[s]
        game = StageGame(scenario.replace(**{parameter: dose}), cohorts, repairs)
        others = frozenset(STAGES) - {stage}
        out = {}
        for outcome in outcomes:
            v = game.value(outcome)
            out[f"alone_{outcome}"] = v(frozenset([stage])) - v(frozenset())
            out[f"last_{outcome}"] = v(others | {stage}) - v(others)
        return out

    return dose_response(measure, doses, seed, replications)


def _reusable(att: StageAttribution, scenario: Scenario, n_customers: int, months: int, k: int,
              econ: metrics.Economics) -> dict[int, tuple[Cohorts, dict[str, dict[str, float]]]]:
    """seed → (cohorts, repairs) of an attribution's games, checked to match the sweep."""
    out = {}
    for g in att.games:
        c = g.cohorts
        if g.scenario != scenario or (c.n_customers, c.months, c.k, c.economics) != (
                n_customers, months, k, econ):
            raise AttributionError("reuse: the attribution was played on another scenario,"
                                   " cohort size, k or economics than this sweep")
        out[c.seed] = c, g.repairs
    return out
