"""Parameter recovery: data simulated with known coefficients, fitted by the library's models.

Each model must hold the truth inside its 95% intervals on a fixed seed, and across 20 seeds
the intervals must cover the truth at least 16 times (for a correct 95% interval the chance of
fewer than 16 hits in 20 is 0.03%). The first three tests draw the data with numpy from the
docs/model.md formulas; the last ones use ``journey.simulate.simulate`` and the scenario's own
coefficients.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from journey.models.hazard import fit_exit_hazard
from journey.models.satisfaction import fit_honeymoon, fit_ordinal

SEEDS = range(20)
MIN_COVER = 16


def covered(summary: pd.DataFrame, truth: dict[str, float]) -> dict[str, bool]:
    return {k: bool(summary.loc[k, "ci_low"] <= v <= summary.loc[k, "ci_high"])
            for k, v in truth.items()}


def assert_within(summary: pd.DataFrame, truth: dict[str, float], k: float = 3.0) -> None:
    """One fit, several parameters: each estimate within ``k`` standard errors of the truth.

    (A 95% interval for each of six parameters misses at least one about 26% of the time by
    chance alone; coverage itself is tested across 20 seeds.)"""
    z = {p: abs(summary.loc[p, "estimate"] - v) / summary.loc[p, "se"] for p, v in truth.items()}
    assert max(z.values()) < k, f"{summary}\ntruth {truth}\n|z| {z}"


def assert_coverage(fit, truth: dict[str, float]) -> None:
    """Coverage >= 16 of 20, and no bias: the mean estimate over the seeds lies within four
    standard errors of that mean (mean se / sqrt(20)) of the truth."""
    hits = {k: 0 for k in truth}
    est, se = [], []
    for seed in SEEDS:
        s = fit(seed).summary()
        est.append(s["estimate"])
        se.append(s["se"])
        for k, ok in covered(s, truth).items():
            hits[k] += ok
    low = {k: h for k, h in hits.items() if h < MIN_COVER}
    assert not low, f"95% intervals covered the truth too rarely over 20 seeds: {low}"
    mean, sem = pd.concat(est, axis=1).mean(axis=1), pd.concat(se, axis=1).mean(axis=1)
    sem = sem / np.sqrt(len(SEEDS))
    biased = {k: (float(mean[k]), v) for k, v in truth.items()
              if abs(mean[k] - v) > 4 * sem[k]}
    assert not biased, f"mean estimate over 20 seeds far from the truth: {biased}"


# --------------------------------------------------------------------- exit hazard

HAZARD_TRUTH = {"alpha0": -4.0, "alpha_S": 0.5, "alpha_C": 1.0, "alpha_B": 0.15,
                "alpha_SB": 0.02, "term_end_boost": 1.5}
S_STAR = 7.0


def hazard_panel(seed: int, n: int = 3000, months: int = 24, term: int = 18) -> pd.DataFrame:
    """Customer-months alive at the month's start; exit with
    h = logistic(α0 + αS(S* − S) + αC C − αB B − αSB (S* − S) B + κ·[month = term])."""
    rng = np.random.default_rng(seed)
    a = HAZARD_TRUTH
    level = rng.normal(6.0, 1.5, n)
    mental = 0.5 * rng.lognormal(0.0, 0.5, n)
    alive = np.ones(n, bool)
    rows = []
    for t in range(1, months + 1):
        s = np.clip(level + rng.normal(0, 1.0, n), 0, 10)
        c = 1.0 if t >= 10 else 0.0
        f = 6.0 * max(term - t, 0) / term
        b = f + 0.5 + mental
        gap = S_STAR - s
        lin = (a["alpha0"] + a["alpha_S"] * gap + a["alpha_C"] * c - a["alpha_B"] * b
               - a["alpha_SB"] * gap * b + a["term_end_boost"] * (t == term))
        exit_ = alive & (rng.random(n) < 1 / (1 + np.exp(-lin)))
        idx = np.flatnonzero(alive)
        rows.append(pd.DataFrame({
            "customer_id": idx, "month": t, "phase": "renewal" if t == term else "service",
            "S": s[idx], "C": c, "F": f, "P": 0.5, "M": mental[idx], "exited": exit_[idx]}))
        alive &= ~exit_
    return pd.concat(rows, ignore_index=True)


def test_hazard_recovers_coefficients() -> None:
    res = fit_exit_hazard(hazard_panel(seed=101), s_star=S_STAR)
    assert list(res.params.index) == list(HAZARD_TRUTH)
    assert_within(res.summary(), HAZARD_TRUTH)


def test_hazard_interval_coverage_20_seeds() -> None:
    assert_coverage(lambda seed: fit_exit_hazard(hazard_panel(seed), s_star=S_STAR),
                    HAZARD_TRUTH)


def test_hazard_maps_binomial_glm_to_scenario_names() -> None:
    import statsmodels.api as sm

    panel = hazard_panel(seed=4, n=1500)
    res = fit_exit_hazard(panel, s_star=S_STAR)
    gap = S_STAR - panel["S"]
    b = panel["F"] + panel["P"] + panel["M"]
    x = pd.DataFrame({"const": 1.0, "gap": gap, "C": panel["C"], "B": b, "gap_B": gap * b,
                      "term_end": (panel["phase"] == "renewal").astype(float)})
    glm = sm.GLM(panel["exited"].astype(float), x, family=sm.families.Binomial()).fit()
    sign = np.array([1, 1, 1, -1, -1, 1])
    np.testing.assert_allclose(res.params.to_numpy(), sign * glm.params.to_numpy(), atol=1e-8)
    np.testing.assert_allclose(res.se.to_numpy(), glm.bse.to_numpy(), atol=1e-8)
    assert res.loglik == pytest.approx(glm.llf, abs=1e-6)


def test_hazard_needs_barrier_columns_on_real_data() -> None:
    from journey.schema import JourneyDataError

    panel = hazard_panel(seed=1, n=200).drop(columns=["F", "M"])
    with pytest.raises(JourneyDataError, match="F, M"):
        fit_exit_hazard(panel, s_star=S_STAR)
    with pytest.raises(JourneyDataError, match="no exits"):
        fit_exit_hazard(hazard_panel(seed=1, n=200).assign(exited=False), s_star=S_STAR)


# --------------------------------------------------------------------- honeymoon drop

HONEYMOON_TRUTH = {"honeymoon": 7.2, "courtship": 0.4, "drop": 1.1}


def honeymoon_panel(seed: int, n: int = 150) -> pd.DataFrame:
    """y = μ + γ·[month < 0] − Δ·[month ≥ 3] + u_i + ε, months −2..11, u ~ N(0, 0.8²),
    ε ~ N(0, 0.7²)."""
    rng = np.random.default_rng(seed)
    months = np.arange(-2, 12)
    cid = np.repeat(np.arange(n), months.size)
    m = np.tile(months, n)
    u = rng.normal(0, 0.8, n)[cid]
    t = HONEYMOON_TRUTH
    y = (t["honeymoon"] + t["courtship"] * (m < 0) - t["drop"] * (m >= 3) + u
         + rng.normal(0, 0.7, m.size))
    return pd.DataFrame({"customer_id": cid, "month": m, "S": y})


def test_honeymoon_recovers_drop() -> None:
    res = fit_honeymoon(honeymoon_panel(seed=202), honeymoon_months=3)
    ok = covered(res.summary(), HONEYMOON_TRUTH)
    assert all(ok.values()), res.summary()
    assert res.customer_sd == pytest.approx(0.8, abs=0.15)
    assert res.residual_sd == pytest.approx(0.7, abs=0.05)
    fitted = res.predict(pd.DataFrame({"month": [-1, 0, 5]}))
    p = res.params
    np.testing.assert_allclose(fitted, [p["honeymoon"] + p["courtship"], p["honeymoon"],
                                        p["honeymoon"] - p["drop"]])


def test_honeymoon_interval_coverage_20_seeds() -> None:
    assert_coverage(lambda seed: fit_honeymoon(honeymoon_panel(seed), honeymoon_months=3),
                    HONEYMOON_TRUTH)


# --------------------------------------------------------------------- ordinal ratings

ORDINAL_TRUTH = {"x": 0.8, "read": -0.5, "cut[1|2]": -1.0, "cut[2|3]": 0.0, "cut[3|4]": 1.5}


def ordinal_ratings(seed: int, n: int = 1500) -> pd.DataFrame:
    """rating = 1 + #{k: y* > τ_k}, y* = 0.8·x − 0.5·read + logistic noise."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    read = rng.random(n) < 0.4
    ystar = 0.8 * x - 0.5 * read + rng.logistic(size=n)
    cuts = np.array([-1.0, 0.0, 1.5])
    return pd.DataFrame({"rating": 1 + (ystar[:, None] > cuts).sum(axis=1), "x": x,
                         "read": read})


