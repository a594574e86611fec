"""Calibrating the simulator to data: the method of simulated moments with common random numbers.

A "twin" of an observed cohort is a scenario whose simulated cohort reproduces the data's
moments. The moments (:func:`data_moments`) are read from the customers table (and events where
surveyed), so imported files without a panel work:

* ``survival``: the life-table survival ``S(t)`` at months ``step, 2·step, … ≤ horizon``
  (share still a customer at the end of month t; Kaplan & Meier 1958);
* ``term_end``: the mean hazard in the two months after a fixed term ``T`` ends and in the
  three months before it (the exodus at term end), when one term is known and observed;
* ``satisfaction``: the mean service-phase survey rating (0–10), where the data are surveyed;
* ``nps``: the share of 9–10 minus the share of 0–6 answers to the recommend item.

The estimator (McFadden 1989; Pakes & Pollard 1989; Gouriéroux & Monfort 1996) minimises
``Q(θ) = (m_sim(θ) − m̂)' W (m_sim(θ) − m̂)`` with ``W = diag(1 / var(m̂))``, the data moments'
bootstrap variances. Every simulation reuses one seed (common random numbers), so ``Q`` is
a deterministic function of θ. The search runs Nelder–Mead on unbounded coordinates (log for
parameters bounded below, logit for parameters bounded on both sides).

Intervals are the MSM sandwich at the optimum, in the search coordinates:
``V = (1 + n_data/n_sim) (G'WG)⁻¹ G'W Ω W G (G'WG)⁻¹``, with ``G`` the Jacobian of the
simulated moments (central differences under common random numbers), ``Ω`` the bootstrap
covariance of the data moments and ``n_data/n_sim`` the ratio of observed to simulated signed
customers (simulation noise; Gouriéroux & Monfort 1996, ch. 2); 95% Wald intervals are mapped
back through the coordinate transform. They hold when the moments identify the parameters
(``G`` of full column rank); the report states the condition number.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import optimize, stats

from journey.errors import JourneyDataError, ScenarioError
from journey.scenario import Scenario
from journey.schema import Journeys

__all__ = ["MOMENTS", "Calibration", "MomentSpec", "calibrate", "data_moments"]

MOMENTS = ("survival", "term_end", "satisfaction", "nps")


@dataclass(frozen=True)
class MomentSpec:
    """Which moments to match: ``targets`` (subset of :data:`MOMENTS`), the survival grid
    (every ``step`` months up to ``horizon``), the fixed term (for ``term_end``) and the
    fewest customers at risk a survival point needs."""

    targets: tuple[str, ...]
    horizon: int
    step: int = 3
    term: int | None = None
    min_at_risk: int = 30


@dataclass
class Moments:
    names: list[str]
    values: np.ndarray
    cov: np.ndarray

    @property
    def se(self) -> np.ndarray:
        return np.sqrt(np.clip(np.diag(self.cov), 0, None))


def _signed(c: pd.DataFrame) -> np.ndarray:
    return c["signed"].to_numpy(dtype=bool) if "signed" in c.columns else np.ones(len(c), bool)


@dataclass
class _Durations:
    """Per signed customer with service months: last month at risk and exit flag."""

    ids: np.ndarray
    last: np.ndarray
    exited: np.ndarray

    @classmethod
    def of(cls, c: pd.DataFrame) -> _Durations:
        for col in ("tenure_months", "exit_month"):
            if col not in c.columns:
                raise JourneyDataError(f"customers: calibration needs column '{col}'")
        keep = _signed(c) & (c["tenure_months"].to_numpy() > 0)
        cc = c.loc[keep]
        return cls(cc["customer_id"].to_numpy(), cc["tenure_months"].to_numpy("int64") - 1,
                   cc["exit_month"].notna().to_numpy())


def _life(d: _Durations, w: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Weighted (at_risk, exits) per month 0 … size − 1."""
    at = np.bincount(np.minimum(d.last, size - 1), weights=w, minlength=size)
    at = at[::-1].cumsum()[::-1]  # customers seen past the window: at risk in all of it
    ex = np.bincount(d.last[d.exited], weights=w[d.exited], minlength=size + 1)[:size]
    return at, ex


