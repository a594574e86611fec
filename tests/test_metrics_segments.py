"""Hand-computed checks of the Jones & Sasser and Dick & Basu segments."""

import numpy as np
import pandas as pd
import pytest

from journey.metrics import (
    ALTERNATIVE_REFERENCE,
    customer_states,
    dick_basu_segments,
    jones_sasser_segments,
    segment_shares,
)
from journey.schema import JourneyDataError, Journeys


def panel(rows):
    df = pd.DataFrame(rows, columns=["customer_id", "month", "S", "exited", "share_of_wallet"])
    df["phase"] = np.where(df["month"] < 0, "courtship", "service")
    return df


# rows deliberately out of order: the metrics sort by customer and month
P = panel([
    (2, 1, 3.0, False, 1.0),
    (1, -1, 1.0, False, 1.0),  # courtship: ignored
    (1, 0, 6.0, False, 1.0), (1, 1, 8.0, False, 1.0),    # loyalist (last S 8, stays)
    (2, 0, 9.0, False, 1.0),                             # hostage (last S 3, stays)
    (3, 0, 9.0, False, 1.0), (3, 1, 7.0, True, 1.0),     # mercenary (last S 7, left)
    (4, 0, 2.0, True, 1.0),                              # defector
    (5, 0, 8.0, False, 0.9), (5, 1, 9.0, False, 0.3),    # partner: high S, low share
    (6, -2, 5.0, False, 1.0),                            # a prospect who never signed
])


def test_customer_states():
    st = customer_states(P).set_index("customer_id")
    assert st.index.tolist() == [1, 2, 3, 4, 5]  # the prospect has no service months
    assert st["months"].tolist() == [2, 2, 2, 1, 2]
    np.testing.assert_allclose(st["S_mean"], [7.0, 6.0, 8.0, 2.0, 8.5])
    np.testing.assert_allclose(st["S_last"], [8.0, 3.0, 7.0, 2.0, 9.0])
    assert st["exited"].tolist() == [False, False, True, True, False]
    np.testing.assert_allclose(st["share_of_wallet_last"], [1, 1, 1, 1, 0.3])


def test_jones_sasser_quadrants():
    seg = jones_sasser_segments(P).set_index("customer_id")["segment"]
    assert seg.astype(str).tolist() == ["loyalist", "hostage", "mercenary", "defector",
                                        "loyalist"]
    by_mean = jones_sasser_segments(P, satisfaction="mean").set_index("customer_id")["segment"]
    assert by_mean.loc[1] == "loyalist" and by_mean.loc[2] == "hostage"  # means 7.0 and 6.0
    assert jones_sasser_segments(P, s_threshold=8.5).set_index("customer_id").loc[
        1, "segment"] == "hostage"
    with pytest.raises(ValueError, match="satisfaction"):
        jones_sasser_segments(P, satisfaction="median")


def test_segment_shares_list_every_category():
    sh = segment_shares(jones_sasser_segments(P)).set_index("segment")
    assert sh.index.tolist() == ["loyalist", "hostage", "mercenary", "defector"]
    assert sh["n"].tolist() == [2, 1, 1, 1]
    np.testing.assert_allclose(sh["share"], [0.4, 0.2, 0.2, 0.2])
    with pytest.raises(ValueError, match="segment"):
        segment_shares(pd.DataFrame({"x": [1]}))


def test_nobody_exits_and_one_customer():
    stay = P.assign(exited=False)
    sh = segment_shares(jones_sasser_segments(stay)).set_index("segment")
    assert sh.loc["mercenary", "n"] == 0 and sh.loc["defector", "n"] == 0
    one = P.loc[P["customer_id"] == 4]
    sh1 = segment_shares(jones_sasser_segments(one)).set_index("segment")
    assert sh1.loc["defector", "share"] == 1.0 and sh1["n"].sum() == 1


def test_no_customers_gives_nan_shares():
    empty = P.loc[P["month"] < 0]
    sh = segment_shares(jones_sasser_segments(empty))
    assert sh["n"].sum() == 0 and sh["share"].isna().all()


