"""Covariates to a numeric design: numbers as they are, text and categories as dummies.

Shared by the survival and satisfaction models so that every model codes a covariate the same
way and names a bad value the same way (column and row).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from journey.schema import JourneyDataError


def numeric_column(df: pd.DataFrame, col: str, where: str) -> np.ndarray:
    """``df[col]`` as float64 (booleans as 0/1); an empty, infinite or non-numeric value is an
    error naming the column and row."""
    s = df[col]
    if pd.api.types.is_bool_dtype(s.dtype):
        return s.to_numpy(dtype="float64")
    if not pd.api.types.is_numeric_dtype(s.dtype):
        raise JourneyDataError(f"{where}: column '{col}' has dtype {s.dtype}; expected numbers")
    x = s.to_numpy(dtype="float64", na_value=np.nan)
    bad = ~np.isfinite(x)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise JourneyDataError(f"{where}: column '{col}' row {row}: empty or infinite value;"
                               " expected a finite number")
    return x


def require(df: pd.DataFrame, columns: Sequence[str], where: str, doc: dict[str, str] | None = None,
            hint: str = "") -> None:
    """Raise :class:`JourneyDataError` naming the first of ``columns`` that ``df`` lacks and
    what it should hold (``doc[col]``), with an optional ``hint`` on how to fix it."""
    for c in columns:
        if c not in df.columns:
            what = f"; expected the {doc[c]} column" if doc and c in doc else ""
            raise JourneyDataError(f"{where}: column '{c}' is missing{what}{hint}")


def is_text(s: pd.Series) -> bool:
    return (isinstance(s.dtype, pd.CategoricalDtype) or pd.api.types.is_string_dtype(s.dtype)
            or pd.api.types.is_object_dtype(s.dtype))


def covariate_columns(df: pd.DataFrame, covariates: Sequence[str],
                      where: str) -> dict[str, np.ndarray]:
    """One float64 array per design column.

    A text or category covariate ``c`` becomes 0/1 columns ``c[level]`` for every observed level
    but the first (the reference: the first category of a categorical, else the first in sorted
    order); any other covariate is numeric (:func:`numeric_column`).
    """
    out: dict[str, np.ndarray] = {}
    for c in covariates:
        if c not in df.columns:
            raise JourneyDataError(f"{where}: covariate column '{c}' is missing")
        s = df[c]
        if not is_text(s):
            out[c] = numeric_column(df, c, where)
            continue
        if s.isna().any():
            row = int(np.flatnonzero(s.isna().to_numpy())[0])
            raise JourneyDataError(f"{where}: column '{c}' row {row}: empty value")
        values = s.astype("object").to_numpy()
        levels = (list(s.cat.categories) if isinstance(s.dtype, pd.CategoricalDtype)
                  else sorted(set(values), key=str))
        levels = [lv for lv in levels if (values == lv).any()]
        for lv in levels[1:]:
            out[f"{c}[{lv}]"] = (values == lv).astype("float64")
    return out
