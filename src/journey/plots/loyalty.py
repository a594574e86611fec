"""Jones & Sasser (1995) loyalty map: satisfaction against what holds the customer."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd
from matplotlib.lines import Line2D

from journey.errors import ParameterError
from journey.metrics import JONES_SASSER, jones_sasser_segments, segment_shares
from journey.plots._figure import as_journeys, new_figure
from journey.schema import JourneyDataError, require_columns

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from journey.schema import Journeys

YAxis = Literal["barrier", "held", "months"]
SEGMENT_COLOURS = {"loyalist": "#0173b2", "hostage": "#de8f05", "mercenary": "#029e73",
                   "defector": "#949494"}
Y_SHORT = {"barrier": "B", "held": "h0 − h", "months": "months"}
Y_LABELS = {"barrier": "exit barrier B = F + P + M (months of price)",
            "held": "hazard held by barriers h0 − h (per month)",
            "months": "service months observed"}


def loyalty_frame(journeys: Journeys, y: YAxis = "barrier", s_threshold: float = 7.0,
                  satisfaction: str = "last") -> pd.DataFrame:
    """One row per signed customer: customer_id, S, y, segment (Jones & Sasser 1995).

    ``S`` and ``segment`` come from :func:`journey.metrics.jones_sasser_segments` (high
    ``S ≥ s_threshold`` × stays/leaves). ``y`` is, in the same month(s) as ``S`` (the last
    observed service month, or the mean over them with ``satisfaction="mean"``):
    ``"barrier"`` ``B = F + P + M`` or ``"held"`` ``h0 − h`` (model-only columns; real data
    raises :class:`~journey.schema.JourneyDataError`), or ``"months"`` the service months
    observed (observed data).
    """
    if y not in Y_LABELS:
        raise ParameterError(f"y must be one of {', '.join(Y_LABELS)}, got {y!r}")
    p = journeys.panel
    seg = jones_sasser_segments(journeys, s_threshold, satisfaction)
    serv = p.loc[p["month"].to_numpy() >= 0]
    if y == "months":
        val = serv.groupby("customer_id")["month"].size().astype("float64")
    else:
        cols = ["F", "P", "M"] if y == "barrier" else ["h", "h0"]
        require_columns(p, cols, "panel", f"loyalty_map (y={y!r})")
        serv = serv.sort_values(["customer_id", "month"], kind="stable")
        v = (serv["F"] + serv["P"] + serv["M"] if y == "barrier" else serv["h0"] - serv["h"])
        g = v.groupby(serv["customer_id"].to_numpy())
        val = g.last() if satisfaction == "last" else g.mean()
    out = seg[["customer_id", "S", "segment"]].copy()
    out["y"] = val.reindex(out["customer_id"].to_numpy()).to_numpy("float64")
    return out[["customer_id", "S", "y", "segment"]]


def loyalty_map(
    journeys: Journeys,
    *,
    y: YAxis = "barrier",
    s_threshold: float = 7.0,
    y_threshold: float | None = None,
    satisfaction: str = "last",
    kind: Literal["scatter", "hexbin"] = "scatter",
    max_points: int = 5000,
    seed: int = 0,
    ax: Axes | None = None,
) -> Figure:
    """Jones & Sasser (1995) map: x = satisfaction S, y = what holds the customer
    (see :func:`loyalty_frame`), customers coloured by segment (loyalist, hostage, mercenary,
    defector), quadrant lines at ``S = s_threshold`` and ``y = y_threshold`` (default: the
    median of y) and each quadrant's share of customers in its corner. The legend gives each
    segment's share (:func:`journey.metrics.segment_shares`).

    ``kind="scatter"`` draws at most ``max_points`` customers (a random subset drawn with
    ``numpy.random.default_rng(seed)`` when there are more; shares use everyone);
    ``kind="hexbin"`` draws the density instead, with segment shares in the legend.
    """
    if kind not in ("scatter", "hexbin"):
        raise ParameterError(f"kind must be 'scatter' or 'hexbin', got {kind!r}")
    if max_points < 1:
        raise ParameterError(f"max_points must be a positive integer, got {max_points}")
    j = as_journeys(journeys, "loyalty_map")
    df = loyalty_frame(j, y, s_threshold, satisfaction)
    if df.empty:
        raise JourneyDataError("panel: loyalty_map found no signed customer with service months")
    s, v = df["S"].to_numpy(), df["y"].to_numpy()
    yt = float(np.median(v)) if y_threshold is None else float(y_threshold)
    fig, ax = new_figure(ax, (7.0, 5.5))
    shares = segment_shares(df).set_index("segment")
    handles = []
    if kind == "scatter":
        idx = np.arange(len(df))
        if len(df) > max_points:
            idx = np.sort(np.random.default_rng(seed).choice(len(df), max_points, replace=False))
        code = df["segment"].cat.codes.to_numpy()[idx]
        # largest segment first, so the small ones stay visible on top
        for k in np.argsort(-np.bincount(code, minlength=len(JONES_SASSER)), kind="stable"):
            name, m = JONES_SASSER[k], code == k
            ax.scatter(s[idx][m], v[idx][m], s=9, alpha=0.55, color=SEGMENT_COLOURS[name],
                       linewidths=0, gid=f"segment:{name}")
    else:
        hb = ax.hexbin(s, v, gridsize=30, cmap="Greys", mincnt=1, linewidths=0.2)
        fig.colorbar(hb, ax=ax, label="customers per hexagon")
    for name in JONES_SASSER:
        sh = shares.at[name, "share"]
        marker = "o" if kind == "scatter" else ""  # a hexbin does not colour segments
        handles.append(Line2D([], [], marker=marker, linestyle="", color=SEGMENT_COLOURS[name],
                              label=f"{name} ({100 * sh:.0f}%)"))
    ax.axvline(s_threshold, color="0.2", linewidth=1.0)
    ax.axhline(yt, color="0.2", linewidth=1.0, linestyle="--")
    high_s, high_y = s >= s_threshold, v >= yt
    ys = Y_SHORT[y]
    corners = (((0.02, 0.98), "left", "top", ~high_s & high_y, f"low S, high {ys}"),
               ((0.98, 0.98), "right", "top", high_s & high_y, f"high S, high {ys}"),
               ((0.02, 0.02), "left", "bottom", ~high_s & ~high_y, f"low S, low {ys}"),
               ((0.98, 0.02), "right", "bottom", high_s & ~high_y, f"high S, low {ys}"))
    for (cx, cy), ha, va, mask, name in corners:
        ax.text(cx, cy, f"{name}: {100 * mask.mean():.0f}%", transform=ax.transAxes,
                ha=ha, va=va, fontsize=8, color="0.2", gid="quadrant_share",
                bbox={"boxstyle": "round,pad=0.2", "facecolor": "white", "alpha": 0.8,
                      "linewidth": 0})
    ax.set_xlabel(f"satisfaction S ({satisfaction} service month, 0–10); solid line at"
                  f" {s_threshold:g}, dashed at {ys} = {yt:.3g}")
    ax.set_ylabel(Y_LABELS[y])
    ax.set_title(f"Loyalty map (Jones & Sasser 1995), {len(df):,} customers")
    ax.legend(handles=handles, ncols=4, fontsize=8, title_fontsize=8, loc="upper center",
              title=f"Jones & Sasser segment (share): S ≥ {s_threshold:g} × stays/leaves",
              bbox_to_anchor=(0.5, -0.12), frameon=False)
    return fig
