"""Survey answers for the PLS path model: missing-value codes, missing-value treatment and the
answer scale of the 0–100 index.

Missing values, as R seminr's ``estimate_pls`` treats them (Ray, Danks & Calero Valdez,
seminr ``R/estimate_pls.R`` and ``R/clean_data.R``, v2.3): every cell equal to
``missing_value`` becomes NA (``data[data == missing_value] <- NA``), the measured items are
kept, the ``missing`` function runs (default ``mean_replacement``; or ``na.omit``), and rows still
incomplete are dropped (``stats::na.omit``). seminr's bootstrap (``R/estimate_bootstrap.R``)
resamples the data with its NAs and runs ``estimate_pls`` again, so the mean replacement is redone
in every resample; it does so with the default ``mean_replacement`` even for a model fitted with
``na.omit``. Here the bootstrap keeps the chosen treatment: mean replacement is redone in every
resample (as seminr), casewise deletion resamples the complete respondents.

Here:

* ``missing`` codes (one value or a list; numbers, or strings in text columns such as ``"NA"``,
  ``"n/a"``; blank text counts as missing) become missing values in the indicator columns.
  A text cell that is neither a number nor a code is an error naming column and row.
* ``missing_treatment="mean"``: mean replacement (Hair, Hult, Ringle & Sarstedt 2017, *A Primer
  on PLS-SEM*, 2nd ed., §2; seminr's ``mean_replacement``): a missing answer ``x_ih`` of
  indicator ``h`` becomes ``x̄_h = (1/n_h) Σ_{i observed} x_ih``, the mean of the indicator's
  observed answers. It shrinks the indicator's variance; Hair et al. advise it only below 5%
  missing per indicator (the result's notes name the indicators above that).
* ``missing_treatment="casewise"``: casewise (listwise) deletion (Little & Rubin 2019,
  *Statistical Analysis with Missing Data*, 3rd ed., §3.2; seminr with ``missing = na.omit``):
  respondents with any missing indicator are dropped.
* No treatment chosen and a missing value present: :class:`~journey.errors.JourneyDataError`
  naming the first missing cell's column and row (the frame's index label) and both treatments.
  (seminr silently mean-replaces; a survey whose codes were not declared is the commoner
  mistake, and the choice changes the estimates, so it is left to the caller.)

Answer scale (the 0–100 index maps its ends to 0 and 100; Fornell et al. 1996):

* given ``scale=(lo, hi)``: a :class:`~journey.errors.ScaleWarning` names the column and row of
  the first answer outside it and counts them;
* ``scale=None``: the observed range ``[min, max]`` of the indicators' answers, widened to the
  narrowest usual survey scale that holds it (:data:`USUAL_SCALES`: 1–4, 1–5, 1–6, 1–7, 1–9,
  1–10, 0–10), else the observed range itself. For whole-number answers the inference warns
  (:class:`~journey.errors.ScaleWarning`) when no usual scale holds them, or when the lowest or
  highest value stands apart from the others by more than two unused points (``1…5`` and ``9``,
  ``-99`` and ``1…10``): the marks of an undeclared missing-value code.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from journey.errors import JourneyDataError, ParameterError, ScaleWarning

__all__ = ["USUAL_SCALES", "MissingTreatment", "Answers", "Scale", "read_answers",
           "treat_missing", "answer_scale", "missing_codes"]

MissingTreatment = Literal["mean", "casewise"]
Code = float | int | str
USUAL_SCALES: tuple[tuple[int, int], ...] = ((1, 4), (1, 5), (1, 6), (1, 7), (1, 9), (1, 10),
                                             (0, 10))
MEAN_REPLACEMENT_LIMIT = 0.05  # Hair et al. (2017): mean replacement below 5% per indicator
_GAP = 2  # unused answer points between an extreme value and the rest that flag a code


def missing_codes(missing: Code | Sequence[Code] | None) -> tuple[Code, ...]:
    """``missing`` as a tuple of codes (numbers or strings); ParameterError naming it otherwise.

    A code is matched whatever the data's type: ``"-99"`` and ``-99`` both mark ``-99`` in a
    numeric column and the text ``-99`` (or ``-99.0``) in a text column."""
    if missing is None:
        return ()
    try:
        seq = (missing,) if isinstance(missing, str | int | float | np.number) else tuple(missing)
    except TypeError:
        seq = (missing,)
    for m in seq:
        if isinstance(m, bool | np.bool_) or not isinstance(m, str | int | float | np.number):
            raise ParameterError(f"parameter 'missing': {m!r}; expected a number, a string or a"
                                 " list of them (the missing-value codes)")
    return tuple(m if isinstance(m, str) else float(m) for m in seq)


def _numeric_codes(codes: Sequence[Code]) -> list[float]:
    """The codes as numbers: numeric codes, and text codes that read as a number (``"-99"``)."""
    out = []
    for c in codes:
        try:
            out.append(float(c.strip()) if isinstance(c, str) else float(c))
        except ValueError:
            continue  # a text code such as "NA" marks text only
    return out


def read_answers(data: pd.DataFrame, columns: Sequence[str], codes: Sequence[Code]
                 ) -> np.ndarray:
    """The answers of ``columns`` as floats, NaN where missing (NaN, blank text or a code).

    Raises JourneyDataError naming column and row for text that is neither a number nor a
    code, and for infinite values."""
    num = _numeric_codes(codes)
    x = _all_numbers(data, columns)
    if x is None:
        frame = data[list(columns)]
        if all(pd.api.types.is_numeric_dtype(t) for t in frame.dtypes):
            x = frame.to_numpy(dtype="float64", na_value=np.nan)  # nullable numbers
        else:
            text = {c.strip() for c in codes if isinstance(c, str)}
            x = np.column_stack([_numbers(frame[c], c, text) for c in columns])
    if num:
        x = np.where(np.isin(x, num), np.nan, x)  # (to_numpy may return a read-only view)
    bad = np.argwhere(np.isinf(x))
    if bad.size:
        r, c = bad[0]
        raise JourneyDataError(f"data column '{columns[c]}' row {data.index[r]!r}: value"
                               f" {x[r, c]}; expected a finite answer")
    return x


def _all_numbers(data: pd.DataFrame, columns: Sequence[str]) -> np.ndarray | None:
    """The fast path: a frame of numpy numbers not much wider than ``columns`` converted whole
    (cheaper than selecting the columns first); None otherwise."""
    if data.shape[1] > 2 * len(columns) or not data.columns.is_unique:
        return None
    if not all(isinstance(t, np.dtype) and t.kind in "biuf" for t in data.dtypes):
        return None
    return data.to_numpy(dtype="float64")[:, data.columns.get_indexer(columns)]


def _numbers(s: pd.Series, name: str, text_codes: set[str]) -> np.ndarray:
    """One column as floats; text cells are stripped, blank or coded ones are missing."""
    if pd.api.types.is_numeric_dtype(s.dtype):
        return s.to_numpy(dtype="float64", na_value=np.nan)
    text = s.astype("string").str.strip()
    miss = (s.isna() | text.isin(list(text_codes)) | (text == "")).to_numpy(dtype=bool)
    x = pd.to_numeric(text.where(~miss), errors="coerce").to_numpy("float64", na_value=np.nan)
    bad = ~miss & np.isnan(x)
    if bad.any():
        r = int(np.flatnonzero(bad)[0])
        raise JourneyDataError(f"data column '{name}' row {s.index[r]!r}: value {s.iloc[r]!r}"
                               " is not a number; expected an answer, or a missing-value code"
                               " declared in missing=")
    return x


@dataclass(frozen=True)
class Answers:
    """Answers after the missing-value treatment.

    ``values`` (respondents × indicators, complete), ``rows`` (positions of the kept
    respondents in the input), ``missing`` (missing cells per indicator before the treatment),
    ``cells_replaced`` (by mean replacement), ``rows_dropped`` (by casewise deletion), and
    ``resample`` (what the bootstrap resamples: the answers with their NaN under mean
    replacement, so that it is redone per resample as in seminr; else ``values``)."""

    values: np.ndarray
    rows: np.ndarray
    missing: np.ndarray
    cells_replaced: int
    rows_dropped: int
    resample: np.ndarray


def treat_missing(x: np.ndarray, treatment: MissingTreatment | None, columns: Sequence[str],
                  index: pd.Index, codes: Sequence[Code] = ()) -> Answers:
    """Apply the missing-value ``treatment`` to the answers ``x`` (NaN = missing); see the
    module docstring. Raises JourneyDataError when a value is missing and no treatment is
    chosen, when an indicator has no answer, or when casewise deletion leaves no respondent."""
    miss = np.isnan(x)
    per_col = miss.sum(axis=0)
    everyone = np.arange(x.shape[0])
    if not per_col.any():
        return Answers(x, everyone, per_col, 0, 0, x)
    if treatment is None:
        r, c = np.argwhere(miss)[0]
        coded = f" (missing codes {list(codes)} included)" if codes else ""
        raise JourneyDataError(
            f"data column '{columns[c]}' row {index[r]!r}: missing value; {int(miss.sum())} of"
            f" {miss.size} indicator cells in {int(miss.any(axis=1).sum())} rows are"
            f" missing{coded}. Choose missing_treatment='mean' (each replaced by its"
            " indicator's mean, as seminr's mean_replacement) or 'casewise' (incomplete rows"
            " dropped)")
    empty = np.flatnonzero(per_col == x.shape[0])
    if empty.size:
        raise JourneyDataError(f"data column '{columns[empty[0]]}' holds no answer (all"
                               f" {x.shape[0]} rows missing)")
    if treatment == "mean":
        return Answers(mean_replace(x), everyone, per_col, int(miss.sum()), 0, x)
    keep = np.flatnonzero(~miss.any(axis=1))
    if keep.size == 0:
        raise JourneyDataError("data: casewise deletion leaves no respondent (every row has a"
                               " missing indicator); use missing_treatment='mean'")
    done = x[keep]
    return Answers(done, keep, per_col, 0, x.shape[0] - keep.size, done)


def mean_replace(x: np.ndarray) -> np.ndarray:
    """Each NaN replaced by the mean of its column's other values (a column without any value
    stays NaN)."""
    miss = np.isnan(x)
    if not miss.any():
        return x
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # an all-NaN column of a resample
        mean = np.nanmean(x, axis=0)
    return np.where(miss, mean, x)


@dataclass(frozen=True)
class Scale:
    """The answer scale of the 0–100 index: ``low``, ``high``, how it was found (``source``:
    ``"given"``, ``"usual"`` = a usual scale holding the observed range, ``"observed"``) and the
    observed range."""

    low: float
    high: float
    source: Literal["given", "usual", "observed"]
    observed: tuple[float, float]

    @property
    def note(self) -> str:
        """One line for the result's notes."""
        lo, hi = self.observed
        seen = f"answers observed {lo:g}–{hi:g}"
        if self.source == "given":
            return f"answer scale {self.low:g}–{self.high:g} as given ({seen})"
        if self.source == "usual":
            return (f"answer scale {self.low:g}–{self.high:g} inferred from the data ({seen};"
                    " the narrowest usual survey scale holding them); pass scale=(lo, hi) if"
                    " the questionnaire's scale differs")
        return (f"answer scale {self.low:g}–{self.high:g} = the observed range of the answers"
                " (no usual survey scale holds it); pass scale=(lo, hi) for the"
                " questionnaire's scale")


