"""The rules of the journey tables (journey.rules, journey.schema) and lossless CSV, through
the library: what each rule refuses, that it names file, column, 1-based row and value, that a
rule whose columns are absent is skipped, and that every simulated preset obeys them all."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from journey.errors import JourneyDataError
from journey.flat import from_flat
from journey.messages import listed, shown
from journey.schema import Journeys, validate
from journey.tables_io import read_journeys, read_table, write_journeys


def tiny() -> Journeys:
    """Three prospects: 1 censored after 12 months, 2 exited in month 5, 3 never signed."""
    customers = pd.DataFrame({
        "customer_id": [1, 2, 3], "segment": pd.array(["A", "A", "B"], dtype="string"),
        "signed": [True, True, False], "price": [30.0, 30.0, 30.0],
        "exit_month": pd.array([None, 5, None], dtype="Int64"),
        "exit_reason": pd.Categorical([None, "competitor", None]),
        "tenure_months": [12, 6, 0]})
    events = pd.DataFrame({
        "customer_id": [1, 1, 1, 2, 2, 2, 3],
        "month": [-1, 0, 4, 0, 2, 5, -1],
        "phase": ["courtship", "signing", "service", "signing", "service", "exit", "courtship"],
        "kind": ["offer", "signing", "survey", "signing", "problem", "exit", "offer"],
        "rating": [np.nan, np.nan, 8.0, np.nan, np.nan, np.nan, np.nan]})
    panel = pd.DataFrame({
        "customer_id": [1, 1, 2, 2], "month": [0, 1, 0, 5],
        "phase": ["signing", "service", "signing", "service"],
        "S": [7.0, 7.5, 6.0, 3.0], "exited": [False, False, False, True]})
    return Journeys(customers, events, panel)


def _set(j: Journeys, table: str, row: int, **values) -> Journeys:
    df = getattr(j, table).copy()
    for col, v in values.items():
        s = df[col].astype(object)
        s.iloc[row] = v
        df[col] = s.astype(df[col].dtype) if not isinstance(df[col].dtype,
                                                            pd.CategoricalDtype) else s
    return Journeys(**{**j.__dict__, table: df})


RULES = {
    "unsigned with exit month": (("customers", 2, {"exit_month": 3}),
                                 "customers: column 'exit_month' row 3: exit in month 3"),
    "unsigned with reason": (("customers", 2, {"exit_reason": "other"}),
                             "customers: column 'exit_reason' row 3: exit reason 'other' for a"
                             " prospect who never signed"),
    "unsigned with tenure": (("customers", 2, {"tenure_months": 2}),
                             "customers: column 'tenure_months' row 3: tenure_months 2"),
    "censored with reason": (("customers", 0, {"exit_reason": "forced"}),
                             "column 'exit_reason' row 1: exit reason 'forced' for a censored"),
    "exit without reason": (("customers", 1, {"exit_reason": None}),
                            "column 'exit_reason' row 2: empty for a customer who exited in"
                            " month 5"),
    "tenure not exit + 1": (("customers", 1, {"tenure_months": 9}),
                            "column 'exit_month' row 2: exit in month 5 with tenure_months 9"),
    "inf price": (("customers", 1, {"price": np.inf}), "column 'price' row 2: value inf"),
    "absurd price": (("customers", 0, {"price": 1e308}),
                     "column 'price' row 1: value 1e+308 out of range"),
    "event after exit": (("events", 4, {"month": 7}),
                         "events: column 'month' row 5: customer 2 (customers row 2) exited in"
                         " month 5, yet this row is in month 7"),
    "panel after exit": (("panel", 2, {"month": 6}),
                         "panel: column 'month' row 3: customer 2 (customers row 2) exited"),
    "event after follow-up": (("events", 2, {"month": 12}),
                              "events: column 'month' row 3: customer 1 (customers row 1) was"
                              " last observed in month 11"),
    "unsigned service event": (("events", 6, {"month": 1, "phase": "service"}),
                               "events: column 'month' row 7: customer 3 (customers row 3) never"
                               " signed"),
    "exited flag censored": (("panel", 1, {"exited": True}),
                             "panel: column 'exited' row 2: customer 1 (customers row 1) has no"
                             " exit"),
    "exited flag early": (("panel", 2, {"exited": True}),
                          "panel: column 'exited' row 3: customer 2 (customers row 2) exited in"
                          " month 5, yet exited is True in month 0"),
    "exit in courtship": (("events", 0, {"kind": "exit"}),
                          "events: column 'kind' row 1: an 'exit' event in month -1"),
    "exit event censored": (("events", 2, {"kind": "exit", "rating": np.nan}),
                            "events: column 'kind' row 3: customer 1 (customers row 1) has no"
                            " exit"),
    "rating on offer": (("events", 0, {"rating": 5.0}),
                        "events: column 'rating' row 1: rating 5.0 on a 'offer' event"),
    "month absurd": (("events", 3, {"month": 5000}),
                     "events: column 'month' row 4: value 5000 out of range"),
}


def test_the_tiny_cohort_is_valid():
    tiny().validate()


@pytest.mark.parametrize("case", list(RULES))
def test_each_rule_names_table_column_row_and_value(case):
    (table, row, values), expected = RULES[case]
    with pytest.raises(JourneyDataError) as err:
        _set(tiny(), table, row, **values).validate()
    assert expected in str(err.value)
    assert "expected" in str(err.value)


def test_rules_whose_columns_are_absent_are_skipped():
    j = tiny()
    # imported data may lack exit_reason and signed: an exit without a reason is then fine
    c = j.customers.drop(columns=["exit_reason", "signed"]).iloc[:2]
    Journeys(c, j.events.iloc[:6], j.panel).validate()
    # and events without rating or phase
    Journeys(c, j.events.iloc[:6].drop(columns=["rating", "phase"]), j.panel).validate()


def test_rules_across_tables_name_both_files(tmp_path):
    out = write_journeys(_set(tiny(), "events", 4, month=7), tmp_path / "c", fmt="csv")
    with pytest.raises(JourneyDataError) as err:
        read_journeys(out)
    msg = str(err.value)
    assert f"{out / 'events.csv'}: column 'month' row 5" in msg
    assert f"({out / 'customers.csv'} row 2)" in msg


@pytest.mark.parametrize("preset", ["telecom", "housing", "subscription", "bank_partners"])
def test_simulated_presets_obey_every_rule_and_read_back_from_csv_exactly(preset, tmp_path):
    from journey.scenario import load_preset
    from journey.simulate import simulate

    j = simulate(load_preset(preset), 400, 36, seed=11)  # telecom renews at month 24
    j.validate()
    a = read_journeys(write_journeys(j, tmp_path / "p"))
    b = read_journeys(write_journeys(j, tmp_path / "c", fmt="csv"))
    for name in ("customers", "events", "panel"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_exact=True)
        pd.testing.assert_frame_equal(getattr(a, name), getattr(j, name), check_exact=True)
        for col in getattr(j, name).select_dtypes("category"):  # the vocabulary's own order
            assert list(getattr(b, name)[col].cat.categories) == list(
                getattr(j, name)[col].cat.categories), (name, col)


def test_labels_that_look_like_missing_values_numbers_or_flags_round_trip(tmp_path):
    from journey.scenario import load_preset
    from journey.simulate import simulate

    j = simulate(load_preset("subscription"), 60, 6, seed=2)
    labels = ["NA", "null", "2024", "True", "None", "nan", "-1.5", " padded ", "a,b", "x\r"]
    seg = [labels[i % len(labels)] for i in range(len(j.customers))]
    j.customers["segment"] = pd.array(seg, dtype="string")
    back = read_journeys(write_journeys(j, tmp_path / "c", fmt="csv"))
    back.validate()
    assert back.customers["segment"].tolist() == seg
    assert str(back.customers["segment"].dtype) == "string"


def test_source_id_keeps_its_text_across_a_csv_round_trip(tmp_path):
    flat = pd.DataFrame({"id": ["00123", "0456", "1.0", "7"], "t": ["3", "5", "7", "2"],
                         "churn": ["Yes", "No", "No", "Yes"]})
    j = from_flat(flat, "t", "churn", id="id")
    back = read_journeys(write_journeys(j, tmp_path / "c", fmt="csv"))
    assert back.customers["source_id"].tolist() == ["00123", "0456", "1.0", "7"]
    assert back.customers["source_id"].dtype == j.customers["source_id"].dtype


def test_a_header_only_csv_is_the_empty_parquet_table(tmp_path):
    j = tiny()
    empty = Journeys(j.customers.iloc[0:0], j.events.iloc[0:0], j.panel.iloc[0:0])
    a = read_journeys(write_journeys(empty, tmp_path / "p"))
    b = read_journeys(write_journeys(empty, tmp_path / "c", fmt="csv"))
    for name in ("customers", "events", "panel"):
        assert len(getattr(b, name)) == 0
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name))


def test_an_unsigned_64_bit_id_is_reported_as_written(tmp_path):
    big = 2**64 - 1
    (tmp_path / "customers.csv").write_text(
        f"customer_id,exit_month,tenure_months\n1,,3\n{big},,4\n")
    with pytest.raises(JourneyDataError, match=f"column 'customer_id' row 2: value {big} is too"
                                               " large"):
        read_table(tmp_path / "customers.csv")
    pd.DataFrame({"customer_id": np.array([1, big], dtype="uint64"),
                  "exit_month": pd.array([None, None], dtype="Int64"),
                  "tenure_months": [3, 4]}).to_parquet(tmp_path / "customers.parquet")
    with pytest.raises(JourneyDataError, match=f"row 2: value {big} is too large"):
        read_table(tmp_path / "customers.parquet")
    (tmp_path / "events.csv").write_text(f"customer_id,month,kind\n-1,0,exit\n{10**30},0,exit\n")
    with pytest.raises(JourneyDataError, match=f"row 2: value '{10**30}'; expected a whole"
                                               " number within the 64-bit"):
        read_table(tmp_path / "events.csv")


@pytest.mark.parametrize("content, expected", [
    (b"customer_id;exit_month;tenure_months\n1;;3\n", "seems to use ';' as separator"),
    (b"customer_id,exit_month,tenure_months\n1,,3\n2,,x\xe9\n",
     "column 'tenure_months' row 2: the cell holds bytes b'\\xe9' that are not UTF-8"),
    (b"customer_id,exit_month,tenure_months\n1,,3\n2,,4\x00\n",
     "column 'tenure_months' row 2: the cell holds a NUL character"),
    (b"customer_id,exit_month,tenure_months\n1,,3\n\n2,,4,5\n", "row 2 (line 4): 4 fields"),
    (b"customer_id,exit_month,tenure_months\n1,,3\nx,,4\n",
     "column 'customer_id' row 2: value 'x'; expected a number"),
    (b"customer_id,exit_month,tenure_months\n1,,3\n2,1.5,3\n",
     "column 'exit_month' row 2: value '1.5'; expected a whole number"),
    (b"customer_id,tenure_months,tenure_months\n1,3,3\n", "'tenure_months' more than once"),
    (b"", "empty file"),
])
def test_csv_faults_are_named_with_their_row(tmp_path, content, expected):
    path = tmp_path / "customers.csv"
    path.write_bytes(content)
    with pytest.raises(JourneyDataError) as err:
        read_table(path)
    assert str(path) in str(err.value) and expected in str(err.value)


def test_a_utf8_bom_and_crlf_line_ends_are_read():
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "customers.csv"
        path.write_bytes(b"\xef\xbb\xbfcustomer_id,exit_month,tenure_months\r\n1,,3\r\n")
        assert read_table(path)["customer_id"].tolist() == [1]


def test_long_values_and_lists_are_cut_with_a_count():
    assert listed(range(50), 10) == "0, 1, 2, 3, 4, 5, 6, 7, 8, 9 ... and 40 more"
    assert listed(["a", "b"], quote=False) == "a, b"
    assert shown("x" * 1000).endswith("... (1,000 characters)") and len(shown("x" * 1000)) < 90
    assert shown(np.float64(11.0)) == "11.0"
    wide = pd.DataFrame({f"c{i}": ["1"] for i in range(57)})
    with pytest.raises(JourneyDataError, match=r"the file holds c0, c1, .* c19 \.\.\. and 37"
                                               " more$"):
        from_flat(wide, "tenure", "churn")
    df = tiny().customers.assign(segment=pd.array(["a\x00" + "y" * 10**6, "A", "B"],
                                                  dtype="string"))
    with pytest.raises(JourneyDataError) as err:
        validate(df, "customers")
    assert len(str(err.value)) < 300 and "1,000,002 characters" in str(err.value)
