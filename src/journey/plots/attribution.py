"""Shapley attribution of a change to journey stages: a waterfall from the cohort as is to the
cohort with every stage repaired, and Shapley beside the one-at-a-time attributions."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from journey.plots._figure import new_figure, palette
from journey.plots.value import DOWN, TOTAL, UP
from journey.schema import JourneyDataError

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

_STAGE_COLUMNS = {"outcome", "stage", "quantity", "mean", "ci_low", "ci_high"}
_LEVEL_COLUMNS = {"outcome", "quantity", "mean", "ci_low", "ci_high"}


def _rows(summary: pd.DataFrame, need: set[str], outcome: str, what: str) -> pd.DataFrame:
    if not need <= set(summary.columns):
        raise JourneyDataError(f"{what}: expected a StageAttribution summary with columns"
                               f" {', '.join(sorted(need))}")
    rows = summary.loc[summary["outcome"] == outcome]
    if rows.empty:
        raise JourneyDataError(f"{what}: no outcome {outcome!r} in the summary")
    return rows


def _half(rows: pd.DataFrame) -> np.ndarray:
    """Error-bar half-widths (0 where the interval is undefined, e.g. one replication)."""
    lo = (rows["mean"] - rows["ci_low"]).to_numpy("float64")
    hi = (rows["ci_high"] - rows["mean"]).to_numpy("float64")
    return np.nan_to_num(np.vstack([lo, hi]), nan=0.0)


def shapley_waterfall(stage_summary: pd.DataFrame, level_summary: pd.DataFrame, outcome: str,
                      *, ylabel: str, higher_is_better: bool = True,
                      labels: tuple[str, str] = ("as is", "all repaired"),
                      ax: Axes | None = None) -> Figure:
    """Waterfall of ``outcome`` from the cohort as is to the cohort with every stage repaired,
    one floating bar per stage's mean Shapley value (green: repairing the stage improves the
    outcome, i.e. raises it when ``higher_is_better``, else lowers it; red: worsens it) with
    its 95% interval over replications as an error bar at the bar's end.

    By efficiency the Shapley values add up to ``v(N) − v(∅)`` in every replication, so the
    mean bars close exactly on the mean of the repaired cohort. Inputs are
    :meth:`journey.stage_attribution.StageAttribution.stage_summary` and ``level_summary``.
    """
    st = _rows(stage_summary, _STAGE_COLUMNS, outcome, "shapley_waterfall")
    st = st.loc[st["quantity"] == "shapley"]
    lv = _rows(level_summary, _LEVEL_COLUMNS, outcome, "shapley_waterfall").set_index("quantity")
    start, end = lv.loc["as_is"], lv.loc["repaired"]
    steps = st["mean"].to_numpy("float64")
    bottoms = start["mean"] + np.r_[0.0, np.cumsum(steps)[:-1]]
    n = len(steps)
    fig, ax = new_figure(ax, (max(6.0, 1.1 * n + 3.0), 4.5))
    x = np.arange(n + 2)
    totals = ax.bar([0, n + 1], [start["mean"], end["mean"]], color=TOTAL, width=0.6,
                    edgecolor="0.3", linewidth=0.5, label="level (mean)")
    for rect in totals:
        rect.set_gid("shapley:total")
    ax.errorbar([0, n + 1], [start["mean"], end["mean"]],
                yerr=_half(pd.DataFrame([start, end])), fmt="none", ecolor="0.2", capsize=3)
    better = steps >= 0 if higher_is_better else steps <= 0
    bars = ax.bar(x[1:-1], steps, bottom=bottoms, color=np.where(better, UP, DOWN), width=0.6,
                  edgecolor="0.3", linewidth=0.5)
    for rect in bars:
        rect.set_gid("shapley:step")
    ax.bar([0], [0], color=UP, label="stage: repair improves it")  # legend entries only
    ax.bar([0], [0], color=DOWN, label="stage: repair worsens it")
    ax.errorbar(x[1:-1], bottoms + steps, yerr=_half(st), fmt="none", ecolor="0.2", capsize=3,
                label="95% interval over replications")
    levels = np.r_[start["mean"], bottoms + steps]
    for k in range(n + 1):  # connectors at the running level
        ax.plot([x[k] + 0.3, x[k + 1] - 0.3], [levels[k]] * 2, color="0.4", linewidth=0.8,
                linestyle=":")
    for k, step in enumerate(steps, start=1):
        ax.annotate(f"{step:+.2f}", (x[k], max(bottoms[k - 1], bottoms[k - 1] + step)),
                    xytext=(0, 3), textcoords="offset points", ha="center", fontsize=8)
    ax.set_xticks(x, [labels[0], *st["stage"].tolist(), labels[1]], rotation=25, ha="right")
    ax.axhline(0.0, color="0.3", linewidth=0.6)
    ax.set_ylabel(ylabel)
    total = lv.loc["total"]
    ax.set_title(f"Shapley values add up to the change {total['mean']:+.2f}"
                 f" [{total['ci_low']:+.2f}, {total['ci_high']:+.2f}]", fontsize=10)
    ax.legend(fontsize=8, loc="best")
    return fig


METHODS = {"shapley": "Shapley value", "alone": "one at a time (repaired alone)",
           "last": "leave one out (repaired last)"}


def attribution_methods(stage_summary: pd.DataFrame, level_summary: pd.DataFrame,
                        outcome: str, *, xlabel: str, ax: Axes | None = None) -> Figure:
    """Each stage's Shapley value beside its one-at-a-time (``v({i}) − v(∅)``) and
    leave-one-out (``v(N) − v(N∖{i})``) effects, horizontal bars with 95% intervals; the
    legend gives each method's sum against the change ``v(N) − v(∅)`` (only Shapley's sum
    equals it when stages interact)."""
    st = _rows(stage_summary, _STAGE_COLUMNS, outcome, "attribution_methods")
    lv = _rows(level_summary, _LEVEL_COLUMNS, outcome, "attribution_methods").set_index("quantity")
    stages = st.loc[st["quantity"] == "shapley", "stage"].tolist()
    fig, ax = new_figure(ax, (7.5, 0.45 * len(stages) + 2.0))
    y = np.arange(len(stages))
    height = 0.8 / len(METHODS)
    for k, ((quantity, label), colour) in enumerate(zip(METHODS.items(), palette(3),
                                                        strict=True)):
        rows = st.loc[st["quantity"] == quantity].set_index("stage").loc[stages]
        total = lv.loc[f"{quantity}_sum", "mean"]
        bars = ax.barh(y + (k - 1) * height, rows["mean"], height=height, color=colour,
                       xerr=_half(rows), error_kw={"ecolor": "0.3", "capsize": 2},
                       label=f"{label}: sum {total:+.2f}")
        for rect in bars:
            rect.set_gid(f"method:{quantity}")
    ax.set_yticks(y, stages)
    ax.invert_yaxis()
    ax.axvline(0.0, color="0.3", linewidth=0.6)
    ax.set_xlabel(xlabel)
    ax.set_title(f"Change with every stage repaired: {lv.loc['total', 'mean']:+.2f}",
                 fontsize=10)
    ax.legend(fontsize=8, loc="best")
    return fig