def answer_scale(x: np.ndarray, scale: tuple[float, float] | None, columns: Sequence[str],
                 index: pd.Index, model: str = "fit_pls") -> Scale:
    """The answer scale for the answers ``x`` (NaN = missing): checked when given, else
    inferred (module docstring); warns :class:`ScaleWarning` as described there."""
    nan = np.isnan(x)
    seen = x[~nan] if nan.any() else x.ravel()
    if seen.size == 0:
        raise JourneyDataError("data: the indicator columns hold no answer")
    observed = (float(seen.min()), float(seen.max()))
    if scale is not None:
        lo, hi = _check_scale(scale)
        _warn_outside(x, lo, hi, columns, index, model)
        return Scale(lo, hi, "given", observed)
    lo, hi = observed
    fits = [s for s in USUAL_SCALES if s[0] <= lo and hi <= s[1]]
    if np.all(seen == np.round(seen)):
        _warn_codelike(x, _extremes(seen), bool(fits), columns, index, model)
    if fits:
        best = min(fits, key=lambda s: s[1] - s[0])
        return Scale(float(best[0]), float(best[1]), "usual", observed)
    return Scale(lo, hi, "observed", observed)


def _check_scale(scale: tuple[float, float]) -> tuple[float, float]:
    try:
        lo, hi = (float(v) for v in scale)
    except (TypeError, ValueError):
        raise ParameterError(f"scale must be (min, max) or None, got {scale!r}") from None
    if not (np.isfinite(lo) and np.isfinite(hi) and hi > lo):
        raise ParameterError(f"scale must be (min, max) with max > min, got {scale}")
    return lo, hi