def test_ordinal_recovers_effects() -> None:
    res = fit_ordinal(ordinal_ratings(seed=303), ["x", "read"])
    assert list(res.params.index) == list(ORDINAL_TRUTH)
    ok = covered(res.summary(), ORDINAL_TRUTH)
    assert all(ok.values()), res.summary()
    prob = res.predict(pd.DataFrame({"x": [0.0], "read": [False]}))
    # P(rating = 1 | x = 0) = F(τ_1) with the logistic F
    tau1 = res.params["cut[1|2]"]
    assert prob.iloc[0, 0] == pytest.approx(1 / (1 + np.exp(-tau1)), abs=1e-9)
    assert prob.sum(axis=1).iloc[0] == pytest.approx(1.0, abs=1e-12)


def test_ordinal_interval_coverage_20_seeds() -> None:
    assert_coverage(lambda seed: fit_ordinal(ordinal_ratings(seed), ["x", "read"]),
                    ORDINAL_TRUTH)


def test_ordinal_without_ratings_is_a_clear_error() -> None:
    from journey.schema import JourneyDataError

    with pytest.raises(JourneyDataError, match="distinct rating"):
        fit_ordinal(pd.DataFrame({"rating": [5.0, 5.0], "x": [0.1, 0.2]}), ["x"])


