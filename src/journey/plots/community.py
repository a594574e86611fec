"""Finding the partner community: precision, recall and F1 of several detectors, with their
intervals over replications."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from journey.plots._figure import new_figure, palette
from journey.schema import JourneyDataError

if TYPE_CHECKING:
    from matplotlib.axes import Axes

MEASURES = {"precision": "precision", "recall": "recall", "f1": "F1"}


def detection_scores(summary: pd.DataFrame, methods: Mapping[str, str], *,
                     measures: Sequence[str] = ("precision", "recall", "f1"),
                     base_rate: float | None = None, ylabel: str = "share (0-1)",
                     ax: Axes | None = None) -> Figure:
    """Grouped bars: for each method (metric prefix → label) its ``{method}.{measure}`` mean
    with the 95% interval as an error bar, from ``summarize_replications`` output (columns
    metric, mean, ci_low, ci_high). ``base_rate`` (the precision of a random pick) is drawn
    as a dotted line."""
    need = {"metric", "mean", "ci_low", "ci_high"}
    if not need <= set(summary.columns):
        raise JourneyDataError("detection_scores: expected summarize_replications output with"
                               f" columns {', '.join(sorted(need))}")
    s = summary.set_index("metric")
    missing = [f"{m}.{k}" for m in methods for k in measures if f"{m}.{k}" not in s.index]
    if missing:
        raise JourneyDataError(f"detection_scores: no metric(s) {', '.join(missing)} in the"
                               " summary")
    fig, ax = new_figure(ax, (8.5, 4.5))
    x = np.arange(len(methods))
    width = 0.8 / len(measures)
    for j, (k, colour) in enumerate(zip(measures, palette(len(measures)), strict=True)):
        rows = s.loc[[f"{m}.{k}" for m in methods]]
        mean = rows["mean"].to_numpy("float64")
        err = np.vstack([mean - rows["ci_low"].to_numpy("float64"),
                         rows["ci_high"].to_numpy("float64") - mean])
        ax.bar(x + (j - (len(measures) - 1) / 2) * width, mean, width, yerr=np.nan_to_num(err),
               color=colour, capsize=3, label=MEASURES.get(k, k))
    if base_rate is not None:
        ax.axhline(base_rate, color="0.3", linestyle=":", linewidth=1,
                   label=f"share of partners in the core ({base_rate:.2f}): a random pick")
    ax.set_xticks(x, list(methods.values()), rotation=20, ha="right")
    ax.set_ylabel(ylabel)
    ax.set_xlabel("detector (each flags the same share of partners)")
    ax.set_ylim(0, 1)
    ax.legend(fontsize=8, title="error bars: 95% interval over replications", title_fontsize=8)
    return fig
