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
dose-response over one driver, and curves over months per scenario, with intervals over
replications), ``channels`` (a driver's effect by dose shared between the model's channels),
``attribution`` (Shapley waterfall of a change over journey stages, Shapley beside
one-at-a-time attributions), ``community`` (precision, recall and F1 of detectors of a partner
community).
"""

from journey.plots.attribution import attribution_methods, shapley_waterfall
from journey.plots.barriers import barriers_by_tenure
from journey.plots.channels import channel_decomposition
from journey.plots.community import detection_scores
from journey.plots.hazard import hazard_by_tenure
from journey.plots.loyalty import loyalty_map
from journey.plots.response import dose_response, dose_response_panels, response_curves
from journey.plots.satisfaction import satisfaction_around_signing
from journey.plots.survival import survival_by_group
from journey.plots.value import clv_waterfall

__all__ = [
    "attribution_methods",
    "barriers_by_tenure",
    "channel_decomposition",
    "clv_waterfall",
    "detection_scores",
    "dose_response",
    "dose_response_panels",
    "hazard_by_tenure",
    "loyalty_map",
    "response_curves",
    "satisfaction_around_signing",
    "shapley_waterfall",
    "survival_by_group",
]
