"""Customer lifetime value on margin, value per prospect, and the value a breakdown destroys.

Time convention (``docs/model.md``, "Economics"): month ``t = 0`` is the signing month; a
customer alive at the **start** of month t earns that month's margin (the month of exit is
paid, month 0 included), and cash flows are discounted to the signing month,
``(1 + d)^{−t}``. The acquisition cost of a prospect is paid at signing (undiscounted).

* margin per customer-month ``m = margin_rate · price − retention_cost`` (or an explicit
  ``margin``), price = mean monthly ``customers.price`` of signed customers;
* ``CLV = Σ_{t=0}^{H−1} m · S(t) / (1 + d)^t`` per signed customer, ``S(t)`` the share still a
  customer at the start of month t (``S(0) = 1``), H the months summed (Gupta, Lehmann &
  Stuart 2004; Fader & Hardie 2010 for the retention-curve form), optionally plus the
  residual value beyond H from a fitted sBG (:func:`clv`, ``residual="sbg"``);
* value per prospect ``V = (signed / prospects) · CLV − acquisition_cost`` (Blattberg &
  Deighton 1996: acquisition and retention spending judged together, per prospect reached);
* ``clv_lost = V(counterfactual) − V(scenario)``, per prospect, so that a counterfactual that
  changes who signs is compared on the same base.
"""

from __future__ import annotations

import math
import numbers
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from journey.errors import ParameterError
from journey.metrics._partial import Mean
from journey.metrics._tables import TableLike, need
from journey.metrics.retention import life_table
from journey.schema import JourneyDataError, Journeys

if TYPE_CHECKING:
    from journey.scenario import Scenario

Residual = Literal["sbg"] | None


@dataclass(frozen=True)
class Economics:
    """What a customer-month earns and what a prospect costs.

    Parameters
    ----------
    margin_rate
        Gross margin as a share of the price, in [0, 1] (1: revenue, no cost of service).
    acquisition_cost
        Cost of courting one prospect, signed or not (currency, paid at signing).
    retention_cost
        Cost of serving and keeping one customer for a month (currency per customer-month).
    discount
        Monthly discount rate d in [0, 1).

    The margin of a customer-month is ``m = margin_rate · price − retention_cost`` (Gupta,
    Lehmann & Stuart 2004, who take margins and acquisition costs from annual reports). The
    defaults give revenue CLV with no costs; :meth:`from_scenario` reads a scenario's
    documented figures (``docs/model.md``, section 4).
    """

    margin_rate: float = 1.0
    acquisition_cost: float = 0.0
    retention_cost: float = 0.0
    discount: float = 0.01

    def __post_init__(self) -> None:
        checks = (("margin_rate", 0.0, 1.0, "a share of the price in [0, 1]"),
                  ("acquisition_cost", 0.0, math.inf, "a cost >= 0 per prospect"),
                  ("retention_cost", 0.0, math.inf, "a cost >= 0 per customer-month"))
        for name, lo, hi, what in checks:
            v = getattr(self, name)
            if not (_real(v) and lo <= v <= hi and math.isfinite(v)):
                raise ParameterError(f"Economics: {name} must be {what}, got {v!r}")
        if not (_real(self.discount) and 0.0 <= self.discount < 1.0):
            raise ParameterError(f"Economics: discount must be a monthly rate in [0, 1), got"
                                 f" {self.discount!r}")

    @classmethod
    def from_scenario(cls, scenario: Scenario, discount: float = 0.01) -> Economics:
        """The scenario's ``margin_rate``, ``acquisition_cost`` and ``retention_cost``."""
        return cls(float(scenario.margin_rate), float(scenario.acquisition_cost),
                   float(scenario.retention_cost), float(discount))

    def margin(self, price: float) -> float:
        """Margin of one customer-month: ``margin_rate · price − retention_cost``."""
        return self.margin_rate * price - self.retention_cost


def _real(v: object) -> bool:
    return isinstance(v, numbers.Real) and not isinstance(v, bool)


def _economics(economics: Economics | None) -> Economics:
    if economics is None:
        return Economics()
    if not isinstance(economics, Economics):
        raise TypeError(f"economics must be an Economics, got {type(economics).__name__}")
    return economics


def _margin(data: TableLike, econ: Economics, margin: float | None) -> float:
    if margin is not None:
        if not np.isfinite(margin):
            raise ParameterError(f"margin must be a finite number per month, got {margin}")
        return float(margin)
    if not isinstance(data, Journeys):
        raise ParameterError("margin is needed when data is a panel DataFrame (no customers.price)")
    return econ.margin(mean_price(price_sum(data)))


