"""PLS path model (PLS-PM) for satisfaction indices (ECSI / ACSI style, scored 0–100).

Algorithm of Wold (1982) in Lohmöller's (1989) formulation, as described by Tenenhaus, Esposito
Vinzi, Chatelin & Lauro (2005), "PLS path modeling", *CSDA* 48(1), and as run by R seminr:

1. Indicators standardised, ``x̃ = (x − mean)/sd`` (sd with n − 1); outer weights start at 1.
2. Outer proxies ``Y_j = X̃_j w_j``, scaled to unit variance.
3. Inner weights, path weighting scheme (Lohmöller 1989): for a predecessor i → j, ``e_ji`` is
   the coefficient of ``Y_i`` in the OLS regression of ``Y_j`` on all its predecessors; for a
   successor j → k, ``e_jk = cor(Y_j, Y_k)``. (Centroid: ``sign(cor)``; factorial: ``cor``.)
   Inner proxy ``Z_j = Σ_i e_ji Y_i``, scaled to unit variance.
4. Mode A outer weights: ``w_jh = cov(x̃_jh, Z_j)`` (correlation weights).
5. Repeat 2–4 until ``Σ |w_new − w_old| < tol`` (default 1e-7, seminr's criterion), at most
   ``maxiter`` times; then final scores ``Y_j`` with unit variance.
6. Path coefficients: OLS of each endogenous ``Y_j`` on its predecessors; R² from those fits.

Index scores 0–100 (Fornell, Johnson, Anderson, Cha & Bryant 1996, "The American Customer
Satisfaction Index", *J. Marketing* 60(4)): unstandardised weights ``w_jh / sd_jh`` rescaled to sum
to 1 per block, ``ξ_j = Σ_h w̃_jh x_jh`` on the answer scale, then
``index_j = 100 (ξ_j − scale_min)/(scale_max − scale_min)``, so an answer of ``scale_max`` on
every indicator of a block scores 100. The scale is inferred from the answers unless given, and
missing-value codes and treatments follow R seminr (:mod:`journey.models.survey`).

Standard errors of the path coefficients are bootstrap standard errors (Efron & Tibshirani 1993;
resampling respondents, seeded); intervals are Wald intervals ``estimate ± z·se``.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar, Literal

import numpy as np
import pandas as pd

from journey.errors import ConvergenceWarning, JourneyDataError, ParameterError
from journey.models.base import FitResult, check_maxiter, new_axes, not_converged
from journey.models.survey import (
    MEAN_REPLACEMENT_LIMIT,
    Answers,
    Code,
    MissingTreatment,
    Scale,
    answer_scale,
    mean_replace,
    missing_codes,
    read_answers,
    treat_missing,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["PLSResult", "fit_pls", "ECSI_PATHS"]

Scheme = Literal["path", "centroid", "factorial"]

ECSI_PATHS: list[tuple[str, str]] = [
    ("Image", "Expectation"), ("Image", "Satisfaction"), ("Image", "Loyalty"),
    ("Expectation", "Quality"), ("Expectation", "Value"), ("Expectation", "Satisfaction"),
    ("Quality", "Value"), ("Quality", "Satisfaction"),
    ("Value", "Satisfaction"),
    ("Satisfaction", "Complaints"), ("Satisfaction", "Loyalty"),
    ("Complaints", "Loyalty"),
]


def _std(a: np.ndarray) -> np.ndarray:
    return (a - a.mean(axis=0)) / a.std(axis=0, ddof=1)


@dataclass
class _Spec:
    names: list[str]
    cols: list[list[int]]  # indicator positions per construct
    adj: np.ndarray  # adj[i, j] = 1 when i -> j
    mask: np.ndarray  # mask[h, j] = 1 when indicator h belongs to construct j


def _regress(R: np.ndarray, pred: np.ndarray, j: int) -> np.ndarray:
    """OLS coefficients of standardised ``Y_j`` on ``Y_pred`` from their correlation matrix."""
    return np.linalg.solve(R[np.ix_(pred, pred)], R[pred, j])


def _estimate(X: np.ndarray, spec: _Spec, scheme: Scheme, tol: float, maxiter: int
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray, int, bool]:
    """Core iteration on standardised data: weight matrix W (indicators × constructs), unit
    variance scores Y, path matrix B (B[i, j] for i -> j), iterations, converged."""
    n = X.shape[0]
    k = len(spec.names)
    preds = [np.flatnonzero(spec.adj[:, j]) for j in range(k)]
    succs = [np.flatnonzero(spec.adj[j]) for j in range(k)]
    W = spec.mask.copy()
    conv = False
    it = 0
    for it in range(1, maxiter + 1):  # noqa: B007 - the count is reported
        Y = X @ W
        Y /= Y.std(axis=0, ddof=1)
        R = Y.T @ Y / (n - 1)
        E = np.zeros((k, k))
        for j in range(k):
            succ, pred = succs[j], preds[j]
            if scheme == "path":
                E[succ, j] = R[succ, j]
                if pred.size:
                    E[pred, j] = _regress(R, pred, j)
            else:
                nb = np.concatenate([succ, pred])
                E[nb, j] = np.sign(R[nb, j]) if scheme == "centroid" else R[nb, j]
        Z = Y @ E
        Z /= Z.std(axis=0, ddof=1)
        new = (X.T @ Z / (n - 1)) * spec.mask
        # scale so that each outer proxy has unit variance (as seminr does) before comparing
        new /= (X @ new).std(axis=0, ddof=1)
        delta = float(np.abs(new - W).sum())
        W = new
        if delta < tol:
            conv = True
            break
    Y = X @ W
    R = Y.T @ Y / (n - 1)
    B = np.zeros((k, k))
    for j in range(k):
        if preds[j].size:
            B[preds[j], j] = _regress(R, preds[j], j)
    return W, Y, B, it, conv


@dataclass(kw_only=True, repr=False)
class PLSResult(FitResult):
    """A fitted PLS path model. ``params`` are the path coefficients, indexed ``"A -> B"``.

    Also: ``r2`` per endogenous construct and the properties ``paths`` (tidy: from, to,
    estimate, se, ci_low, ci_high, z, p_value; z = estimate / bootstrap se), ``weights`` and
    ``loadings`` (tidy: construct, indicator, value), ``scores`` (standardised construct
    scores) and ``index`` (0–100 per respondent and construct), built on demand.

    Typed fields: ``r2``, ``scheme``, ``tol``, ``n_boot`` (bootstrap samples behind the se),
    ``boot_failed`` (bootstrap samples whose iteration did not converge), ``blocks``,
    ``indicators``, ``scale`` (answer scale of the index) and ``scale_source`` (``"given"``,
    ``"usual"``: inferred as the usual survey scale holding the answers, ``"observed"``: their
    range), ``rows`` (index labels of the fitted respondents), ``missing_codes``,
    ``missing_treatment`` (``"mean"``, ``"casewise"`` or None), ``missing_cells`` (missing
    answers per indicator, codes included, before the treatment), ``cells_replaced`` (by mean
    replacement), ``rows_dropped`` (by casewise deletion), ``edges`` (construct positions of
    each path), ``mask`` (indicator × construct membership), ``weight_matrix`` (outer weights on the
    standardised indicators), ``score_matrix`` (construct scores), ``loading_matrix``,
    ``data`` (the fitted indicators), ``indicator_mean`` and ``indicator_sd``; ``iterations``
    of the PLS algorithm. There is no likelihood (``loglik`` and ``aic`` are NaN).
    """

    r2: pd.Series
    scheme: Scheme
    tol: float
    n_boot: int
    boot_failed: int
    blocks: dict[str, list[str]]
    indicators: list[str]
    scale: tuple[float, float]
    scale_source: Literal["given", "usual", "observed"]
    rows: pd.Index
    missing_codes: tuple[Code, ...]
    missing_treatment: MissingTreatment | None
    missing_cells: pd.Series
    cells_replaced: int
    rows_dropped: int
    edges: tuple[np.ndarray, np.ndarray]
    mask: np.ndarray = field(repr=False)
    weight_matrix: np.ndarray = field(repr=False)
    score_matrix: np.ndarray = field(repr=False)
    loading_matrix: np.ndarray = field(repr=False)
    data: np.ndarray = field(repr=False)
    indicator_mean: np.ndarray = field(repr=False)
    indicator_sd: np.ndarray = field(repr=False)

    model_name: ClassVar[str] = "PLS path model"
    wald_tests: ClassVar[bool] = True

    @property
    def paths(self) -> pd.DataFrame:
        """Tidy path table: from, to and the :meth:`summary` columns."""
        i, j = self.edges
        names = list(self.blocks)
        return pd.DataFrame({"from": [names[a] for a in i], "to": [names[b] for b in j]}).join(
            self.summary().reset_index(drop=True))

    def _tidy(self, m: np.ndarray) -> pd.DataFrame:
        names = list(self.blocks)
        hs, js = np.nonzero(self.mask)
        return pd.DataFrame({"construct": [names[j] for j in js],
                             "indicator": [self.indicators[h] for h in hs],
                             "value": m[hs, js]})

    @property
    def weights(self) -> pd.DataFrame:
        """Outer weights on standardised indicators (construct, indicator, value)."""
        return self._tidy(self.weight_matrix)

    @property
    def loadings(self) -> pd.DataFrame:
        """Outer loadings, corr(indicator, construct score) (construct, indicator, value)."""
        return self._tidy(self.loading_matrix)

    @property
    def scores(self) -> pd.DataFrame:
        """Standardised construct scores of the fitted respondents."""
        return pd.DataFrame(self.score_matrix, columns=list(self.blocks), index=self.rows)

    @property
    def index(self) -> pd.DataFrame:
        """0–100 index scores of the fitted respondents (see the module docstring)."""
        return self._index(self.data).set_axis(self.rows)

    def predict(self, data: pd.DataFrame, what: Literal["scores", "index"] = "index"
                ) -> pd.DataFrame:
        """Construct scores for new respondents with the fitted weights (and training moments).

        ``what="index"``: 0–100 index scores; ``"scores"``: standardised scores. The fit's
        missing-value codes mark missing answers; under mean replacement they take the fitted
        indicator means, otherwise the respondent's scores are NaN.
        """
        missing = [c for c in self.indicators if c not in data.columns]
        if missing:
            raise JourneyDataError(f"data lacks indicator column(s) {', '.join(missing)}")
        x = read_answers(data, self.indicators, self.missing_codes)
        if self.missing_treatment == "mean":
            x = np.where(np.isnan(x), self.indicator_mean, x)
        if what == "scores":
            out = ((x - self.indicator_mean) / self.indicator_sd) @ self.weight_matrix
            return pd.DataFrame(out, columns=list(self.blocks), index=data.index)
        return self._index(x).set_axis(data.index)

    def _index(self, x: np.ndarray) -> pd.DataFrame:
        lo, hi = self.scale
        U = self.weight_matrix / self.indicator_sd[:, None]
        out = 100 * (x @ (U / U.sum(axis=0)) - lo) / (hi - lo)
        return pd.DataFrame(out, columns=list(self.blocks))

    def plot(self, ax: Axes | None = None) -> Figure:
        """Path coefficients with their 95% intervals, one row per path."""
        fig, ax = new_axes(ax)
        s = self.summary()
        y = np.arange(len(s))
        ax.errorbar(s["estimate"], y, xerr=[s["estimate"] - s["ci_low"],
                                            s["ci_high"] - s["estimate"]], fmt="o")
        ax.set_yticks(y, list(s.index))
        ax.axvline(0, color="grey", lw=1)
        ax.invert_yaxis()
        ax.set_xlabel("path coefficient")
        return fig


def _spec(blocks: Mapping[str, Sequence[str]], paths: Sequence[tuple[str, str]],
          columns: Sequence[str]) -> tuple[_Spec, list[str]]:
    names = list(blocks)
    if not names:
        raise ParameterError("blocks must name at least one construct")
    indicators = [c for cols in blocks.values() for c in cols]
    missing = [c for c in indicators if c not in columns]
    if missing:
        raise JourneyDataError(f"data lacks indicator column(s) {', '.join(missing)}")
    if len(set(indicators)) != len(indicators):
        raise ParameterError("blocks: an indicator belongs to more than one construct")
    pos = {c: i for i, c in enumerate(indicators)}
    adj = np.zeros((len(names), len(names)))
    for a, b in paths:
        for x in (a, b):
            if x not in blocks:
                raise ParameterError(f"paths: construct '{x}' has no block of indicators")
        adj[names.index(a), names.index(b)] = 1
    if not adj.any():
        raise ParameterError("paths must hold at least one path")
    cols = [[pos[c] for c in blocks[n]] for n in names]
    mask = np.zeros((len(indicators), len(names)))
    for j, c in enumerate(cols):
        mask[c, j] = 1.0
    return _Spec(names, cols, adj, mask), indicators


def fit_pls(data: pd.DataFrame, blocks: Mapping[str, Sequence[str]],
            paths: Sequence[tuple[str, str]] = ECSI_PATHS, scheme: Scheme = "path",
            scale: tuple[float, float] | None = None,
            missing: Code | Sequence[Code] | None = None,
            missing_treatment: MissingTreatment | None = None, tol: float = 1e-7,
            maxiter: int = 300, n_boot: int = 200, seed: int = 0) -> PLSResult:
    """Fit a PLS path model, Mode A outer estimation (see the module docstring).

    Parameters
    ----------
    data
        One row per respondent; the indicator columns hold numbers (text columns may hold
        numbers as text and the missing codes).
    blocks
        Each construct's indicator columns.
    paths
        The structural paths (from, to); default the ECSI model.
    scheme
        Inner weighting scheme: ``"path"`` (default, as seminr), ``"centroid"``, ``"factorial"``.
    scale
        Answer scale (min, max) of the 0–100 index. None (default): inferred from the answers,
        the narrowest usual survey scale (1–4, 1–5, 1–6, 1–7, 1–9, 1–10, 0–10) holding them, else
        their observed range (:mod:`journey.models.survey`); the notes say which.
    missing
        Missing-value code(s) in the indicator columns: a number or string, or a list (e.g.
        ``-99`` or ``[-99, "NA"]``); they, NaN and blank text are missing answers.
    missing_treatment
        ``"mean"``: each missing answer replaced by its indicator's mean (seminr's default
        ``mean_replacement``, redone in every bootstrap resample as seminr does);
        ``"casewise"``: respondents with a missing answer dropped (seminr with ``na.omit``;
        the bootstrap resamples the complete respondents). None (default): a missing answer is
        a JourneyDataError naming its column and row.
    tol, maxiter
        The weights iterate until ``Σ|Δw| < tol``, at most ``maxiter`` times.
    n_boot, seed
        Bootstrap samples (seeded by ``seed``) for the standard errors; 0 skips them.

    Returns
    -------
    PLSResult
        Paths, R², weights, loadings, scores and the 0–100 index; ``nobs`` respondents fitted,
        the missing-value counts and the scale in typed fields, the header and the notes.

    Raises
    ------
    JourneyDataError
        A missing answer without ``missing_treatment``; text that is neither a number nor a
        code; an indicator without answers or constant; fewer than 3 respondents.

    Warns
    -----
    ScaleWarning
        An answer outside the given ``scale``; or, with the scale inferred, whole-number
        answers that look like an undeclared missing code (no usual scale holds them, or an
        extreme value stands apart from the others).
    ConvergenceWarning
        When the weights do not settle within ``maxiter`` iterations (``converged`` is then
        False), or when some bootstrap samples do not (counted in ``boot_failed``; their
        paths still enter the standard errors).
    """
    if scheme not in ("path", "centroid", "factorial"):
        raise ParameterError(f"scheme must be 'path', 'centroid' or 'factorial', got {scheme!r}")
    if missing_treatment not in (None, "mean", "casewise"):
        raise ParameterError("missing_treatment must be 'mean', 'casewise' or None, got"
                             f" {missing_treatment!r}")
    codes = missing_codes(missing)
    maxiter = check_maxiter(maxiter)
    spec, indicators = _spec(blocks, paths, list(data.columns))
    x = read_answers(data, indicators, codes)
    sc = answer_scale(x, scale, indicators, data.index)
    ans = treat_missing(x, missing_treatment, indicators, data.index, codes)
    raw = ans.values
    sd = _check_spread(raw, indicators)
    X = _std(raw)
    W, Y, B, it, conv = _estimate(X, spec, scheme, tol, maxiter)
    if not conv:
        warnings.warn(not_converged("fit_pls", f"the outer weights still change by more than"
                                    f" tol={tol:g} after maxiter={maxiter} iterations"),
                      ConvergenceWarning, stacklevel=2)
    idx = np.argwhere(spec.adj > 0)
    labels = [f"{spec.names[i]} -> {spec.names[j]}" for i, j in idx]
    est = B[idx[:, 0], idx[:, 1]]
    cov, failed = _bootstrap(ans.resample, spec, scheme, tol, maxiter, idx, n_boot, seed)
    if failed:
        warnings.warn(not_converged("fit_pls", f"{failed} of {n_boot} bootstrap samples did not"
                                    f" settle within maxiter={maxiter} iterations (their paths"
                                    " enter the standard errors)"),
                      ConvergenceWarning, stacklevel=2)
    cov_df = None if cov is None else pd.DataFrame(cov, index=labels, columns=labels)
    endo = [j for j in range(len(spec.names)) if spec.adj[:, j].any()]
    resid = Y - Y @ B
    r2 = pd.Series({spec.names[j]: 1 - resid[:, j].var() / Y[:, j].var() for j in endo},
                   name="r2")
    se_how = f"bootstrap se ({n_boot} samples, seed {seed})" if n_boot else "no se (n_boot=0)"
    notes = _notes(sc, ans, indicators, missing_treatment, codes, x.shape[0])
    if failed:
        notes.append(f"{failed} bootstrap samples did not converge")
    return PLSResult(
        params=pd.Series(est, index=labels), cov=cov_df, loglik=float("nan"), nobs=X.shape[0],
        converged=conv, iterations=it,
        method=(f"PLS-PM, Mode A, {scheme} weighting scheme; {se_how};"
                f" {_missing_how(ans, missing_treatment)}; index on {sc.low:g}–{sc.high:g}"
                f" ({'given' if sc.source == 'given' else 'inferred'})"),
        notes=tuple(notes),
        r2=r2, scheme=scheme, tol=tol, n_boot=n_boot, boot_failed=failed,
        blocks={k: list(v) for k, v in blocks.items()}, indicators=indicators,
        scale=(sc.low, sc.high), scale_source=sc.source, rows=data.index[ans.rows],
        missing_codes=codes, missing_treatment=missing_treatment,
        missing_cells=pd.Series(ans.missing, index=indicators, name="missing"),
        cells_replaced=ans.cells_replaced, rows_dropped=ans.rows_dropped,
        edges=(idx[:, 0], idx[:, 1]), mask=spec.mask, weight_matrix=W, score_matrix=Y,
        # corr(x_h, Y_j): both have unit variance
        loading_matrix=X.T @ Y / (X.shape[0] - 1), data=raw, indicator_mean=raw.mean(axis=0),
        indicator_sd=sd,
    )


def _check_spread(raw: np.ndarray, indicators: list[str]) -> np.ndarray:
    """Standard deviations of the indicators; JourneyDataError for too few rows or a constant
    indicator."""
    if raw.shape[0] < 3:
        raise JourneyDataError(f"data: {raw.shape[0]} respondent(s) to fit; expected at least 3")
    sd = raw.std(axis=0, ddof=1)
    if np.any(sd == 0):
        raise JourneyDataError(f"data column '{indicators[int(np.flatnonzero(sd == 0)[0])]}'"
                               " is constant")
    return sd


def _missing_how(ans: Answers, treatment: MissingTreatment | None) -> str:
    """The missing-value treatment for the header's Estimation line."""
    if treatment is None or not ans.missing.any():
        return "no missing answers"
    if treatment == "mean":
        return f"mean replacement of {ans.cells_replaced} missing answers"
    return f"casewise deletion of {ans.rows_dropped} incomplete respondents"


