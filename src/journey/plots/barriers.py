"""Exit-barrier parts by tenure: financial, procedural and mental/relational barriers stacked."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from journey.metrics import barrier_index_by_tenure
from journey.plots._figure import as_journeys, new_figure, palette

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from journey.schema import Journeys

PARTS = (("F", "financial F"), ("P", "procedural P"), ("M", "mental/relational M"))


def barriers_by_tenure(journeys: Journeys, *, ax: Axes | None = None) -> Figure:
    """Stacked area of the mean barrier parts ``F̄``, ``P̄``, ``M̄`` by month since signing.

    From :func:`journey.metrics.barrier_index_by_tenure` (Jones, Mothersbaugh & Beatty 2000):
    per month t over customers alive at its start; the top of the stack is
    ``B̄ = F̄ + P̄ + M̄``, in months of the monthly price. Needs the model-only columns F, P, M
    (raises :class:`~journey.schema.JourneyDataError` on real data without them). A dotted
    line marks the term end when the cohort has one fixed term.
    """
    j = as_journeys(journeys, "barriers_by_tenure")
    b = barrier_index_by_tenure(j)
    fig, ax = new_figure(ax)
    x = b["month"].to_numpy()
    ys = [b[c].to_numpy() for c, _ in PARTS]
    polys = ax.stackplot(x, *ys, labels=[lab for _, lab in PARTS], colors=palette(3),
                         alpha=0.85, linewidth=0.5, edgecolor="white")
    for (c, _), poly in zip(PARTS, polys, strict=True):
        poly.set_gid(f"barrier:{c}")
    c = j.customers
    terms = np.unique(c.loc[c["signed"].to_numpy(dtype=bool), "term_months"].to_numpy())
    terms = terms[terms > 0]
    if terms.size == 1 and x.size and terms[0] <= x.max():
        ax.axvline(terms[0], color="0.2", linestyle=":", linewidth=1.2,
                   label=f"term end (month {terms[0]})")
    ax.set_xlim(x.min(initial=0), x.max(initial=1))
    ax.set_ylim(bottom=0)
    ax.set_xlabel("months since signing")
    ax.set_ylabel("mean exit barrier (months of price)")
    ax.set_title("Exit barriers by tenure: B = F + P + M")
    ax.legend(loc="upper right", fontsize=8, frameon=True)
    return fig
