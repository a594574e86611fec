"""The map of a flat-file import (``journey import --map MAP.yaml``): what flags cannot say.

Every key is optional and unknown keys are refused (pydantic, ``extra="forbid"``); see
:class:`FlatMap` and ``docs/own-data.md`` for an example.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from journey.errors import JourneyDataError
from journey.schema import EVENT_KINDS

__all__ = ["EventsFile", "FlatMap", "SurveyItem", "ValueMap", "load_map"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ValueMap(_Strict):
    """A column and how its values translate (``values``: file value → journey value)."""

    column: str
    values: dict[str, Any] | None = None


class SurveyItem(_Strict):
    """A rating column of the flat file, one answer per customer.

    ``kind``: ``survey`` (satisfaction) or ``recommend`` (likelihood to recommend, for NPS).
    ``scale``: the item's (lowest, highest) answer; answers are rescaled linearly to 0–10,
    ``r' = 10 (r − lo) / (hi − lo)``. ``month``: when it was asked, a column (in the time
    unit, since signing) or ``"last"`` (the customer's last observed month, the default).
    """

    column: str
    kind: Literal["survey", "recommend"] = "survey"
    scale: tuple[float, float]
    month: str = "last"

    @field_validator("scale")
    @classmethod
    def _ordered(cls, v: tuple[float, float]) -> tuple[float, float]:
        if not v[0] < v[1]:
            raise ValueError(f"scale must be (lowest, highest) with lowest < highest, got {v}")
        return v


class EventsFile(_Strict):
    """A contact or rating log: one row per touchpoint.

    ``file`` (relative to the map), the ``id`` column (the flat file's ids), the ``time`` column
    (in the map's time unit since signing), the ``kind`` column and its ``vocabulary`` (file
    value → journey event kind); a ``rating`` column with its ``scale`` for survey rows.
    Rows whose kind is not in the vocabulary are an error unless ``drop_unmapped``.
    """

    file: str
    id: str
    time: str
    kind: str
    vocabulary: dict[str, str]
    rating: str | None = None
    scale: tuple[float, float] = (0.0, 10.0)
    drop_unmapped: bool = False

    @field_validator("vocabulary")
    @classmethod
    def _known_kinds(cls, v: dict[str, str]) -> dict[str, str]:
        bad = sorted({k for k in v.values() if k not in EVENT_KINDS})
        if bad:
            raise ValueError(f"unknown event kind(s) {', '.join(bad)}; expected one of"
                             f" {', '.join(EVENT_KINDS)}")
        return v


class FlatMap(_Strict):
    """What a flat file holds beyond ``duration`` and ``event`` (all keys optional).

    ``time_unit`` of durations and times (months, weeks, days); ``missing``: values that mean
    "no answer" in every column (e.g. ``-99``, ``""``, ``"NA"``); ``term``: the contract term
    in months, from a numeric column or a column's values (``{"Month-to-month": 0, "One year":
    12}``); ``exit_reason``: a column and its values → dissatisfaction, competitor, term_end,
    forced, other; ``surveys``: rating items; ``events``: a contact log; ``keep``: further
    columns copied to ``customers`` unchanged (covariates for Cox or hazard models).
    """

    time_unit: Literal["months", "weeks", "days"] = "months"
    missing: list[str | float] = Field(default_factory=list)
    term: ValueMap | None = None
    exit_reason: ValueMap | None = None
    surveys: list[SurveyItem] = Field(default_factory=list)
    events: EventsFile | None = None
    keep: list[str] = Field(default_factory=list)


def load_map(source: FlatMap | dict | str | Path | None) -> tuple[FlatMap, Path]:
    """A :class:`FlatMap` from a mapping or a YAML file, and the folder relative paths start in."""
    if source is None:
        return FlatMap(), Path.cwd()
    if isinstance(source, FlatMap):
        return source, Path.cwd()
    where, base, raw = "map", Path.cwd(), source
    if isinstance(source, (str, Path)):
        path = Path(source)
        where, base, raw = str(path), path.parent, _read_yaml(path)
    try:
        return FlatMap.model_validate(raw), base
    except ValidationError as exc:
        err = exc.errors()[0]
        key = ".".join(str(p) for p in err["loc"]) or "(top level)"
        raise JourneyDataError(f"{where}: key '{key}': {err['msg']}") from None


def _read_yaml(path: Path) -> Any:
    from journey.yaml_io import load_yaml

    data = load_yaml(path, "map", JourneyDataError)
    return {} if data is None else data