def price_sum(data: Journeys) -> Mean:
    """Sum and count of ``customers.price`` over the signed customers (their mean price is
    :func:`clv`'s); raises when the customers table has no price."""
    c = data.customers
    need(c, ["price"], "customers", "clv (or pass margin=)")
    return Mean.of(c.loc[data.signed(), "price"].to_numpy("float64"))


def mean_price(price: Mean) -> float:
    """The mean monthly price of the signed customers from :func:`price_sum`."""
    if price.n == 0:
        raise JourneyDataError("customers: clv found no signed customer to take a price from")
    return price.value()


def _observed(lt: pd.DataFrame) -> int:
    if lt.empty:
        raise JourneyDataError("panel: clv needs service months (month >= 0); found none")
    return int(lt["month"].iloc[-1]) + 1


def _survival_start(lt: pd.DataFrame, H: int) -> np.ndarray:  # noqa: N803
    """``S(t)`` at the start of months ``t = 0 … H`` (H + 1 values; ``S(H)`` is the survival
    to the end of month H − 1, which the life table observes)."""
    surv_end = lt.set_index("month")["survival"].reindex(range(H)).ffill().to_numpy()
    return np.r_[1.0, surv_end]


def _horizon(lt: pd.DataFrame, horizon: int | None) -> int:
    observed = _observed(lt)
    H = observed if horizon is None else int(horizon)
    if not 1 <= H <= observed:
        raise ParameterError(f"horizon must be within 1..{observed} observed months, got {horizon}")
    return H


def clv_table(data: TableLike, economics: Economics | None = None, *,
              margin: float | None = None, horizon: int | None = None) -> pd.DataFrame:
    """The terms of the CLV sum, one row per month: ``m · S(t) / (1 + d)^t``.

    ``S(t)`` (start of month t) is the life-table survival to the end of month t − 1
    (:func:`journey.metrics.life_table`); ``m`` is ``margin`` or, when ``None``,
    ``economics.margin(price)`` with the mean monthly ``customers.price`` of signed customers;
    ``d`` is ``economics.discount``. ``horizon`` = months summed (default: every observed
    month). Gupta, Lehmann & Stuart (2004).

    Returns columns month, survival_start, discount_factor, value, cumulative.
    """
    econ = _economics(economics)
    lt = life_table(data)
    H = _horizon(lt, horizon)
    return _terms(_survival_start(lt, H)[:H], _margin(data, econ, margin), econ.discount)


def _terms(s_start: np.ndarray, m: float, discount: float) -> pd.DataFrame:
    t = np.arange(len(s_start))
    disc = (1.0 + discount) ** -t.astype("float64")
    value = m * s_start * disc
    return pd.DataFrame({"month": t, "survival_start": s_start, "discount_factor": disc,
                         "value": value, "cumulative": np.cumsum(value)})


def sbg_residual(s_start: np.ndarray, m: float, discount: float) -> float:
    """Discounted value beyond the horizon from an sBG fitted to ``S(1) … S(H)``.

    ``s_start`` holds ``S(t)`` at the start of months ``t = 0 … H``. Month 0 (the signing
    month, in which the simulator draws no exit) is left out: the sBG (Fader & Hardie 2007) is
    fitted to the survivors ``n_p = S(p + 1)/S(1)``, p = 0 … H − 1 (period p = month p + 1),
    and projects ``S(t) = S(H) · S_sBG(t − 1)/S_sBG(H − 1)`` for t ≥ H. With ``x = 1/(1 + d)``
    the residual value is

    ``R = Σ_{t≥H} m S(t) x^t = m · S(H) · x^H · [1 + x · DERL(d | α, β, H − 1)]``

    with DERL the discounted expected residual lifetime of a customer who has made H − 1
    renewals (Fader & Hardie 2010, eq. 6; :func:`journey.models.sbg.sbg_derl`). Without
    heterogeneity (polarization ``1/(α + β + 1) < 0.005``, where :func:`fit_sbg` reports that
    α and β run off to the geometric limit) the limit is used: constant churn θ̂ = (n_0 −
    n_{H−1}) / Σ_{p<H−1} n_p (its maximum-likelihood estimate) and
    ``R = m · S(H) · x^H / (1 − (1 − θ̂) x)``. Needs d > 0 and H ≥ 2.
    """
    from journey.models.sbg import fit_sbg, sbg_derl

    H = len(s_start) - 1
    if H < 2:
        raise ParameterError(f"residual='sbg' needs a horizon of at least 2 months, got {H}")
    if discount <= 0:
        raise ParameterError(f"residual='sbg' needs a discount > 0 (the sum is infinite), got"
                             f" {discount}")
    if s_start[H] <= 0:
        return 0.0
    x = 1.0 / (1.0 + discount)
    n = s_start[1:] / s_start[1]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = fit_sbg(n * 1e4)
    a, b = float(fit.params["alpha"]), float(fit.params["beta"])
    if 1.0 / (a + b + 1.0) < 0.005:  # the geometric limit of the sBG
        theta = (n[0] - n[-1]) / n[:-1].sum()
        return float(m * s_start[H] * x ** H / (1.0 - (1.0 - theta) * x))
    for w in caught:  # anything else the fit had to say
        warnings.warn(w.message, w.category, stacklevel=3)
    return float(m * s_start[H] * x ** H * (1.0 + x * sbg_derl(a, b, discount, H - 1)))


