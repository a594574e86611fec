"""sBG on right-censored, staggered-entry durations: the retention table by hand, the censored
likelihood equal to the survivors-table likelihood on one cohort, and coverage of α, β over 20
simulated data sets where every customer is observed for a different length."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from journey import published
from journey.datasets import load_fader_hardie_2007
from journey.errors import ConvergenceWarning, JourneyDataError
from journey.models.sbg import fit_sbg, retention_table, survivors_table


def customers(d: list[int], exited: list[bool], term: int = 0) -> pd.DataFrame:
    """Signed customers at risk in months 0..d (tenure d + 1), exit in month d if exited."""
    return pd.DataFrame({
        "customer_id": range(len(d)), "signed": True, "term_months": term,
        "tenure_months": np.asarray(d) + 1,
        "exit_month": pd.array([di if e else None for di, e in zip(d, exited, strict=True)],
                               dtype="Int64")})


def test_retention_table_by_hand():
    # period 12: exit in month 5 -> churn in period 1; exit in month 12 -> period 2;
    # active after months 0..23 (24 months) -> survived 2; after 0..12 (13 months) -> 1;
    # after 0..6 (7 months) -> less than a period, left out
    c = customers([5, 12, 23, 12, 6], [True, True, False, False, False], term=12)
    t = retention_table(c)
    assert t["period"].tolist() == [1, 2]
    assert t["churned"].tolist() == [1, 1]
    assert t["censored"].tolist() == [1, 1]
    assert t["at_risk"].tolist() == [4, 2]
    with pytest.raises(JourneyDataError, match="staggered entry"):
        survivors_table(c)


def test_censored_likelihood_equals_the_survivors_table_on_one_cohort():
    n = load_fader_hardie_2007()["regular"].to_numpy()[:8]
    table = pd.DataFrame({"period": np.arange(1, 8), "churned": n[:-1] - n[1:],
                          "censored": np.r_[np.zeros(6), n[-1]]})
    a, b = fit_sbg(n), fit_sbg(table)
    assert np.allclose(a.params, b.params, rtol=1e-8)
    assert a.loglik == pytest.approx(b.loglik, rel=1e-12)
    pub = published.SBG_FADER_HARDIE_2007["regular"]
    assert b.alpha == pytest.approx(pub["alpha"], abs=1e-3)
    assert b.beta == pytest.approx(pub["beta"], abs=1e-3)


ALPHA, BETA = 0.7, 1.2


def staggered(seed: int, n: int = 3000) -> pd.DataFrame:
    """θ ~ Beta(α, β); churn at the end of period T ~ Geometric(θ); each customer observed for
    L ~ Uniform{1..24} months (staggered entry), censored when T > L."""
    rng = np.random.default_rng(seed)
    theta = rng.beta(ALPHA, BETA, n)
    T = rng.geometric(theta)  # churn at the end of month T - 1 (exit_month T - 1)
    L = rng.integers(1, 25, n)
    exited = T <= L
    d = np.where(exited, T - 1, L - 1)
    return customers(d.tolist(), exited.tolist())


def test_censored_sbg_covers_alpha_beta_over_20_seeds():
    hits = {"alpha": 0, "beta": 0}
    est = []
    for seed in range(20):
        fit = fit_sbg(staggered(seed))
        s = fit.summary()
        est.append(fit.params)
        for k, v in (("alpha", ALPHA), ("beta", BETA)):
            hits[k] += s.loc[k, "ci_low"] <= v <= s.loc[k, "ci_high"]
    assert min(hits.values()) >= 16, hits
    mean = pd.concat(est, axis=1).mean(axis=1)
    assert mean["alpha"] == pytest.approx(ALPHA, rel=0.1)
    assert mean["beta"] == pytest.approx(BETA, rel=0.15)


def test_the_old_table_loses_staggered_customers_the_censored_fit_keeps_them():
    c = staggered(99)
    fit = fit_sbg(c)
    assert fit.nobs == int((c["tenure_months"] >= 1).sum())
    assert fit.events == int(c["exit_month"].notna().sum())


def test_no_heterogeneity_gives_no_interval_not_a_zero_width_one():
    rng = np.random.default_rng(1)
    T = rng.geometric(0.1, 5000)
    c = customers(np.minimum(T - 1, 30).tolist(), (T <= 31).tolist())
    with pytest.warns(ConvergenceWarning, match="no heterogeneity"):
        fit = fit_sbg(c)
    assert not fit.converged
    assert fit.summary()["se"].isna().all()
    assert fit.summary()["ci_low"].isna().all()
