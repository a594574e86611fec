"""Hand-computed checks of the Jones & Sasser and Dick & Basu segments."""

import numpy as np
import pandas as pd
import pytest

from journey.metrics import (
    customer_states,
    dick_basu_segments,
    jones_sasser_segments,
    segment_shares,
)


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


def test_dick_basu_types():
    db = dick_basu_segments(P).set_index("customer_id")
    assert db["segment"].astype(str).tolist() == ["true", "spurious", "latent", "none",
                                                  "latent"]
    np.testing.assert_allclose(db["patronage"], [1.0, 1.0, 0.0, 0.0, 0.3])
    db2 = dick_basu_segments(P, patronage_threshold=0.25).set_index("customer_id")
    assert db2.loc[5, "segment"] == "true"


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
    sh1 = segment_shares(dick_basu_segments(one)).set_index("segment")
    assert sh1.loc["none", "share"] == 1.0 and sh1["n"].sum() == 1


def test_no_customers_gives_nan_shares():
    empty = P.loc[P["month"] < 0]
    sh = segment_shares(jones_sasser_segments(empty))
    assert sh["n"].sum() == 0 and sh["share"].isna().all()
