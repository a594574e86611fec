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

import os
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd

from journey.errors import ParameterError
from journey.scenario import Scenario
from journey.schema import Journeys
from journey.simulate.engine import Buffers, run_chunk

DEFAULT_CHUNK = 16_000
MAX_CUSTOMERS = 1_000_000_000  # prospects of one cohort (streamed in chunks)
MAX_MONTHS = 600
MAX_CHUNK_CELLS = 5_000_000  # chunk_size x (months + 1) held in memory at once (~2.3 GB)
BYTES_PER_CELL = 160  # tables per prospect-month, an upper estimate (measured: 53-115)
CHUNK_BYTES_PER_CELL = 460  # peak memory of the engine per chunk cell (two buffer sets)

__all__ = ["DEFAULT_CHUNK", "MAX_CHUNK_CELLS", "MAX_CUSTOMERS", "Cohort", "in_memory_budget",
           "simulate", "simulate_chunks"]


@dataclass(frozen=True)
class Cohort:
    """Size of a simulated cohort and its random stream, checked before anything is allocated:
    ``1 <= n_customers <= MAX_CUSTOMERS``, ``1 <= months <= MAX_MONTHS``, ``chunk_size >= 1``,
    ``seed >= 0`` and at most :data:`MAX_CHUNK_CELLS` customer-months per chunk
    (``min(chunk_size, n_customers) * (months + 1)``)."""

    n_customers: int
    months: int
    seed: int
    chunk_size: int = DEFAULT_CHUNK

    def __post_init__(self) -> None:
        for name, lo, hi in (("n_customers", 1, MAX_CUSTOMERS), ("months", 1, MAX_MONTHS),
                             ("chunk_size", 1, None), ("seed", 0, None)):
            v = getattr(self, name)
            if not isinstance(v, int | np.integer) or isinstance(v, bool | np.bool_):
                raise ParameterError(f"parameter '{name}' must be an integer, got {v!r}")
            if v < lo or (hi is not None and v > hi):
                bound = f">= {lo}" if hi is None else f"in {lo}..{hi:_}"
                raise ParameterError(f"parameter '{name}' must be an integer {bound}, got {v:_}")
            object.__setattr__(self, name, int(v))
        cells = min(self.chunk_size, self.n_customers) * (self.months + 1)
        if cells > MAX_CHUNK_CELLS:
            most = MAX_CHUNK_CELLS // (self.months + 1)
            raise ParameterError(
                f"parameter 'chunk_size' = {self.chunk_size:_}: {cells:_} customer-months in"
                f" memory at once (about {cells * CHUNK_BYTES_PER_CELL / 1e9:.1f} GB); at most"
                f" {MAX_CHUNK_CELLS:_}, so chunk_size <= {most:_} at {self.months} months")

    @property
    def n_chunks(self) -> int:
        return -(-self.n_customers // self.chunk_size)

    @property
    def table_bytes(self) -> int:
        """Upper estimate of the three tables' memory: ``n (months + 1) BYTES_PER_CELL``."""
        return self.n_customers * (self.months + 1) * BYTES_PER_CELL


def in_memory_budget() -> int:
    """Bytes :func:`simulate` may fill: half the machine's physical memory (8 GB if unknown)."""
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") // 2
    except (AttributeError, ValueError, OSError):
        return 8 * 10**9


def simulate(
    scenario: Scenario,
    n_customers: int = 10_000,
    months: int = 36,
    seed: int = 0,
    chunk_size: int = DEFAULT_CHUNK,
) -> Journeys:
    """Simulate one cohort and return its three tables in memory.

    ``n_customers`` prospects enter courtship; those who sign are followed for ``months``
    months after signing. A cohort whose tables would not fit (twice :attr:`Cohort.table_bytes`,
    the parts and their concatenation, above :func:`in_memory_budget`) is refused with a
    :class:`ParameterError` before anything is simulated: stream it with :func:`simulate_chunks`
    (``journey simulate --chunk-size``) instead.
    """
    cohort = _cohort(scenario, n_customers, months, seed, chunk_size)
    need, budget = 2 * cohort.table_bytes, in_memory_budget()
    if need > budget:
        raise ParameterError(
            f"parameter 'n_customers' = {cohort.n_customers:_} at {cohort.months} months: the"
            f" tables would take about {need / 1e9:.1f} GB in memory, above the"
            f" {budget / 1e9:.1f} GB budget (half of this machine's memory); stream the cohort"
            " with simulate_chunks(...) or journey simulate --chunk-size")
    parts = list(simulate_chunks(scenario, n_customers, months, seed, chunk_size))
    if len(parts) == 1:
        return parts[0]
    return Journeys(*(pd.concat([getattr(p, t) for p in parts], ignore_index=True)
                      for t in ("customers", "events", "panel")))


def _cohort(scenario: Scenario, n_customers: int, months: int, seed: int,
            chunk_size: int) -> Cohort:
    if not isinstance(scenario, Scenario):
        raise TypeError(f"parameter 'scenario' must be a Scenario, got {type(scenario).__name__}")
    return Cohort(n_customers, months, seed, chunk_size)


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
    stream and its own set of buffers, so the cohort is the same as when run one by one. The
    sizes are checked (:class:`Cohort`) when this is called, before the first chunk is asked
    for.
    """
    cohort = _cohort(scenario, n_customers, months, seed, chunk_size)
    return _chunks(scenario, cohort, on_chunk)


def _chunks(scenario: Scenario, cohort: Cohort,
            on_chunk: Callable[[int], None] | None) -> Iterator[Journeys]:
    root = np.random.SeedSequence(cohort.seed)
    buffers = (Buffers(), Buffers())  # one set simulates while the other's tables are written
    with ThreadPoolExecutor(1, thread_name_prefix="journey-tables") as writer:
        pending: tuple[Future[Journeys], int] | None = None
        for k in range(cohort.n_chunks):
            # spawned one at a time: the same streams as root.spawn(n_chunks), without a list
            # of n_chunks seed sequences in memory
            (stream,) = root.spawn(1)
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