def _notes(sc: Scale, ans: Answers, indicators: list[str], treatment: MissingTreatment | None,
           codes: tuple[Code, ...], n: int) -> list[str]:
    """The scale and the missing values, in words, for the result's notes."""
    notes = [sc.note]
    if not ans.missing.any():
        return notes
    coded = f" (codes {', '.join(map(repr, codes))} counted)" if codes else ""
    cells = f"{int(ans.missing.sum())} of {ans.missing.size * n} answers missing{coded}"
    if treatment == "casewise":
        notes.append(f"{cells}; casewise deletion dropped {ans.rows_dropped} of {n}"
                     f" respondents, {n - ans.rows_dropped} fitted")
        return notes
    share = ans.missing / n
    high = [f"{c} {100 * s:.1f}%" for c, s in zip(indicators, share, strict=True)
            if s > MEAN_REPLACEMENT_LIMIT]
    notes.append(f"{cells}; each replaced by its indicator's mean (seminr's mean_replacement)")
    if high:
        notes.append(f"more than {MEAN_REPLACEMENT_LIMIT:.0%} missing, where mean replacement"
                     f" shrinks the variance (Hair et al. 2017): {', '.join(high)}")
    return notes


def _bootstrap(raw: np.ndarray, spec: _Spec, scheme: Scheme, tol: float, maxiter: int,
               idx: np.ndarray, n_boot: int, seed: int) -> tuple[np.ndarray | None, int]:
    """Covariance of the path coefficients over ``n_boot`` resamples of the respondents
    (Efron & Tibshirani 1993), and how many resamples did not converge. NaN in ``raw`` are
    mean-replaced within each resample."""
    if n_boot <= 0:
        return None, 0
    rng = np.random.default_rng(seed)
    n = raw.shape[0]
    draws = np.empty((n_boot, len(idx)))
    failed = 0
    impute = bool(np.isnan(raw).any())  # mean replacement, redone per resample (as seminr)
    for bi in range(n_boot):
        xb = raw[rng.integers(0, n, n)]
        if impute:
            xb = mean_replace(xb)
            xb[np.isnan(xb)] = 0.0  # an indicator unanswered in the resample: constant
        sdb = xb.std(axis=0, ddof=1)
        sdb[sdb == 0] = 1.0  # a constant resampled column carries no weight
        _, _, Bb, _, ok = _estimate((xb - xb.mean(axis=0)) / sdb, spec, scheme, tol, maxiter)
        failed += not ok
        draws[bi] = Bb[idx[:, 0], idx[:, 1]]
    return np.atleast_2d(np.cov(draws, rowvar=False)), failed  # one path: a 1 x 1 matrix
