"""One result face for every model, and ConvergenceWarning whenever an optimiser stops short.

Every public fit function (and Kaplan–Meier, log-rank, Aalen–Johansen) must return a
``FitResult`` whose printed header has the same keys in the same order; every iterative fit,
made to stop short (``maxiter=1`` or data without a finite optimum), must warn journey's
``ConvergenceWarning`` (and nothing from statsmodels) and report ``converged`` False.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from journey.errors import ConvergenceWarning
from journey.models import (
    FitResult,
    cumulative_incidence,
    fit_bgnbd,
    fit_cox,
    fit_exit_hazard,
    fit_gammagamma,
    fit_honeymoon,
    fit_ordinal,
    fit_pls,
    fit_sbg,
    kaplan_meier,
    logrank_test,
)

# the header every model prints, in this order (written out here, not read from the library)
HEADER = ["Model", "Observations", "Events", "Log-likelihood", "AIC", "Estimation", "Converged"]
S_STAR = 7.0  # the telecom preset's satisfaction_target
FH_REGULAR = [1000, 631, 468, 382, 326, 289, 262, 241]  # Fader & Hardie (2007), years 0-7


# --------------------------------------------------------------------- small data per model


def bgnbd_data(seed: int = 1, n: int = 400, T: float = 39.0) -> tuple[np.ndarray, ...]:
    """Purchases at Poisson rate λ ~ Gamma(0.5, 1/2) per week while alive; after each purchase
    the customer drops out with probability p ~ Beta(1, 3) (the BG/NBD story)."""
    rng = np.random.default_rng(seed)
    lam, p = rng.gamma(0.5, 2.0, n), rng.beta(1.0, 3.0, n)
    x, t_x = np.zeros(n), np.zeros(n)
    for i in range(n):
        t = rng.exponential(1 / lam[i])
        while t <= T:
            x[i], t_x[i] = x[i] + 1, t
            if rng.random() < p[i]:
                break
            t += rng.exponential(1 / lam[i])
    return x, t_x, np.full(n, T)


def gammagamma_data(seed: int = 2, n: int = 300) -> tuple[np.ndarray, np.ndarray]:
    """Mean of x Gamma(p, ν) transaction values, ν ~ Gamma(q, γ): m_x ~ Gamma(p·x, ν·x)."""
    rng = np.random.default_rng(seed)
    x = rng.integers(1, 8, n).astype(float)
    nu = rng.gamma(4.0, 1 / 15.0, n)
    return x, rng.gamma(6.0 * x, 1 / (nu * x))


def pls_data(seed: int = 3, n: int = 200) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    rng = np.random.default_rng(seed)
    xi = rng.normal(size=n)
    eta = 0.6 * xi + 0.8 * rng.normal(size=n)
    cols = {f"x{i}": xi + 0.6 * rng.normal(size=n) for i in range(3)}
    cols |= {f"y{i}": eta + 0.6 * rng.normal(size=n) for i in range(3)}
    return pd.DataFrame(cols), {"X": ["x0", "x1", "x2"], "Y": ["y0", "y1", "y2"]}


def honeymoon_data(seed: int = 4, n: int = 60) -> pd.DataFrame:
    """Customer intercepts + honeymoon level 8 for months 0-2, 7.3 afterwards."""
    rng = np.random.default_rng(seed)
    month = np.tile(np.arange(-2, 10), n)
    cust = np.repeat(np.arange(n), 12)
    y = (8.0 + rng.normal(0, 0.8, n)[cust] - 0.7 * (month >= 3) + 0.3 * (month < 0)
         + rng.normal(0, 0.7, month.size))
    return pd.DataFrame({"customer_id": cust, "month": month, "S": y})


@pytest.fixture(scope="module")
def results(telecom_small) -> dict[str, FitResult]:
    j = telecom_small
    x, t_x, T = bgnbd_data()
    gx, gm = gammagamma_data()
    pls, blocks = pls_data()
    return {
        "fit_sbg": fit_sbg(FH_REGULAR),
        "fit_bgnbd": fit_bgnbd(x, t_x, T),
        "fit_gammagamma": fit_gammagamma(gx, gm),
        "fit_pls": fit_pls(pls, blocks, [("X", "Y")], n_boot=20, seed=5),
        "fit_cox": fit_cox(j, ["read_contract", "expectation"]),
        "fit_exit_hazard": fit_exit_hazard(j, s_star=S_STAR),
        "fit_ordinal": fit_ordinal(j, ["S"]),
        "fit_honeymoon": fit_honeymoon(honeymoon_data()),
        "kaplan_meier": kaplan_meier(j, group="read_contract"),
        "logrank_test": logrank_test(j, "read_contract"),
        "cumulative_incidence": cumulative_incidence(j),
    }


def header_keys(text: str) -> list[str]:
    """Keys of the header block: the lines between the top rule and the rule before the
    estimates that start with ``<key>:`` (wrapped continuations start with spaces)."""
    lines = text.splitlines()
    assert set(lines[0]) == {"="}, lines[0]
    end = next(i for i, line in enumerate(lines) if line and set(line) == {"-"})
    return [line.split(":", 1)[0] for line in lines[1:end] if not line.startswith(" ")]


# --------------------------------------------------------------------- one face


def test_every_public_fit_returns_the_common_result(results) -> None:
    assert len(results) == 11
    for name, res in results.items():
        assert isinstance(res, FitResult), name
        assert not hasattr(res, "info"), f"{name}: untyped info dict is gone"
        assert isinstance(res.params, pd.Series) and len(res.params) > 0, name
        pd.testing.assert_series_equal(res.bse, res.se)
        s = res.summary()
        assert list(s.columns[:4]) == ["estimate", "se", "ci_low", "ci_high"], name
        assert list(s.index) == list(res.params.index), name
        ci = res.conf_int(0.1)
        assert list(ci.columns) == ["lower", "upper"], name
        s90 = res.summary(0.1)
        np.testing.assert_array_equal(ci["lower"].to_numpy(), s90["ci_low"].to_numpy())
        np.testing.assert_array_equal(ci["upper"].to_numpy(), s90["ci_high"].to_numpy())
        assert isinstance(res.converged, bool) and res.converged, name
        assert isinstance(res.plot(), Figure), name


def test_every_header_has_the_same_layout(results) -> None:
    for name, res in results.items():
        assert list(res.header()) == HEADER, name
        assert header_keys(str(res)) == HEADER, f"{name}:\n{res}"
        assert res.model_name in str(res)


def test_header_states_the_facts(results, capsys) -> None:
    cox = results["fit_cox"]
    h = cox.header()
    assert h["Observations"] == f"{cox.nobs:,}" and h["Events"] == f"{cox.events:,}"
    assert "Efron ties" in h["Estimation"] and h["Converged"].startswith("yes")
    assert h["AIC"] == f"{2 * 2 - 2 * cox.loglik:,.3f}"  # two covariates
    km = results["kaplan_meier"]
    assert km.header()["Log-likelihood"] == "-" and "closed form" in km.header()["Converged"]
    assert results["fit_bgnbd"].header()["Events"] == "-"
    hz = results["fit_exit_hazard"]
    assert hz.dropped == ["C"] and any("alpha_C" in n for n in hz.notes)  # no competitor here
    hz.print_summary()
    out = capsys.readouterr().out
    assert "Note: alpha_C left out" in out and "alpha_SB" in out


def test_wald_columns_where_meaningful(results) -> None:
    s = results["fit_cox"].summary()
    np.testing.assert_allclose(s["z"], s["estimate"] / s["se"], rtol=1e-12)
    # two-sided normal p-value, by hand for one row
    from scipy.stats import norm

    assert s["p_value"].iloc[0] == pytest.approx(2 * norm.sf(abs(s["z"].iloc[0])), rel=1e-12)
    # positive parameters on a log scale: no test of zero
    assert "z" not in results["fit_sbg"].summary().columns
    lr = results["logrank_test"].summary()
    assert list(lr.columns) == ["estimate", "se", "ci_low", "ci_high", "df", "p_value"]


def test_typed_fields_replace_the_info_dict(results) -> None:
    assert results["fit_cox"].ties == "efron"
    assert results["fit_cox"].event_times <= results["fit_cox"].events
    pls = results["fit_pls"]
    assert 1 <= pls.iterations < 300 and pls.n_boot == 20 and pls.boot_failed == 0
    assert pls.weight_matrix.shape == (6, 2)
    sbg = results["fit_sbg"]
    assert sbg.polarization == pytest.approx(1 / (sbg.alpha + sbg.beta + 1))
    assert sbg.events == sbg.survivors[0] - sbg.survivors[-1]
    hm = results["fit_honeymoon"]
    assert hm.customers == 60 and hm.honeymoon_months == 3
    assert np.isnan(hm.aic)  # not defined under REML


# --------------------------------------------------------------------- convergence


def only_our_warning(fit) -> tuple[FitResult, str]:
    """Run ``fit``; exactly one warning, journey's ConvergenceWarning; return result and text."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = fit()
    cats = [w.category.__name__ + ": " + str(w.message) for w in caught]
    assert len(caught) == 1 and caught[0].category is ConvergenceWarning, cats
    assert res.converged is False
    assert "Converged:      NO" in str(res)
    return res, str(caught[0].message)


