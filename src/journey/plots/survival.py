"""Kaplan–Meier survival curves by group with the log-rank test."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from journey.models.survival import kaplan_meier, logrank_test, survival_frame
from journey.plots._figure import new_figure

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from journey.schema import Journeys


def survival_by_group(customers: pd.DataFrame | Journeys, group: str, *, alpha: float = 0.05,
                      ax: Axes | None = None) -> Figure:
    """Kaplan–Meier curves (Kaplan & Meier 1958) of the relationship length, one per level of
    ``group`` (a column of ``customers``), with pointwise log(−log) ``1 − alpha`` intervals and
    the log-rank p-value (Mantel 1966) in the legend title.

    Duration and event as in :func:`journey.models.survival.survival_frame`: the exit month
    (or ``tenure_months`` when censored) and ``exit_month`` not empty, over signed customers.
    Curves and intervals come from :func:`journey.models.survival.kaplan_meier`, the test from
    :func:`~journey.models.survival.logrank_test` (left out with a single group).
    """
    km = kaplan_meier(customers, group=group)
    n = survival_frame(customers, group=group)["group"].value_counts()
    fig, ax = new_figure(ax)
    km.plot(ax=ax, alpha=alpha)
    lines = ax.get_lines()[-len(km.groups):]
    for g, line in zip(km.groups, lines, strict=True):
        line.set_gid(f"km:{g}")
        line.set_label(f"{g} (n = {int(n[g]):,})")
    if len(km.groups) > 1:
        lr = logrank_test(customers, group=group)
        p = f"{lr.p_value:.2g}" if lr.p_value >= 1e-4 else "< 0.0001"
        title = f"{group} (log-rank p {'= ' if lr.p_value >= 1e-4 else ''}{p})"
    else:
        title = group
    ax.legend(handles=lines, title=title, fontsize=8, title_fontsize=8, loc="lower left",
              frameon=True)
    ax.set_title(f"Kaplan–Meier survival by {group}, {100 * (1 - alpha):g}% CI")
    return fig
