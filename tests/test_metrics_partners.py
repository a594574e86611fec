"""Hand-computed checks of share-of-wallet over time and loyal-core concentration."""

import math

import numpy as np
import pandas as pd
import pytest

from journey.metrics import concentration_by_month, loyal_core_share, share_of_wallet_over_time
from journey.schema import Journeys


def panel(rows):
    df = pd.DataFrame(rows, columns=["customer_id", "month", "share_of_wallet", "exited"])
    df["phase"] = "service"
    df["S"] = 5.0
    return df


def customers(volumes, partner=None):
    n = len(volumes)
    return pd.DataFrame({"customer_id": range(1, n + 1), "volume": volumes,
                         "is_partner": partner if partner is not None else [True] * n,
                         "signed": True})


# partners 1 (volume 1) and 2 (volume 3) stay; partner 3 (volume 4) leaves in month 0
P = panel([(1, 0, 1.0, False), (2, 0, 1.0, False), (3, 0, 0.5, True),
           (1, 1, 0.5, False), (2, 1, 0.2, False)])


def test_share_of_wallet_over_time_by_hand():
    out = share_of_wallet_over_time(Journeys(customers([1.0, 3.0, 4.0]), pd.DataFrame(), P))
    assert out["n"].tolist() == [3, 3]
    np.testing.assert_allclose(out["mean_share"], [2.5 / 3, 0.7 / 3])  # the leaver counts 0
    np.testing.assert_allclose(out["volume_share"], [(1 + 3 + 2) / 8, (0.5 + 0.6) / 8])
    bare = share_of_wallet_over_time(P)  # without customers every volume is 1
    np.testing.assert_allclose(bare["volume_share"], bare["mean_share"])


def test_non_partners_are_left_out_when_partners_exist():
    cust = customers([1.0, 3.0, 4.0], partner=[True, True, False])
    out = share_of_wallet_over_time(Journeys(cust, pd.DataFrame(), P))
    np.testing.assert_allclose(out["mean_share"], [1.0, 0.35])


def test_concentration_by_hand():
    # firm volumes 1, 1, 1, 1, 6: top 20% = the one of 6 -> .6; HHI = 4·.01 + .36 = .4;
    # Gini = Σ|xi − xj| / (2 n² mean) = (8 pairs · 5) / (2 · 25 · 2) = .4
    df = panel([(i, 0, 1.0, False) for i in range(1, 6)])
    cust = customers([1.0, 1.0, 1.0, 1.0, 6.0])
    out = concentration_by_month(Journeys(cust, pd.DataFrame(), df)).iloc[0]
    assert out["n"] == 5
    assert out["top_share"] == pytest.approx(0.6)
    assert out["hhi"] == pytest.approx(0.4)
    assert out["gini"] == pytest.approx(0.4)
    assert concentration_by_month(Journeys(cust, pd.DataFrame(), df), top=0.5).iloc[0][
        "top_share"] == pytest.approx(8 / 10)  # ⌈2.5⌉ = 3 largest: 6 + 1 + 1


def test_equal_partners_and_one_partner():
    eq = concentration_by_month(panel([(i, 0, 0.5, False) for i in range(1, 5)])).iloc[0]
    assert eq["gini"] == pytest.approx(0.0) and eq["hhi"] == pytest.approx(0.25)
    assert eq["top_share"] == pytest.approx(0.25)  # ⌈0.8⌉ = 1 of 4 equal partners
    one = concentration_by_month(panel([(1, 0, 0.7, False)])).iloc[0]
    assert one["hhi"] == 1.0 and one["gini"] == 0.0 and one["top_share"] == 1.0
    none_left = concentration_by_month(panel([(1, 0, 0.0, False)])).iloc[0]
    assert math.isnan(none_left["hhi"]) and math.isnan(none_left["gini"])


def test_gini_and_hhi_against_pairwise_formulas():
    rng = np.random.default_rng(5)
    rows = [(i, m, float(rng.random()), False) for m in range(3) for i in range(1, 41)]
    df = panel(rows)
    out = concentration_by_month(df)
    for m in range(3):
        x = df.loc[df["month"] == m, "share_of_wallet"].to_numpy()
        gini = np.abs(x[:, None] - x[None, :]).sum() / (2 * x.size**2 * x.mean())
        assert out.loc[out["month"] == m, "gini"].item() == pytest.approx(gini)
        assert out.loc[out["month"] == m, "hhi"].item() == pytest.approx(((x / x.sum())**2).sum())
        top8 = np.sort(x)[-8:].sum() / x.sum()
        assert out.loc[out["month"] == m, "top_share"].item() == pytest.approx(top8)


def test_loyal_core_share():
    df = panel([(1, 0, 1.0, False), (2, 0, 1.0, False), (1, 1, 1.0, False), (2, 1, 0.0, False)])
    assert loyal_core_share(df) == 1.0  # last month: all volume from one of two partners
    assert loyal_core_share(df, month=0) == 0.5
    assert math.isnan(loyal_core_share(df, month=9))
    assert math.isnan(loyal_core_share(df.iloc[:0]))
    with pytest.raises(ValueError, match="top"):
        loyal_core_share(df, top=0.0)
