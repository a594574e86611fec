"""Calibration targets of the presets: published bands and the simulated values beside them.

Each preset has target bands for what a researcher would measure on its cohort (monthly churn
in and after the contract, the satisfaction index, NPS, CSAT, the drop after signing, and for
the subscription preset the sBG heterogeneity). A band either comes from a published source
(``kind="published"``, the figures and sources in ``docs/calibration.md``) or is a design
target where no published figure fits (``kind="design"``), and says which. :func:`measure`
computes the figures from any ``Journeys``; :func:`check_preset` simulates a preset at the
default size and sets every figure against its band. ``python tools/write_calibration.py``
writes ``docs/calibration.md`` from these bands and the simulated values.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from journey import metrics
from journey.errors import ParameterError
from journey.scenario import Scenario, load_preset
from journey.schema import Journeys

DEFAULT_SIZE = {"n_customers": 20_000, "months": 36, "seed": 1}


@dataclass(frozen=True)
class Band:
    """A target range ``[lo, hi]`` for one figure of one preset, with its source."""

    figure: str
    lo: float
    hi: float
    kind: str  # "published" or "design"
    source: str

    def holds(self, value: float) -> bool:
        return bool(np.isfinite(value) and self.lo <= value <= self.hi)


FIGURES = {
    "in_contract_churn": "mean monthly exit share, months 1 to term - 1",
    "post_term_churn": "mean monthly exit share, the lapse month and the 6 months after it",
    "churn_1_12": "mean monthly exit share, months 1-12",
    "churn_falls": "monthly exit share, months 25-36 over months 1-6 (< 1: falls with tenure)",
    "satisfaction_index": "10 x mean satisfaction rating in service surveys (0-100, as ACSI)",
    "nps": "NPS of the likelihood-to-recommend item, service phase",
    "csat": "share of service satisfaction ratings >= 8",
    "drop_0_6": "within-customer drop of S from signing to month 6 (points 0-10)",
    "sbg_alpha": "sBG alpha fitted to the monthly survivors, months 0-24",
    "sow_change_after_entry": "mean share of wallet 12+ months after the competitor entry,"
                              " minus the share at entry",
}

_ACSI_WIRELESS = "ACSI wireless phone service 73-76 (2018-2024)"
_DROP = ("a visible drop after signing (seed 002), far below the 3-6 points the"
         " first engine produced; no published within-customer figure")
_CSAT = ("consistent with the satisfaction band under the rating noise (top-box share"
         " of a 0-10 item)")

BANDS: dict[str, tuple[Band, ...]] = {
    "telecom": (
        Band("in_contract_churn", 0.0066, 0.0102, "published",
             "postpaid phone churn 0.76-0.92 %/month (Verizon, AT&T, T-Mobile 2018-2025),"
             " +/- 0.1 point for the sampling error of a 20,000-prospect cohort"),
        Band("post_term_churn", 0.015, 0.06, "design",
             "Ofcom: out-of-contract customers switch more; a spike several times the"
             " in-contract rate"),
        Band("satisfaction_index", 70.0, 80.0, "published", _ACSI_WIRELESS),
        Band("nps", 8.0, 25.0, "published", "wireless NPS in the teens (Forrester 2019),"
             " +/- 5 points for sampling and survey method"),
        Band("csat", 0.35, 0.65, "design", _CSAT),
        Band("drop_0_6", 0.5, 2.0, "design", _DROP),
    ),
    "subscription": (
        Band("churn_1_12", 0.03, 0.08, "published",
             "premium streaming 4.6-5.3 %/month (Antenna 2024-25); B2C 6.8-7 % (Recurly)"),
        Band("churn_falls", 0.0, 0.7, "published",
             "churn falls with tenure in real cohorts (Fader & Hardie 2007)"),
        Band("sbg_alpha", 0.3, 3.0, "published",
             "sBG alpha 0.67-0.70 on real renewal cohorts (Fader & Hardie 2007)"),
        Band("satisfaction_index", 72.0, 82.0, "published", "ACSI video streaming 74-79"),
        Band("nps", 30.0, 67.0, "published", "streaming media NPS 39 (Temkin 2018); Netflix"
             " 64-67 (vendor data)"),
        Band("csat", 0.35, 0.7, "design", _CSAT),
        Band("drop_0_6", 0.3, 2.0, "design", _DROP),
    ),
    "housing": (
        Band("churn_1_12", 0.002, 0.006, "published",
             "homeowners move 4.9 % a year, 0.42 %/month (US Census CPS 2018-19)"),
        Band("satisfaction_index", 60.0, 80.0, "design",
             "no ACSI industry for developers' after-sales service"),
        Band("nps", -30.0, 30.0, "design", "no published home-builder NPS found"),
        Band("csat", 0.25, 0.65, "design", _CSAT),
        Band("drop_0_6", 0.5, 2.0, "design", _DROP),
    ),
    "bank_partners": (
        Band("churn_1_12", 0.0, 0.005, "design",
             "dealers keep the relationship and move volume instead (seed 000)"),
        Band("sow_change_after_entry", -0.3, -0.02, "design",
             "share of wallet erodes after a competitor enters (seed 000)"),
        Band("satisfaction_index", 72.0, 85.0, "published", "ACSI banks 78-80 (2020-2025)"),
        Band("nps", -10.0, 40.0, "design", "no published dealer NPS found"),
        Band("csat", 0.35, 0.7, "design", _CSAT),
        Band("drop_0_6", 0.2, 2.0, "design", _DROP + "; a key account manager keeps the bond"),
    ),
}


def measure(j: Journeys, scenario: Scenario) -> dict[str, float]:
    """Every figure of :data:`FIGURES` that applies to this cohort (see each description)."""
    hz = metrics.life_table(j).set_index("month")["hazard"]
    out: dict[str, float] = {}
    term = scenario.term_months
    if term > 0:
        out["in_contract_churn"] = float(hz.loc[1:term - 1].mean())
        out["post_term_churn"] = float(hz.loc[term:term + 6].mean())
    out["churn_1_12"] = float(hz.loc[1:12].mean())
    out["churn_falls"] = float(hz.loc[25:36].mean() / hz.loc[1:6].mean())
    scores = metrics.survey_scores(j, by="phase").set_index("phase")
    if "service" in scores.index:
        service = scores.loc["service"]
        out["satisfaction_index"] = 10.0 * float(service["mean_rating"])
        out["nps"], out["csat"] = float(service["nps"]), float(service["csat"])
    out["drop_0_6"] = metrics.satisfaction_drop(j, 6)
    if term == 0:
        from journey.models import fit_sbg
        from journey.models.sbg import survivors_table

        s = survivors_table(j.customers, period_months=1)["survivors"].to_numpy()[:25]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            out["sbg_alpha"] = float(fit_sbg(s).alpha)
    entry = scenario.competitor_entry_month
    if scenario.partners and entry >= 0:
        sow = j.panel.loc[j.panel["month"] >= 0].groupby("month")["share_of_wallet"].mean()
        out["sow_change_after_entry"] = float(sow.loc[entry + 12:].mean() - sow.loc[entry])
    return out


def check_preset(name: str, n_customers: int = DEFAULT_SIZE["n_customers"],
                 months: int = DEFAULT_SIZE["months"], seed: int = DEFAULT_SIZE["seed"],
                 ) -> pd.DataFrame:
    """Simulate a preset and set each figure against its band: one row per band with
    columns figure, value, lo, hi, inside, kind, source."""
    from journey.simulate import simulate

    sc = load_preset(name)
    return against_bands(simulate(sc, n_customers, months, seed), sc, name)


def against_bands(j: Journeys, scenario: Scenario, preset: str) -> pd.DataFrame:
    """A cohort's figures (:func:`measure`) against the bands of ``preset``: one row per band
    with columns figure, value, lo, hi, inside, kind, source."""
    if preset not in BANDS:
        raise ParameterError(f"preset {preset!r} has no bands; expected one of {', '.join(BANDS)}")
    values = measure(j, scenario)
    return pd.DataFrame([{"figure": b.figure, "value": values.get(b.figure, math.nan),
                          "lo": b.lo, "hi": b.hi, "inside": b.holds(values.get(b.figure, math.nan)),
                          "kind": b.kind, "source": b.source} for b in BANDS[preset]])
