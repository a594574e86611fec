"""Published reproductions: sBG (Fader & Hardie 2007), BG/NBD and Gamma-Gamma on CDNOW
(Fader, Hardie & Lee 2005), ECSI on mobi (R seminr). Tolerances are the ones stated in issue 3."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import special

from journey import datasets, published
from journey.models.bgnbd import fit_bgnbd
from journey.models.gammagamma import fit_gammagamma
from journey.models.sbg import fit_sbg, sbg_derl, survivors_table


@pytest.fixture(scope="module")
def fh2007() -> pd.DataFrame:
    return datasets.load_fader_hardie_2007()


# --- sBG -------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("segment", "alpha", "beta", "ll"),
    [(s, v["alpha"], v["beta"], v["loglik"]) for s, v in published.SBG_FADER_HARDIE_2007.items()],
)
def test_sbg_reproduces_fader_hardie_2007(fh2007, segment, alpha, beta, ll):
    res = fit_sbg(fh2007[segment].to_numpy()[:8])  # years 0..7: fit on years 1-7
    assert res.converged
    assert res.alpha == pytest.approx(alpha, abs=0.002)
    assert res.beta == pytest.approx(beta, abs=0.002)
    assert res.loglik == pytest.approx(ll, abs=0.01)


def test_sbg_summary_face_and_projection(fh2007):
    res = fit_sbg(fh2007["regular"].to_numpy()[:8])
    s = res.summary()
    assert list(s.columns) == ["estimate", "se", "ci_low", "ci_high"]
    assert (s["ci_low"] < s["estimate"]).all() and (s["estimate"] < s["ci_high"]).all()
    assert (s["se"] > 0).all()
    pred = res.predict(12)
    # projection to year 12 stays near the held-out years 8-12 (FH 2007, Figure 3: within ~4%)
    held = fh2007["regular"].to_numpy()[8:]
    proj = pred["expected_survivors"].to_numpy()[8:]
    assert np.all(np.abs(proj - held) / held < 0.05)
    # retention rises with tenure (sorting effect of heterogeneity)
    assert np.all(np.diff(pred["retention"].to_numpy()[1:]) > 0)
    fig = res.plot()
    assert fig.axes


def test_sbg_derl_matches_series_definition():
    # DERL = Σ_{t≥n} S(t)/S(n−1) (1+d)^−(t−n), summed directly, against the ₂F₁ form
    a, b, d = 0.704, 1.182, 0.10
    t = np.arange(0, 3000)  # (1.1)^-3000 ≈ 1e-124: the tail is negligible
    for renewals in (0, 3, 10):
        n = renewals + 1
        ratio = np.exp(special.betaln(a, b + n + t) - special.betaln(a, b + n - 1))
        direct = np.sum(ratio / (1 + d) ** t)
        assert sbg_derl(a, b, d, renewals) == pytest.approx(direct, rel=1e-6)
    # residual value grows with tenure (survivors are the loyal ones)
    assert sbg_derl(a, b, d, 10) > sbg_derl(a, b, d, 0)


def test_sbg_rejects_bad_survivors():
    with pytest.raises(ValueError, match="period 2"):
        fit_sbg([1000, 600, 700])
    with pytest.raises(ValueError, match="discount"):
        sbg_derl(1, 1, 0)


def test_survivors_table_from_customers_hand_computed():
    # term 12: exits in month 5 (0 periods), 12 (1), 30 (2); censored with 36 and 40 months
    customers = pd.DataFrame({
        "customer_id": [1, 2, 3, 4, 5, 6],
        "signed": [True, True, True, True, True, False],
        "term_months": [12, 12, 12, 12, 12, 12],
        "exit_month": pd.array([5, 12, 30, pd.NA, pd.NA, pd.NA], dtype="Int64"),
        "tenure_months": [5, 12, 30, 36, 40, 0],
    })
    tab = survivors_table(customers)
    assert tab["period"].tolist() == [0, 1, 2, 3]
    assert tab["survivors"].tolist() == [5, 4, 3, 2]
    with pytest.raises(ValueError, match="n_periods"):
        survivors_table(customers, n_periods=4)
    with pytest.raises(ValueError, match="period_months"):
        survivors_table(customers.assign(term_months=[12, 24, 12, 12, 12, 12]))


def test_sbg_recovers_simulated_parameters():
    rng = np.random.default_rng(7)
    theta = rng.beta(0.8, 2.5, size=20000)
    life = rng.geometric(theta)  # churn period, 1, 2, ...
    surv = [(life > t).sum() for t in range(8)]
    res = fit_sbg(surv)
    s = res.summary()
    assert s.loc["alpha", "ci_low"] < 0.8 < s.loc["alpha", "ci_high"]
    assert s.loc["beta", "ci_low"] < 2.5 < s.loc["beta", "ci_high"]


# --- BG/NBD and Gamma-Gamma on CDNOW ---------------------------------------------------------

@pytest.fixture(scope="module")
def cdnow() -> pd.DataFrame:
    try:
        return datasets.load_cdnow_summary()
    except datasets.DatasetUnavailableError as e:
        pytest.skip(str(e))


@pytest.fixture(scope="module")
def bgnbd(cdnow):
    return fit_bgnbd(cdnow["x"], cdnow["t_x"], cdnow["T"])


def test_bgnbd_reproduces_fhl_2005(bgnbd, cdnow):
    assert len(cdnow) == 2357
    p, pub = bgnbd.params, published.BGNBD_FADER_HARDIE_LEE_2005
    assert bgnbd.converged
    assert p["r"] == pytest.approx(pub["r"], abs=0.002)
    assert p["alpha"] == pytest.approx(pub["alpha"], abs=0.02)
    assert p["a"] == pytest.approx(pub["a"], abs=0.002)
    assert p["b"] == pytest.approx(pub["b"], abs=0.02)
    assert bgnbd.loglik == pytest.approx(pub["loglik"], abs=0.05)


def test_bgnbd_conditional_expectation_paper_example(bgnbd):
    # FHL 2005 section 4: x=2, t_x=30.43, T=38.86 expects 1.226 purchases in the next 39 weeks
    e = bgnbd.conditional_expected_purchases(39, np.array([2]), np.array([30.43]),
                                             np.array([38.86]))
    assert e[0] == pytest.approx(1.226, abs=0.001)
    pa = bgnbd.p_alive(np.array([0, 2, 2]), np.array([0.0, 30.43, 5.0]),
                       np.array([38.86, 38.86, 38.86]))
    assert pa[0] == 1.0  # no repeat purchase: no chance yet to drop out (BG/NBD assumption)
    assert 0 < pa[2] < pa[1] < 1  # an older last purchase means less likely alive
    out = bgnbd.predict(39, np.array([2]), np.array([30.43]), np.array([38.86]))
    assert list(out.columns) == ["expected_purchases", "p_alive"]
    assert bgnbd.plot().axes


def test_bgnbd_matches_lifetimes_predictions(bgnbd, cdnow):
    lifetimes = pytest.importorskip("lifetimes")
    x, t_x, T = (cdnow[c].to_numpy() for c in ("x", "t_x", "T"))
    ref = lifetimes.BetaGeoFitter()
    ref.params_ = pd.Series(bgnbd.params.to_numpy(), index=["r", "alpha", "a", "b"])
    ours = bgnbd.predict(39, x, t_x, T)
    np.testing.assert_allclose(
        ours["expected_purchases"],
        ref.conditional_expected_number_of_purchases_up_to_time(39, x, t_x, T), rtol=1e-6)
    np.testing.assert_allclose(ours["p_alive"], ref.conditional_probability_alive(x, t_x, T),
                               rtol=1e-6)


def test_bgnbd_rejects_bad_input():
    with pytest.raises(ValueError, match="t_x row 1"):
        fit_bgnbd([1, 2], [1.0, 5.0], [3.0, 4.0])
    with pytest.raises(ValueError, match="x row 0"):
        fit_bgnbd([1.5], [1.0], [3.0])


def test_gammagamma_reproduces_fhl_2005(cdnow):
    rep = cdnow.loc[cdnow["x"] > 0]
    assert len(rep) == 946
    gg = fit_gammagamma(rep["x"], rep["zbar"])
    p, pub = gg.params, published.GAMMAGAMMA_FADER_HARDIE_LEE_2005
    assert gg.converged
    for name in ("p", "q", "v"):
        assert p[name] == pytest.approx(pub[name], abs=0.02), name
    # conditional expectation is a weighted mean of the population mean and the own mean
    e = gg.conditional_expected_spend(np.array([1.0, 10.0]), np.array([100.0, 100.0]))
    assert gg.population_mean < e[0] < e[1] < 100.0
    assert gg.conditional_expected_spend(np.array([0.0]), np.array([0.0]))[0] == pytest.approx(
        gg.population_mean)
    assert gg.plot().axes
    with pytest.raises(ValueError, match="x row 0"):
        fit_gammagamma([0], [10.0])


# --- ECSI PLS path model on mobi -------------------------------------------------------------

@pytest.fixture(scope="module")
def mobi() -> pd.DataFrame:
    try:
        return datasets.load_mobi()
    except datasets.DatasetUnavailableError as e:
        pytest.skip(str(e))


def test_pls_reproduces_ecsi_on_mobi(mobi):
    from journey.models.pls import fit_pls

    res = fit_pls(mobi, datasets.MOBI_BLOCKS, n_boot=0)
    assert res.converged
    p = res.params
    for path, value in published.ECSI_SEMINR_MOBI.items():  # R seminr, mobi demo
        assert p[path] == pytest.approx(value, abs=0.001), path
    # a single-indicator construct is its standardised indicator
    cusco = (mobi["CUSCO"] - mobi["CUSCO"].mean()) / mobi["CUSCO"].std()
    np.testing.assert_allclose(res.scores["Complaints"], cusco, atol=1e-10)
    assert res.index.shape == (250, 7)
    assert ((res.index >= -1e-9) & (res.index <= 100 + 1e-9)).all().all()


def test_pls_bootstrap_se_and_face(mobi):
    from journey.models.pls import fit_pls

    res = fit_pls(mobi, datasets.MOBI_BLOCKS, n_boot=40, seed=3)
    s = res.summary()
    assert list(s.columns) == ["estimate", "se", "ci_low", "ci_high", "z", "p_value"]
    assert (s["se"] > 0).all() and (s["se"] < 0.2).all()
    np.testing.assert_allclose(s["z"], s["estimate"] / s["se"], rtol=1e-12)
    # the strong paths are clearly non-zero
    assert s.loc["Image -> Expectation", "ci_low"] > 0.3
    again = fit_pls(mobi, datasets.MOBI_BLOCKS, n_boot=40, seed=3)
    pd.testing.assert_frame_equal(s, again.summary())  # seeded
    assert res.plot().axes


def test_pls_recovers_simulated_paths():
    from journey.models.pls import fit_pls

    # A -> B -> C and A -> C, each construct with 4 reflective indicators (loading 0.85)
    rng = np.random.default_rng(11)
    n, bAB, bBC, bAC, lam = 20000, 0.6, 0.5, 0.2, 0.85
    A = rng.standard_normal(n)
    B = bAB * A + np.sqrt(1 - bAB**2) * rng.standard_normal(n)
    c_var = 1 - (bBC**2 + bAC**2 + 2 * bBC * bAC * bAB)
    C = bBC * B + bAC * A + np.sqrt(c_var) * rng.standard_normal(n)
    cols, blocks = {}, {}
    for name, lv in (("A", A), ("B", B), ("C", C)):
        blocks[name] = [f"{name}{h}" for h in range(4)]
        for h in range(4):
            cols[f"{name}{h}"] = lam * lv + np.sqrt(1 - lam**2) * rng.standard_normal(n)
    res = fit_pls(pd.DataFrame(cols), blocks, [("A", "B"), ("B", "C"), ("A", "C")], n_boot=0)
    # PLS composites carry measurement error: their correlations are the true ones times the
    # composite reliability rho (Dijkstra & Henseler 2015), so the paths to expect are these
    rho = (4 * lam) ** 2 / ((4 * lam) ** 2 + 4 * (1 - lam**2))
    r_ac, r_bc = bAC + bBC * bAB, bBC + bAC * bAB
    to_c = np.linalg.solve([[1, bAB * rho], [bAB * rho, 1]], rho * np.array([r_ac, r_bc]))
    assert res.params["A -> B"] == pytest.approx(bAB * rho, abs=0.025)
    assert res.params["A -> C"] == pytest.approx(to_c[0], abs=0.025)
    assert res.params["B -> C"] == pytest.approx(to_c[1], abs=0.025)
    # and they differ from the unattenuated truth by the predicted amount
    assert res.params["A -> B"] < bAB - 0.03


def test_pls_index_bounds_and_errors():
    from journey.models.pls import fit_pls

    rng = np.random.default_rng(5)
    lv = rng.standard_normal(300)
    df = pd.DataFrame({f"x{i}": np.clip(np.round(6 + 2 * lv + rng.normal(0, 1, 300)), 1, 10)
                       for i in range(3)})
    df["y0"] = np.clip(np.round(6 + 1.5 * lv + rng.normal(0, 1.5, 300)), 1, 10)
    blocks = {"X": ["x0", "x1", "x2"], "Y": ["y0"]}
    res = fit_pls(df, blocks, [("X", "Y")], n_boot=0)
    ends = pd.DataFrame({c: [1.0, 10.0] for c in df.columns})
    idx = res.predict(ends)
    np.testing.assert_allclose(idx.to_numpy(), [[0, 0], [100, 100]], atol=1e-9)
    with pytest.raises(ValueError, match="'Z'"):
        fit_pls(df, blocks, [("X", "Z")])
    with pytest.raises(ValueError, match="y0"):
        fit_pls(df.drop(columns="y0"), blocks, [("X", "Y")])
    with pytest.raises(ValueError, match="row 2"):
        fit_pls(df.assign(x1=df["x1"].where(df.index != 2)), blocks, [("X", "Y")])


def test_pls_matches_seminr_on_all_paths(mobi):
    sm = pytest.importorskip("seminr")
    from journey.models.pls import ECSI_PATHS, fit_pls

    mm = sm.constructs(*[sm.composite(k, v) for k, v in datasets.MOBI_BLOCKS.items()])
    ref = sm.estimate_pls(mobi, mm, sm.relationships(*[sm.paths(a, b) for a, b in ECSI_PATHS]))
    res = fit_pls(mobi, datasets.MOBI_BLOCKS, n_boot=0)
    for a, b in ECSI_PATHS:
        assert res.params[f"{a} -> {b}"] == pytest.approx(ref.path_coef.get(a, b), abs=1e-8)


def test_survivors_table_on_a_simulated_cohort():
    sim = pytest.importorskip("journey.simulate")
    from journey.scenario import load_preset

    j = sim.simulate(load_preset("telecom"), n_customers=1500, months=48, seed=4)
    tab = survivors_table(j.customers)  # the preset's contract term is the period
    assert tab["survivors"].iloc[0] == int(j.customers["signed"].sum())
    assert (np.diff(tab["survivors"]) <= 0).all()
    # every customer counted at period k is alive at month k·term in the panel
    term = int(j.customers.loc[j.customers["signed"], "term_months"].iloc[0])
    p = j.panel
    for k in tab["period"].iloc[1:]:
        alive = p.loc[(p["month"] == k * term - 1) & p["alive"], "customer_id"].nunique()
        assert alive == tab["survivors"].iloc[k]


def test_sbg_without_heterogeneity_says_so():
    """Retention flat in tenure (a constant 30% churn) is the sBG's geometric limit: the fit
    must not claim convergence."""
    import warnings as _w

    from journey.errors import ConvergenceWarning
    from journey.models.sbg import fit_sbg

    survivors = [1000 * 0.7**t for t in range(8)]
    with _w.catch_warnings(record=True) as caught:
        _w.simplefilter("always")
        res = fit_sbg(np.round(survivors))
    assert not res.converged
    assert any("heterogeneity" in note for note in res.notes)
    assert any(issubclass(w.category, ConvergenceWarning) for w in caught)


def test_survivors_table_past_the_last_exit_when_nobody_is_censored():
    import pandas as pd

    from journey.models.sbg import survivors_table

    customers = pd.DataFrame({
        "signed": [True, True, True], "term_months": [12, 12, 12],
        "exit_month": pd.array([5, 13, 30], dtype="Int64"), "tenure_months": [6, 14, 31]})
    table = survivors_table(customers, n_periods=4)
    assert table["survivors"].tolist() == [3, 2, 1, 0, 0]