def clv(data: TableLike, economics: Economics | None = None, *, margin: float | None = None,
        horizon: int | None = None, residual: Residual = None) -> float:
    """Expected discounted margin per signed customer: ``Σ_{t<H} m · S(t) / (1 + d)^t``.

    Gupta, Lehmann & Stuart (2004); Fader & Hardie (2010). ``m``, ``d`` and the horizon as in
    :func:`clv_table`. The sum stops at H unless ``residual="sbg"``: then the value beyond H
    projected by a shifted-beta-geometric model fitted to the observed survival is added
    (:func:`sbg_residual` states the formula).
    """
    econ = _economics(economics)
    lt = life_table(data)
    _horizon(lt, horizon)  # checked before the price is read
    return clv_of(lt, _margin(data, econ, margin), econ.discount, horizon, residual)


def clv_of(lt: pd.DataFrame, m: float, discount: float, horizon: int | None = None,
           residual: Residual = None) -> float:
    """:func:`clv` from the life table and the margin per customer-month ``m``."""
    H = _horizon(lt, horizon)
    s = _survival_start(lt, H)
    value = float(_terms(s[:H], m, discount)["value"].sum())
    if residual is None:
        return value
    if residual != "sbg":
        raise ParameterError(f"residual must be None or 'sbg', got {residual!r}")
    return value + sbg_residual(s, m, discount)


def signed_share(data: Journeys) -> float:
    """Share of prospects who signed: signed rows / all rows of ``customers``.

    Real data usually hold only customers (every row signed), so the share is 1 and the
    acquisition cost then has to be read per acquired customer.
    """
    if not isinstance(data, Journeys):
        raise JourneyDataError("value per prospect needs a Journeys (customers.signed counts the"
                               f" prospects), got {type(data).__name__}")
    return signed_share_of(int(data.signed().sum()), len(data.customers))


def signed_share_of(signed: int, prospects: int) -> float:
    """:func:`signed_share` from the two counts."""
    if prospects == 0:
        raise JourneyDataError("customers: value_per_prospect found no prospects")
    return signed / prospects


def value_per_prospect(data: Journeys, economics: Economics | None = None, *,
                       margin: float | None = None, horizon: int | None = None,
                       residual: Residual = None) -> float:
    """Value of courting one prospect: ``(signed / prospects) · CLV − acquisition_cost``.

    Prospects are the rows of ``customers``, unsigned ones included; CLV is per signed
    customer (:func:`clv`, same arguments). Every prospect costs ``acquisition_cost``, only
    signers earn a margin (Blattberg & Deighton 1996; Gupta, Lehmann & Stuart 2004 net the
    acquisition cost off the value of a customer). For real data holding only signed
    customers the share is 1 and ``acquisition_cost`` must be the cost per acquired customer.
    """
    econ = _economics(economics)
    share = signed_share(data)
    if share == 0.0:
        return -econ.acquisition_cost
    return share * clv(data, econ, margin=margin, horizon=horizon,
                       residual=residual) - econ.acquisition_cost


def clv_lost(counterfactual: Journeys, scenario: Journeys, economics: Economics | None = None,
             *, margin: float | None = None, horizon: int | None = None,
             residual: Residual = None) -> float:
    """Value a breakdown destroys, per prospect: ``V(counterfactual) − V(scenario)``.

    ``V`` is :func:`value_per_prospect`: per prospect courted, so a counterfactual that changes
    who signs is compared on the same base (per signed customer a cohort that signs fewer but
    keeps them longer would look better although it earns less). Both use the same
    ``economics`` and horizon (default: the months both cohorts observe) and each cohort's own
    mean price, so a price change counts as part of the breakdown. Positive = the scenario
    loses value.
    """
    econ = _economics(economics)
    if horizon is None:
        horizon = min(_observed(life_table(x)) for x in (counterfactual, scenario))
    cf, sc = (value_per_prospect(x, econ, margin=margin, horizon=horizon, residual=residual)
              for x in (counterfactual, scenario))
    return float(cf - sc)