# --------------------------------------------------------------------- the simulator

simulate_mod = pytest.importorskip("journey.simulate", reason="simulator not available")


def telecom_with_competitor():
    from journey.scenario import load_preset

    return load_preset("telecom").model_copy(
        update={"competitor_entry_month": 12, "competitor_attractiveness": 0.8})


SIM_TRUTH = ("alpha0", "alpha_S", "alpha_B", "alpha_SB", "term_end_boost", "rollover_boost")


def fit_dissatisfaction(j, sc):
    """The dissatisfaction cause's hazard, with the customer's (model-only) log frailty as a
    covariate whose true coefficient is 1: it is the simulator's random effect on the odds."""
    z = j.customers.set_index("customer_id")["frailty"]
    panel = j.panel.assign(log_frailty=np.log(z.reindex(j.panel["customer_id"]).to_numpy()))
    from journey.schema import Journeys

    return fit_exit_hazard(Journeys(j.customers, j.events, panel), s_star=sc.satisfaction_target,
                           competitor=False, extra=["log_frailty"], cause="dissatisfaction")


def test_hazard_recovers_simulator_coefficients() -> None:
    sc = telecom_with_competitor()
    j = simulate_mod.simulate(sc, n_customers=20_000, months=36, seed=5)
    res = fit_dissatisfaction(j, sc)
    truth = {k: float(getattr(sc, k)) for k in SIM_TRUTH} | {"log_frailty": 1.0}
    assert_within(res.summary(), truth)
    assert res.dropped == []


def test_hazard_simulator_coverage_20_seeds() -> None:
    sc = telecom_with_competitor()
    truth = {k: float(getattr(sc, k)) for k in SIM_TRUTH}
    assert_coverage(lambda seed: fit_dissatisfaction(
        simulate_mod.simulate(sc, n_customers=4000, months=30, seed=1000 + seed), sc), truth)


def test_cause_specific_hazard_needs_exit_reasons() -> None:
    from journey.schema import JourneyDataError

    with pytest.raises(JourneyDataError, match="customers table"):
        fit_exit_hazard(hazard_panel(seed=1, n=200), s_star=S_STAR, cause="dissatisfaction")


def test_ordinal_recovers_simulator_rating_noise() -> None:
    # rating = clip(round(S + e), 0, 10), e ~ N(0, σ²): ordered probit on S has slope 1/σ
    # and cut-points (k + ½)/σ
    sc = telecom_with_competitor()
    j = simulate_mod.simulate(sc, n_customers=10_000, months=36, seed=6)
    res = fit_ordinal(j, ["S"], distr="probit")
    sigma = sc.rating_noise_sd
    truth = {"S": 1 / sigma, "cut[4|5]": 4.5 / sigma, "cut[6|7]": 6.5 / sigma}
    assert_within(res.summary(), truth)


def test_plots_return_figures() -> None:
    from matplotlib.figure import Figure

    assert isinstance(fit_exit_hazard(hazard_panel(seed=1, n=500), S_STAR).plot(), Figure)
    assert isinstance(fit_honeymoon(honeymoon_panel(seed=1, n=30)).plot(), Figure)
    assert isinstance(fit_ordinal(ordinal_ratings(seed=1, n=300), ["x"]).plot(), Figure)


@pytest.mark.parametrize("distr", ["logit", "probit"])
def test_ordinal_equals_plain_statsmodels(distr: str) -> None:
    # fit_ordinal adds an analytic score to OrderedModel; estimates and se must not move
    import warnings

    from statsmodels.miscmodels.ordinal_model import OrderedModel

    df = ordinal_ratings(seed=9, n=800)
    res = fit_ordinal(df, ["x", "read"], distr=distr)  # type: ignore[arg-type]
    endog = pd.Series(pd.Categorical(df["rating"], ordered=True))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = OrderedModel(endog, df[["x", "read"]].astype(float), distr=distr).fit(
            method="bfgs", disp=False, maxiter=2000, gtol=1e-8)
    np.testing.assert_allclose(res.params.iloc[:2], ref.params.iloc[:2], atol=1e-6)
    np.testing.assert_allclose(res.se.iloc[:2], ref.bse.iloc[:2], atol=1e-6)
    np.testing.assert_allclose(res.params.iloc[2:],
                               ref.model.transform_threshold_params(ref.params)[1:-1],
                               atol=1e-6)
    assert res.loglik == pytest.approx(ref.llf, abs=1e-6)
