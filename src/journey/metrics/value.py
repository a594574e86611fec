"""Customer lifetime value from the retention curve, and the value a breakdown destroys.

``CLV = Σ_{t=0}^{H−1} m · S(t) / (1 + d)^t`` per signed customer, with ``S(t)`` the share still a
customer at the start of month t (``S(0) = 1``), ``m`` the monthly margin and ``d`` the monthly
discount rate (Gupta, Lehmann & Stuart 2004; Fader & Hardie 2010 for the retention-curve form).
The sum stops at the horizon ``H`` the data observe; nothing is extrapolated (the sBG model in
``journey.models`` gives DERL beyond it).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from journey.metrics._tables import TableLike, need
from journey.metrics.retention import life_table
from journey.schema import JourneyDataError, Journeys


def _margin(data: TableLike, margin: float | None) -> float:
    if margin is not None:
        if not np.isfinite(margin):
            raise ValueError(f"margin must be a finite number per month, got {margin}")
        return float(margin)
    if not isinstance(data, Journeys):
        raise ValueError("margin is needed when data is a panel DataFrame (no customers.price)")
    c = data.customers
    need(c, ["price", "signed"], "customers", "clv")
    price = c.loc[c["signed"].to_numpy(dtype=bool), "price"].to_numpy("float64")
    if price.size == 0:
        raise JourneyDataError("customers: clv found no signed customer to take a price from")
    return float(price.mean())


def _observed(lt: pd.DataFrame) -> int:
    if lt.empty:
        raise JourneyDataError("panel: clv needs service months (month >= 0); found none")
    return int(lt["month"].iloc[-1]) + 1


def clv_table(data: TableLike, margin: float | None = None, discount: float = 0.01,
              horizon: int | None = None) -> pd.DataFrame:
    """The terms of the CLV sum, one row per month: ``m · S(t) / (1 + d)^t``.

    ``S(t)`` (start of month t) is the life-table survival to the end of month t − 1
    (:func:`journey.metrics.life_table`); ``m`` is ``margin`` or, when ``None``, the mean
    monthly ``customers.price`` of signed customers (revenue CLV); ``d`` is ``discount`` per
    month. ``horizon`` = months summed (default: every observed month). Gupta, Lehmann &
    Stuart (2004).

    Returns columns month, survival_start, discount_factor, value, cumulative.
    """
    if not 0.0 <= discount < 1.0:
        raise ValueError(f"discount must be a monthly rate in [0, 1), got {discount}")
    return _terms(life_table(data), _margin(data, margin), discount, horizon)


def _terms(lt: pd.DataFrame, m: float, discount: float, horizon: int | None) -> pd.DataFrame:
    observed = _observed(lt)
    H = observed if horizon is None else int(horizon)
    if not 1 <= H <= observed:
        raise ValueError(f"horizon must be within 1..{observed} observed months, got {horizon}")
    surv_end = lt.set_index("month")["survival"].reindex(range(H)).ffill().to_numpy()
    s_start = np.r_[1.0, surv_end[:-1]]
    t = np.arange(H)
    disc = (1.0 + discount) ** -t.astype("float64")
    value = m * s_start * disc
    return pd.DataFrame({"month": t, "survival_start": s_start, "discount_factor": disc,
                         "value": value, "cumulative": np.cumsum(value)})


def clv(data: TableLike, margin: float | None = None, discount: float = 0.01,
        horizon: int | None = None) -> float:
    """Expected discounted value per signed customer: ``Σ_t m · S(t) / (1 + d)^t``.

    Gupta, Lehmann & Stuart (2004); Fader & Hardie (2010). See :func:`clv_table` for the
    terms, the default margin and the horizon.
    """
    return float(clv_table(data, margin, discount, horizon)["value"].sum())


def clv_lost(counterfactual: TableLike, scenario: TableLike, margin: float | None = None,
             discount: float = 0.01, horizon: int | None = None) -> float:
    """CLV a breakdown destroys: ``CLV(counterfactual) − CLV(scenario)`` per signed customer.

    Both CLVs (Gupta, Lehmann & Stuart 2004) use the same ``discount`` and horizon (default:
    the months both cohorts observe), and ``margin`` (default: each cohort's own mean price,
    so a price change counts as part of the breakdown). Positive = the scenario loses value.
    """
    if not 0.0 <= discount < 1.0:
        raise ValueError(f"discount must be a monthly rate in [0, 1), got {discount}")
    lts = [life_table(x) for x in (counterfactual, scenario)]
    if horizon is None:
        horizon = min(_observed(lt) for lt in lts)
    cf, sc = (_terms(lt, _margin(x, margin), discount, horizon)["value"].sum()
              for lt, x in zip(lts, (counterfactual, scenario), strict=True))
    return float(cf - sc)
