"""Aalen–Johansen cumulative incidence: a hand-computed case with exits tied across causes, the
identity Σ_k CIF_k + S = 1 on a simulated cohort, and equality with lifelines'
AalenJohansenFitter (a test-only reference) to 1e-6 on simulated competing-risk data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from journey.models import cumulative_incidence, kaplan_meier
from journey.schema import JourneyDataError

TOL = 1e-6


def test_hand_computed_with_ties_across_causes() -> None:
    """t=1: 6 at risk, one exit for a and one for b: CIF_a = CIF_b = 1/6, S = 4/6.
    t=2: a censoring. t=3: 3 at risk, two exits for a: CIF_a = 1/6 + (4/6)(2/3) = 11/18,
    S = 2/9. t=4: 1 at risk, one exit for b: CIF_b = 1/6 + 2/9 = 7/18, S = 0."""
    df = pd.DataFrame({"duration": [1, 1, 2, 3, 3, 4],
                       "event": ["a", "b", None, "a", "a", "b"]})
    res = cumulative_incidence(df)
    pred = res.predict([0.5, 1, 2.5, 3, 4, 9])
    np.testing.assert_allclose(pred["a"], [0, 1 / 6, 1 / 6, 11 / 18, 11 / 18, 11 / 18],
                               atol=1e-14)
    np.testing.assert_allclose(pred["b"], [0, 1 / 6, 1 / 6, 1 / 6, 7 / 18, 7 / 18], atol=1e-14)
    assert res.params["cif[a]"] == pytest.approx(11 / 18, abs=1e-14)
    # variance at t=1 for a: only the middle term, S(0)^2·d_a·(n − d_a)/n^3 = 5/216
    c = res.curve()
    first_a = c[(c["cause"] == "a")].iloc[0]
    assert first_a["se"] == pytest.approx(np.sqrt(5 / 216), abs=1e-14)
    assert first_a["ci_low"] < 1 / 6 < first_a["ci_high"]
    assert res.events == 5 and res.nobs == 6 and res.causes == ["a", "b"]


def test_cause_selects_and_others_still_compete() -> None:
    df = pd.DataFrame({"duration": [1, 1, 2, 3, 3, 4], "event": [1, 2, 0, 1, 1, 2]})
    both = cumulative_incidence(df)
    only = cumulative_incidence(df, cause=[2])
    assert list(only.params.index) == ["cif[2]"]
    assert only.params["cif[2]"] == pytest.approx(both.params["cif[2]"], abs=1e-14)
    # treating cause 1 as censoring instead (1 − KM of cause 2) overstates cause 2
    km = kaplan_meier(df.assign(event=(df["event"] == 2).astype(int)))
    assert 1 - km.predict([4])[0] > only.params["cif[2]"]
    early = cumulative_incidence(df, at=1.5)
    assert early.params["cif[1]"] == pytest.approx(1 / 6, abs=1e-14) and early.at == 1.5


def test_incidences_and_survival_add_to_one(telecom_small) -> None:
    j = telecom_small
    res = cumulative_incidence(j)
    signed = j.customers[j.customers["signed"]]
    assert res.nobs == len(signed)
    assert set(res.causes) == set(signed["exit_reason"].dropna().astype(str))
    times = np.arange(0, 37)
    total = res.predict(times).sum(axis=1).to_numpy() + kaplan_meier(j).predict(times)
    np.testing.assert_allclose(total, 1.0, atol=1e-12)
    # before the first censoring, the CIF of a cause is the share of the cohort who left for
    # it (no one's outcome is unknown yet)
    censored = signed["exit_month"].isna()
    t = int(signed.loc[censored, "tenure_months"].min()) - 1
    assert t >= 3
    for cause in ("dissatisfaction", "competitor"):
        share = ((signed["exit_month"] <= t) & (signed["exit_reason"] == cause)).mean()
        assert res.predict([t])[cause].iloc[0] == pytest.approx(share, abs=1e-12)


def test_groups_and_plot(telecom_small) -> None:
    from matplotlib.figure import Figure

    res = cumulative_incidence(telecom_small, group="read_contract")
    assert len(res.groups) == 2
    assert all("|" in name for name in res.params.index)
    for g in res.groups:
        assert isinstance(res.plot(group=g), Figure)
    with pytest.raises(ValueError, match="group"):
        res.plot()


def test_bad_input_is_named() -> None:
    df = pd.DataFrame({"duration": [1.0, 2.0], "event": ["a", None]})
    with pytest.raises(JourneyDataError, match="'cause'|cause: 'z'"):
        cumulative_incidence(df, cause="z")
    with pytest.raises(JourneyDataError, match="'why'"):
        cumulative_incidence(df, event="why")
    with pytest.raises(JourneyDataError, match="no exits"):
        cumulative_incidence(df.assign(event=None))
    with pytest.raises(JourneyDataError, match="'duration' row 1"):
        cumulative_incidence(df.assign(duration=[1.0, -1.0]))


# --------------------------------------------------------------------- lifelines

def untied_cohort(telecom_small, seed: int = 11) -> pd.DataFrame:
    """The simulated cohort's signed customers, exit causes as integer codes (0 = censored),
    every duration moved by its own U(0, 0.5) offset so that no two times tie: lifelines
    would otherwise jitter tied exits of different causes at random."""
    c = telecom_small.customers
    c = c[c["signed"]]
    exit_m = c["exit_month"].to_numpy(dtype=float, na_value=np.nan)
    dur = np.where(np.isnan(exit_m), c["tenure_months"].to_numpy(dtype=float), exit_m)
    codes = {r: k + 1 for k, r in enumerate(sorted(c["exit_reason"].dropna().unique()))}
    ev = c["exit_reason"].astype("object").map(codes).fillna(0).astype(int).to_numpy()
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"duration": dur + rng.uniform(0, 0.5, dur.size), "event": ev})


def test_equals_lifelines_aalen_johansen(telecom_small) -> None:
    """Live only (its input is a simulated cohort, which moves with the simulator): skipped
    without lifelines, like the rest of this file's tests are not."""
    AalenJohansenFitter = pytest.importorskip(  # noqa: N806 - the class, as imported
        "lifelines", reason="lifelines is the test-only reference for Aalen-Johansen; not "
                            "installed").AalenJohansenFitter

    df = untied_cohort(telecom_small)
    assert df["duration"].duplicated().sum() == 0
    res = cumulative_incidence(df)
    curve = res.curve()
    assert len(res.causes) >= 3
    for k in res.causes:
        aj = AalenJohansenFitter().fit(df["duration"], df["event"], event_of_interest=k)
        ref = aj.cumulative_density_.iloc[:, 0]
        mine = res.predict(ref.index.to_numpy())[k].to_numpy()
        np.testing.assert_allclose(mine, ref.to_numpy(), atol=TOL)
        # variance and interval at the exits of any cause (lifelines' table also has the
        # censoring times, where nothing changes)
        ours = curve[curve["cause"] == k].set_index("time")
        at = ours.index.to_numpy()
        var = pd.Series(aj.variance_.to_numpy(), index=aj.event_table.index).loc[at]
        np.testing.assert_allclose(ours["se"].to_numpy() ** 2, var.to_numpy(), atol=TOL)
        ci = aj.confidence_interval_.loc[at].to_numpy()
        live = ~np.isnan(ci).any(axis=1)  # lifelines: NaN while its CIF is still 0
        assert live.sum() > 20
        # (lifelines' column labelled "upper" holds the smaller bound)
        np.testing.assert_allclose(ours["ci_low"].to_numpy()[live], ci[live].min(axis=1),
                                   atol=TOL)
        np.testing.assert_allclose(ours["ci_high"].to_numpy()[live], ci[live].max(axis=1),
                                   atol=TOL)
