"""A partner community under a competitor: the bond that managers and heard ideas build, and the
share of wallet its loyal core keeps once a competitor enters.

Partners (``partners: true``; ``docs/model.md`` 3.1 and 3.4, steps 6–7) keep a bond ``R`` with
the firm: it grows by the share ``g`` (``bond_growth``) of what is missing each month, loses the
share ``ℓ`` (``bond_loss``) when the partner's relationship manager leaves (probability ``p``,
``staff_turnover``: loyalty owned by the salesperson leaves with the salesperson; Palmatier,
Scheer & Steenkamp 2007; Bendapudi & Leone 2002), and moves with every idea the partner sends
(probability ``ι``, ``idea_rate``): an adopted idea (probability ``a``, ``ideas_adopted``) adds
``η (1 − R)``, an idea not adopted removes ``η R`` (``heard_bond``; voice that is heard or not,
Hirschman 1970). The share of wallet moves toward a target raised by the bond and lowered by a
competitor's pull, which the bond shields (3.4, step 7).

* :func:`bond_recursion`, :func:`steady_bond`, :func:`expected_bond`,
  :func:`adoption_for_bond` — the bond's expected path and steady state in closed form, the
  common scale on which the two drivers (managers leaving, ideas unheard) are compared;
* :func:`core_share_by_month`, :func:`core_erosion` — the share of wallet of the loyal core
  (the partners with the largest share before the competitor enters) month by month, and
  before and after the entry;
* :func:`community_sweep` — these, and any further measurement, for several scenarios on the
  same replication seeds (common random numbers; :mod:`journey.replications`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from journey.errors import ParameterError
from journey.metrics import loyal_core_share, share_of_wallet_over_time
from journey.metrics._tables import need, service_rows
from journey.replications import replication_seeds
from journey.scenario import Scenario
from journey.schema import JourneyDataError, Journeys
from journey.simulate import simulate

__all__ = ["CommunityRuns", "adoption_for_bond", "bond_recursion", "community_sweep",
           "core_erosion", "core_share_by_month", "expected_bond", "steady_bond"]


def bond_recursion(scenario: Scenario) -> tuple[float, float]:
    """``(c, b)`` of the expected bond's monthly recursion ``E[R_t] = c + b · E[R_{t−1}]``.

    In a service month ``t ≥ 1`` the bond first meets the relationship manager
    (``R' = (1 − ℓ) R`` with probability ``p``, else ``R' = R + g (1 − R)``), then the idea step
    (``R'' = R' + η (1 − R')`` with probability ``ι a``, ``(1 − η) R'`` with probability
    ``ι (1 − a)``, else ``R'``). Both steps are affine in ``R`` with random coefficients drawn
    independently of ``R``, so the expectation follows the affine recursion exactly:

    ``b = (1 − ι η) (1 − (1 − p) g − p ℓ)``,  ``c = ι a η + (1 − ι η) (1 − p) g``.

    Without partners (``partners: false``) there is no idea step (``ι = 0``). The expectation
    is over all partners as if none left: exits select on ``R`` (the bond is a barrier), which
    matters only where exits are frequent.
    """
    p, g, loss = scenario.staff_turnover, scenario.bond_growth, scenario.bond_loss
    iota = scenario.idea_rate if scenario.partners else 0.0
    eta, a = scenario.heard_bond, scenario.ideas_adopted
    keep = 1.0 - iota * eta
    return iota * a * eta + keep * (1.0 - p) * g, keep * (1.0 - (1.0 - p) * g - p * loss)


def steady_bond(scenario: Scenario) -> float:
    """The bond the expected path settles at, ``R* = c / (1 − b)`` (:func:`bond_recursion`);
    ``NaN`` when nothing moves the bond (``b = 1``)."""
    c, b = bond_recursion(scenario)
    return c / (1.0 - b) if b < 1.0 else math.nan


def expected_bond(scenario: Scenario, r0: float, months: int) -> np.ndarray:
    """Expected bond in service months ``0 … months − 1`` from ``E[R_0] = r0`` (the bond carried
    over from courtship): ``E[R_t] = R* + (r0 − R*) b^t`` (:func:`bond_recursion`)."""
    if not 0.0 <= r0 <= 1.0:
        raise ParameterError(f"parameter 'r0' must be a bond in [0, 1], got {r0}")
    if months < 1:
        raise ParameterError(f"parameter 'months' must be >= 1, got {months}")
    c, b = bond_recursion(scenario)
    t = np.arange(months, dtype="float64")
    if b >= 1.0:
        return np.full(months, float(r0))
    star = c / (1.0 - b)
    return star + (r0 - star) * b**t


def adoption_for_bond(scenario: Scenario, bond: float) -> float:
    """The share of ideas adopted ``a`` at which the steady bond of ``scenario`` (all else as it
    is) equals ``bond``: ``R*`` is linear in ``a``, so ``a = ((1 − b) R* − (1 − ι η)(1 − p) g)
    / (ι η)`` (:func:`bond_recursion`; ``b`` does not depend on ``a``).

    This puts the two drivers of the community's bond on one scale: the adoption at which
    unheard ideas cost as much steady bond as a given rise in manager turnover.
    """
    iota = scenario.idea_rate if scenario.partners else 0.0
    eta = scenario.heard_bond
    if iota * eta <= 0.0:
        raise ParameterError("adoption_for_bond: ideas do not move the bond (partners off,"
                             " idea_rate or heard_bond 0); expected a partner scenario whose"
                             " ideas count")
    _, b = bond_recursion(scenario)
    base = (1.0 - iota * eta) * (1.0 - scenario.staff_turnover) * scenario.bond_growth
    a = ((1.0 - b) * bond - base) / (iota * eta)
    if not -1e-12 <= a <= 1.0 + 1e-12:
        lo = base / (1.0 - b)
        hi = (base + iota * eta) / (1.0 - b)
        raise ParameterError(f"parameter 'bond' = {bond:.4f} is out of reach by adopting ideas: at"
                             f" this turnover the steady bond runs from {lo:.4f} (none adopted) to"
                             f" {hi:.4f} (all adopted)")
    return float(min(max(a, 0.0), 1.0))


def _sow_wide(data: Journeys, what: str) -> pd.DataFrame:
    """Share of wallet, one row per partner and one column per service month (NaN once gone)."""
    if not isinstance(data, Journeys):
        raise JourneyDataError(f"{what}: expected a Journeys, got {type(data).__name__}")
    panel = service_rows(data.panel, what, ("share_of_wallet",))
    c = data.customers
    need(c, ["customer_id", "is_partner"], "customers", what)
    partners = c.loc[c["is_partner"].to_numpy(dtype=bool), "customer_id"].to_numpy()
    panel = panel.loc[np.isin(panel["customer_id"].to_numpy(), partners)]
    if panel.empty:
        raise JourneyDataError(f"panel: {what} needs partners' service months (customers."
                               "is_partner true, panel month >= 0); found none")
    return panel.pivot(index="customer_id", columns="month", values="share_of_wallet")


def _alive_at_end(data: Journeys, month: int, what: str) -> np.ndarray:
    """Ids of partners with a service row at ``month`` and no exit in it."""
    rows = service_rows(data.panel, what, ("exited",))
    at = rows.loc[(rows["month"].to_numpy() == month) & ~rows["exited"].to_numpy(dtype=bool)]
    return np.sort(at["customer_id"].to_numpy())


def core_share_by_month(data: Journeys, before: int, core_share: float = 0.2) -> pd.DataFrame:
    """Mean share of wallet of the loyal core and of all partners, per service month.

    The partners are the ``n`` alive at the end of month ``before`` (the last month before a
    competitor enters); the **loyal core** is the ``⌈core_share · n⌉`` of them with the largest
    share of wallet in that month (ties by customer id): the partners who gave the firm most
    of their business, as the firm itself sees them (repeat patronage; Dick & Basu 1994). In
    month ``t``: ``core(t) = Σ_{i ∈ core} w_it / |core|`` and ``all(t) = Σ_i w_it / n``, with
    ``w_it = 0`` for a partner gone before ``t`` (as in
    :func:`journey.metrics.share_of_wallet_over_time`).

    Returns columns month, core, rest (the other partners), all.
    """
    if not 0.0 < core_share <= 1.0:
        raise ParameterError(f"parameter 'core_share' must be a share in (0, 1], got {core_share}")
    what = "core_share_by_month"
    wide = _sow_wide(data, what)
    if before not in wide.columns:
        raise JourneyDataError(f"panel: {what} needs service month {before} (parameter "
                               f"'before'); the panel has months {wide.columns.min()} to "
                               f"{wide.columns.max()}")
    ids = np.intersect1d(_alive_at_end(data, before, what), wide.index.to_numpy())
    if ids.size == 0:
        raise JourneyDataError(f"panel: {what}: no partner is alive at the end of month "
                               f"{before}")
    w = wide.loc[ids].to_numpy("float64")
    w = np.nan_to_num(w, nan=0.0)  # gone: no business with the firm
    col = list(wide.columns).index(before)
    k = math.ceil(core_share * ids.size - 1e-9)
    order = np.argsort(-w[:, col], kind="stable")
    in_core = np.zeros(ids.size, bool)
    in_core[order[:k]] = True
    rest = w[~in_core].mean(axis=0) if (~in_core).any() else np.full(w.shape[1], np.nan)
    return pd.DataFrame({"month": wide.columns.to_numpy().astype("int64"),
                         "core": w[in_core].mean(axis=0), "rest": rest, "all": w.mean(axis=0)})


def core_erosion(data: Journeys, entry: int, horizon: int,
                 core_share: float = 0.2) -> dict[str, float]:
    """The loyal core's share of wallet before a competitor enters and ``horizon`` months after.

    With the core of :func:`core_share_by_month` taken at ``before = entry − 1``:
    ``core_before = core(entry − 1)``, ``core_after = core(entry + horizon)``,
    ``core_change = core_after − core_before``, and the same for all partners
    (``all_before``, ``all_after``, ``all_change``) and for the partners outside the core
    (``rest_after``). Comparing a cohort with a competitor to the same cohort without one
    (common random numbers) gives the erosion the competitor causes.
    """
    _check_months(entry, horizon)
    return _erosion(core_share_by_month(data, entry - 1, core_share), entry, horizon)


def _check_months(entry: int, horizon: int) -> None:
    if entry < 1:
        raise ParameterError(f"parameter 'entry' must be a service month >= 1, got {entry}")
    if horizon < 0:
        raise ParameterError(f"parameter 'horizon' must be >= 0, got {horizon}")


def _erosion(curve: pd.DataFrame, entry: int, horizon: int) -> dict[str, float]:
    """:func:`core_erosion` read off a :func:`core_share_by_month` curve."""
    curve = curve.set_index("month")
    after = entry + horizon
    if after not in curve.index:
        raise JourneyDataError(f"panel: core_erosion needs service month {after} (entry "
                               f"{entry} + horizon {horizon}); the panel ends at month "
                               f"{curve.index.max()}")
    b, a = curve.loc[entry - 1], curve.loc[after]
    return {"core_before": float(b["core"]), "core_after": float(a["core"]),
            "core_change": float(a["core"] - b["core"]), "rest_after": float(a["rest"]),
            "all_before": float(b["all"]), "all_after": float(a["all"]),
            "all_change": float(a["all"] - b["all"])}


@dataclass(frozen=True)
class CommunityRuns:
    """Replicated measurements of several scenarios on common seeds: ``outcomes`` one row per
    (dose, replication), ``curves`` one row per (dose, replication, month) with the core's,
    the rest's and all partners' mean share of wallet."""

    outcomes: pd.DataFrame
    curves: pd.DataFrame


def community_sweep(scenarios: Mapping[Hashable, Scenario], *, n_customers: int, entry: int,
                    horizon: int, seed: int, replications: int, core_share: float = 0.2,
                    measure: Callable[[Journeys], Mapping[str, float]] | None = None,
                    ) -> CommunityRuns:
    """Simulate every scenario on the same ``replications`` seeds (drawn from ``seed``) for
    ``entry + horizon + 1`` months and measure each cohort: :func:`core_erosion` with the core
    taken at ``entry − 1`` (``entry`` is the month a competitor enters, or would: a scenario
    without a competitor is measured at the same months), the mean latent bond of the partners
    alive at ``entry − 1`` (``bond_before``, model-only), two cohort-wide measures in month
    ``entry + horizon`` — the volume-weighted share of wallet of every partner signed
    (``volume_share_after``, :func:`journey.metrics.share_of_wallet_over_time`) and the share of
    the firm's volume from its top ``core_share`` partners (``concentration_after``,
    :func:`journey.metrics.loyal_core_share`) — and ``measure(cohort)`` if given.

    The keys of ``scenarios`` become the ``dose`` column, so
    :func:`journey.replications.paired_difference` pairs any two of them by replication.
    """
    if not scenarios:
        raise ParameterError("community_sweep: scenarios is empty; expected name -> Scenario")
    _check_months(entry, horizon)
    months = entry + horizon + 1
    rows, curves = [], []
    for dose, sc in scenarios.items():
        for i, s in enumerate(replication_seeds(seed, replications)):
            data = simulate(sc, n_customers, months, s)
            curve = core_share_by_month(data, entry - 1, core_share)
            out = {"dose": dose, "replication": i, "seed": s,
                   **_erosion(curve, entry, horizon),
                   "bond_before": _mean_bond(data, entry - 1),
                   **_cohort_wide(data, entry + horizon, core_share)}
            if measure is not None:
                out.update({k: float(v) for k, v in measure(data).items()})
            rows.append(out)
            curves.append(curve.assign(dose=dose, replication=i, seed=s))
    curve = pd.concat(curves, ignore_index=True)
    return CommunityRuns(pd.DataFrame(rows),
                         curve[["dose", "replication", "seed", "month", "core", "rest", "all"]])


def _cohort_wide(data: Journeys, month: int, top: float) -> dict[str, float]:
    """Volume share of all partners signed, and the top partners' share of the firm's volume
    (read on that month's rows alone: it needs no other month)."""
    sow = share_of_wallet_over_time(data).set_index("month")
    rows = data.panel.loc[data.panel["month"].to_numpy() == month]
    return {"volume_share_after": float(sow.loc[month, "volume_share"]),
            "concentration_after": loyal_core_share(
                Journeys(data.customers, data.events, rows), top, month)}


def _mean_bond(data: Journeys, month: int) -> float:
    """Mean latent bond ``R`` of the partners alive at the end of ``month`` (model-only)."""
    c = data.customers
    partners = c.loc[c["is_partner"].to_numpy(dtype=bool), "customer_id"].to_numpy()
    ids = np.intersect1d(_alive_at_end(data, month, "bond_before"), partners)
    p = data.panel
    need(p, ["R"], "panel", "bond_before (the simulator's latent bond)")
    at = p.loc[(p["month"].to_numpy() == month) & np.isin(p["customer_id"].to_numpy(), ids)]
    return float(at["R"].mean()) if len(at) else math.nan
