"""Counterfactuals on the simulator: the same cohort re-run with one part of the model switched
off, compared exit by exit.

The simulator draws every random number of a prospect from the chunk's stream in a fixed
order that does not depend on the exit barriers (``docs/model.md``, "Common random numbers"):
the same seed gives the same prospects, the same signers, the same satisfaction paths and the
same exit uniforms with or without barriers. Barriers only lower each month's exit
probability (``h ≤ h0``), so with common uniforms a customer leaves without barriers no later
than with them, and the difference in exits is the number of exits the barriers prevent.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from journey.errors import ParameterError
from journey.metrics.barriers import barrier_hazard_reduction
from journey.scenario import Scenario
from journey.schema import JourneyDataError, Journeys
from journey.simulate import DEFAULT_CHUNK, simulate

__all__ = ["BARRIER_PARAMETERS", "barrier_held_share", "exits_by_horizon", "exits_prevented",
           "without_barriers"]

# every scenario parameter that enters the barrier B = F + P + M (docs/model.md, 3.5)
BARRIER_PARAMETERS = ("exit_fee", "financing_balance", "procedural_barrier", "mental_base",
                      "bond_weight", "sunk_investment")


def without_barriers(scenario: Scenario) -> Scenario:
    """The scenario with every exit barrier at zero: no early-termination fee and no financed
    balance (``F = 0``), no procedural cost (``P = 0``), no habit, bond or sunk investment
    holding the customer (``M = 0``); so ``B = 0`` and ``h = h0`` in every month. The contract
    term, renewal and everything else are unchanged (Jones, Mothersbaugh & Beatty 2000)."""
    if not isinstance(scenario, Scenario):
        raise TypeError(f"scenario must be a Scenario, got {type(scenario).__name__}")
    return scenario.replace(name=f"{scenario.name} without barriers",
                            **dict.fromkeys(BARRIER_PARAMETERS, 0.0))


def exits_by_horizon(data: Journeys, horizons: Sequence[int]) -> pd.Series:
    """Number of signed customers who left within the first H months of service (exit month
    ``< H``, months 0 … H − 1), for each H of ``horizons``; indexed by horizon."""
    c = data.customers
    signed = c["signed"].to_numpy(dtype=bool)
    exit_m = c["exit_month"].to_numpy(dtype="float64", na_value=np.nan)[signed]
    return pd.Series({int(H): int((exit_m < H).sum()) for H in horizons}, name="exits")


def _same_cohort(a: Journeys, b: Journeys) -> None:
    ca, cb = a.customers, b.customers
    same = len(ca) == len(cb) and all(
        np.array_equal(ca[col].to_numpy(), cb[col].to_numpy()) for col in ("customer_id", "signed"))
    if not same:
        raise JourneyDataError("customers: exits_prevented needs the same cohort twice (same"
                               " prospects and the same signers, e.g. the same seed)")


def _observed_months(data: Journeys) -> int:
    month = data.panel["month"].to_numpy()
    return int(month.max()) + 1 if len(month) and month.max() >= 0 else 0


def exits_prevented(with_barriers: Journeys, without: Journeys,
                    horizons: Sequence[int] = (12, 24, 36)) -> pd.DataFrame:
    """Exits the barriers prevent by each horizon, from one cohort observed twice.

    ``share(H) = (exits_without(H) − exits_with(H)) / exits_without(H)``, exits counted among
    signed customers in months ``0 … H − 1`` (:func:`exits_by_horizon`). Both cohorts must
    hold the same prospects and signers (common random numbers). An exit the barriers only
    delay past H counts as prevented by H and not by a later horizon that covers it.

    Returns columns horizon, signed, exits_with, exits_without, barrier_held_share (NaN where
    nobody would leave without barriers).
    """
    _same_cohort(with_barriers, without)
    horizons = [int(H) for H in horizons]
    observed = min(_observed_months(with_barriers), _observed_months(without))
    bad = [H for H in horizons if not 1 <= H <= observed]
    if bad:
        raise ParameterError(f"horizons must be within 1..{observed} observed months, got {bad}")
    w, wo = exits_by_horizon(with_barriers, horizons), exits_by_horizon(without, horizons)
    out = pd.DataFrame({"horizon": horizons,
                        "signed": int(with_barriers.customers["signed"].to_numpy(bool).sum()),
                        "exits_with": w.to_numpy(), "exits_without": wo.to_numpy()})
    with np.errstate(invalid="ignore", divide="ignore"):
        out["barrier_held_share"] = ((out["exits_without"] - out["exits_with"])
                                     / out["exits_without"].replace(0, np.nan))
    return out


def barrier_held_share(scenario: Scenario, n_customers: int = 10_000, months: int = 36,
                       seed: int = 0, horizons: Sequence[int] = (12, 24, 36),
                       chunk_size: int = DEFAULT_CHUNK) -> pd.DataFrame:
    """Share of exits the barriers prevent, by horizon: the cohort of ``scenario`` and the same
    cohort (same seed and chunk size, hence common random numbers) under
    :func:`without_barriers`, compared with :func:`exits_prevented`.

    The table's ``attrs["hazard_reduction"]`` holds the hazard-mass ratio
    ``Σ (h0 − h)/Σ h0`` of the cohort with barriers
    (:func:`journey.metrics.barrier_hazard_reduction`) for comparison: it counts delayed exits
    as prevented and so exceeds the counterfactual share when barriers mostly delay.
    """
    with_b = simulate(scenario, n_customers, months, seed, chunk_size)
    without = simulate(without_barriers(scenario), n_customers, months, seed, chunk_size)
    out = exits_prevented(with_b, without, horizons)
    out.attrs["hazard_reduction"] = barrier_hazard_reduction(with_b)
    return out
