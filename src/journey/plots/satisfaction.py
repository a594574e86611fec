"""Satisfaction around signing: mean ``S`` by month since signing with its interval, the phases
of the relationship shaded behind it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib.transforms import blended_transform_factory

from journey.errors import ParameterError
from journey.metrics import satisfaction_by_month
from journey.plots._figure import cohorts, new_figure, palette
from journey.schema import JourneyDataError, Journeys

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

PHASE_COLOURS = {"courtship": "#f4d9a6", "signing": "#b9b9b9", "service": "#cfe3f2",
                 "renewal": "#e8b4b4"}


def phase_spans(panels: list[pd.DataFrame]) -> list[tuple[str, float, float]]:
    """Shaded spans ``(phase, x0, x1)`` in months since signing, from the panels' ``phase``.

    courtship covers the negative months, signing month 0, service the months ≥ 1 and each
    month whose rows are in phase ``renewal`` (the month the term ends) gets its own span drawn
    over the service span. Spans run from month − ½ to month + ½ so a month's band is centred
    on its tick.
    """
    month = np.concatenate([p["month"].to_numpy() for p in panels])
    phase = np.concatenate([p["phase"].astype("object").to_numpy() for p in panels])
    if month.size == 0:
        return []
    lo, hi = int(month.min()), int(month.max())
    spans: list[tuple[str, float, float]] = []
    if lo < 0:
        spans.append(("courtship", lo - 0.5, -0.5))
    if lo <= 0 <= hi:
        spans.append(("signing", -0.5, 0.5))
    if hi >= 1:
        spans.append(("service", 0.5, hi + 0.5))
    for m in np.unique(month[phase == "renewal"]):
        spans.append(("renewal", m - 0.5, m + 0.5))
    return spans


def _label_spans(ax: Axes, spans: list[tuple[str, float, float]]) -> None:
    """Phase names at the top of their bands; one-month bands get a vertical label."""
    tr = blended_transform_factory(ax.transData, ax.transAxes)
    renewal = sorted(x0 for name, x0, _ in spans if name == "renewal")
    for name, x0, x1 in spans:
        if name == "service" and renewal:  # centre the label on the service run before renewal
            x1 = renewal[0]
        narrow = x1 - x0 <= 1.0
        # the signing label sits left of the signing line, not on it
        x, ha = (x0 - 0.1, "right") if name == "signing" else ((x0 + x1) / 2, "center")
        ax.text(x, 0.98, name, transform=tr, ha=ha, va="top",
                rotation=90 if narrow else 0, fontsize=8, color="0.25")


def satisfaction_around_signing(
    journeys: Journeys | Mapping[str, Journeys],
    *,
    level: float = 0.95,
    min_n: int = 30,
    ax: Axes | None = None,
) -> Figure:
    """Mean satisfaction ``S`` by month since signing (courtship months negative) with its
    ``level`` interval, over shaded phase bands and a vertical line at signing.

    The line is :func:`journey.metrics.satisfaction_by_month`: per month t, the mean of ``S``
    over the customers in the panel at t and the Student-t interval
    ``mean ± t_{n−1,(1+level)/2}·sd/√n`` (Oliver 1980 for satisfaction as a running
    evaluation). Months with fewer than ``min_n`` customers are left out (their interval says
    little and the long courtship tail is thin). ``journeys`` may be one cohort or a dict of
    name → ``Journeys`` overlaid (scenarios, cohorts), each in its own colour.
    """
    if not isinstance(min_n, int | np.integer) or min_n < 1:
        raise ParameterError(f"min_n must be a positive integer, got {min_n!r}")
    data = cohorts(journeys, "satisfaction_around_signing")
    fig, ax = new_figure(ax)
    spans = phase_spans([j.panel for j in data.values()])
    for name, x0, x1 in spans:
        ax.axvspan(x0, x1, color=PHASE_COLOURS[name], alpha=0.45, linewidth=0, zorder=0)
    colours = palette(len(data))
    drawn = 0
    for (name, j), colour in zip(data.items(), colours, strict=True):
        s = satisfaction_by_month(j, level=level)
        s = s.loc[s["n"].to_numpy() >= min_n]
        if s.empty:
            continue
        x = s["month"].to_numpy()
        ax.fill_between(x, s["ci_low"].to_numpy(), s["ci_high"].to_numpy(), color=colour,
                        alpha=0.3, linewidth=0, zorder=2)
        ax.plot(x, s["mean"].to_numpy(), color=colour, marker="o", markersize=3,
                linewidth=1.6, label=name or None, zorder=3, gid=f"mean_S:{name}")
        drawn += 1
    if drawn == 0:
        raise JourneyDataError(
            f"panel: satisfaction_around_signing found no month with at least min_n={min_n}"
            " customers; lower min_n or pass a larger cohort")
    ax.axvline(0, color="0.2", linewidth=1.0, linestyle="--", zorder=4)
    _label_spans(ax, spans)
    ax.set_xlabel("months since signing (courtship < 0)")
    ax.set_ylabel(f"mean satisfaction S (0–10), {100 * level:g}% CI")
    ax.set_title("Satisfaction around signing")
    lo, hi = ax.get_ylim()
    ax.set_ylim(lo, hi + 0.12 * (hi - lo))  # head room for the phase labels
    if len(data) > 1:
        ax.legend(loc="lower left", fontsize=8, frameon=True)
    return fig