# Dick & Basu on a Journeys. Customers 1-6 hold a 2-month term (renewal choice in month 2),
# 7 is a partner and 8-9 have no fixed term. The reference for the best alternative is 7.5
# unless the panel's S_alt holds a rating (customer 6: 5 in month 0, 4 in month 2).
def journeys_for_dick_basu():
    rows = []  # (customer_id, month, S, exited, share_of_wallet, S_alt)
    nan = np.nan
    rows += [(1, m, s, False, 1.0, nan) for m, s in [(0, 8.0), (1, 8.0), (2, 9.0)]]
    rows += [(2, m, s, False, 1.0, nan) for m, s in [(0, 8.0), (1, 8.0), (2, 7.2)]]
    rows += [(3, 0, 9.0, False, 1.0, nan), (3, 1, 8.0, True, 1.0, nan)]
    rows += [(4, m, 3.0, False, 1.0, nan) for m in range(3)]
    rows += [(5, m, 9.0, False, 1.0, nan) for m in range(2)]  # still in its first term
    rows += [(6, 0, 6.0, False, 1.0, 5.0), (6, 1, 6.0, False, 1.0, nan),
             (6, 2, 6.0, False, 1.0, 4.0)]
    rows += [(7, 0, 8.0, False, 0.9, nan), (7, 1, 8.0, False, 0.3, nan)]  # partner
    rows += [(8, 0, 8.0, False, 1.0, nan), (8, 1, 8.0, False, 1.0, nan)]  # no term, paid again
    rows += [(9, 0, 8.0, False, 1.0, nan)]  # no term, only the signing month so far
    rows += [(10, -1, 5.0, False, 1.0, nan)]  # a prospect who never signed
    panel = pd.DataFrame(rows, columns=["customer_id", "month", "S", "exited",
                                        "share_of_wallet", "S_alt"])
    panel["phase"] = np.where(panel["month"] < 0, "courtship", "service")
    customers = pd.DataFrame({
        "customer_id": range(1, 11),
        "is_partner": [False] * 6 + [True] + [False] * 3,
        "term_months": [2] * 6 + [0, 0, 0, 2],
    })
    events = pd.DataFrame({"customer_id": [1, 2, 4, 6, 7, 3],
                           "month": [2, 2, 2, 2, 1, 0],
                           "kind": ["recontract", "rollover", "rollover", "rollover",
                                    "idea", "survey"]})
    return Journeys(customers, events, panel)


J = journeys_for_dick_basu()


def test_dick_basu_types_by_hand():
    db = dick_basu_segments(J).set_index("customer_id")
    assert ALTERNATIVE_REFERENCE == 7.5
    assert db.index.tolist() == [1, 2, 3, 4, 5, 6, 7, 8, 9]
    np.testing.assert_allclose(db["reference"], [7.5] * 5 + [4.0] + [7.5] * 3)
    np.testing.assert_allclose(db["relative_attitude"],
                               [1.5, -0.3, 0.5, -4.5, 1.5, 2.0, 0.5, 0.5, 0.5])
    np.testing.assert_allclose(db["patronage"], [1, 1, 0, 1, np.nan, 1, 0.3, 1, np.nan])
    seg = db["segment"].astype(object).where(db["segment"].notna(), None).tolist()
    assert seg == ["true", "spurious", "latent", "spurious", None, "true", "latent", "true",
                   None]
    sh = segment_shares(dick_basu_segments(J)).set_index("segment")
    assert sh["n"].tolist() == [3, 2, 2, 0]  # 7 classified customers
    np.testing.assert_allclose(sh["share"], [3 / 7, 2 / 7, 2 / 7, 0])


def test_dick_basu_differs_from_jones_sasser():
    js = jones_sasser_segments(J.panel).set_index("customer_id")["segment"].astype(str)
    db = dick_basu_segments(J).set_index("customer_id")["segment"]
    # the Jones & Sasser quadrant read as a Dick & Basu type (the old, binary mapping)
    as_db = js.map({"loyalist": "true", "hostage": "spurious", "mercenary": "latent",
                    "defector": "none"})
    differs = [c for c in db.index if db.isna()[c] or db[c] != as_db[c]]
    # 2: S 7.2 clears 7 but not the alternative (7.5); 5, 9: no repurchase choice yet;
    # 6: S 6 is low, yet above its own rating of the alternative (4); 7: share of wallet 0.3
    assert differs == [2, 5, 6, 7, 9]
    js_sh = segment_shares(jones_sasser_segments(J.panel))["share"].to_numpy()
    db_sh = segment_shares(dick_basu_segments(J))["share"].to_numpy()
    assert not np.allclose(js_sh, db_sh)


def test_dick_basu_parameters():
    no_alt = dick_basu_segments(J, alternative=None).set_index("customer_id")
    assert no_alt.loc[6, "reference"] == 7.5 and no_alt.loc[6, "segment"] == "spurious"
    low_ref = dick_basu_segments(J, reference=7.0).set_index("customer_id")
    assert low_ref.loc[2, "segment"] == "true"
    strict = dick_basu_segments(J, margin=1.0).set_index("customer_id")
    assert strict.loc[1, "segment"] == "true" and strict.loc[8, "segment"] == "spurious"
    share = dick_basu_segments(J, patronage_threshold=0.25).set_index("customer_id")
    assert share.loc[7, "segment"] == "true"
    by_mean = dick_basu_segments(J, satisfaction="mean").set_index("customer_id")
    assert by_mean.loc[6, "reference"] == 4.5  # mean of the answered ratings 5 and 4
    assert by_mean.loc[2, "relative_attitude"] == pytest.approx((8 + 8 + 7.2) / 3 - 7.5)


def test_dick_basu_needs_journeys_with_known_customers():
    with pytest.raises(JourneyDataError, match="Journeys"):
        dick_basu_segments(J.panel)
    lost = Journeys(J.customers.loc[J.customers["customer_id"] != 8], J.events, J.panel)
    with pytest.raises(JourneyDataError, match="id 8"):
        dick_basu_segments(lost)
