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

from journey.scenario import Scenario
from journey.schema import Journeys
from journey.simulate.engine import Buffers, simulate_chunk

DEFAULT_CHUNK = 16_000

__all__ = ["DEFAULT_CHUNK", "Cohort", "simulate", "simulate_chunks"]


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
    buffers = Buffers()
    for k, stream in enumerate(streams):
        start = k * cohort.chunk_size
        n = min(cohort.chunk_size, cohort.n_customers - start)
        rng = np.random.default_rng(stream)
        yield simulate_chunk(scenario, n, cohort.months, rng, start, buffers)
        if on_chunk is not None:
            on_chunk(n)