def _rating_moments(events: pd.DataFrame, kind: str, ids: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray]:
    """(customer index, value) of answered items of ``kind`` in the service phase."""
    if not {"kind", "rating", "month", "customer_id"} <= set(events.columns):
        return np.zeros(0, int), np.zeros(0)
    ev = events.loc[(events["kind"] == kind).to_numpy(dtype=bool, na_value=False)
                    & (events["month"].to_numpy() >= 0)]
    r = ev["rating"].to_numpy("float64", na_value=np.nan)
    pos = pd.Index(ids).get_indexer(ev["customer_id"].to_numpy())
    ok = ~np.isnan(r) & (pos >= 0)
    return pos[ok], r[ok]


class _MomentReader:
    """The moments of one cohort, with any weights per customer (bootstrap)."""

    def __init__(self, j: Journeys, spec: MomentSpec):
        self.spec = spec
        self.d = _Durations.of(j.customers)
        if self.d.ids.size == 0:
            raise JourneyDataError("customers: calibration found no signed customer with service"
                                   " months")
        self.size = spec.horizon + 1
        self.sat = _rating_moments(j.events, "survey", self.d.ids)
        self.rec = _rating_moments(j.events, "recommend", self.d.ids)

    def __call__(self, w: np.ndarray) -> dict[str, float]:
        at, ex = _life(self.d, w, self.size)
        with np.errstate(invalid="ignore", divide="ignore"):
            h = np.where(at > 0, ex / at, np.nan)
        surv = np.cumprod(1.0 - np.nan_to_num(h))
        out: dict[str, float] = {}
        s = self.spec
        if "survival" in s.targets:
            for t in range(s.step, s.horizon + 1, s.step):
                out[f"survival_{t}"] = float(surv[t]) if at[t] > 0 else math.nan
        if "term_end" in s.targets and s.term and s.term >= 2:
            T = s.term
            out[f"hazard_{max(T - 3, 1)}_{T - 1}"] = float(np.nanmean(h[max(T - 3, 1):T]))
            out[f"hazard_{T}_{T + 1}"] = float(np.nanmean(h[T:T + 2]))
        for name, (pos, r) in (("satisfaction", self.sat), ("nps", self.rec)):
            if name in s.targets and r.size:
                ww = w[pos]
                x = r if name == "satisfaction" else (r >= 9).astype(float) - (r <= 6)
                out[name] = float(np.sum(ww * x) / np.sum(ww)) if ww.sum() > 0 else math.nan
                if name == "nps":
                    out[name] *= 100.0
        return out

    def at_risk(self) -> np.ndarray:
        return _life(self.d, np.ones(self.d.ids.size), self.size)[0]


def data_moments(j: Journeys, spec: MomentSpec, n_boot: int = 200, seed: int = 0) -> Moments:
    """The data's moments and their bootstrap covariance (customers resampled with
    replacement, ``n_boot`` times, as multinomial weights; Efron & Tibshirani 1993).

    Survival points with fewer than ``spec.min_at_risk`` customers at risk are left out, as
    are moments the data cannot give (no surveys, no term).
    """
    reader = _MomentReader(j, spec)
    n = reader.d.ids.size
    point = reader(np.ones(n))
    at = reader.at_risk()
    names = [k for k, v in point.items() if np.isfinite(v)
             and not (k.startswith("survival_") and at[int(k.split("_")[1])] < spec.min_at_risk)]
    if not names:
        raise JourneyDataError("data: no moment to calibrate to (too few customers at risk, or"
                               " the requested targets are not in the data)")
    rng = np.random.default_rng(seed)
    boots = np.empty((n_boot, len(names)))
    for b in range(n_boot):
        m = reader(rng.multinomial(n, np.full(n, 1.0 / n)).astype("float64"))
        boots[b] = [m[k] for k in names]
    cov = np.cov(boots, rowvar=False, ddof=1).reshape(len(names), len(names))
    return Moments(names, np.array([point[k] for k in names]), cov)


