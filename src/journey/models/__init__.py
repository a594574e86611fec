"""Statistical models on statsmodels / scipy, each returning a :class:`FitResult`
(``summary()`` with estimate, se, ci_low, ci_high; ``predict``; ``plot(ax=None) -> Figure``;
``loglik``). Modules: ``survival``, ``hazard``, ``satisfaction``, ``sbg``, ``bgnbd``,
``gammagamma``, ``pls`` — import the one you need, e.g. ``from journey.models.sbg import fit_sbg``.
"""

from journey.models.base import FitResult

__all__ = ["FitResult"]
