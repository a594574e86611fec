"""Hand-computed checks of the satisfaction metrics on small tables written here."""

import math

import numpy as np
import pandas as pd
import pytest

from journey.metrics import (
    courtship_service_gap,
    csat,
    disconfirmation_by_phase,
    nps,
    satisfaction_by_month,
    satisfaction_by_phase,
    satisfaction_drop,
    survey_scores,
    top_box_threshold,
    trough_month,
)
from journey.schema import JourneyDataError, Journeys


def panel(rows, cols=("customer_id", "month", "S")):
    df = pd.DataFrame(rows, columns=list(cols))
    m = df["month"].to_numpy()
    df["phase"] = np.where(m < 0, "courtship", np.where(m == 0, "signing", "service"))
    if "exited" not in df:
        df["exited"] = False
    return df


def events(ratings, kinds=None, months=None):
    n = len(ratings)
    return pd.DataFrame({
        "customer_id": np.arange(n),
        "month": months if months is not None else np.zeros(n, dtype=int),
        "phase": ["signing" if m == 0 else "service" for m in (months or [0] * n)],
        "kind": kinds or ["survey"] * n,
        "rating": np.array(ratings, dtype="float64"),
    })


# two customers: courtship S 8 and 6, signing 6 and 8, service 4 and 2
P2 = panel([(1, -1, 8.0), (1, 0, 6.0), (1, 1, 4.0), (2, -1, 6.0), (2, 0, 8.0), (2, 1, 2.0)])


def test_by_phase_mean_ci_and_quantiles():
    out = satisfaction_by_phase(P2).set_index("phase")
    assert list(out.index) == ["courtship", "signing", "service"]
    c = out.loc["courtship"]
    assert c["n"] == 2 and c["mean"] == 7.0
    assert c["sd"] == pytest.approx(math.sqrt(2))
    assert c["se"] == pytest.approx(1.0)
    # t_{1, 0.975} = 12.7062047 (Student's t table)
    assert c["ci_low"] == pytest.approx(7 - 12.7062047, abs=1e-6)
    assert c["ci_high"] == pytest.approx(7 + 12.7062047, abs=1e-6)
    assert c["p50"] == 7.0 and c["p10"] == pytest.approx(6.2)
    assert out.loc["service", "mean"] == 3.0


def test_by_month_one_customer_has_no_interval():
    out = satisfaction_by_month(P2.loc[P2["customer_id"] == 1])
    assert out["month"].tolist() == [-1, 0, 1]
    assert out["mean"].tolist() == [8.0, 6.0, 4.0]
    assert out["n"].tolist() == [1, 1, 1]
    assert out["ci_low"].isna().all()


def test_by_month_level_checked():
    with pytest.raises(ValueError, match="level"):
        satisfaction_by_month(P2, level=95)


def test_csat_and_nps_by_hand():
    # answered: 10 9 8 7 6 0 -> top box (>=8) 3/6; promoters 2/6, detractors 2/6
    ev = events([10, 9, 8, 7, 6, 0, np.nan, 1],
                kinds=["survey"] * 7 + ["contact"])  # unanswered survey and a non-survey ignored
    assert csat(ev, phase=None) == pytest.approx(0.5)  # month 0: the signing phase
    assert math.isnan(csat(ev))  # no service-phase answer
    assert csat(ev, threshold=9, phase=None) == pytest.approx(2 / 6)
    # NPS reads the likelihood-to-recommend item only, never the satisfaction rating
    assert math.isnan(nps(ev, phase=None))
    rec = events([10, 9, 8, 7, 6, 0, np.nan, 1], kinds=["recommend"] * 7 + ["survey"])
    assert nps(rec, phase=None) == pytest.approx(0.0)
    assert nps(events([10, 10, 3], kinds=["recommend"] * 3), phase=None) == pytest.approx(100 / 3)
    assert nps(events([0, 5], kinds=["recommend"] * 2), phase=None) == -100.0


