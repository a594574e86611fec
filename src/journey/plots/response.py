"""Dose-response: a metric's mean with its 95% interval over the values of one driver; curves
over months with their intervals, one per scenario."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure

from journey.errors import ParameterError
from journey.plots._figure import STYLE, new_figure, palette
from journey.schema import JourneyDataError

if TYPE_CHECKING:
    from matplotlib.axes import Axes


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


def response_curves(summary: pd.DataFrame, metric: str, *, x: str = "month", xlabel: str,
                    ylabel: str, label: str = "{}", ax: Axes | None = None) -> Figure:
    """One line per ``dose`` of ``metric`` against ``x`` with its shaded interval, from
    ``summarize_replications(runs, by=["dose", x])`` (e.g. the monthly hazard of several
    scenarios, mean over replications with a 95% interval). ``label`` formats each dose for
    the legend (``"{}"`` or e.g. ``"fee {:g} months"``). Labels carry units."""
    need = {"dose", x, "metric", "mean", "ci_low", "ci_high"}
    if not need <= set(summary.columns):
        raise JourneyDataError("response_curves: expected summarize_replications(runs,"
                               f" by=['dose', '{x}']) output with columns"
                               f" {', '.join(sorted(need))}")
    s = summary.loc[summary["metric"] == metric]
    if s.empty:
        raise JourneyDataError(f"response_curves: no metric '{metric}' in the summary")
    fig, ax = new_figure(ax)
    doses = list(dict.fromkeys(s["dose"]))
    for colour, dose in zip(palette(len(doses)), doses, strict=True):
        d = s.loc[s["dose"] == dose].sort_values(x)
        ax.plot(d[x], d["mean"], color=colour, label=label.format(dose))
        ax.fill_between(d[x], d["ci_low"], d["ci_high"], color=colour, alpha=0.2, linewidth=0)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=8, title="shaded: 95% interval over replications", title_fontsize=8)
    return fig


def dose_response_panels(summary: pd.DataFrame, panels: Sequence[tuple[str, str]], *,
                         xlabel: str, ncols: int = 2, title: str | None = None) -> Figure:
    """Several metrics' dose-responses side by side, one :func:`dose_response` panel each.

    ``panels`` holds ``(metric, ylabel)`` pairs (labels with units); ``xlabel`` is shared.
    """
    if not panels:
        raise ParameterError("dose_response_panels: panels is empty; expected (metric, ylabel)"
                             " pairs")
    if ncols < 1:
        raise ParameterError(f"ncols must be >= 1, got {ncols}")
    ncols = min(ncols, len(panels))
    nrows = -(-len(panels) // ncols)
    with sns.axes_style(STYLE):
        fig = Figure(figsize=(5.0 * ncols, 3.5 * nrows), layout="constrained")
        axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for ax, (metric, ylabel) in zip(axes, panels, strict=False):
        dose_response(summary, metric, xlabel=xlabel, ylabel=ylabel, ax=ax)
        ax.legend(fontsize=7)
    for ax in axes[len(panels):]:
        ax.set_visible(False)
    if title:
        fig.suptitle(title)
    return fig
