"""Figures of the journey breakdown, on seaborn / matplotlib.

Each function takes the journey tables (a :class:`~journey.schema.Journeys`, a ``customers``
table, or several cohorts as a ``dict`` of name → ``Journeys``) and an optional ``ax``, and
returns its :class:`matplotlib.figure.Figure`. Nothing is drawn globally: figures are built with
the object API (``Figure`` / ``fig.add_subplot``, not pyplot), styles are applied in a context
only, and nothing is shown or saved here. To write a byte-stable PNG use
:func:`journey.study.record.save_figure` (or ``figure_png``) from a study.

Modules: ``satisfaction`` (S around signing with phase bands), ``barriers`` (F, P, M by tenure),
``hazard`` (exit hazard with the term-end spike), ``loyalty`` (Jones & Sasser map), ``survival``
(Kaplan–Meier by group with log-rank p), ``value`` (CLV waterfall), ``response`` (a metric's
dose-response over one driver, with intervals over replications), ``attribution`` (Shapley
waterfall of a change over journey stages, Shapley beside one-at-a-time attributions).
"""

from journey.plots.attribution import attribution_methods, shapley_waterfall
from journey.plots.barriers import barriers_by_tenure
from journey.plots.hazard import hazard_by_tenure
from journey.plots.loyalty import loyalty_map
from journey.plots.response import dose_response
from journey.plots.satisfaction import satisfaction_around_signing
from journey.plots.survival import survival_by_group
from journey.plots.value import clv_waterfall

__all__ = [
    "attribution_methods",
    "barriers_by_tenure",
    "clv_waterfall",
    "dose_response",
    "hazard_by_tenure",
    "loyalty_map",
    "satisfaction_around_signing",
    "shapley_waterfall",
    "survival_by_group",
]
