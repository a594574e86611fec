"""The simulated-moments fit: search coordinates, the Nelder–Mead search under common random
numbers, the MSM sandwich intervals and the fit report (see :mod:`journey.calibrate`)."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import optimize, stats

from journey.calibrate.market import moment_spec, observed_contract, one_market, one_segment
from journey.calibrate.moments import MOMENTS, MomentReader, Moments, MomentSpec, data_moments
from journey.errors import JourneyDataError, ScenarioError
from journey.scenario import Scenario
from journey.schema import Journeys, durations

__all__ = ["Calibration", "Simulator", "calibrate", "simulate_each"]

Simulator = Callable[[Sequence[Scenario], int, int, int], Iterable[Journeys]]
"""``simulator(scenarios, n_customers, months, seed)``: one cohort per scenario, in order."""


def simulate_each(scenarios: Sequence[Scenario], n_customers: int, months: int, seed: int
                  ) -> Iterator[Journeys]:
    """The default :data:`Simulator`: the cohorts one after another in this process, one in
    memory at a time (a cluster's is :class:`journey.cluster.ClusterSimulator`; the cohorts
    are the same)."""
    from journey.simulate import simulate

    for s in scenarios:
        yield simulate(s, n_customers, months, seed)


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
              on_evaluation: Callable[[int, float], None] | None = None,
              simulator: Simulator | None = None) -> Calibration:
    """Fit the scenario parameters ``fit`` so the simulated cohort matches ``data``'s moments.

    ``base`` gives every other parameter; ``n_customers`` prospects are simulated for
    ``horizon`` months (default: the data's last month with ``min_at_risk`` customers, at most
    120) with ``seed`` at every evaluation (common random numbers). ``targets`` choose the
    moments (:data:`MOMENTS`); those the data cannot give are skipped (see ``notes``).
    ``segment`` keeps the customers of one ``customers.segment`` (a scenario describes one
    market: calibrate contract types or segments one at a time).
    ``on_evaluation(k, loss)`` is called after each simulation (progress bars).
    ``simulator`` simulates the cohorts (default :func:`simulate_each`; on a dask cluster
    :class:`journey.cluster.ClusterSimulator`, which runs the Jacobian's evaluations at once).
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
        data = one_segment(data, segment)
    one_market(data)
    base, adopted = observed_contract(data, base)
    spec = moment_spec(data, base, tuple(targets), horizon, step)
    observed = data_moments(data, spec, n_boot, seed)
    n_observed = int(durations(data.customers, "calibration").ids.size)
    W = np.diag(1.0 / _variance_floor(observed.cov, n_observed))
    notes = adopted + _skipped(spec, observed)
    evals = 0

    def scenario_at(u: np.ndarray) -> Scenario:
        vals = {p: _from_free(float(x), *b) for p, x, b in zip(fit, u, bounds, strict=True)}
        return base.replace(**vals)

    def simulated_many(us: Sequence[np.ndarray]) -> list[tuple[np.ndarray, int]]:
        nonlocal evals
        cohorts = (simulator or simulate_each)([scenario_at(u) for u in us], n_customers,
                                               spec.horizon + 1, seed)
        out = []
        for cohort in cohorts:
            reader = MomentReader(cohort, spec)
            m = reader(np.ones(reader.d.ids.size))
            evals += 1
            out.append((np.array([m.get(k, math.nan) for k in observed.names]),
                        reader.d.ids.size))
        return out

    def simulated(u: np.ndarray) -> tuple[np.ndarray, int]:
        return simulated_many([u])[0]

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
    points = _jacobian_points(u)  # the optimum's moments and the Jacobian's, side by side
    (m_hat, n_sim), *around = simulated_many([u, *points])
    G = _jacobian([m for m, _ in around])
    V, cond = _sandwich(G, W, observed.cov, n_observed / n_sim)
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
                       float(res.fun), evals, converged, cond, n_observed, n_sim,
                       notes)


def _variance_floor(cov: np.ndarray, n: int) -> np.ndarray:
    """The moments' variances, each at least ``1/n²`` (one customer's share): a moment the
    bootstrap never moves (e.g. survival while nobody has left yet) gets a finite weight
    instead of dominating the fit."""
    return np.maximum(np.diag(cov), 1.0 / float(n) ** 2)


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


JACOBIAN_STEP = 0.05


def _jacobian_points(u: np.ndarray, h: float = JACOBIAN_STEP) -> list[np.ndarray]:
    """``u + h e_1, u − h e_1, u + h e_2, …``: the points of :func:`_jacobian`."""
    return [u + s * h * e for e in np.eye(u.size) for s in (1.0, -1.0)]


def _jacobian(moments: Sequence[np.ndarray], h: float = JACOBIAN_STEP) -> np.ndarray:
    """Central differences ``(m(u + h e_k) − m(u − h e_k)) / 2h`` (common random numbers),
    from the moments at :func:`_jacobian_points`."""
    return np.column_stack([(moments[2 * k] - moments[2 * k + 1]) / (2 * h)
                            for k in range(len(moments) // 2)])


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