# --------------------------------------------------------------------------- coordinates


def _bounds(name: str) -> tuple[float | None, float | None]:
    if name not in Scenario.model_fields:
        raise ScenarioError(f"--fit: unknown parameter '{name}'; see journey presets NAME")
    f = Scenario.model_fields[name]
    if f.annotation not in (float, "float"):
        raise ScenarioError(f"--fit: parameter '{name}' is not a real number and cannot be"
                            " calibrated")
    lo = hi = None
    for m in f.metadata:
        lo = getattr(m, "ge", lo)
        hi = getattr(m, "le", hi)
    return lo, hi


def _to_free(v: float, lo: float | None, hi: float | None) -> float:
    eps = 1e-9
    if lo is not None and hi is not None:
        p = min(max((v - lo) / (hi - lo), eps), 1 - eps)
        return math.log(p / (1 - p))
    if lo is not None:
        return math.log(max(v - lo, eps))
    return v


def _from_free(u: float, lo: float | None, hi: float | None) -> float:
    if lo is not None and hi is not None:
        return lo + (hi - lo) / (1.0 + math.exp(-u))
    if lo is not None:
        return lo + math.exp(u)
    return u


# --------------------------------------------------------------------------- the fit


@dataclass
class Calibration:
    """A calibrated scenario with its fit report.

    ``params``: estimate, se, ci_low, ci_high per fitted parameter (95%, see the module
    docstring); ``targets``: data, data_se, simulated, z (difference / data se) per moment;
    ``loss`` (Q at the optimum), ``evaluations``, ``converged``, ``condition`` (of G'WG).
    """

    scenario: Scenario
    params: pd.DataFrame
    targets: pd.DataFrame
    loss: float
    evaluations: int
    converged: bool
    condition: float
    n_data: int
    n_sim: int
    notes: list[str] = field(default_factory=list)

    def report(self) -> str:
        """The fit report as Markdown."""
        head = (f"Calibration by simulated moments: {len(self.targets)} moments, "
                f"{len(self.params)} parameters, {self.evaluations} simulations, "
                f"loss {self.loss:.3f}, converged: {self.converged}; {self.n_data:,} observed"
                f" and {self.n_sim:,} simulated signed customers; cond(G'WG) "
                f"{self.condition:.3g}.")
        return "\n\n".join([head, _markdown(self.params), _markdown(self.targets), *self.notes])


def _markdown(df: pd.DataFrame) -> str:
    """A DataFrame as a Markdown table, numbers to four significant digits."""
    cols = [df.index.name or "", *map(str, df.columns)]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for key, row in df.iterrows():
        cells = [f"{v:.4g}" if isinstance(v, float) else str(v) for v in row]
        lines.append("| " + " | ".join([str(key), *cells]) + " |")
    return "\n".join(lines)