def _cell(x: np.ndarray, hit: np.ndarray, columns: Sequence[str], index: pd.Index) -> str:
    r, c = np.argwhere(hit)[0]
    return f"column '{columns[c]}' row {index[r]!r} has {x[r, c]:g}"


def _warn_outside(x: np.ndarray, lo: float, hi: float, columns: Sequence[str],
                  index: pd.Index, model: str) -> None:
    out = (x < lo) | (x > hi)  # NaN compares False
    if out.any():
        warnings.warn(f"{model}: {int(out.sum())} answer(s) lie outside the scale"
                      f" {lo:g}–{hi:g}: {_cell(x, out, columns, index)}; the 0–100 index leaves"
                      " 0–100 for them. Declare missing-value codes with missing=, or give the"
                      " questionnaire's scale", ScaleWarning, stacklevel=4)


def _extremes(seen: np.ndarray) -> tuple[float, float, float, float]:
    """The lowest, second-lowest, second-highest and highest distinct values (the second ones
    equal the other end when there are only two)."""
    lo, hi = float(seen.min()), float(seen.max())
    above, below = seen[seen > lo], seen[seen < hi]
    return (lo, float(above.min()) if above.size else hi,
            float(below.max()) if below.size else lo, hi)


def _warn_codelike(x: np.ndarray, ends: tuple[float, float, float, float], fits: bool,
                   columns: Sequence[str], index: pd.Index, model: str) -> None:
    """Warn when whole-number answers look like they hold an undeclared missing-value code."""
    lo, lo2, hi2, hi = ends
    if not fits:
        odd = lo if lo < 0 or lo2 - lo > hi - hi2 else hi
        why = f"no usual survey scale ({_usual()}) holds the answers {lo:g}…{hi:g}"
    elif lo2 < hi and max(lo2 - lo, hi - hi2) > _GAP + 1:
        odd, near = (lo, lo2) if lo2 - lo >= hi - hi2 else (hi, hi2)
        why = f"the answer {odd:g} stands apart from the others (the nearest is {near:g})"
    else:
        return
    hit = x == odd
    warnings.warn(f"{model}: {why}; {_cell(x, hit, columns, index)} ({int(hit.sum())} cells)."
                  f" If {odd:g} is a missing-value code pass missing={odd:g}; if it is an answer"
                  " pass scale=(lo, hi)", ScaleWarning, stacklevel=4)


def _usual() -> str:
    return ", ".join(f"{a}–{b}" for a, b in USUAL_SCALES)
