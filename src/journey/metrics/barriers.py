"""Exit-barrier metrics: the barrier index by tenure, the hazard mass barriers remove and the
hostage share. The share of exits barriers prevent is a counterfactual (the same cohort
without barriers) and lives in :mod:`journey.counterfactual`.

Barriers follow the switching-cost typology of Burnham, Frels & Mahajan (2003): financial ``F``
(fees and balances due on exit), procedural ``P`` (the effort of switching) and
mental/relational ``M`` (bonds and sunk investment), each in months of the monthly price;
``B = F + P + M``. That barriers hold dissatisfied customers most (the satisfaction × barrier
interaction) is Jones, Mothersbaugh & Beatty (2000). ``h`` is the monthly exit
hazard and ``h0`` the hazard the same customer would have without barriers. All of these are
model state (simulated data only); given real data without them the metrics raise
:class:`~journey.schema.JourneyDataError`.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from journey.errors import ParameterError
from journey.metrics._partial import Mean
from journey.metrics._tables import TableLike, service_rows, table
from journey.schema import require_columns


def _panel(data: TableLike, columns: list[str], what: str,
           observed: tuple[str, ...] = ()) -> pd.DataFrame:
    panel = table(data, "panel", what)
    require_columns(panel, columns, "panel", what)
    return service_rows(panel, what, (*columns, *observed))


def barrier_index_by_tenure(data: TableLike) -> pd.DataFrame:
    """Mean exit barrier and its parts per month since signing, in months of price.

    Per month t over customers alive at its start: ``F̄``, ``P̄``, ``M̄`` and
    ``B̄ = F̄ + P̄ + M̄`` (financial, procedural, mental/relational barriers; Jones,
    Mothersbaugh & Beatty 2000). Needs the model-only columns F, P, M.

    Returns columns month, n, F, P, M, B.
    """
    panel = _panel(data, ["F", "P", "M"], "barrier_index_by_tenure")
    g = panel[["F", "P", "M"]].groupby(panel["month"])
    out = g.mean()
    out["B"] = out["F"] + out["P"] + out["M"]
    out.insert(0, "n", g.size())
    return out.rename_axis("month").reset_index()


def barrier_hazard_reduction(data: TableLike) -> float:
    """Share of the expected exit mass that barriers remove: ``Σ (h0 − h) / Σ h0``.

    Sums run over service customer-months (alive at the month's start); ``h`` is the monthly
    exit probability with barriers, ``h0`` the same customer's without them (Jones,
    Mothersbaugh & Beatty 2000). This is **not** the share of exits barriers prevent: a
    customer held for a few months by a fee and gone at the term end adds to ``Σ (h0 − h)``
    in every month held, so delayed exits count as prevented, and ``Σ h0`` runs over the
    customer-months the barriers themselves kept alive. The share of exits prevented by a
    horizon is the counterfactual difference :func:`journey.counterfactual.barrier_held_share`
    (the same cohort re-run without barriers). Needs the model-only ``h``, ``h0``; ``NaN``
    when ``Σ h0 = 0`` or there are no service months.
    """
    return hazard_reduction_of(*hazard_sums(data))


def hazard_sums(data: TableLike) -> tuple[float, float]:
    """``(Σ h0, Σ h)`` over the service customer-months (:func:`barrier_hazard_reduction`)."""
    panel = _panel(data, ["h", "h0"], "barrier_hazard_reduction")
    return float(panel["h0"].to_numpy("float64").sum()), float(
        panel["h"].to_numpy("float64").sum())


def hazard_reduction_of(h0: float, h: float) -> float:
    """``(Σ h0 − Σ h) / Σ h0``; NaN when ``Σ h0 = 0``."""
    return math.nan if h0 == 0.0 else (h0 - h) / h0


def barrier_hazard_reduction_by_tenure(data: TableLike) -> pd.DataFrame:
    """``Σ (h0 − h) / Σ h0`` per month since signing (see :func:`barrier_hazard_reduction`).

    Returns columns month, n, expected_exits_without (Σ h0), expected_exits (Σ h),
    hazard_reduction.
    """
    panel = _panel(data, ["h", "h0"], "barrier_hazard_reduction_by_tenure")
    g = panel[["h0", "h"]].groupby(panel["month"])
    out = g.sum().rename(columns={"h0": "expected_exits_without", "h": "expected_exits"})
    out.insert(0, "n", g.size())
    with np.errstate(invalid="ignore", divide="ignore"):
        out["hazard_reduction"] = 1.0 - out["expected_exits"] / out["expected_exits_without"]
    return out.rename_axis("month").reset_index()


def _check_rule(k: int, mark: float) -> None:
    if not (isinstance(k, int | np.integer) and not isinstance(k, bool) and k >= 1):
        raise ParameterError(f"k must be a whole number of months >= 1, got {k!r}")
    if not 0.0 < mark < 1.0:
        raise ParameterError(f"mark must be a probability in (0, 1), got {mark!r}")


def _is_hostage(panel: pd.DataFrame, s_threshold: float, k: int, mark: float) -> np.ndarray:
    """``S < s_threshold`` and ``1 − (1 − h0)^k ≥ mark > 1 − (1 − h)^k``."""
    s = panel["S"].to_numpy("float64")
    leave = 1.0 - (1.0 - panel["h"].to_numpy("float64")) ** k
    leave0 = 1.0 - (1.0 - panel["h0"].to_numpy("float64")) ** k
    return (s < s_threshold) & (leave0 >= mark) & (leave < mark)


def hostage_share(data: TableLike, month: int = 12, s_threshold: float = 7.0, k: int = 12,
                  mark: float = 0.5) -> float:
    """Share of the customers alive at the start of ``month`` who are hostages.

    Jones & Sasser (1995)'s hostage: dissatisfied, yet staying because leaving costs. A
    customer alive at the start of month t (months since signing, t ≥ 1) is a hostage when

    * ``S_t < s_threshold`` (not satisfied), and
    * held by the barriers: at month t's exit probabilities kept for ``k`` months, the
      customer would leave within them with probability ``1 − (1 − h0_t)^k ≥ mark`` without
      barriers, but ``1 − (1 − h_t)^k < mark`` with them (Jones, Mothersbaugh & Beatty 2000).

    The hazards are held fixed over the k months (a reading of this month's state, not a
    forecast); the defaults k = 12, mark = 0.5 ask "would more likely than not be gone within a
    year without the barriers, but not with them" (``h0 ≥ 0.056 > h``). The share counts each
    customer once: hostages / customers alive at the start of ``month``. Needs the
    model-only ``h``, ``h0``. ``NaN`` when nobody is alive at ``month``.
    """
    return hostage_counts(data, month, s_threshold, k, mark).value()


def hostage_counts(data: TableLike, month: int = 12, s_threshold: float = 7.0, k: int = 12,
                   mark: float = 0.5) -> Mean:
    """:func:`hostage_share` as counts: ``Mean(hostages, customers alive at month)``."""
    _check_rule(k, mark)
    if not (isinstance(month, int | np.integer) and month >= 1):
        raise ParameterError(f"month must be a month since signing >= 1 (nobody is at risk in the"
                             f" signing month), got {month!r}")
    panel = _panel(data, ["h", "h0"], "hostage_share", ("S",))
    panel = panel.loc[panel["month"].to_numpy() == month]
    return Mean(int(_is_hostage(panel, s_threshold, k, mark).sum()), len(panel))


def hostage_share_by_tenure(data: TableLike, s_threshold: float = 7.0, k: int = 12,
                            mark: float = 0.5) -> pd.DataFrame:
    """Hostage share per month since signing (the rule of :func:`hostage_share`; Jones &
    Sasser 1995): each month's customers alive at its start, each counted once.

    Returns columns month, n, hostages, hostage_share.
    """
    _check_rule(k, mark)
    panel = _panel(data, ["h", "h0"], "hostage_share_by_tenure", ("S",))
    hostage = pd.Series(_is_hostage(panel, s_threshold, k, mark), index=panel.index)
    g = hostage.groupby(panel["month"])
    out = pd.DataFrame({"n": g.size(), "hostages": g.sum().astype("int64")})
    out["hostage_share"] = out["hostages"] / out["n"]
    return out.rename_axis("month").reset_index()