def calibrate(data: Journeys, base: Scenario, fit: Sequence[str],
              targets: Sequence[str] = ("survival", "term_end", "satisfaction", "nps"),
              horizon: int | None = None, step: int = 3, n_customers: int = 20_000,
              seed: int = 0, max_evals: int = 200, n_boot: int = 200,
              segment: str | None = None,
              on_evaluation: Callable[[int, float], None] | None = None) -> Calibration:
    """Fit the scenario parameters ``fit`` so the simulated cohort matches ``data``'s moments.

    ``base`` gives every other parameter; ``n_customers`` prospects are simulated for
    ``horizon`` months (default: the data's last month with ``min_at_risk`` customers, at most
    120) with ``seed`` at every evaluation (common random numbers). ``targets`` choose the
    moments (:data:`MOMENTS`); those the data cannot give are skipped (see ``notes``).
    ``segment`` keeps the customers of one ``customers.segment`` (a scenario describes one
    market: calibrate contract types or segments one at a time).
    ``on_evaluation(k, loss)`` is called after each simulation (progress bars).
    Formulas and references: module docstring.
    """
    fit = list(dict.fromkeys([fit] if isinstance(fit, str) else fit))
    targets = (targets,) if isinstance(targets, str) else tuple(targets)
    if isinstance(max_evals, bool) or int(max_evals) != max_evals or max_evals < 1:
        raise ScenarioError(f"--max-evals must be a whole number of simulations >= 1, got"
                            f" {max_evals!r}")
    if not isinstance(data, Journeys):
        raise JourneyDataError(f"data: expected journey tables (a Journeys), got"
                               f" {type(data).__name__}")
    if not fit:
        raise ScenarioError("--fit: name at least one scenario parameter to calibrate")
    bad = [t for t in targets if t not in MOMENTS]
    if bad:
        raise ScenarioError(f"--targets: unknown moment(s) {', '.join(bad)}; expected"
                            f" {', '.join(MOMENTS)}")
    bounds = [_bounds(p) for p in fit]
    if segment is not None:
        data = _one_segment(data, segment)
    _one_market(data)
    base, adopted = _observed_contract(data, base)
    spec = _spec(data, base, tuple(targets), horizon, step)
    observed = data_moments(data, spec, n_boot, seed)
    W = np.diag(1.0 / _variance_floor(observed.cov, observed_n(data, spec)))
    notes = adopted + _skipped(spec, observed)
    evals = 0

    def scenario_at(u: np.ndarray) -> Scenario:
        vals = {p: _from_free(float(x), *b) for p, x, b in zip(fit, u, bounds, strict=True)}
        return base.replace(**vals)

    def simulated(u: np.ndarray) -> tuple[np.ndarray, int]:
        from journey.simulate import simulate

        nonlocal evals
        cohort = simulate(scenario_at(u), n_customers, spec.horizon + 1, seed)
        reader = _MomentReader(cohort, spec)
        m = reader(np.ones(reader.d.ids.size))
        evals += 1
        return np.array([m.get(k, math.nan) for k in observed.names]), reader.d.ids.size

    def loss(u: np.ndarray) -> float:
        try:
            m, _ = simulated(u)
        except (ScenarioError, JourneyDataError):
            return 1e12  # a combination the scenario refuses, or nobody signs
        diff = np.nan_to_num(m - observed.values, nan=1.0)
        q = float(diff @ W @ diff)
        if on_evaluation is not None:
            on_evaluation(evals, q)
        return q

    u0 = np.array([_to_free(getattr(base, p), *b) for p, b in zip(fit, bounds, strict=True)])
    res = optimize.minimize(loss, u0, method="Nelder-Mead",
                            options={"maxfev": max_evals, "xatol": 1e-3, "fatol": 1e-4,
                                     "initial_simplex": _simplex(u0)})
    u = res.x
    m_hat, n_sim = simulated(u)
    G = _jacobian(lambda x: simulated(x)[0], u)
    V, cond = _sandwich(G, W, observed.cov, observed_n(data, spec) / n_sim)
    z = stats.norm.ppf(0.975)
    rows = {}
    for i, (p, b) in enumerate(zip(fit, bounds, strict=True)):
        se_u = math.sqrt(V[i, i]) if np.isfinite(V[i, i]) and V[i, i] >= 0 else math.nan
        est = _from_free(u[i], *b)
        lo, hi = (_from_free(u[i] - z * se_u, *b), _from_free(u[i] + z * se_u, *b)) if (
            np.isfinite(se_u)) else (math.nan, math.nan)
        eps = 1e-4
        deriv = (_from_free(u[i] + eps, *b) - _from_free(u[i] - eps, *b)) / (2 * eps)
        rows[p] = {"start": getattr(base, p), "estimate": est, "se": abs(deriv) * se_u,
                   "ci_low": lo, "ci_high": hi}
    params = pd.DataFrame(rows).T.rename_axis("parameter")
    tg = pd.DataFrame({"data": observed.values, "data_se": observed.se, "simulated": m_hat},
                      index=pd.Index(observed.names, name="moment"))
    tg["z"] = (tg["simulated"] - tg["data"]) / tg["data_se"]
    converged = bool(res.success)
    if not converged:
        notes.append(f"The search stopped after {res.nfev} simulations without meeting its"
                     " tolerance (raise max_evals).")
    df = len(observed.names) - len(fit)
    if df > 0 and res.fun > stats.chi2.ppf(0.99, df):
        worst = tg["z"].abs().idxmax()
        notes.append(f"The model does not reproduce these moments: the loss {res.fun:.1f} exceeds"
                     f" the 99% point {stats.chi2.ppf(0.99, df):.1f} of a chi-square with {df}"
                     f" degrees of freedom (worst: {worst}, z = {tg.loc[worst, 'z']:+.1f}); free"
                     " other parameters or calibrate a narrower segment before trusting the"
                     " twin.")
    if not np.isfinite(cond) or cond > 1e10:
        notes.append("The moments barely move with some parameter (G'WG near singular): it is"
                     " not identified by these targets, and its interval is not reliable.")
    return Calibration(scenario_at(u).replace(name=f"{base.name} calibrated"), params, tg,
                       float(res.fun), evals, converged, cond, observed_n(data, spec), n_sim,
                       notes)


