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

Random numbers are chunk-invariant: the cohort is cut into fixed blocks of :data:`BLOCK`
prospects (the last may be shorter), block ``b`` draws from its own stream
``SeedSequence(seed, spawn_key=(b,))`` (= ``SeedSequence(seed).spawn(n_blocks)[b]``) and is
simulated on its own. A chunk is a run of whole blocks, so the cohort depends on ``seed`` (and the
scenario, size and months) only: not on ``chunk_size``, the number of workers or the machine.
Simulating one block at a time costs nothing (measured: 64,000 prospects in blocks of 1,000 ran
in 0.68 s against 1.27 s in one chunk of 16,000; the arrays stay in cache).
"""

from __future__ import annotations

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
BLOCK = 1_000  # prospects per random stream; fixed: changing it changes every cohort

__all__ = ["BLOCK", "DEFAULT_CHUNK", "Cohort", "simulate", "simulate_chunks", "simulate_part"]


@dataclass(frozen=True)
class Cohort:
    """Size of a simulated cohort, its random stream and how it is cut into chunks.

    ``chunk_size`` is rounded down to whole blocks (at least one): chunk ``k`` holds blocks
    ``k * blocks_per_chunk`` onwards.
    """

    n_customers: int
    months: int
    seed: int
    chunk_size: int = DEFAULT_CHUNK

    def __post_init__(self) -> None:
        for name, lo in (("n_customers", 1), ("months", 1), ("chunk_size", 1), ("seed", 0)):
            v = getattr(self, name)
            if not isinstance(v, int | np.integer) or isinstance(v, bool) or v < lo:
                raise ParameterError(f"parameter '{name}' must be an integer >= {lo}, got {v!r}")
        if self.months > 600:
            raise ParameterError(f"parameter 'months' must be <= 600, got {self.months}")

    @property
    def n_blocks(self) -> int:
        return -(-self.n_customers // BLOCK)

    @property
    def blocks_per_chunk(self) -> int:
        return max(1, self.chunk_size // BLOCK)

    @property
    def n_chunks(self) -> int:
        return -(-self.n_blocks // self.blocks_per_chunk)

    def blocks(self, part: int) -> range:
        """The blocks of chunk ``part``."""
        first = part * self.blocks_per_chunk
        return range(first, min(first + self.blocks_per_chunk, self.n_blocks))

    def block_size(self, b: int) -> int:
        return min(BLOCK, self.n_customers - b * BLOCK)

    def part_size(self, part: int) -> int:
        return sum(self.block_size(b) for b in self.blocks(part))

    def stream(self, b: int) -> np.random.Generator:
        """Block ``b``'s generator: ``SeedSequence(seed, spawn_key=(b,))``."""
        return np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=(b,)))


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
    return _concat(list(simulate_chunks(scenario, n_customers, months, seed, chunk_size)))


def simulate_chunks(
    scenario: Scenario,
    n_customers: int,
    months: int,
    seed: int,
    chunk_size: int = DEFAULT_CHUNK,
    on_chunk: Callable[[int], None] | None = None,
) -> Iterator[Journeys]:
    """Yield the cohort chunk by chunk (bounded memory); ``on_chunk(n)`` reports progress.

    While block ``b + 1`` is simulated, a second thread writes the tables of block ``b`` (numpy
    releases the GIL in its loops, so this uses a second core). Each block has its own random
    stream, and the two buffer sets alternate, so the cohort is the same as when every block is
    run alone (and the same whatever ``chunk_size``).
    """
    cohort = _cohort(scenario, n_customers, months, seed, chunk_size)
    last = {cohort.blocks(p)[-1]: p for p in range(cohort.n_chunks)}
    ready: tuple[int, list[Future[Journeys]]] | None = None
    current: list[Future[Journeys]] = []
    for b, tables in _blocks(scenario, cohort):
        if ready is not None:  # block b is simulated: the previous chunk's tables are written
            yield from _finish(ready, cohort, on_chunk)
            ready = None
        current.append(tables)
        if b in last:
            ready, current = (last[b], current), []
    if ready is not None:
        yield from _finish(ready, cohort, on_chunk)


def _finish(ready: tuple[int, list[Future[Journeys]]], cohort: Cohort,
            on_chunk: Callable[[int], None] | None) -> Iterator[Journeys]:
    yield _concat([f.result() for f in ready[1]])
    if on_chunk is not None:
        on_chunk(cohort.part_size(ready[0]))


def _blocks(scenario: Scenario, cohort: Cohort) -> Iterator[tuple[int, Future[Journeys]]]:
    """Simulate block after block; each block's tables are written by a second thread while
    the next block is simulated (two buffer sets alternate)."""
    buffers = (Buffers(), Buffers())
    with ThreadPoolExecutor(1, thread_name_prefix="journey-tables") as writer:
        pending: Future[Journeys] | None = None
        for b in range(cohort.n_blocks):
            write = run_chunk(scenario, cohort.block_size(b), cohort.months, cohort.stream(b),
                              b * BLOCK, buffers[b % 2])
            if pending is not None:  # frees the other buffer set for the next block
                pending.result()
            pending = writer.submit(write)
            yield b, pending


def simulate_part(scenario: Scenario, n_customers: int, months: int, seed: int,
                  chunk_size: int, part: int) -> Journeys:
    """Chunk ``part`` of the cohort on its own, equal to the ``part``-th chunk that
    :func:`simulate_chunks` yields (the unit of work sent to a worker or a cluster)."""
    cohort = _cohort(scenario, n_customers, months, seed, chunk_size)
    if not 0 <= part < cohort.n_chunks:
        raise ParameterError(f"parameter 'part' must be in 0..{cohort.n_chunks - 1}, got {part}")
    buf = Buffers()
    return _concat([run_chunk(scenario, cohort.block_size(b), cohort.months, cohort.stream(b),
                              b * BLOCK, buf)() for b in cohort.blocks(part)])


def _cohort(scenario: Scenario, n_customers: int, months: int, seed: int,
            chunk_size: int) -> Cohort:
    if not isinstance(scenario, Scenario):
        raise ParameterError(
            f"parameter 'scenario' must be a Scenario, got {type(scenario).__name__}")
    return Cohort(int(n_customers), int(months), int(seed), int(chunk_size))


def _concat(parts: list[Journeys]) -> Journeys:
    if len(parts) == 1:
        return parts[0]
    return Journeys(*(pd.concat([getattr(p, t) for p in parts], ignore_index=True)
                      for t in ("customers", "events", "panel")))
