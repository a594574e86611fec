import hashlib

import numpy as np
import pandas as pd
import pytest

from journey.scenario import load_preset
from journey.simulate import simulate, simulate_chunks
from journey.tables_io import read_journeys, write_journeys


def _digest(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*.parquet"))}


def test_same_seed_gives_byte_identical_parquet(tmp_path):
    sc = load_preset("telecom")
    a = write_journeys(simulate(sc, 2000, 24, seed=11), tmp_path / "a")
    b = write_journeys(simulate(sc, 2000, 24, seed=11), tmp_path / "b")
    c = write_journeys(simulate(sc, 2000, 24, seed=12), tmp_path / "c")
    assert _digest(a) == _digest(b)
    assert _digest(a)["panel.parquet"] != _digest(c)["panel.parquet"]


def test_chunked_run_equals_itself_and_has_unique_ids(tmp_path):
    sc = load_preset("subscription")
    parts = list(simulate_chunks(sc, 2500, 12, seed=3, chunk_size=1000))
    assert [len(p.customers) for p in parts] == [1000, 1000, 500]
    ids = np.concatenate([p.customers["customer_id"].to_numpy() for p in parts])
    assert len(np.unique(ids)) == 2500
    out = write_journeys(iter(parts), tmp_path / "chunked")
    assert sorted(p.name for p in (out / "panel").iterdir()) == [
        "part-00000.parquet", "part-00001.parquet", "part-00002.parquet"]
    again = read_journeys(out)
    assert len(again.customers) == 2500


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_round_trip_keeps_dtypes_and_values(tmp_path, telecom_small, fmt):
    out = write_journeys(telecom_small, tmp_path / fmt, fmt=fmt)
    back = read_journeys(out)
    for name in ("customers", "events", "panel"):
        a, b = getattr(telecom_small, name), getattr(back, name)
        assert list(a.dtypes.astype(str)) == list(b.dtypes.astype(str)), name
        if fmt == "parquet":
            assert a.equals(b), name
        else:  # CSV prints floats with repr precision: equal to the last bit
            import pandas.testing as pdt
            pdt.assert_frame_equal(a, b, check_exact=False, rtol=1e-15)


def test_chunks_do_not_share_memory_with_later_chunks():
    """A chunk kept while later chunks are simulated equals the same chunk simulated alone."""
    sc = load_preset("telecom")
    parts = list(simulate_chunks(sc, 3000, 18, seed=8, chunk_size=1000))
    alone = next(iter(simulate_chunks(sc, 1000, 18, seed=8, chunk_size=1000)))
    for name in ("customers", "events", "panel"):
        assert getattr(parts[0], name).equals(getattr(alone, name)), name


def test_event_bits_expand_in_order():
    """Each set bit becomes one event, cells in order, kinds ascending within a cell."""
    from journey.simulate.tables import expand_bits as _expand_bits

    rng = np.random.default_rng(0)
    bits = rng.integers(1, 2**18, 2000, dtype=np.uint32)
    bits[::3] = 1 << rng.integers(0, 18, len(bits[::3]))  # many single-event cells
    where = np.sort(rng.choice(10**6, len(bits), replace=False))
    got_where, got_kind = _expand_bits(bits, where)
    want = [(w, k) for w, b in zip(where, bits, strict=True) for k in range(18) if b >> k & 1]
    assert list(zip(got_where.tolist(), got_kind.tolist(), strict=True)) == want
    # bit 0 repeated: several events of the lowest kind in one cell
    extra = np.where(bits & 1, rng.integers(0, 4, len(bits)), 0)
    got_where, got_kind = _expand_bits(bits, where, extra)
    want = [(w, k) for w, b, x in zip(where, bits, extra, strict=True) for k in range(18)
            for _ in range(1 + x if k == 0 else 1) if b >> k & 1]
    assert list(zip(got_where.tolist(), got_kind.tolist(), strict=True)) == want


def test_tables_written_in_a_second_thread_equal_chunks_run_one_by_one():
    """simulate_chunks writes chunk k's tables while it simulates chunk k + 1, with two
    alternating buffer sets; the result must equal each chunk run alone with fresh buffers."""
    from journey.simulate import Cohort
    from journey.simulate.engine import Buffers, simulate_chunk

    sc = load_preset("telecom").replace(partners=True, competitor_entry_month=4)
    cohort = Cohort(3500, 30, 9, 1000)
    streams = np.random.SeedSequence(cohort.seed).spawn(cohort.n_chunks)
    alone = [simulate_chunk(sc, min(1000, 3500 - 1000 * k), 30, np.random.default_rng(s),
                            1000 * k, Buffers()) for k, s in enumerate(streams)]
    threaded = list(simulate_chunks(sc, 3500, 30, seed=9, chunk_size=1000))
    assert len(threaded) == len(alone) == 4
    for a, b in zip(alone, threaded, strict=True):
        for t in ("customers", "events", "panel"):
            pd.testing.assert_frame_equal(getattr(a, t), getattr(b, t))


def _whole(parts):
    return {t: pd.concat([getattr(p, t) for p in parts], ignore_index=True)
            for t in ("customers", "events", "panel")}


def test_the_cohort_does_not_depend_on_the_chunk_size():
    """Issue 11: one stream per fixed block of prospects, chunks made of whole blocks, so
    chunk sizes 7,000 and 16,000 (and odd ones, rounded down to whole blocks) give the same
    cohort, table for table; the last block is short (23,456 prospects)."""
    from journey.simulate import BLOCK, Cohort

    sc = load_preset("telecom")
    runs = {k: _whole(list(simulate_chunks(sc, 23_456, 8, seed=5, chunk_size=k)))
            for k in (7_000, 16_000, 2_500, 1)}
    assert Cohort(23_456, 8, 5, 2_500).blocks_per_chunk * BLOCK == 2_000
    for k in (16_000, 2_500, 1):
        for t in ("customers", "events", "panel"):
            pd.testing.assert_frame_equal(runs[7_000][t], runs[k][t], check_exact=True)
    assert runs[7_000]["customers"]["customer_id"].is_unique


def test_a_part_simulated_alone_equals_that_chunk():
    """simulate_part (the unit a worker runs) equals the chunk simulate_chunks yields."""
    from journey.simulate import simulate_part

    sc = load_preset("subscription")
    chunks = list(simulate_chunks(sc, 5_300, 6, seed=2, chunk_size=2_000))
    assert [len(c.customers) for c in chunks] == [2_000, 2_000, 1_300]
    alone = simulate_part(sc, 5_300, 6, 2, 2_000, 2)
    for t in ("customers", "events", "panel"):
        pd.testing.assert_frame_equal(getattr(chunks[2], t), getattr(alone, t), check_exact=True)
    with pytest.raises(ValueError, match="parameter 'part' must be in 0..2"):
        simulate_part(sc, 5_300, 6, 2, 2_000, 3)