@pytest.mark.parametrize("name", ["fit_sbg", "fit_bgnbd", "fit_gammagamma", "fit_pls",
                                  "fit_cox", "fit_exit_hazard", "fit_ordinal", "fit_honeymoon"])
def test_maxiter_one_warns_convergence(name: str, telecom_small) -> None:
    j = telecom_small
    pls, blocks = pls_data()
    fits = {
        "fit_sbg": lambda: fit_sbg(FH_REGULAR, maxiter=1),
        "fit_bgnbd": lambda: fit_bgnbd(*bgnbd_data(n=150), maxiter=1),
        "fit_gammagamma": lambda: fit_gammagamma(*gammagamma_data(n=150), maxiter=1),
        "fit_pls": lambda: fit_pls(pls, blocks, [("X", "Y")], n_boot=0, maxiter=1),
        "fit_cox": lambda: fit_cox(j, ["read_contract", "expectation"], maxiter=1),
        "fit_exit_hazard": lambda: fit_exit_hazard(j, s_star=S_STAR, maxiter=1),
        "fit_ordinal": lambda: fit_ordinal(j, ["S"], maxiter=1),
        "fit_honeymoon": lambda: fit_honeymoon(honeymoon_data(n=30), maxiter=1),
    }
    with pytest.warns(ConvergenceWarning, match=name):
        fits[name]()
    _, message = only_our_warning(fits[name])
    assert "converged is False" in message


