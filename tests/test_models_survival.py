"""Kaplan–Meier, log-rank and Cox PH: hand-computed cases, and equality with lifelines (a
test-only reference) and statsmodels' PHReg to 1e-6 on the same simulated data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from recorded import reference
from statsmodels.duration.hazard_regression import PHReg

from journey.models.cox import fit_cox
from journey.models.survival import kaplan_meier, logrank_test, survival_frame
from journey.schema import JourneyDataError

TOL = 1e-6


def tied_cohort(n: int = 3000, seed: int = 7) -> pd.DataFrame:
    """Monthly (heavily tied) durations with covariate effects and censoring at 36 months."""
    rng = np.random.default_rng(seed)
    x0 = rng.normal(size=n)
    x1 = rng.normal(size=n)
    fee = rng.random(n) < 0.4
    seg = rng.choice(["a", "b", "c"], size=n)
    lin = -3.0 + 0.5 * x0 - 0.3 * x1 - 0.6 * fee + np.where(seg == "b", 0.4, 0.0)
    t_exit = rng.geometric(1 / (1 + np.exp(-lin)))
    t_cens = np.minimum(rng.integers(1, 60, n), 36)
    return pd.DataFrame({
        "duration": np.minimum(t_exit, t_cens).astype(float),
        "event": (t_exit <= t_cens).astype(int),
        "x0": x0, "x1": x1, "fee": fee, "seg": pd.array(seg, dtype="string"),
    })


# --------------------------------------------------------------------- hand-computed


def test_km_hand_computed() -> None:
    df = pd.DataFrame({"duration": [1, 2, 2, 3, 4], "event": [1, 1, 0, 1, 0]})
    s = kaplan_meier(df).curve()
    # S(1) = 4/5, S(2) = 0.8·(1 − 1/4), S(3) = 0.6·(1 − 1/2); censored at 2 still at risk at 2
    assert s["time"].tolist() == [1.0, 2.0, 3.0]
    assert s["at_risk"].tolist() == [5, 4, 2]
    np.testing.assert_allclose(s["estimate"], [0.8, 0.6, 0.3], atol=1e-12)
    # Greenwood: se(S(1)) = 0.8·sqrt(1/(5·4))
    assert s["se"].iloc[0] == pytest.approx(0.8 * np.sqrt(1 / 20), abs=1e-12)
    assert (s["ci_low"] < s["estimate"]).all() and (s["estimate"] < s["ci_high"]).all()


def test_km_edge_cases() -> None:
    nobody = kaplan_meier(pd.DataFrame({"duration": [3, 5, 5], "event": [0, 0, 0]}))
    assert len(nobody.curve()) == 0
    np.testing.assert_allclose(nobody.predict([0, 3, 10]), 1.0)
    assert np.isnan(nobody.median()["all"])
    assert "median: not reached" in str(nobody)
    everybody = kaplan_meier(pd.DataFrame({"duration": [1, 1, 1], "event": [1, 1, 1]}))
    s = everybody.curve()
    assert s["estimate"].tolist() == [0.0] and s[["ci_low", "ci_high"]].to_numpy().tolist() == [
        [0.0, 0.0]]
    assert everybody.median()["all"] == 1.0
    one = kaplan_meier(pd.DataFrame({"duration": [4], "event": [1]}))
    np.testing.assert_allclose(one.predict([3.9, 4]), [1.0, 0.0])


def test_km_median_and_its_interval_by_hand() -> None:
    """Median = first t with S(t) <= 1/2; its interval runs from the first time the lower
    pointwise band reaches 1/2 to the first time the upper band does (Brookmeyer & Crowley)."""
    df = pd.DataFrame({"duration": [1, 2, 2, 3, 4], "event": [1, 1, 0, 1, 0]})
    km = kaplan_meier(df)
    assert list(km.params.index) == ["median"] and km.params["median"] == 3.0  # S(3) = 0.3
    c = km.curve()
    lo = c.loc[c["ci_low"] <= 0.5, "time"].min()
    hi = c.loc[c["ci_high"] <= 0.5, "time"].min()
    ci = km.conf_int()
    assert ci.loc["median", "lower"] == lo and (np.isnan(hi) and np.isnan(ci.loc["median",
                                                                                 "upper"]))
    assert np.isnan(km.bse["median"])  # the median's se is not estimated
    assert km.events == 3 and km.nobs == 5


def test_logrank_observed_and_expected_by_hand() -> None:
    """Two groups; at t=1: 4 at risk (2 in a), 1 event in a: E_a += 1·2/4; at t=2: 3 at risk
    (1 in a), 1 event in b: E_a += 1·1/3; at t=3: 1 at risk (b), 1 event in b: E_a += 0."""
    df = pd.DataFrame({"duration": [1.0, 2.0, 2.0, 3.0], "event": [1, 0, 1, 1],
                       "g": ["a", "a", "b", "b"]})
    lr = logrank_test(df, "g")
    e = lr.predict()
    assert e.loc["a", "observed"] == 1 and e.loc["b", "observed"] == 2
    assert e.loc["a", "expected"] == pytest.approx(1 / 2 + 1 / 3, abs=1e-12)
    assert e["expected"].sum() == pytest.approx(3.0, abs=1e-12)
    assert lr.params["chi2"] == lr.statistic and lr.df == 1 and lr.events == 3
    s = lr.summary()
    assert s.loc["chi2", "p_value"] == lr.p_value and s.loc["chi2", "df"] == 1


def test_customers_table_input() -> None:
    customers = pd.DataFrame({
        "customer_id": [0, 1, 2, 3],
        "signed": [True, True, False, True],
        "tenure_months": [3, 5, 0, 2],
        "exit_month": pd.array([2, None, None, 1], dtype="Int64"),
    })
    f = survival_frame(customers)
    # the last month at risk (tenure - 1): exits at their exit month, the censored customer
    # seen in months 0..4 at 4; the unsigned prospect is left out
    assert f["duration"].tolist() == [2.0, 4.0, 1.0]
    assert f["event"].tolist() == [1.0, 0.0, 1.0]


def test_kaplan_meier_of_customers_equals_the_life_table() -> None:
    """One time convention: Kaplan-Meier on survival_frame(customers) steps exactly where the
    monthly life table of the panel does, with staggered censoring."""
    from journey.metrics import life_table
    from journey.scenario import load_preset
    from journey.simulate import simulate

    j = simulate(load_preset("subscription"), 2000, 18, seed=8)
    c = j.customers
    rng = np.random.default_rng(0)
    cut = rng.integers(1, 19, len(c))  # staggered entry: each followed 1..18 months
    keep = j.panel["month"].to_numpy() < np.repeat(cut, 1)[
        pd.Index(c["customer_id"]).get_indexer(j.panel["customer_id"])]
    panel = j.panel.loc[keep]
    exit_m = c["exit_month"].to_numpy(dtype="float64", na_value=np.nan)
    exited = ~np.isnan(exit_m) & (exit_m < cut)
    customers = c.assign(
        tenure_months=np.where(c["signed"], np.minimum(c["tenure_months"], cut), 0),
        exit_month=pd.array(np.where(exited, exit_m, np.nan), dtype="Float64").astype("Int64"))
    staggered = type(j)(customers, j.events.iloc[:0], panel)
    lt = life_table(staggered).set_index("month")["survival"]
    km = kaplan_meier(staggered).curve().set_index("time")["estimate"]
    at = km.reindex(lt.index, method="ffill").fillna(1.0)
    assert np.max(np.abs(at.to_numpy() - lt.to_numpy())) < 1e-12


def test_bad_input_names_column_and_row() -> None:
    df = pd.DataFrame({"duration": [1.0, -2.0], "event": [1, 0], "x": [0.1, 0.2]})
    with pytest.raises(JourneyDataError, match="'duration' row 1"):
        kaplan_meier(df)
    with pytest.raises(JourneyDataError, match="'event' row 1"):
        kaplan_meier(pd.DataFrame({"duration": [1, 2], "event": [1, 2]}))
    with pytest.raises(JourneyDataError, match="'tenure'"):
        kaplan_meier(df, duration="tenure")
    with pytest.raises(JourneyDataError, match="'x' row 0"):
        fit_cox(pd.DataFrame({"duration": [1, 2], "event": [1, 1], "x": [np.nan, 1.0]}), ["x"])
    with pytest.raises(JourneyDataError, match="no events"):
        fit_cox(pd.DataFrame({"duration": [1, 2], "event": [0, 0], "x": [0.0, 1.0]}), ["x"])
    with pytest.raises(ValueError, match="ties"):
        fit_cox(df.assign(duration=[1.0, 2.0]), ["x"], ties="exact")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="two levels"):
        logrank_test(df.assign(duration=[1.0, 2.0], g="a"), "g")


# --------------------------------------------------------------------- statsmodels PHReg


@pytest.mark.parametrize("ties", ["breslow", "efron"])
def test_cox_equals_statsmodels_phreg(ties: str) -> None:
    df = tied_cohort()
    cols = ["x0", "x1", "fee"]
    res = fit_cox(df, cols, ties=ties)  # type: ignore[arg-type]
    ref = PHReg(df["duration"].to_numpy(), df[cols].to_numpy(dtype=float),
                status=df["event"].to_numpy(), ties=ties).fit()
    np.testing.assert_allclose(res.params.to_numpy(), ref.params, atol=TOL)
    np.testing.assert_allclose(res.se.to_numpy(), ref.bse, atol=TOL)
    assert res.loglik == pytest.approx(ref.llf, abs=TOL)
    assert res.ties == ties and res.converged


# --------------------------------------------------------------------- lifelines

def test_cox_efron_equals_lifelines() -> None:
    df = tied_cohort()
    res = fit_cox(df, ["x0", "x1", "fee", "seg"])
    assert list(res.params.index) == ["x0", "x1", "fee", "seg[b]", "seg[c]"]
    design = df[["duration", "event", "x0", "x1"]].assign(
        fee=df["fee"].astype(float), **{"seg[b]": (df["seg"] == "b").astype(float),
                                        "seg[c]": (df["seg"] == "c").astype(float)})
    times = [1, 6, 12, 24, 36]
    rows = design.iloc[:7]

    def lifelines_cox():
        from lifelines import CoxPHFitter

        # lifelines' Cox uses Efron's ties. Its default stopping rule (Newton decrement < 1e-7)
        # leaves ~2e-6 in β at this size, so its own precision option is tightened to 1e-10.
        cph = CoxPHFitter().fit(design, "duration", "event", fit_options={"precision": 1e-10})
        return {"params": cph.params_, "se": cph.standard_errors_,
                "loglik": cph.log_likelihood_, "ci_low": cph.confidence_intervals_.iloc[:, 0],
                "p": cph.summary["p"],
                "survival": cph.predict_survival_function(rows, times=times),
                "partial_hazard": cph.predict_partial_hazard(rows)}

    ref = reference("cox_efron", "lifelines", lifelines_cox)
    np.testing.assert_allclose(res.params.to_numpy(), ref["params"], atol=TOL)
    np.testing.assert_allclose(res.se.to_numpy(), ref["se"], atol=TOL)
    assert res.loglik == pytest.approx(float(ref["loglik"]), abs=TOL)
    s = res.summary()
    np.testing.assert_allclose(s["ci_low"], ref["ci_low"], atol=TOL)
    np.testing.assert_allclose(s["p_value"], ref["p"], atol=TOL)
    np.testing.assert_allclose(res.predict(rows, times=times).to_numpy(), ref["survival"],
                               atol=TOL)
    np.testing.assert_allclose(res.predict(rows).to_numpy(), ref["partial_hazard"], rtol=TOL)


def test_km_and_logrank_equal_lifelines() -> None:
    df = tied_cohort(seed=11)
    km = kaplan_meier(df, group="seg")
    s = km.curve()
    at = [0.5, 7.5, 40]

    def lifelines_km():
        from lifelines import KaplanMeierFitter
        from lifelines.statistics import multivariate_logrank_test
        from lifelines.utils import median_survival_times

        out = {}
        for g in ("a", "b", "c"):
            sub = df[df["seg"] == g]
            kmf = KaplanMeierFitter().fit(sub["duration"], sub["event"])
            t = s.loc[s["group"] == g, "time"].to_numpy()
            out[f"{g}.estimate"] = kmf.survival_function_.loc[t].iloc[:, 0]
            ci = kmf.confidence_interval_.loc[t].to_numpy()
            out[f"{g}.ci_low"], out[f"{g}.ci_high"] = ci[:, 0], ci[:, 1]
            out[f"{g}.predict"] = kmf.predict(at)
            out[f"{g}.median"] = kmf.median_survival_time_
            # the median's interval: lifelines' median_survival_times of its pointwise band
            m = median_survival_times(kmf.confidence_interval_).to_numpy().ravel()
            out[f"{g}.median_ci"] = np.where(np.isinf(m), np.nan, m)  # lifelines: inf if never
        lr = multivariate_logrank_test(df["duration"], df["seg"], df["event"])
        out["logrank.statistic"], out["logrank.p"] = lr.test_statistic, lr.p_value
        return out

    ref = reference("kaplan_meier_logrank", "lifelines", lifelines_km)
    for g in ("a", "b", "c"):
        mine = s[s["group"] == g]
        np.testing.assert_allclose(mine["estimate"], ref[f"{g}.estimate"], atol=TOL)
        np.testing.assert_allclose(mine["ci_low"], ref[f"{g}.ci_low"], atol=TOL)
        np.testing.assert_allclose(mine["ci_high"], ref[f"{g}.ci_high"], atol=TOL)
        np.testing.assert_allclose(km.predict(at, g), ref[f"{g}.predict"], atol=TOL)
        assert km.median()[g] == ref[f"{g}.median"]
        np.testing.assert_allclose(km.conf_int().loc[f"median[{g}]"].to_numpy(),
                                   ref[f"{g}.median_ci"])
    lr = logrank_test(df, "seg")
    assert lr.statistic == pytest.approx(float(ref["logrank.statistic"]), abs=TOL)
    assert lr.p_value == pytest.approx(float(ref["logrank.p"]), abs=TOL)
    assert lr.df == 2


def test_plots_return_figures() -> None:
    from matplotlib.figure import Figure

    df = tied_cohort(n=300)
    assert isinstance(kaplan_meier(df, group="fee").plot(), Figure)
    assert isinstance(fit_cox(df, ["x0", "fee"]).plot(), Figure)


def test_journeys_input_from_the_simulator() -> None:
    sim = pytest.importorskip("journey.simulate", reason="simulator not available")
    from journey.scenario import load_preset

    j = sim.simulate(load_preset("telecom"), n_customers=3000, months=30, seed=3)
    signed = j.customers[j.customers["signed"]]
    km = kaplan_meier(j)
    assert km.nobs == len(signed)
    # censoring only at the window's end: S(t) is the share still there after month t
    exit_m = signed["exit_month"].to_numpy(dtype=float, na_value=np.inf)
    for t in (3, 12, 23, 24, 25):
        assert km.predict([t])[0] == pytest.approx((exit_m > t).mean(), abs=1e-12)
    # the term-end spike is in month 24, where the panel puts the exits: the drop there is
    # twice the mean in-contract drop
    drops = -np.diff(km.predict(list(range(1, 25))))
    assert drops[-1] > 2 * drops[:-1].mean()
    res = fit_cox(j, ["read_contract", "expectation"])
    assert res.converged and res.events == int(signed["exit_month"].notna().sum())
