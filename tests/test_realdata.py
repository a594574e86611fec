"""The public churn files through the importer: life tables equal to lifelines' Kaplan–Meier.

``wa_churn`` (IBM telco sample) imported with ``journey.flat.from_flat`` — a Yes/No event, the
contract type as the group and the contract term mapped from it — gives per contract type a life
table equal to lifelines' Kaplan–Meier estimate of the raw (tenure, churn == "Yes") columns.
lifelines is a test-only reference.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from journey import datasets, metrics, models
from journey.flat import from_flat
from journey.tables_io import read_journeys, validate_path, write_journeys

TERMS = {"Month-to-month": 0, "One year": 12, "Two year": 24}


@pytest.fixture(scope="module")
def wa() -> pd.DataFrame:
    try:
        return datasets.load_wa_churn()
    except datasets.DatasetUnavailableError as e:
        pytest.skip(str(e))


@pytest.fixture(scope="module")
def telco(wa):
    return from_flat(wa, "tenure", "churn", event_value="Yes", id="id", group="contract",
                     price="monthly_charges", map={"term": {"column": "contract",
                                                            "values": TERMS}})


def test_wa_churn_life_table_equals_lifelines_kaplan_meier_per_contract(wa, telco, tmp_path):
    from lifelines import KaplanMeierFitter

    write_journeys(telco, tmp_path / "telco", fmt="csv")
    validate_path(tmp_path / "telco")  # as `journey validate` does
    telco = read_journeys(tmp_path / "telco")
    for contract, term in TERMS.items():
        raw = wa.loc[wa["contract"] == contract]
        ref = KaplanMeierFitter().fit(raw["tenure"], raw["churn"] == "Yes").survival_function_
        ref = ref.iloc[:, 0]
        ids = telco.customers.loc[telco.customers["segment"] == contract, "customer_id"]
        part = telco.only(ids.to_numpy())
        assert (part.customers["term_months"] == term).all()
        lt = metrics.life_table(part).set_index("month")
        assert lt["at_risk"].iloc[0] == len(raw)  # tenure-0 customers are at risk in month 0
        assert lt["exits"].sum() == (raw["churn"] == "Yes").sum()
        ref_at = ref.reindex(lt.index, method="ffill")  # lifelines steps at observed times only
        assert np.max(np.abs(lt["survival"].to_numpy() - ref_at.to_numpy())) < 1e-9, contract


def test_wa_churn_cliff_ratio_per_term_by_hand(telco):
    got = metrics.cliff_ratio_by_term(telco).set_index("term_months")
    one = telco.only(telco.customers.loc[telco.customers["term_months"] == 12, "customer_id"])
    lt = metrics.life_table(one).set_index("month")
    h = lt["exits"] / lt["at_risk"]
    assert got.loc[12, "cliff_ratio"] == pytest.approx(h.loc[12] / h.loc[1:11].mean(), rel=1e-12)
    # two-year contracts: no exit in months 1..24, so the ratio is 0/0, not a number
    two = telco.only(telco.customers.loc[telco.customers["term_months"] == 24, "customer_id"])
    assert metrics.life_table(two).set_index("month").loc[1:24, "exits"].sum() == 0
    assert np.isnan(got.loc[24, "cliff_ratio"])


def test_mlc_churn_cox_hazard_ratio_equals_lifelines():
    from lifelines import CoxPHFitter

    try:
        mlc = datasets.load_mlc_churn()
    except datasets.DatasetUnavailableError as e:
        pytest.skip(str(e))
    flat = mlc.assign(calls_4plus=(mlc["number_customer_service_calls"] >= 4).astype(int),
                      intl=(mlc["international_plan"] == "yes").astype(int))
    j = from_flat(flat, "account_length", "churn", event_value="yes", id="id",
                  map={"keep": ["calls_4plus", "intl"]})
    ours = models.fit_cox(j.customers, ["calls_4plus", "intl"])
    ref = CoxPHFitter().fit(pd.DataFrame({"T": flat["account_length"],
                                          "E": (flat["churn"] == "yes").astype(int),
                                          "calls_4plus": flat["calls_4plus"],
                                          "intl": flat["intl"]}), "T", "E")
    assert np.allclose(ours.params.to_numpy(), ref.params_.to_numpy(), atol=1e-6)
    assert np.allclose(ours.bse.to_numpy(), ref.standard_errors_.to_numpy(), rtol=1e-4)
