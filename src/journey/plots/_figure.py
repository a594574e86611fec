"""Shared helpers: a fresh figure outside pyplot, the house style, input checks."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import seaborn as sns
from matplotlib.figure import Figure

from journey.errors import ParameterError
from journey.schema import JourneyDataError, Journeys

if TYPE_CHECKING:
    from matplotlib.axes import Axes

STYLE = "whitegrid"
FIGSIZE = (7.5, 4.5)


def new_figure(ax: Axes | None, figsize: tuple[float, float] = FIGSIZE) -> tuple[Figure, Axes]:
    """(figure, axes): the given axes and its figure, or a new figure not registered in pyplot.

    A new figure uses constrained layout (labels do not overlap) and the seaborn ``whitegrid``
    style, applied inside a context so the global rcParams stay untouched.
    """
    if ax is not None:
        return ax.get_figure(root=True), ax
    with sns.axes_style(STYLE):
        fig = Figure(figsize=figsize, layout="constrained")
        ax = fig.add_subplot()
    return fig, ax


def as_journeys(data: object, what: str) -> Journeys:
    """``data`` if it is a :class:`Journeys`, else a clear error naming the plot."""
    if not isinstance(data, Journeys):
        raise JourneyDataError(f"{what}: expected a Journeys, got {type(data).__name__}")
    return data


def cohorts(data: Journeys | Mapping[str, Journeys], what: str) -> dict[str, Journeys]:
    """One cohort or several: a ``dict`` name → ``Journeys`` (a single cohort is named "")."""
    if isinstance(data, Journeys):
        return {"": data}
    if isinstance(data, Mapping):
        if not data:
            raise ParameterError(f"{what}: the dict of cohorts is empty")
        for name, j in data.items():
            if not isinstance(j, Journeys):
                raise JourneyDataError(
                    f"{what}: cohort {name!r} is a {type(j).__name__}; expected a Journeys")
        return {str(k): v for k, v in data.items()}
    raise JourneyDataError(
        f"{what}: expected a Journeys or a dict of name -> Journeys, got {type(data).__name__}")


def palette(n: int) -> list[tuple[float, float, float]]:
    """``n`` distinguishable colours (seaborn's colour-blind palette)."""
    return sns.color_palette("colorblind", max(n, 1))