def _observed_contract(data: Journeys, base: Scenario) -> tuple[Scenario, list[str]]:
    """The twin keeps what the data observe: their one contract term and their mean price, with
    the preset's retention and acquisition costs scaled by the same price ratio (so the margin
    rate of the preset's economics is kept; docs/model.md, 4.1)."""
    c = data.customers
    changes: dict[str, float | int | str] = {}
    term = _one_term(c) if "term_months" in c.columns else None
    if "term_months" in c.columns:
        terms = np.unique(c.loc[_signed(c), "term_months"].to_numpy())
        if terms.size == 1 and int(terms[0]) != base.term_months:
            changes["term_months"] = int(terms[0])
            if terms[0] == 0:
                changes["fee_schedule"] = "none"
    if term is not None and term != base.term_months:
        changes["term_months"] = term
    if "term_months" in changes and base.financing_months > int(changes["term_months"]):
        changes["financing_months"] = int(changes["term_months"])  # falls due with the term
    if "price" in c.columns:
        price = float(np.nanmean(c.loc[_signed(c), "price"].to_numpy("float64")))
        if np.isfinite(price) and abs(price - base.price) > 1e-9:
            changes["price"] = round(price, 2)
            if base.price > 0:  # costs scale with the price (docs/model.md, 4.1)
                ratio = changes["price"] / base.price
                changes["retention_cost"] = round(base.retention_cost * ratio, 4)
                changes["acquisition_cost"] = round(base.acquisition_cost * ratio, 4)
    if not changes:
        return base, []
    told = ", ".join(f"{k} {getattr(base, k)} → {v}" for k, v in changes.items())
    return base.replace(**changes), [f"Taken from the data: {told}."]


def _one_market(data: Journeys) -> None:
    """A scenario describes one market: refuse customers on several contract terms."""
    c = data.customers
    if "term_months" not in c.columns:
        return
    terms = np.unique(c.loc[_signed(c), "term_months"].to_numpy())
    if terms.size > 1:
        raise JourneyDataError(
            f"customers: several contract terms ({', '.join(map(str, terms))} months); a scenario"
            " describes one market: calibrate one segment at a time with --segment (journey"
            " import --group COL writes the segment)")


