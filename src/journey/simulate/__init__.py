"""The seeded, vectorised simulator: courtship -> signing -> service -> renewal / exit.

One cohort of prospects is courted, some sign, and the signed customers are followed month by
month. Every array operation runs over all customers of a chunk at once; the only Python loop is
over months, because satisfaction, expectation, bond and survival are recursive in time.

The model (``docs/model.md``, which holds every equation and its reference), in short: prospects
differ in churn frailty (a gamma multiplier on the exit odds), in sensitivity to service
incidents and in their mental barrier; courtship forms satisfaction ``S`` from the sales
treatment and expectation ``E`` from the promises, and reading the contract tempers ``E``; after
signing, quality ``Q`` comes from a contact person who learns (and is replaced when staff leave),
incidents and noise; ``S`` moves toward ``Q + δ w(D) D`` with ``D = Q - E`` and losses weighted
more; ``E`` learns from experience; the bond grows, breaks with staff turnover, and carries over
from sales where the same person serves; at term end customers re-contract or roll over; each
month one multinomial logit decides between staying and the exit causes (dissatisfaction,
competitor, other), with forced exits from collection calls. The panel keeps ``h`` and ``h0``
(the exit probability with and without barriers).

Random numbers: a chunk of customers draws from its own stream,
``SeedSequence(seed).spawn(n_chunks)[k]``, so results depend on ``seed`` and ``chunk_size`` only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd

from journey.scenario import Scenario
from journey.schema import Journeys
from journey.simulate.engine import Buffers, run_chunk

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
    """Yield the cohort chunk by chunk (bounded memory); ``on_chunk(n)`` reports progress.

    While chunk ``k + 1`` is simulated, a second thread writes the tables of chunk ``k`` (numpy
    releases the GIL in its loops, so this uses a second core). Each chunk has its own random
    stream and its own set of buffers, so the cohort is the same as when run one by one.
    """
    if not isinstance(scenario, Scenario):
        raise TypeError(f"parameter 'scenario' must be a Scenario, got {type(scenario).__name__}")
    cohort = Cohort(int(n_customers), int(months), int(seed), int(chunk_size))
    streams = np.random.SeedSequence(cohort.seed).spawn(cohort.n_chunks)
    buffers = (Buffers(), Buffers())  # one set simulates while the other's tables are written
    with ThreadPoolExecutor(1, thread_name_prefix="journey-tables") as writer:
        pending: tuple[Future[Journeys], int] | None = None
        for k, stream in enumerate(streams):
            start = k * cohort.chunk_size
            n = min(cohort.chunk_size, cohort.n_customers - start)
            rng = np.random.default_rng(stream)
            write = run_chunk(scenario, n, cohort.months, rng, start, buffers[k % 2])
            if pending is not None:  # frees the other buffer set for the next chunk
                yield from _done(*pending, on_chunk)
            pending = writer.submit(write), n
        if pending is not None:
            yield from _done(*pending, on_chunk)


def _done(future: Future[Journeys], n: int,
          on_chunk: Callable[[int], None] | None) -> Iterator[Journeys]:
    yield future.result()
    if on_chunk is not None:
        on_chunk(n)
