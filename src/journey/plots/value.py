"""Value waterfall: from the counterfactual's value per prospect to the scenario's, one breakdown
at a time."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from journey.metrics import Economics, clv_table, value_per_prospect
from journey.plots._figure import as_journeys, new_figure

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from journey.schema import Journeys

UP, DOWN, TOTAL = "#029e73", "#d55e00", "#5f7f9f"


def clv_steps(
    baseline: Journeys,
    scenario: Journeys,
    steps: Mapping[str, Journeys] | None = None,
    *,
    labels: tuple[str, str] = ("counterfactual", "scenario"),
    rest_label: str = "other",
    economics: Economics | None = None,
    horizon: int | None = None,
) -> pd.DataFrame:
    """The bars of :func:`clv_waterfall`: one row per bar, columns label, kind
    (``total``/``step``), clv (the cohort's value per prospect after the bar), change, bottom.

    The chain is baseline → each of ``steps`` in order (each a cohort with one more breakdown
    switched on) → scenario; a step's change is ``V(this) − V(previous)`` so the changes add
    up to ``V(scenario) − V(baseline) = −clv_lost``. The last change is labelled
    ``rest_label`` and left out when the last step *is* the scenario. ``V`` is the value per
    prospect (:func:`journey.metrics.value_per_prospect`): signed share × CLV per signed
    customer ``Σ_{t<H} m·S(t)/(1+d)^t`` (Gupta, Lehmann & Stuart 2004) − acquisition cost,
    with one ``economics`` for all, a common horizon H (default: the months every cohort
    observes) and each cohort's own price.
    """
    chain = [(labels[0], as_journeys(baseline, "clv_waterfall"))]
    for name, j in (steps or {}).items():
        chain.append((str(name), as_journeys(j, f"clv_waterfall step {name!r}")))
    scenario = as_journeys(scenario, "clv_waterfall")
    if chain[-1][1] is not scenario:
        chain.append((rest_label if steps else "breakdown", scenario))
    if horizon is None:
        horizon = min(len(clv_table(j, economics)) for _, j in chain)
    values = np.array([value_per_prospect(j, economics, horizon=horizon) for _, j in chain])
    rows = [{"label": labels[0], "kind": "total", "clv": values[0], "change": values[0],
             "bottom": 0.0}]
    for k in range(1, len(chain)):
        rows.append({"label": chain[k][0], "kind": "step", "clv": values[k],
                     "change": values[k] - values[k - 1], "bottom": values[k - 1]})
    rows.append({"label": labels[1], "kind": "total", "clv": values[-1], "change": values[-1],
                 "bottom": 0.0})
    out = pd.DataFrame(rows)
    out.attrs["horizon"] = int(horizon)
    return out


def clv_waterfall(
    baseline: Journeys,
    scenario: Journeys,
    steps: Mapping[str, Journeys] | None = None,
    *,
    labels: tuple[str, str] = ("counterfactual", "scenario"),
    rest_label: str = "other",
    economics: Economics | None = None,
    horizon: int | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Waterfall of value per prospect from the counterfactual (``baseline``) to the
    ``scenario``, one floating bar per step of :func:`clv_steps` (green up, red down) between
    the two total bars; each bar is labelled with its value and the title gives the value lost
    per prospect, ``V(baseline) − V(scenario)`` (:func:`journey.metrics.clv_lost` with the same
    horizon).
    """
    bars = clv_steps(baseline, scenario, steps, labels=labels, rest_label=rest_label,
                     economics=economics, horizon=horizon)
    fig, ax = new_figure(ax, (max(5.0, 1.3 * len(bars) + 2.0), 4.5))
    x = np.arange(len(bars))
    change = bars["change"].to_numpy()
    is_total = (bars["kind"] == "total").to_numpy()
    colour = np.where(is_total, TOTAL, np.where(change >= 0, UP, DOWN))
    rects = ax.bar(x, change, bottom=bars["bottom"].to_numpy(), color=colour, width=0.6,
                   edgecolor="0.3", linewidth=0.5)
    for rect, total in zip(rects, is_total, strict=True):
        rect.set_gid("clv:total" if total else "clv:step")
    top = bars["clv"].to_numpy()
    for k in range(len(bars) - 1):  # connectors at the running level
        ax.plot([x[k] + 0.3, x[k + 1] - 0.3], [top[k], top[k]], color="0.4", linewidth=0.8,
                linestyle=":")
    span = float(np.max(top) - min(0.0, float(np.min(top)))) or 1.0
    for k in range(len(bars)):
        text = f"{change[k]:,.1f}" if is_total[k] else f"{change[k]:+,.1f}"
        y = max(top[k], bars["bottom"].iat[k]) + 0.01 * span
        ax.text(x[k], y, text, ha="center", va="bottom", fontsize=8)
    ax.set_xticks(x, bars["label"].tolist(), rotation=20, ha="right")
    low = min(0.0, float(np.min(top)), float(np.min(bars["bottom"])))
    ax.set_ylim(low - (0.05 * span if low < 0 else 0.0), float(np.max(top)) + 0.12 * span)
    ax.axhline(0.0, color="0.3", linewidth=0.6)
    ax.set_ylabel("value per prospect (price units)")
    lost = float(top[0] - top[-1])
    share = f" ({100 * lost / top[0]:.0f}%)" if top[0] > 0 else ""
    ax.set_title(f"Value waterfall over {bars.attrs['horizon']} months: "
                 f"{lost:,.1f} lost per prospect{share}")
    return fig