def _one_segment(data: Journeys, segment: str) -> Journeys:
    c = data.customers
    if "segment" not in c.columns:
        raise JourneyDataError("customers: --segment needs a 'segment' column (journey import"
                               " --group COL writes one)")
    keep = (c["segment"].astype("object") == segment).to_numpy(dtype=bool)
    if not keep.any():
        seen = ", ".join(map(str, c["segment"].astype("object").unique()[:10]))
        raise JourneyDataError(f"customers: no customer in segment {segment!r}; the data hold"
                               f" {seen}")
    ids = c.loc[keep, "customer_id"].to_numpy()
    ev = data.events
    return Journeys(c.loc[keep], ev.loc[np.isin(ev["customer_id"].to_numpy(), ids)],
                    data.panel.loc[np.isin(data.panel["customer_id"].to_numpy(), ids)])


def _variance_floor(cov: np.ndarray, n: int) -> np.ndarray:
    """The moments' variances, each at least ``1/n²`` (one customer's share): a moment the
    bootstrap never moves (e.g. survival while nobody has left yet) gets a finite weight
    instead of dominating the fit."""
    return np.maximum(np.diag(cov), 1.0 / float(n) ** 2)


def observed_n(data: Journeys, spec: MomentSpec) -> int:
    return int(_Durations.of(data.customers).ids.size)


def _spec(data: Journeys, base: Scenario, targets: tuple[str, ...], horizon: int | None,
          step: int) -> MomentSpec:
    if step < 1:
        raise ScenarioError(f"--step must be a positive number of months, got {step}")
    d = _Durations.of(data.customers)
    if d.ids.size == 0:
        raise JourneyDataError("customers: calibration found no signed customer with service"
                               " months")
    at = np.bincount(d.last)[::-1].cumsum()[::-1]
    observed = int(np.flatnonzero(at >= 30)[-1]) if (at >= 30).any() else int(d.last.max())
    H = min(observed, 120) if horizon is None else int(horizon)
    if not 1 <= H <= 600:
        raise ScenarioError(f"--horizon must be within 1..600 months, got {horizon}")
    c = data.customers
    term = _one_term(c) if "term_months" in c.columns else (base.term_months or None)
    if term is not None and term + 1 > H:
        term = None
    return MomentSpec(targets, H, min(step, H), term)


def _one_term(c: pd.DataFrame) -> int | None:
    if "term_months" not in c.columns:
        return None
    terms = np.unique(c.loc[_signed(c), "term_months"].to_numpy())
    terms = terms[terms > 0]
    return int(terms[0]) if terms.size == 1 else None


def _skipped(spec: MomentSpec, m: Moments) -> list[str]:
    notes = []
    have = " ".join(m.names)
    if "term_end" in spec.targets and "hazard_" not in have:
        notes.append("term_end skipped: no single fixed term of two months or more observed"
                     " past its end (several terms: calibrate one segment at a time with"
                     " --segment).")
    for t in ("satisfaction", "nps"):
        if t in spec.targets and t not in m.names:
            notes.append(f"{t} skipped: the data hold no such survey answers.")
    return notes


def _simplex(u0: np.ndarray) -> np.ndarray:
    return np.vstack([u0, u0 + 0.5 * np.eye(u0.size)])


def _jacobian(f: Callable[[np.ndarray], np.ndarray], u: np.ndarray, h: float = 0.05
              ) -> np.ndarray:
    """Central differences ``(m(u + h e_k) − m(u − h e_k)) / 2h`` (common random numbers)."""
    cols = []
    for k in range(u.size):
        e = np.zeros(u.size)
        e[k] = h
        cols.append((f(u + e) - f(u - e)) / (2 * h))
    return np.column_stack(cols)


def _sandwich(G: np.ndarray, W: np.ndarray, omega: np.ndarray, ratio: float
              ) -> tuple[np.ndarray, float]:
    G = np.nan_to_num(G)
    A = G.T @ W @ G
    cond = float(np.linalg.cond(A))
    try:
        Ai = np.linalg.inv(A)
    except np.linalg.LinAlgError:
        return np.full(A.shape, np.nan), math.inf
    return (1.0 + ratio) * Ai @ G.T @ W @ omega @ W @ G @ Ai, cond
