"""The effect of a driver by dose, shared between the model's channels (Shapley values), each
with its 95% interval over replications."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import pandas as pd

from journey.plots._figure import new_figure, palette
from journey.schema import JourneyDataError

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure


def channel_decomposition(summary: pd.DataFrame, outcome: str, channels: Mapping[str, str], *,
                          xlabel: str, ylabel: str, other: str = "other",
                          ax: Axes | None = None) -> Figure:
    """The total effect on ``outcome`` and its parts by dose, each a line with a shaded 95%
    interval, from ``summarize_replications(decompose_channels(...) rows, by="dose")``.

    Draws ``<outcome>.total``, ``<outcome>.via_<k>`` for each channel ``k`` of ``channels``
    (name → legend label) and ``<outcome>.other`` (labelled ``other``); the parts add up to
    the total at every dose (:func:`journey.channels.decompose_channels`). Labels carry units.
    """
    need = {"dose", "metric", "mean", "ci_low", "ci_high"}
    if not need <= set(summary.columns):
        raise JourneyDataError("channel_decomposition: expected summarize_replications(rows,"
                               f" by='dose') output with columns {', '.join(sorted(need))}")
    lines = {f"{outcome}.total": "total",
             **{f"{outcome}.via_{k}": label for k, label in channels.items()},
             f"{outcome}.other": other}
    absent = [m for m in lines if m not in set(summary["metric"])]
    if absent:
        raise JourneyDataError(f"channel_decomposition: no metric {', '.join(absent)} in the"
                               " summary")
    fig, ax = new_figure(ax)
    for (metric, label), colour in zip(lines.items(), palette(len(lines)), strict=True):
        s = summary.loc[summary["metric"] == metric].sort_values("dose")
        style = {"linewidth": 2.5} if metric.endswith(".total") else {"linestyle": "--"}
        ax.plot(s["dose"], s["mean"], marker="o", color=colour, label=label, **style)
        ax.fill_between(s["dose"], s["ci_low"], s["ci_high"], color=colour, alpha=0.2)
    ax.axhline(0.0, color="grey", linewidth=0.8)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend(title="shaded: 95% interval")
    return fig
