"""Own data in: a flat one-row-per-customer churn file into the journey tables.

The life table of an imported cohort must equal the Kaplan–Meier estimate of the raw
(duration, event) columns (lifelines, a test-only reference), per group; bad files are refused
with the file, column, row and expected value.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from journey.cli import app
from journey.errors import JourneyDataError
from journey.flat import from_flat
from journey.metrics import life_table
from journey.schema import Journeys
from journey.tables_io import read_journeys, write_journeys

runner = CliRunner()
TERMS = {"Month-to-month": 0, "One year": 12, "Two year": 24}


def churn_file(n: int = 600, seed: int = 3) -> pd.DataFrame:
    """A Telco-like file: tenure in months, Churn Yes/No, contract type, monthly charges."""
    rng = np.random.default_rng(seed)
    contract = rng.choice(list(TERMS), n, p=[0.5, 0.25, 0.25])
    rate = np.select([contract == "Month-to-month", contract == "One year"], [0.04, 0.01], 0.005)
    life = rng.geometric(rate) - 1
    follow = rng.integers(1, 73, n)
    return pd.DataFrame({
        "customerID": [f"{i:04d}-{chr(65 + i % 26)}" for i in range(n)],
        "tenure": np.minimum(life, follow),
        "Churn": np.where(life < follow, "Yes", "No"),
        "Contract": contract,
        "MonthlyCharges": rng.uniform(18, 120, n).round(2),
    })


def km(durations: np.ndarray, events: np.ndarray) -> pd.Series:
    from lifelines import KaplanMeierFitter

    f = KaplanMeierFitter().fit(durations, events)
    return f.survival_function_.iloc[:, 0]


def by_segment(j: Journeys, segment: str) -> Journeys:
    c = j.customers.loc[j.customers["segment"].to_numpy() == segment]
    return Journeys(c, j.events.iloc[:0], j.panel)


def test_import_command_life_table_equals_kaplan_meier_per_group(tmp_path):
    raw = churn_file()
    src = tmp_path / "churn.csv"
    raw.to_csv(src, index=False)
    (tmp_path / "map.yaml").write_text(
        "term:\n  column: Contract\n  values: {Month-to-month: 0, One year: 12, Two year: 24}\n")
    out = tmp_path / "tables"
    res = runner.invoke(app, ["import", str(src), "--duration", "tenure", "--event", "Churn=Yes",
                              "--id", "customerID", "--group", "Contract", "--price",
                              "MonthlyCharges", "--map", str(tmp_path / "map.yaml"),
                              "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert runner.invoke(app, ["validate", str(out)]).exit_code == 0
    j = read_journeys(out)
    assert set(j.customers.columns) == {"customer_id", "segment", "term_months", "price",
                                        "exit_month", "tenure_months", "source_id"}
    assert len(j.panel) == 0
    for group in TERMS:
        sub = raw.loc[raw["Contract"] == group]
        ref = km(sub["tenure"].to_numpy(), (sub["Churn"] == "Yes").to_numpy())
        lt = life_table(by_segment(j, group)).set_index("month")["survival"]
        ref_at = ref.reindex(lt.index, method="ffill")  # KM steps only at event times
        assert np.max(np.abs(lt.to_numpy() - ref_at.to_numpy())) < 1e-9, group
        sub_j = by_segment(j, group)
        assert (sub_j.customers["term_months"] == TERMS[group]).all()


def test_yes_no_event_without_value_and_text_ids():
    raw = churn_file(50)
    j = from_flat(raw, "tenure", "Churn", id="customerID")
    assert j.customers["exit_month"].notna().sum() == (raw["Churn"] == "Yes").sum()
    assert (j.customers["source_id"].to_numpy() == raw["customerID"].to_numpy()).all()
    exited = j.customers["exit_month"].notna().to_numpy()
    assert (j.customers["exit_month"].to_numpy()[exited] == raw["tenure"].to_numpy()[exited]
            ).all()
    assert (j.customers["tenure_months"] == raw["tenure"] + 1).all()


def test_days_become_whole_months_and_km_holds_on_them():
    days = np.array([0, 15, 30, 31, 45, 61, 365, 400])
    event = np.array([1, 0, 1, 1, 0, 1, 0, 1])
    j = from_flat(pd.DataFrame({"d": days, "e": event}), "d", "e", map={"time_unit": "days"})
    months = np.floor(days * 12 / 365.25 + 0.5).astype(int)  # the nearest whole month
    assert months.tolist() == [0, 0, 1, 1, 1, 2, 12, 13]  # 365 days is month 12
    lt = life_table(j).set_index("month")["survival"]
    ref = km(months, event).reindex(lt.index, method="ffill")
    assert np.max(np.abs(lt.to_numpy() - ref.to_numpy())) < 1e-12


def test_surveys_rescaled_missing_codes_dropped_and_events_file(tmp_path):
    raw = pd.DataFrame({"id": [10, 11, 12], "months": [5, 8, 2], "left": [0, 1, 1],
                        "sat": [5, -99, 1], "nps": [10, 0, 7]})
    log = pd.DataFrame({"cust": [10, 10, 11, 12], "m": [1, 4, 8, 0],
                        "what": ["complaint", "fixed", "complaint", "hello"]})
    log.to_csv(tmp_path / "log.csv", index=False)
    fmap = {"missing": [-99],
            "surveys": [{"column": "sat", "scale": [1, 5]},
                        {"column": "nps", "kind": "recommend", "scale": [0, 10]}],
            "events": {"file": str(tmp_path / "log.csv"), "id": "cust", "time": "m",
                       "kind": "what", "vocabulary": {"complaint": "problem",
                                                      "fixed": "resolution"},
                       "drop_unmapped": True}}
    j = from_flat(raw, "months", "left", id="id", map=fmap)
    ev = j.events
    sat = ev.loc[ev["kind"] == "survey"]
    assert sat["customer_id"].tolist() == [10, 12]  # -99 is no answer
    assert sat["rating"].tolist() == [10.0, 0.0]  # 5 of 1..5 -> 10; 1 -> 0
    assert sat["month"].tolist() == [5, 2]  # asked at the last observed month
    rec = ev.loc[ev["kind"] == "recommend"]
    assert rec["rating"].tolist() == [10.0, 0.0, 7.0]
    assert ev.loc[ev["kind"] == "problem", "customer_id"].tolist() == [10, 11]
    assert "hello" not in set(ev["kind"].astype(str))


BAD = {
    "no such column": (dict(duration="tenur"), "no column 'tenur'"),
    "event not yes/no": (dict(event="Contract"),
                         "column 'Contract' row 1: value 'Two year'; expected yes/no"),
    "event value never seen": (dict(event_value="Y"), "column 'Churn' never holds 'Y'"),
    "fractional months": (dict(duration="MonthlyCharges"),
                          "column 'MonthlyCharges' row 1: value '47.59'; expected whole months"),
    "unknown contract": (dict(map={"term": {"column": "Contract", "values": {"One year": 12}}}),
                         "column 'Contract' row 1: value 'Two year'; expected one of 'One year'"),
    "unknown map key": (dict(map={"terms": {"column": "Contract"}}), "key 'terms'"),
    "bad event kind in map": (
        dict(map={"events": {"file": "x.csv", "id": "a", "time": "b", "kind": "c",
                             "vocabulary": {"call": "phone_call"}}}),
        "unknown event kind(s) phone_call"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_input_names_column_row_and_expectation(tmp_path, case):
    raw = churn_file(20)
    raw.loc[0, "Contract"] = "Two year"
    raw.loc[0, "MonthlyCharges"] = 47.59
    path = tmp_path / "churn.csv"
    raw.to_csv(path, index=False)
    kwargs = dict(duration="tenure", event="Churn", event_value=None)
    override, expected = BAD[case]
    kwargs.update(override)
    with pytest.raises(JourneyDataError) as err:
        from_flat(path, kwargs.pop("duration"), kwargs.pop("event"), **kwargs)
    assert expected in str(err.value)
    assert str(path) in str(err.value) or "key" in str(err.value)


def test_missing_duration_and_duplicate_ids_are_refused(tmp_path):
    raw = pd.DataFrame({"id": ["a", "b", "a"], "t": ["3", "", "4"], "e": ["1", "0", "1"]})
    with pytest.raises(JourneyDataError, match=r"column 't' row 2: value ''"):
        from_flat(raw, "t", "e")
    with pytest.raises(JourneyDataError, match=r"column 'id' row 3: value 'a'; expected unique"):
        from_flat(raw.assign(t=["3", "2", "4"]), "t", "e", id="id")


def test_cli_bad_event_is_one_line_exit_2_and_writes_nothing(tmp_path):
    path = tmp_path / "churn.csv"
    churn_file(20).to_csv(path, index=False)
    out = tmp_path / "out"
    res = runner.invoke(app, ["import", str(path), "--duration", "tenure", "--event", "Contract",
                              "--out", str(out)])
    assert res.exit_code == 2
    assert "column 'Contract' row 1" in res.output  # rows are 1-based data rows
    assert not out.exists()


def test_csv_round_trip_keeps_labels_and_empty_tables(tmp_path):
    raw = churn_file(8).assign(segment=["NA", "null", "2024", "True", "", "x", "NA", "None"])
    raw.loc[4, "segment"] = "plain"
    j = from_flat(raw, "tenure", "Churn", group="segment")
    write_journeys(j, tmp_path / "c", fmt="csv")
    back = read_journeys(tmp_path / "c")
    assert back.customers["segment"].tolist() == j.customers["segment"].tolist()
    assert len(back.events) == 0 and len(back.panel) == 0
    pd.testing.assert_frame_equal(back.customers, j.customers)


def test_excel_file_imports_like_its_csv(tmp_path):
    pytest.importorskip("openpyxl")
    raw = churn_file(40)
    raw.to_excel(tmp_path / "churn.xlsx", index=False)
    raw.to_csv(tmp_path / "churn.csv", index=False)
    a = from_flat(tmp_path / "churn.xlsx", "tenure", "Churn", id="customerID", group="Contract")
    b = from_flat(tmp_path / "churn.csv", "tenure", "Churn", id="customerID", group="Contract")
    pd.testing.assert_frame_equal(a.customers, b.customers)


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_every_table_the_simulator_writes_reads_back_unchanged(tmp_path, fmt):
    from journey.scenario import load_preset
    from journey.simulate import simulate

    j = simulate(load_preset("bank_partners"), 400, 8, seed=1)
    quiet = Journeys(j.customers, j.events.iloc[:0], j.panel.iloc[:0])  # empty tables too
    for name, cohort in (("full", j), ("empty", quiet)):
        write_journeys(cohort, tmp_path / name / fmt, fmt=fmt)
        back = read_journeys(tmp_path / name / fmt)
        for table in ("customers", "events", "panel"):
            pd.testing.assert_frame_equal(getattr(back, table),
                                          getattr(cohort, table).reset_index(drop=True),
                                          check_exact=False, rtol=1e-15, obj=f"{name} {table}")


def test_a_survivors_table_becomes_a_cohort_with_the_same_sbg_fit():
    from journey.datasets import load_fader_hardie_2007
    from journey.flat import from_survivors
    from journey.models import fit_sbg

    n = load_fader_hardie_2007()["regular"].to_numpy()[:8]
    j = from_survivors(n, period_months=12)
    assert len(j.customers) == n[0]
    lt = life_table(j).set_index("month")["survival"]
    assert np.allclose(lt.loc[[11, 23, 35, 83]].to_numpy(), n[[1, 2, 3, 7]] / n[0])
    a, b = fit_sbg(j.customers, period_months=12), fit_sbg(n)
    assert np.allclose(a.params, b.params, rtol=1e-7)
    with pytest.raises(JourneyDataError, match="must not rise"):
        from_survivors([10, 8, 9])


def test_careless_flat_files_are_refused_not_misread(tmp_path):
    base = pd.DataFrame({"id": ["00123", "00456", "00789"], "t": [3, 5, 7],
                         "churn": ["Yes", "No", "yes"], "exit_month": [0, 0, 0]})
    # an id with leading zeros stays text (kept in source_id), not the number 123
    j = from_flat(base, "t", "churn", event_value="No", id="id")
    assert j.customers["source_id"].tolist() == ["00123", "00456", "00789"]
    # a case variant of the exit value is refused, not silently censored
    with pytest.raises(JourneyDataError, match="row 3: value 'yes'; expected exactly 'Yes'"):
        from_flat(base, "t", "churn", event_value="Yes")
    # a kept column may not overwrite one journey writes
    with pytest.raises(JourneyDataError, match="exit_month would overwrite"):
        from_flat(base, "t", "churn", event_value="No", map={"keep": ["exit_month"]})
    # an events file needs the ids that link it
    (tmp_path / "c.csv").write_text("cid,month,type\n1,0,complaint\n")
    events = {"events": {"file": str(tmp_path / "c.csv"), "id": "cid", "time": "month",
                         "kind": "type", "vocabulary": {"complaint": "problem"}}}
    with pytest.raises(JourneyDataError, match="--id"):
        from_flat(base, "t", "churn", event_value="No", map=events)
    # a duration beyond 50 years is a unit mistake
    with pytest.raises(JourneyDataError,
                       match="row 1: value 1000000000000000.0; expected at most 600"):
        from_flat(base.assign(t=[1e15, 1, 2]), "t", "churn", event_value="No")
    # float 0/1 flags read as events
    j = from_flat(base.assign(churn=["1.0", "0.0", "1.0"]), "t", "churn")
    assert j.customers["exit_month"].notna().tolist() == [True, False, True]


def test_validate_refuses_an_exit_outside_the_months_at_risk():
    from journey.schema import validate

    c = from_flat(churn_file(10), "tenure", "Churn").customers
    exited = int(np.flatnonzero(c["exit_month"].notna().to_numpy())[0])
    bad = c.copy()
    bad.loc[exited, "tenure_months"] = int(bad.loc[exited, "exit_month"]) + 5
    with pytest.raises(JourneyDataError, match=f"row {exited + 1}: exit in month"):
        validate(bad, "customers")
