"""The metric suite on a cohort written in parts, read one part at a time, equals the suite on
the same cohort read whole into memory: counts exactly, means to 1e-12; what cannot be added
over parts is skipped with the reason; parts that do not line up are refused."""

from __future__ import annotations

import math
import shutil

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from journey.cli import app
from journey.errors import JourneyDataError
from journey.flat import from_flat
from journey.metrics import summarize, summarize_parts
from journey.metrics._partial import Mean, OnePart, add_padded, combine
from journey.scenario import load_preset
from journey.simulate import simulate_chunks
from journey.tables_io import read_journeys, write_journeys

runner = CliRunner()

# metrics finished from integer counts only: the same bits whatever the parts
EXACT = ("customers", "survival_end", "median_lifetime", "cliff_ratio", "cif_", "signed_share",
         "csat", "nps", "js_", "db_", "hostage_share", "reach_retained", "trough_month")


def write_parts(tmp_path, preset: str, n: int, months: int, chunk: int, fmt: str = "parquet",
                **update) -> object:
    sc = load_preset(preset).model_copy(update=update)
    return write_journeys(simulate_chunks(sc, n, months, 5, chunk), tmp_path / preset, fmt)


def assert_same(parts, whole, several: bool = True) -> None:
    """Every metric of ``whole`` in ``parts`` (loyal_core_share skipped with its reason when
    there are several parts), the same groups skipped for the same reasons."""
    expected = dict(whole.values)
    skipped = dict(whole.skipped)
    if several and "loyal_core_share" in expected:
        del expected["loyal_core_share"]
        assert "needs the whole cohort" in parts.skipped.pop("loyal_core_share")
    assert parts.skipped == skipped
    assert parts.values.keys() == expected.keys()
    for key, want in expected.items():
        got = parts.values[key]
        if math.isnan(want):
            assert math.isnan(got), key
        elif key.startswith(EXACT):
            assert got == want, key
        else:
            assert got == pytest.approx(want, rel=1e-12, abs=1e-13), key


def test_telecom_in_parts_equals_in_memory(tmp_path):
    out = write_parts(tmp_path, "telecom", 6000, 30, 2000, platform_share=0.5,
                      platform_exit_month=12)
    assert len(list((out / "panel").glob("part-*.parquet"))) == 3
    parts = summarize_parts(out)
    whole = summarize(read_journeys(out))
    assert parts.parts == 3 and whole.parts == 1 and parts.prospects == 6000
    assert {"cliff_ratio", "reach_retained", "hostage_share", "cif_term_end"} <= set(parts.values)
    assert_same(parts, whole)


def test_subscription_in_csv_parts_equals_in_memory(tmp_path):
    out = write_parts(tmp_path, "subscription", 3000, 12, 1000, fmt="csv")
    parts = summarize_parts(out, k=3, s_threshold=8.0, hostage_month=6)
    assert parts.parts == 3 and "cliff_ratio" in parts.skipped  # open-ended contracts
    assert_same(parts, summarize(read_journeys(out), k=3, s_threshold=8.0, hostage_month=6))


def test_partners_loyal_core_needs_the_whole_cohort(tmp_path):
    out = write_parts(tmp_path, "bank_partners", 3000, 12, 1000)
    parts = summarize_parts(out)
    assert "loyal_core_share" not in parts.values and "volume_share_end" in parts.values
    assert_same(parts, summarize(read_journeys(out)))
    one = write_parts(tmp_path / "one", "bank_partners", 1000, 12, 1000)  # one part: exact
    assert summarize_parts(one).values == summarize(read_journeys(one)).values


def imported(tmp_path, n: int = 800):
    rng = np.random.default_rng(7)
    life = rng.geometric(0.05, n) - 1
    follow = rng.integers(1, 40, n)
    flat = pd.DataFrame({"id": np.arange(n), "tenure": np.minimum(life, follow),
                         "churn": np.where(life < follow, "yes", "no"),
                         "plan": rng.choice(["basic", "plus"], n),
                         "charge": rng.uniform(10, 80, n).round(2)})
    path = tmp_path / "flat.csv"
    flat.to_csv(path, index=False)
    return from_flat(path, "tenure", "churn", id="id", group="plan", price="charge")


def test_an_imported_flat_file_one_part_and_in_two(tmp_path):
    j = imported(tmp_path)
    one = write_journeys(j, tmp_path / "one")
    assert summarize_parts(one).values == summarize(read_journeys(one)).values
    ids = j.customers["customer_id"].to_numpy()
    two = write_journeys([j.only(ids[:300]), j.only(ids[300:])], tmp_path / "two")
    parts = summarize_parts(two)
    assert parts.parts == 2 and "clv" in parts.values  # life table from the customers table
    assert_same(parts, summarize(read_journeys(one)))


