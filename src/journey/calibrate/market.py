"""What a twin takes from the observed market: one segment, its one contract term and
price (with the preset's costs scaled to it), and the survival window the data observe."""

from __future__ import annotations

import numpy as np

from journey.calibrate.moments import MomentSpec
from journey.errors import JourneyDataError, ScenarioError
from journey.scenario import Scenario
from journey.schema import Journeys, durations

__all__ = ["moment_spec", "observed_contract", "one_market", "one_segment"]


def _terms(data: Journeys) -> np.ndarray:
    """The contract terms of the signed customers (none when the data hold no term)."""
    c = data.customers
    if "term_months" not in c.columns:
        return np.zeros(0, dtype=np.int64)
    return np.unique(c.loc[data.signed(), "term_months"].to_numpy())


def observed_contract(data: Journeys, base: Scenario) -> tuple[Scenario, list[str]]:
    """The twin keeps what the data observe: their one contract term and their mean price, with
    the preset's retention and acquisition costs scaled by the same price ratio (so the margin
    rate of the preset's economics is kept; docs/model.md, 4.1)."""
    c = data.customers
    changes: dict[str, float | int | str] = {}
    terms = _terms(data)  # one at most (one_market)
    if terms.size == 1 and int(terms[0]) != base.term_months:
        changes["term_months"] = int(terms[0])
        if terms[0] == 0:
            changes["fee_schedule"] = "none"
    if "term_months" in changes and base.financing_months > int(changes["term_months"]):
        changes["financing_months"] = int(changes["term_months"])  # falls due with the term
    if "price" in c.columns:
        price = float(np.nanmean(c.loc[data.signed(), "price"].to_numpy("float64")))
        if np.isfinite(price) and abs(price - base.price) > 1e-9:
            changes["price"] = round(price, 2)
            if base.price > 0:  # costs scale with the price (docs/model.md, 4.1)
                ratio = changes["price"] / base.price
                changes["retention_cost"] = round(base.retention_cost * ratio, 4)
                changes["acquisition_cost"] = round(base.acquisition_cost * ratio, 4)
    if not changes:
        return base, []
    told = ", ".join(f"{k} {getattr(base, k)} → {v}" for k, v in changes.items())
    return base.replace(**changes), [f"Taken from the data: {told}."]


def one_market(data: Journeys) -> None:
    """A scenario describes one market: refuse customers on several contract terms."""
    terms = _terms(data)
    if terms.size > 1:
        raise JourneyDataError(
            f"customers: several contract terms ({', '.join(map(str, terms))} months); a scenario"
            " describes one market: calibrate one segment at a time with --segment (journey"
            " import --group COL writes the segment)")


def one_segment(data: Journeys, segment: str) -> Journeys:
    c = data.customers
    if "segment" not in c.columns:
        raise JourneyDataError("customers: --segment needs a 'segment' column (journey import"
                               " --group COL writes one)")
    keep = (c["segment"].astype("object") == segment).to_numpy(dtype=bool)
    if not keep.any():
        seen = ", ".join(map(str, c["segment"].astype("object").unique()[:10]))
        raise JourneyDataError(f"customers: no customer in segment {segment!r}; the data hold"
                               f" {seen}")
    return data.only(c.loc[keep, "customer_id"].to_numpy())


def moment_spec(data: Journeys, base: Scenario, targets: tuple[str, ...], horizon: int | None,
          step: int) -> MomentSpec:
    if step < 1:
        raise ScenarioError(f"--step must be a positive number of months, got {step}")
    d = durations(data.customers, "calibration")
    if d.ids.size == 0:
        raise JourneyDataError("customers: calibration found no signed customer with service"
                               " months")
    at = d.counts()[0]
    observed = int(np.flatnonzero(at >= 30)[-1]) if (at >= 30).any() else int(d.last.max())
    H = min(observed, 120) if horizon is None else int(horizon)
    if not 1 <= H <= 600:
        raise ScenarioError(f"--horizon must be within 1..600 months, got {horizon}")
    terms = _terms(data)
    if "term_months" not in data.customers.columns:
        term = base.term_months or None
    else:
        positive = terms[terms > 0]
        term = int(positive[0]) if positive.size == 1 else None
    if term is not None and term + 1 > H:
        term = None
    return MomentSpec(targets, H, min(step, H), term)
