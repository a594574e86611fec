"""The moments a calibration matches, read from the customers table (and events where
surveyed), and their bootstrap covariance (see :mod:`journey.calibrate`)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from journey.errors import JourneyDataError
from journey.schema import Journeys, durations

__all__ = ["MOMENTS", "MomentReader", "MomentSpec", "Moments", "data_moments"]

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


class MomentReader:
    """The moments of one cohort, with any weights per customer (bootstrap)."""

    def __init__(self, j: Journeys, spec: MomentSpec):
        self.spec = spec
        self.d = durations(j.customers, "calibration")
        if self.d.ids.size == 0:
            raise JourneyDataError("customers: calibration found no signed customer with service"
                                   " months")
        self.size = spec.horizon + 1
        self.sat = _rating_moments(j.events, "survey", self.d.ids)
        self.rec = _rating_moments(j.events, "recommend", self.d.ids)

    def __call__(self, w: np.ndarray) -> dict[str, float]:
        at, ex = self.d.counts(self.size, w)
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
        return self.d.counts(self.size)[0]


def data_moments(j: Journeys, spec: MomentSpec, n_boot: int = 200, seed: int = 0) -> Moments:
    """The data's moments and their bootstrap covariance (customers resampled with
    replacement, ``n_boot`` times, as multinomial weights; Efron & Tibshirani 1993).

    Survival points with fewer than ``spec.min_at_risk`` customers at risk are left out, as
    are moments the data cannot give (no surveys, no term).
    """
    reader = MomentReader(j, spec)
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