def journey_events(rows):
    """rows: (customer_id, month, kind, rating); phase from the month."""
    df = pd.DataFrame(rows, columns=["customer_id", "month", "kind", "rating"])
    m = df["month"].to_numpy()
    df["phase"] = np.where(m < 0, "courtship", np.where(m == 0, "signing", "service"))
    return df


# Prospects 1-2 answer in courtship (months -2, -1), then as customers in service (month 3);
# customers 3-4 answer in service only. Satisfaction ratings and recommend answers differ.
EV = journey_events([
    (1, -2, "survey", 10.0), (1, -2, "recommend", 2.0),
    (2, -1, "survey", 9.0), (2, -1, "recommend", 1.0),
    (1, 3, "survey", 9.0), (1, 3, "recommend", 10.0),
    (2, 3, "survey", 9.0), (2, 3, "recommend", 9.0),
    (3, 3, "survey", 9.0), (3, 3, "recommend", 7.0),
    (4, 3, "survey", 6.0), (4, 3, "recommend", 3.0),
])


def test_nps_on_the_recommend_item_without_courtship_answers():
    # service recommend answers 10 9 7 3: promoters 2/4, detractors 1/4 -> NPS 25
    assert nps(EV) == pytest.approx(25.0)
    # pooled with the courtship answers 2 and 1: promoters 2/6, detractors 3/6 -> -16.7
    assert nps(EV, phase=None) == pytest.approx(100 * (2 - 3) / 6)
    # the same formula on the service satisfaction ratings 9 9 9 6 would give 50
    sat = EV.loc[(EV["kind"] == "survey") & (EV["month"] > 0), "rating"].to_numpy()
    assert 100 * (np.mean(sat >= 9) - np.mean(sat <= 6)) == pytest.approx(50.0)
    assert nps(EV, phase="courtship") == -100.0


def test_csat_counts_service_ratings_in_the_top_box():
    # service ratings 9 9 9 6: 3 of 4 at or above 7.5; with courtship 10 and 9: 5 of 6
    assert csat(EV) == pytest.approx(0.75)
    assert csat(EV, phase=None) == pytest.approx(5 / 6)
    assert csat(EV, threshold=9.5) == 0.0


def test_top_box_threshold_by_scale():
    assert top_box_threshold() == 7.5  # 0-10: answers 8, 9, 10
    assert top_box_threshold((1, 5)) == 4.0  # top 2 box of a 5-point item: 4, 5
    assert top_box_threshold((1, 7)) == 5.5  # top 2 box of a 7-point item: 6, 7
    assert top_box_threshold((1, 10)) == 7.75
    with pytest.raises(ValueError, match="scale"):
        top_box_threshold((5, 5))


def test_csat_on_a_five_point_scale():
    five = journey_events([(i, 2, "survey", float(r)) for i, r in enumerate([1, 2, 3, 4, 5, 5])])
    assert csat(five, scale=(1, 5)) == pytest.approx(3 / 6)  # answers 4, 5, 5
    with pytest.raises(JourneyDataError, match="rating.*scale"):
        csat(journey_events([(1, 2, "survey", 0.0)]), scale=(1, 5))


def test_nps_counts_service_answers_by_default():
    # months 0 (signing) and 3 (service): only the service answers count by default
    rec = events([0, 0, 10, 9], kinds=["recommend"] * 4, months=[0, 0, 3, 3])
    assert nps(rec) == 100.0
    assert nps(rec, phase=None) == 0.0
    assert nps(rec, phase="signing") == -100.0


def test_no_surveyed_ratings_give_nan():
    ev = events([np.nan, 4.0], kinds=["survey", "contact"])
    assert math.isnan(csat(ev))
    assert math.isnan(nps(ev))
    assert survey_scores(ev).empty


def test_missing_rating_column_is_a_data_error():
    ev = events([9.0]).drop(columns="rating")
    with pytest.raises(JourneyDataError, match="rating"):
        nps(ev)


