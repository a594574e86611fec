"""Partial aggregates: the sums and counts a metric is computed from, added over the parts of
a cohort.

A metric of the summary suite is split in two: a *partial* read from one part of the cohort
(sums, counts, counts by month) and a *finish* that turns the partial into the metric. The
in-memory suite finishes the partial of the whole cohort; the partitioned one
(:mod:`journey.metrics.parts`) adds the partials of the parts first. Sums of integers are
exact; sums of floats differ from the whole-cohort sum in the last bits only (a different
order of additions), so both paths give one value per metric from one formula.

Adding two partials (:func:`combine`): numbers add; arrays by month add element by element,
the shorter padded with zeros (a part that saw fewer months); dicts add key by key; ``None``
(absent in a part) adds as nothing; a flag is or-ed; an error read from a part stays (the first
one wins) and is raised only when the finish needs what it stands for; a :class:`OnePart`
value (a metric that needs the whole cohort at once) stops being a value.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any, Generic, TypeVar

import numpy as np
import pandas as pd

from journey.metrics._tables import service_rows
from journey.schema import Durations, JourneyDataError, Journeys, durations

T = TypeVar("T")


def add_padded(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a + b`` element by element, the shorter array padded with zeros at its end."""
    out = np.zeros(max(a.size, b.size), dtype=np.result_type(a, b))
    out[:a.size] += a
    out[:b.size] += b
    return out


def combine(a: Any, b: Any) -> Any:
    """The sum of two partial values of the same kind (rules in the module docstring)."""
    if a is None:
        return b
    if b is None:
        return a
    if isinstance(a, Exception):
        return a
    if isinstance(b, Exception):
        return b
    if isinstance(a, np.ndarray):
        return add_padded(a, b)
    if isinstance(a, dict):
        return {k: combine(a.get(k), b.get(k)) for k in (*a, *(k for k in b if k not in a))}
    if isinstance(a, bool | np.bool_):
        return bool(a or b)
    return a + b


class Addable:
    """Mixin for a dataclass of partial values: ``p + q`` combines them field by field."""

    def __add__(self, other: Any) -> Any:
        if type(other) is not type(self):
            return NotImplemented
        return type(self)(**{f.name: combine(getattr(self, f.name), getattr(other, f.name))
                             for f in fields(self)})  # type: ignore[arg-type]


@dataclass(frozen=True)
class Mean(Addable):
    """``total / n`` from its two sums; NaN for an empty set."""

    total: float = 0.0
    n: int = 0

    @classmethod
    def of(cls, x: np.ndarray) -> Mean:
        """Sum and count of an array (``x.sum() / x.size`` is what ``x.mean()`` computes)."""
        return cls(float(x.sum()), int(x.size))

    def value(self) -> float:
        return self.total / self.n if self.n else math.nan


@dataclass(frozen=True)
class OnePart:
    """A metric that needs the whole cohort at once (a quantile, a top share): its value on
    one part is exact when the cohort is that one part; added to another part it is no longer
    a value, and the summary reports it skipped with ``reason``."""

    value: float
    reason: str
    combined: bool = False

    def __add__(self, other: OnePart) -> OnePart:
        return OnePart(math.nan, self.reason, True)


@dataclass(frozen=True)
class BySource(Addable, Generic[T]):
    """A partial read two ways: from the panel's service rows (``panel``; ``None`` when the
    panel has none) and from the customers' durations (``customers``, or the error reading
    them raised; ``None`` when not read). :meth:`pick` applies the rule of
    :func:`journey.metrics.life_table` to the whole cohort: the panel when any part of it had
    service rows, else the customers' durations (a cohort imported from a flat file)."""

    panel: T | None
    customers: T | JourneyDataError | None = None

    def pick(self) -> T:
        if self.panel is not None:
            return self.panel
        if isinstance(self.customers, JourneyDataError):
            raise self.customers
        assert self.customers is not None, "the customers' reading was not made"
        return self.customers


def has_service_panel(panel: pd.DataFrame) -> bool:
    """The panel has service rows (``month >= 0``) and the ``exited`` flag."""
    return "exited" in panel.columns and bool((panel["month"].to_numpy() >= 0).any())


def by_source(data: Journeys, what: str, from_panel: Callable[[pd.DataFrame], T],
              from_customers: Callable[[Durations], T], both: bool = False) -> BySource[T]:
    """Read a partial from the panel's service rows (customer_id, month, exited) when the panel
    has them, and from :func:`journey.schema.durations` when it has not or ``both`` is set
    (a part of a cohort reads both: which one the cohort uses is known only at the end)."""
    panel = data.panel
    from_rows = (from_panel(service_rows(panel, what, ("exited",)))
                 if has_service_panel(panel) else None)
    customers: T | JourneyDataError | None = None
    if from_rows is None or both:
        try:
            customers = from_customers(durations(data.customers, what))
        except JourneyDataError as exc:
            customers = exc
    return BySource(from_rows, customers)