@pytest.fixture
def three(tmp_path):
    return write_parts(tmp_path, "telecom", 3000, 6, 1000)


def _move_customer(folder, table: str, cid: int, to: int) -> None:
    """Move customer ``cid``'s rows of ``table`` from its part into part ``to``."""
    for path in sorted((folder / table).iterdir()):
        df = pd.read_parquet(path)
        mine = df["customer_id"] == cid
        if mine.any() and path.name != f"part-{to:05d}.parquet":
            df[~mine].to_parquet(path, index=False)
            target = folder / table / f"part-{to:05d}.parquet"
            pd.concat([pd.read_parquet(target), df[mine]]).to_parquet(target, index=False)


def test_parts_that_do_not_line_up_are_refused(three):
    cid = int(pd.read_parquet(three / "panel" / "part-00001.parquet")["customer_id"].iloc[0])
    _move_customer(three, "panel", cid, 0)
    with pytest.raises(JourneyDataError, match=r"panel/part-00000\.parquet: column 'customer_id'"
                       rf" data row \d+: id {cid} is not in .*customers/part-00000\.parquet"):
        summarize_parts(three)


def test_a_customer_in_two_parts_is_refused(three):
    for table in ("customers", "events", "panel"):
        src = pd.read_parquet(three / table / "part-00002.parquet")
        dst = three / table / "part-00000.parquet"
        pd.concat([pd.read_parquet(dst), src[src["customer_id"] == 2000]]).to_parquet(dst)
    with pytest.raises(JourneyDataError, match="customer_id 2000 is in .*part-00000.parquet and"
                                               " .*part-00002.parquet"):
        summarize_parts(three)


def test_missing_part_mixed_layout_and_columns_are_refused(three, tmp_path):
    broken = shutil.copytree(three, tmp_path / "missing")
    (broken / "events" / "part-00001.parquet").unlink()
    with pytest.raises(JourneyDataError, match="events/ has no part part-00001"):
        summarize_parts(broken)
    mixed = shutil.copytree(three, tmp_path / "mixed")
    read_journeys(three).customers.to_parquet(mixed / "customers.parquet")
    shutil.rmtree(mixed / "customers")
    with pytest.raises(JourneyDataError, match="customers.parquet is one file but events/,"
                                               " panel/ hold parts"):
        summarize_parts(mixed)
    cols = shutil.copytree(three, tmp_path / "cols")
    p = cols / "panel" / "part-00002.parquet"
    pd.read_parquet(p).drop(columns=["S"]).to_parquet(p)
    with pytest.raises(JourneyDataError, match="part-00002.parquet: column.s. S in one of"):
        summarize_parts(cols)


def test_hidden_files_in_a_table_folder_are_not_parts(three):
    (three / "panel" / ".part-00003.parquet.tmp").write_bytes(b"half written")
    (three / "panel" / ".part-00003.parquet").write_bytes(b"half written")
    assert summarize_parts(three).parts == 3


def test_metrics_command_says_how_it_computed(three, tmp_path):
    import json

    res = runner.invoke(app, ["metrics", str(three), "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["computed"] == "part by part" and out["parts"] == 3
    assert out["metrics"]["customers"] == summarize_parts(three).values["customers"]
    res = runner.invoke(app, ["metrics", str(three)])
    assert "computed part by part (3 parts" in " ".join(res.stdout.split())
    flat = write_journeys(read_journeys(three), tmp_path / "flat")
    out = json.loads(runner.invoke(app, ["metrics", str(flat), "--json"]).stdout)
    assert out["computed"] == "in memory" and out["parts"] == 1
    res = runner.invoke(app, ["validate", str(three)])
    assert res.exit_code == 0 and "3 parts" in res.stdout


def test_partials_add_up():
    assert add_padded(np.array([1, 2]), np.array([1, 1, 1])).tolist() == [2, 3, 1]
    assert combine({"a": np.array([1.0])}, {"b": np.array([2.0])}).keys() == {"a", "b"}
    assert combine(None, 3) == 3 and combine(True, False) is True
    err = JourneyDataError("x")
    assert combine(Mean(1.0, 1), err) is err
    assert (Mean(1.0, 2) + Mean(2.0, 1)).value() == 1.0 and math.isnan(Mean().value())
    one = OnePart(0.5, "why")
    assert not one.combined and (one + one).combined and math.isnan((one + one).value)