def test_survey_scores_by_phase_and_month():
    ev = pd.concat([events([10, 2, 8, 9], months=[0, 0, 3, 3]),
                    events([10, 2, 8, 9], kinds=["recommend"] * 4, months=[0, 0, 3, 3])])
    out = survey_scores(ev, by="phase").set_index("phase")
    assert out.loc["signing", "n"] == 2
    assert out.loc["signing", "mean_rating"] == 6.0
    assert out.loc["signing", "nps"] == 0.0
    assert out.loc["service", "csat"] == 1.0 and out.loc["service", "nps"] == 50.0
    by_m = survey_scores(ev, by="month")
    assert by_m["month"].tolist() == [0, 3]
    with pytest.raises(ValueError, match="by"):
        survey_scores(ev, by="channel")


def test_disconfirmation_by_phase():
    df = panel([(1, -1, 7.0, 6.0, 8.0), (1, 0, 7.0, 8.0, 7.0), (1, 1, 5.0, 7.0, 4.0)],
               cols=("customer_id", "month", "S", "E", "Q"))
    out = disconfirmation_by_phase(df).set_index("phase")
    assert out.loc["courtship", "D"] == 2.0
    assert out.loc["signing", "D"] == -1.0
    assert out.loc["service", "D"] == -3.0
    with pytest.raises(JourneyDataError, match="only simulated data"):
        disconfirmation_by_phase(P2)


def test_courtship_service_gap():
    df = panel([(1, -2, 5.0, 9.0), (1, -1, 5.0, 7.0), (1, 0, 5.0, 6.0), (1, 1, 5.0, 4.0),
                (1, 2, 5.0, 2.0)], cols=("customer_id", "month", "S", "Q"))
    assert courtship_service_gap(df) == pytest.approx(8.0 - 4.0)
    assert courtship_service_gap(df, k=2) == pytest.approx(8.0 - 5.0)
    assert courtship_service_gap(P2, "S") == pytest.approx(7.0 - 5.0)
    with pytest.raises(JourneyDataError, match="Q"):
        courtship_service_gap(P2)  # real data has no Q
    assert math.isnan(courtship_service_gap(P2.loc[P2["month"] >= 0], "S"))  # no courtship
    with pytest.raises(ValueError, match="k"):
        courtship_service_gap(df, k=0)


def test_satisfaction_drop_is_paired():
    df = panel([(1, 0, 8.0), (1, 6, 5.0),  # drop 3
                (2, 0, 9.0), (2, 1, 1.0),  # left before month 6: not counted
                (3, 0, 6.0), (3, 6, 7.0)])  # rise 1
    assert satisfaction_drop(df, k=6) == pytest.approx(1.0)
    assert math.isnan(satisfaction_drop(df, k=3))
    with pytest.raises(ValueError):
        satisfaction_drop(df, k=0)


def test_trough_month():
    df = panel([(1, -1, 0.0), (1, 0, 6.0), (1, 1, 4.0), (1, 2, 4.0), (1, 3, 5.0),
                (2, 0, 6.0), (2, 1, 2.0), (2, 2, 2.0), (2, 3, 7.0), (2, 4, 0.5)])
    # means: m0 6, m1 3, m2 3 (tie: earliest wins), m3 6, m4 0.5 with one customer
    assert trough_month(df) == 4
    assert trough_month(df, min_customers=2) == 1
    assert trough_month(df, max_month=3) == 1
    with pytest.raises(JourneyDataError, match="trough_month"):
        trough_month(df.loc[df["month"] < 0])


def test_journeys_and_dataframe_give_the_same():
    j = Journeys(customers=pd.DataFrame(), events=events([9.0, 3.0], kinds=["recommend"] * 2),
                 panel=P2)
    assert satisfaction_by_phase(j).equals(satisfaction_by_phase(P2))
    assert nps(j, phase=None) == 0.0
    with pytest.raises(JourneyDataError, match="Journeys"):
        nps([1, 2])
