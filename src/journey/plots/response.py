"""Dose-response: a metric's mean with its 95% interval over the values of one driver."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from journey.plots._figure import new_figure
from journey.schema import JourneyDataError

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure


def dose_response(summary: pd.DataFrame, metric: str, *, xlabel: str, ylabel: str,
                  ax: Axes | None = None) -> Figure:
    """Mean of ``metric`` by dose with a shaded interval (ci_low … ci_high), from
    ``journey.replications.summarize_replications(runs, by="dose")``. Labels carry units."""
    need = {"dose", "metric", "mean", "ci_low", "ci_high"}
    if not need <= set(summary.columns):
        raise JourneyDataError("dose_response: expected summarize_replications(runs, by='dose')"
                               f" output with columns {', '.join(sorted(need))}")
    s = summary.loc[summary["metric"] == metric].sort_values("dose")
    if s.empty:
        raise JourneyDataError(f"dose_response: no metric '{metric}' in the summary")
    fig, ax = new_figure(ax)
    n = int(s["n"].min()) if "n" in s.columns else None
    ax.plot(s["dose"], s["mean"], marker="o",
            label="mean" + (f" of {n} replications" if n else ""))
    ax.fill_between(s["dose"], s["ci_low"], s["ci_high"], alpha=0.25, label="95% interval")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend()
    return fig
