"""Surveys into the PLS path model: missing-value codes, mean replacement and casewise deletion
as R seminr treats them, the answer scale inferred from the data, and ScaleWarning.

The references are computed here by other routes: the column means of the non-missing answers
from pandas, the complete rows selected by hand, the 0–100 index of an all-top answer sheet
(100 by definition), and the Python port of seminr where it is installed."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from journey import datasets
from journey.errors import JourneyDataError, ParameterError, ScaleWarning
from journey.models.pls import ECSI_PATHS, fit_pls

BLOCKS = datasets.MOBI_BLOCKS
ITEMS = [c for cols in BLOCKS.values() for c in cols]


@pytest.fixture(scope="module")
def mobi() -> pd.DataFrame:
    try:
        return datasets.load_mobi()
    except datasets.DatasetUnavailableError as e:
        pytest.skip(str(e))


def with_codes(df: pd.DataFrame, share: float = 0.03, seed: int = 8) -> tuple[pd.DataFrame,
                                                                               np.ndarray]:
    """A copy of ``df`` with ``share`` of the indicator cells set to the survey code -99."""
    rng = np.random.default_rng(seed)
    hit = rng.random((len(df), len(ITEMS))) < share
    out = df.copy()
    out[ITEMS] = np.where(hit, -99.0, df[ITEMS].to_numpy())
    return out, hit


def silent_fit(*args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning expected from these fits
        return fit_pls(*args, **kwargs)


# ----------------------------------------------------------------------- missing values


def test_mean_replacement_equals_replacing_by_hand(mobi):
    coded, hit = with_codes(mobi)
    res = silent_fit(coded, BLOCKS, missing=-99, missing_treatment="mean", n_boot=0)
    by_hand = coded.replace(-99.0, np.nan)
    by_hand[ITEMS] = by_hand[ITEMS].fillna(by_hand[ITEMS].mean())  # means of the answers given
    ref = silent_fit(by_hand, BLOCKS, n_boot=0)
    np.testing.assert_allclose(res.params, ref.params, rtol=0, atol=1e-12)
    np.testing.assert_allclose(res.weight_matrix, ref.weight_matrix, rtol=0, atol=1e-12)
    assert res.cells_replaced == hit.sum() and res.rows_dropped == 0 and res.nobs == 250
    assert res.missing_cells.sum() == hit.sum() and res.missing_cells["CUEX1"] == hit[:, 5].sum()
    # the codes shifted the paths: an undeclared -99 is not harmless
    assert np.abs(res.params - silent_fit(mobi, BLOCKS, n_boot=0).params).max() > 0.005
    head = res.header()
    assert f"mean replacement of {hit.sum()} missing answers" in head["Estimation"]
    assert any("each replaced by its indicator's mean" in n for n in res.notes)
    # prediction treats the code as the fit did: a coded answer takes the indicator's mean
    row = coded.iloc[[int(np.flatnonzero(hit.any(axis=1))[0])]]
    np.testing.assert_allclose(res.predict(row), ref.predict(by_hand.loc[row.index]),
                               atol=1e-9)


def test_mean_replacement_is_redone_in_every_bootstrap_resample(mobi):
    coded, _ = with_codes(mobi, share=0.05, seed=3)
    res = silent_fit(coded, BLOCKS, missing=-99, missing_treatment="mean", n_boot=4, seed=6)
    # by hand: the same resamples of the respondents, each mean-replaced on its own
    rng = np.random.default_rng(6)
    answers = coded.replace(-99.0, np.nan)
    draws = []
    for _ in range(4):
        b = answers.iloc[rng.integers(0, len(coded), len(coded))].reset_index(drop=True)
        draws.append(silent_fit(b.fillna(b[ITEMS].mean()), BLOCKS, n_boot=0).params)
    np.testing.assert_allclose(res.cov, pd.concat(draws, axis=1).T.cov(), rtol=1e-9,
                               atol=1e-14)


def test_casewise_equals_fitting_the_complete_rows(mobi):
    coded, hit = with_codes(mobi, share=0.01, seed=9)
    coded = coded.set_axis([f"r{i}" for i in range(len(coded))])  # labels, not positions
    # a text column with its own code and a blank, as read from a spreadsheet
    text = pd.Series([("NA" if i % 2 else "-99") if v == -99 else f" {v:g}"
                      for i, v in enumerate(coded["IMAG2"])], index=coded.index, dtype=object)
    text.iloc[[4, 10, 11]] = ["", "-99", "NA"]
    coded["IMAG2"] = text
    gone = hit.any(axis=1)
    gone[[4, 10, 11]] = True
    res = silent_fit(coded, BLOCKS, missing=[-99, "NA"], missing_treatment="casewise",
                     n_boot=30, seed=2)
    complete = mobi.loc[~gone]
    ref = silent_fit(complete, BLOCKS, n_boot=30, seed=2)
    np.testing.assert_allclose(res.params, ref.params, rtol=0, atol=1e-12)
    # the bootstrap resamples the complete respondents: the same draws, the same se
    np.testing.assert_allclose(res.bse, ref.bse, rtol=0, atol=1e-12)
    assert res.nobs == (~gone).sum() and res.rows_dropped == gone.sum()
    assert list(res.rows) == list(coded.index[~gone]) and list(res.index.index) == list(res.rows)
    assert f"casewise deletion of {gone.sum()} incomplete" in res.header()["Estimation"]


def test_a_code_given_as_text_or_number_matches_either(mobi):
    """missing="-99" on numeric answers and missing=-99 on text answers mark the same cells as
    the code of the data's own type; a code of another type is a ParameterError naming it."""
    coded, hit = with_codes(mobi, share=0.02, seed=4)
    ref = silent_fit(coded, BLOCKS, missing=-99, missing_treatment="mean", n_boot=0)
    as_text = coded.assign(**{c: coded[c].map(lambda v: f"{v:g}") for c in ITEMS})
    for data, code in ((coded, "-99"), (coded, " -99 "), (as_text, -99), (as_text, "-99.0"),
                       (as_text, [-99.0, "NA"])):
        res = silent_fit(data, BLOCKS, missing=code, missing_treatment="mean", n_boot=0)
        assert res.cells_replaced == hit.sum()
        np.testing.assert_allclose(res.params, ref.params, rtol=0, atol=1e-12)
    for bad in (True, None.__class__, [1, [2]]):
        with pytest.raises(ParameterError, match="parameter 'missing'"):
            fit_pls(coded, BLOCKS, missing=bad, missing_treatment="mean", n_boot=0)