def test_cox_with_separation_warns() -> None:
    """A covariate that orders the exits perfectly has no finite maximum (β → −∞)."""
    df = pd.DataFrame({"duration": [1.0, 2, 3, 4, 5, 6], "event": [1, 1, 1, 1, 1, 1],
                       "x": [0.0, 1, 2, 3, 4, 5]})
    res, message = only_our_warning(lambda: fit_cox(df, ["x"]))
    assert "fit_cox" in message and res.params["x"] < -5


def test_pls_bootstrap_samples_that_stop_short_are_counted() -> None:
    pls, blocks = pls_data()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = fit_pls(pls, blocks, [("X", "Y")], n_boot=5, seed=1, tol=1e-15, maxiter=3)
    assert [w.category for w in caught] == [ConvergenceWarning] * 2
    assert "outer weights" in str(caught[0].message)
    assert "5 of 5 bootstrap samples" in str(caught[1].message)
    assert res.boot_failed == 5 and not res.converged and res.iterations == 3


def test_maxiter_must_be_a_positive_integer() -> None:
    with pytest.raises(ValueError, match="maxiter"):
        fit_sbg([1000, 600, 400], maxiter=0)
    with pytest.raises(ValueError, match="maxiter"):
        fit_cox(pd.DataFrame({"duration": [1.0, 2], "event": [1, 1], "x": [0.0, 1]}), ["x"],
                maxiter=2.5)  # type: ignore[arg-type]


def test_convergence_warning_is_exported() -> None:
    import journey.models

    assert journey.models.ConvergenceWarning is ConvergenceWarning
    assert issubclass(ConvergenceWarning, RuntimeWarning)
