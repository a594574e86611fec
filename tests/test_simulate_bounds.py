"""Cohort sizes are checked before anything is allocated (ParameterError naming the bound)."""

from __future__ import annotations

import numpy as np
import pytest

import journey.simulate as sim
from journey.errors import ParameterError
from journey.scenario import load_preset
from journey.simulate import MAX_CHUNK_CELLS, MAX_CUSTOMERS, Cohort, simulate, simulate_chunks


@pytest.mark.parametrize("kwargs, needle", [
    ({"n_customers": MAX_CUSTOMERS + 1}, "'n_customers' must be an integer in 1..1_000_000_000"),
    ({"n_customers": 0}, "'n_customers' must be an integer in 1..1_000_000_000, got 0"),
    ({"months": 601}, "'months' must be an integer in 1..600"),
    ({"seed": -1}, "'seed' must be an integer >= 0"),
    ({"chunk_size": 0}, "'chunk_size' must be an integer >= 1"),
    ({"n_customers": True}, "'n_customers' must be an integer, got True"),
    ({"n_customers": 1000.0}, "'n_customers' must be an integer, got 1000.0"),
    ({"n_customers": 10**7, "chunk_size": 10**6}, "'chunk_size' = 1_000_000: 37_000_000"
                                                  " customer-months in memory at once"),
])
def test_bad_sizes_are_parameter_errors(kwargs, needle):
    args = {"n_customers": 100, "months": 36, "seed": 0, "chunk_size": 16_000, **kwargs}
    with pytest.raises(ParameterError) as exc:
        Cohort(**args)
    assert needle in str(exc.value)


def test_the_chunk_bound_suggests_a_chunk_size_that_fits():
    """The suggestion is a whole number of blocks (the chunk is rounded down to blocks)."""
    with pytest.raises(ParameterError, match=r"chunk_size <= 135_000 at 36 months"):
        Cohort(10**7, 36, 0, 10**6)
    Cohort(10**7, 36, 0, 135_000)  # the suggested size passes
    Cohort(10**7, 36, 0, MAX_CHUNK_CELLS // 37)  # 135_135 is 135 blocks too


def test_a_small_cohort_may_have_a_large_chunk_size():
    assert Cohort(100, 36, 0, 10**9).n_chunks == 1


def test_numpy_integers_are_sizes():
    c = Cohort(np.int64(10), np.int32(3), np.uint8(1), np.int64(4))
    assert (c.n_customers, c.months, c.seed, c.chunk_size) == (10, 3, 1, 4)
    assert type(c.n_customers) is int


def test_simulate_chunks_checks_when_called_not_when_iterated():
    with pytest.raises(ParameterError, match="n_customers"):
        simulate_chunks(load_preset("telecom"), 10**12, 36, 0)


def test_simulate_refuses_a_cohort_whose_tables_would_not_fit(monkeypatch):
    def no_run(*a, **k):
        raise AssertionError("simulated anyway")

    monkeypatch.setattr(sim, "simulate_chunks", no_run)
    monkeypatch.setattr(sim, "in_memory_budget", lambda: 10**9)  # a 1 GB machine
    with pytest.raises(ParameterError) as exc:
        simulate(load_preset("telecom"), 1_000_000, 36, 0)
    msg = str(exc.value)
    assert "about 11.8 GB" in msg and "1.0 GB budget" in msg and "simulate_chunks" in msg
    assert "--chunk-size" in msg


def test_block_streams_made_one_by_one_equal_a_spawned_list():
    """Each block's stream is made when it is needed (no list of n_blocks seed sequences in
    memory); it must equal SeedSequence(seed).spawn(n_blocks)[b]."""
    cohort = Cohort(5_500, 4, 7, 2_000)
    spawned = np.random.SeedSequence(7).spawn(cohort.n_blocks)
    for b in range(cohort.n_blocks):
        assert (cohort.stream(b).random(5) == np.random.default_rng(spawned[b]).random(5)).all()