def test_missing_without_a_treatment_names_column_and_row(mobi):
    df = mobi.copy()
    df.loc[[3, 7], "CUEX1"] = -99.0
    with pytest.raises(JourneyDataError, match=r"'CUEX1' row 3: missing value; 2 of 6000.*"
                                               r"missing_treatment='mean'.*'casewise'"):
        fit_pls(df, BLOCKS, missing=-99, n_boot=0)
    df.loc[5, "IMAG1"] = np.nan
    with pytest.raises(JourneyDataError, match="'CUEX1' row 3"):
        fit_pls(df, BLOCKS, missing=-99, n_boot=0)
    text = mobi.assign(CUSA1=mobi["CUSA1"].astype(str).where(mobi.index != 6, "n/a"))
    with pytest.raises(JourneyDataError, match=r"'CUSA1' row 6: value 'n/a' is not a number"):
        fit_pls(text, BLOCKS, n_boot=0)
    with pytest.raises(ValueError, match="missing_treatment"):
        fit_pls(mobi, BLOCKS, missing_treatment="pairwise")
    with pytest.raises(JourneyDataError, match="'CUSCO' holds no answer"):
        fit_pls(mobi.assign(CUSCO=np.nan), BLOCKS, missing_treatment="mean")


def test_a_declared_treatment_on_complete_data_changes_nothing(mobi):
    plain = silent_fit(mobi, BLOCKS, n_boot=0)
    for how in ("mean", "casewise"):
        res = silent_fit(mobi, BLOCKS, missing=-99, missing_treatment=how, n_boot=0)
        pd.testing.assert_series_equal(res.params, plain.params)
        assert res.cells_replaced == res.rows_dropped == 0


def test_mean_replacement_and_casewise_match_seminr(mobi):
    sm = pytest.importorskip("seminr")
    coded, _ = with_codes(mobi, share=0.02, seed=5)
    mm = sm.constructs(*[sm.composite(k, v) for k, v in BLOCKS.items()])
    rel = sm.relationships(*[sm.paths(a, b) for a, b in ECSI_PATHS])
    for ours, theirs in (("mean", sm.mean_replacement), ("casewise", sm.na_omit)):
        ref = sm.estimate_pls(coded, mm, rel, missing=theirs, missing_value=-99)
        res = fit_pls(coded, BLOCKS, missing=-99, missing_treatment=ours, n_boot=0)
        for a, b in ECSI_PATHS:
            assert res.params[f"{a} -> {b}"] == pytest.approx(ref.path_coef.get(a, b),
                                                              abs=1e-8), (ours, a, b)
        assert res.nobs == ref.data.values.shape[0]


