"""Exit hazard by tenure: observed hazard, mean model hazards h and h0, the term-end spike."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib.ticker import PercentFormatter

from journey import metrics
from journey.plots._figure import as_journeys, new_figure, palette
from journey.schema import JourneyDataError, require_columns

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from journey.schema import Journeys


def mean_model_hazards(journeys: Journeys) -> pd.DataFrame:
    """Mean ``h`` and ``h0`` per month since signing over customers alive at its start.

    ``Σ_i h_i(t) / n(t)`` is the expected share leaving in month t; ``h0`` is the same without
    barriers (B = 0), so the gap between the two is what the barriers hold (Jones,
    Mothersbaugh & Beatty 2000). Columns month, h, h0.
    """
    p = journeys.panel
    require_columns(p, ["h", "h0"], "panel", "hazard_by_tenure (model=True)")
    serv = p.loc[p["month"].to_numpy() >= 0, ["month", "h", "h0"]]
    return serv.groupby("month", sort=True)[["h", "h0"]].mean().reset_index()


def _single_term(journeys: Journeys) -> int | None:
    c = journeys.customers
    terms = np.unique(c.loc[c["signed"].to_numpy(dtype=bool), "term_months"].to_numpy())
    terms = terms[terms > 0]
    return int(terms[0]) if terms.size == 1 else None


def hazard_by_tenure(journeys: Journeys, *, model: bool = True, term_months: int | None = None,
                     ax: Axes | None = None) -> Figure:
    """Monthly exit hazard by months since signing, with the term end and its spike marked.

    Observed: ``h(t) = exits(t) / at_risk(t)`` (:func:`journey.metrics.hazard_by_tenure`, the
    life-table hazard). With ``model=True`` also the mean model hazards ``h̄(t)`` and
    ``h̄0(t)`` (:func:`mean_model_hazards`; model-only columns, so real data raises
    :class:`~journey.schema.JourneyDataError` — pass ``model=False``). The term end T is
    ``term_months`` or the cohort's one fixed term; the title gives the cliff ratio
    ``h(T) / mean(h(1), …, h(T−1))`` (:func:`journey.metrics.cliff_ratio`).
    """
    j = as_journeys(journeys, "hazard_by_tenure")
    mh = mean_model_hazards(j) if model else None
    lt = metrics.hazard_by_tenure(j)
    if lt.empty:
        raise JourneyDataError("panel: hazard_by_tenure found no service months (month >= 0)")
    fig, ax = new_figure(ax)
    col = palette(3)
    x = lt["month"].to_numpy()
    ax.plot(x, lt["hazard"].to_numpy(), color=col[0], marker="o", markersize=3, linewidth=1.6,
            label="observed exits / at risk", gid="hazard:observed", zorder=3)
    if mh is not None:
        ax.plot(mh["month"].to_numpy(), mh["h"].to_numpy(), color=col[1], linewidth=1.4,
                label="model h (with barriers)", gid="hazard:h")
        ax.plot(mh["month"].to_numpy(), mh["h0"].to_numpy(), color=col[2], linewidth=1.4,
                linestyle="--", label="model h0 (no barriers)", gid="hazard:h0")
    T = term_months if term_months is not None else _single_term(j)  # noqa: N806
    title = "Exit hazard by tenure"
    if T is not None:
        ratio = metrics.cliff_ratio(j, term_months=term_months)
        ax.axvline(T, color="0.2", linestyle=":", linewidth=1.2, label=f"term end (month {T})")
        if math.isfinite(ratio) and T in set(x.tolist()):
            hT = float(lt.loc[lt["month"] == T, "hazard"].iloc[0])  # noqa: N806
            ax.annotate(f"cliff ratio {ratio:.1f}×", xy=(T, hT), xytext=(8, 0),
                        textcoords="offset points", va="center", fontsize=9,
                        arrowprops={"arrowstyle": "-", "color": "0.4"})
        title += (f": cliff ratio {ratio:.1f}× at term end" if math.isfinite(ratio)
                  else ": cliff ratio not defined")
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_ylim(bottom=0)
    ax.set_xlabel("months since signing")
    ax.set_ylabel("monthly exit hazard")
    ax.set_title(title)
    ax.legend(loc="upper left", fontsize=8, frameon=True)
    return fig