# ----------------------------------------------------------------------- the answer scale


def seven_point(n: int = 300, seed: int = 4, low: int = 1) -> pd.DataFrame:
    """Two constructs, three items each, answers 1-7 (clipped latent + noise)."""
    rng = np.random.default_rng(seed)
    xi = rng.standard_normal(n)
    eta = 0.6 * xi + 0.8 * rng.standard_normal(n)
    cols = {f"x{i}": xi for i in range(3)} | {f"y{i}": eta for i in range(3)}
    return pd.DataFrame({k: np.clip(np.round(4 + 1.5 * v + rng.normal(0, 0.8, n)), low, 7)
                         for k, v in cols.items()})


SEVEN_BLOCKS = {"X": ["x0", "x1", "x2"], "Y": ["y0", "y1", "y2"]}


def test_a_seven_point_survey_reaches_100():
    for low in (1, 2):  # also when nobody answered 1
        df = seven_point(low=low)
        assert df.to_numpy().min() == low and df.to_numpy().max() == 7
        res = silent_fit(df, SEVEN_BLOCKS, [("X", "Y")], n_boot=0)
        assert res.scale == (1.0, 7.0) and res.scale_source == "usual"
        assert "answer scale 1–7 inferred" in res.notes[0]
        ends = res.predict(pd.DataFrame({c: [1.0, 7.0] for c in df.columns}))
        np.testing.assert_allclose(ends.to_numpy(), [[0, 0], [100, 100]], atol=1e-9)
    # respondents who answered 7 throughout score 100 in the fitted index
    top = (df == 7).all(axis=1)
    assert top.any()
    np.testing.assert_allclose(res.index.loc[top].to_numpy(), 100, atol=1e-9)
    # the old default (1, 10) caps them at 100·6/9 ≈ 67: still possible, when asked for
    old = silent_fit(df, SEVEN_BLOCKS, [("X", "Y")], scale=(1, 10), n_boot=0)
    np.testing.assert_allclose(old.index.loc[top].to_numpy(), 100 * 6 / 9, atol=1e-9)
    assert old.scale_source == "given"


def test_scales_outside_the_usual_ones_use_the_observed_range():
    rng = np.random.default_rng(1)
    df = pd.DataFrame(rng.normal(size=(80, 4)), columns=["a0", "a1", "b0", "b1"])
    res = silent_fit(df, {"A": ["a0", "a1"], "B": ["b0", "b1"]}, [("A", "B")], n_boot=0)
    lo, hi = df.to_numpy().min(), df.to_numpy().max()
    assert res.scale == (lo, hi) and res.scale_source == "observed"
    assert "observed range" in res.notes[0]


def test_a_value_outside_the_given_scale_warns_with_column_and_row():
    df = seven_point().set_axis([f"resp{i}" for i in range(300)])
    with pytest.warns(ScaleWarning, match=r"1 answer\(s\) lie outside the scale 1–5: column "
                                          r"'x0' row 'resp0' has \d"):
        fit_pls(df.clip(upper=5).assign(x0=df["x0"].clip(upper=5).where(
            df.index != "resp0", 6)), SEVEN_BLOCKS, [("X", "Y")], scale=(1, 5), n_boot=0)
    with pytest.raises(ValueError, match="scale"):
        fit_pls(df, SEVEN_BLOCKS, [("X", "Y")], scale=(7, 1))


def test_an_undeclared_code_warns_when_the_scale_is_inferred(mobi):
    df = mobi.copy()
    df.loc[[3, 7], "CUEX1"] = -99.0
    with pytest.warns(ScaleWarning, match=r"no usual survey scale .* holds the answers -99…10;"
                                          r" column 'CUEX1' row 3 has -99 \(2 cells\)\. If -99 is"
                                          r" a missing-value code pass missing=-99"):
        fit_pls(df, BLOCKS, n_boot=0)
    five = seven_point().clip(upper=5)
    five.loc[10, "y1"] = 9  # "don't know" on a 1-5 survey
    with pytest.warns(ScaleWarning, match=r"the answer 9 stands apart .* nearest is 5.*"
                                          r"column 'y1' row 10 has 9"):
        fit_pls(five, SEVEN_BLOCKS, [("X", "Y")], n_boot=0)
    # declared, the code is gone and the scale is the survey's
    res = silent_fit(five, SEVEN_BLOCKS, [("X", "Y")], missing=9, missing_treatment="mean",
                     n_boot=0)
    assert res.scale == (1.0, 5.0) and res.cells_replaced == 1
