"""Benchmark: published-model fits timed beside their peers, in one run.

BG/NBD and Gamma-Gamma on CDNOW (2,357 customers) against ``lifetimes`` (BetaGeoFitter,
GammaGammaFitter); the ECSI PLS path model on ``mobi`` against the Python ``seminr`` port; sBG on
the Fader & Hardie (2007) table (no peer). A peer that is missing or fails to import prints
"baseline unavailable" and the run goes on. Times are the median of ``--repeat`` runs.

Run: ``python benchmarks/bench_models.py [--repeat 20]``
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from journey import datasets
from journey.models.bgnbd import fit_bgnbd
from journey.models.gammagamma import fit_gammagamma
from journey.models.pls import fit_pls
from journey.models.sbg import fit_sbg
from journey.published import BGNBD_FADER_HARDIE_LEE_2005 as BGNBD
from journey.published import GAMMAGAMMA_FADER_HARDIE_LEE_2005 as GG
from journey.published import SBG_FADER_HARDIE_2007 as SBG


def _pub(values) -> str:
    return " ".join(f"{k}={v:g}" for k, v in values.items())


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    out = fn()  # warm-up (imports, caches)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def row(name: str, ours: float, peer: float | None, peer_name: str, note: str = "") -> None:
    if peer is None:
        print(f"{name:<28} journey {ours * 1e3:8.1f} ms   {peer_name}: baseline unavailable"
              f" {note}")
    else:
        verdict = "OK (no slower)" if ours <= peer * 1.05 else "SLOWER"
        print(f"{name:<28} journey {ours * 1e3:8.1f} ms   {peer_name} {peer * 1e3:8.1f} ms"
              f"   ratio {ours / peer:5.2f}  {verdict} {note}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=20)
    a = ap.parse_args()
    rep = a.repeat

    cd = datasets.load_cdnow_summary()
    x, t_x, T = (cd[c].to_numpy() for c in ("x", "t_x", "T"))
    pos = x > 0

    t_ours, res = timed(lambda: fit_bgnbd(x, t_x, T), rep)
    p = res.params
    print(f"BG/NBD on CDNOW (n={len(x)}): r={p['r']:.4f} alpha={p['alpha']:.4f} a={p['a']:.4f}"
          f" b={p['b']:.4f} LL={res.loglik:.2f}  (published {_pub(BGNBD)})")
    peer = gg_peer = None
    note = ""
    try:
        import lifetimes  # noqa: PLC0415 - optional baseline

        # lifetimes 0.11 mis-checks pandas-3 Series inputs: give it numpy arrays
        peer, bgf = timed(lambda: lifetimes.BetaGeoFitter().fit(x, t_x, T), rep)
        note = f"(lifetimes params {np.round(bgf.params_.to_numpy(), 4).tolist()})"
        gg_peer, _ = timed(lambda: lifetimes.GammaGammaFitter().fit(x[pos], cd["zbar"].to_numpy()
                                                                      [pos]), rep)
    except Exception as e:  # noqa: BLE001 - any import/fit failure means "no baseline"
        note = f"({type(e).__name__}: {e})"
    row("BG/NBD fit, CDNOW", t_ours, peer, "lifetimes BetaGeoFitter", note)

    t_gg, gg = timed(lambda: fit_gammagamma(x[pos], cd["zbar"].to_numpy()[pos]), rep)
    q = gg.params
    print(f"Gamma-Gamma (n={pos.sum()}): p={q['p']:.3f} q={q['q']:.3f} v={q['v']:.3f}"
          f"  (published {_pub(GG)})")
    row("Gamma-Gamma fit, CDNOW", t_gg, gg_peer, "lifetimes GammaGammaFitter")

    fh = datasets.load_fader_hardie_2007()
    t_sbg, s = timed(lambda: fit_sbg(fh["regular"].to_numpy()[:8]), rep)
    print(f"sBG Regular: alpha={s.alpha:.4f} beta={s.beta:.4f} LL={s.loglik:.2f}"
          f"  (published {_pub(SBG['regular'])})")
    row("sBG fit, FH 2007 Regular", t_sbg, None, "no peer", "(none in Python)")

    mobi = datasets.load_mobi()
    t_pls, r = timed(lambda: fit_pls(mobi, datasets.MOBI_BLOCKS, n_boot=0), rep)
    print("ECSI on mobi: " + ", ".join(f"{k}={v:.4f}" for k, v in r.params.items()))
    peer = None
    note = ""
    try:
        import seminr as sm  # noqa: PLC0415 - optional baseline

        mm = sm.constructs(*[sm.composite(k, v) for k, v in datasets.MOBI_BLOCKS.items()])
        from journey.models.pls import ECSI_PATHS  # noqa: PLC0415

        sm_model = sm.relationships(*[sm.paths(a, b) for a, b in ECSI_PATHS])
        peer, m = timed(lambda: sm.estimate_pls(mobi, mm, sm_model), rep)
        diff = max(abs(m.path_coef.get(a, b) - r.params[f"{a} -> {b}"]) for a, b in ECSI_PATHS)
        note = f"(max |path difference| {diff:.1e})"
    except Exception as e:  # noqa: BLE001
        note = f"({type(e).__name__}: {e})"
    row("PLS-PM fit, ECSI mobi", t_pls, peer, "seminr estimate_pls", note)
    _pls_with_codes(mobi, rep)
    t_boot, _ = timed(lambda: fit_pls(mobi, datasets.MOBI_BLOCKS, n_boot=200, seed=0), 1)
    row("PLS-PM + 200 bootstrap", t_boot, None, "no timed peer")


def _pls_with_codes(mobi, rep: int) -> None:
    """mobi with 3% of the answers replaced by the survey code -99, mean replacement."""
    from journey.models.pls import ECSI_PATHS  # noqa: PLC0415

    items = [c for cols in datasets.MOBI_BLOCKS.values() for c in cols]
    coded = mobi.copy()
    hit = np.random.default_rng(8).random((len(mobi), len(items))) < 0.03
    coded[items] = np.where(hit, -99.0, mobi[items].to_numpy())
    t, r = timed(lambda: fit_pls(coded, datasets.MOBI_BLOCKS, missing=-99,
                                 missing_treatment="mean", n_boot=0), rep)
    peer, note = None, ""
    try:
        import seminr as sm  # noqa: PLC0415 - optional baseline

        mm = sm.constructs(*[sm.composite(k, v) for k, v in datasets.MOBI_BLOCKS.items()])
        sm_model = sm.relationships(*[sm.paths(a, b) for a, b in ECSI_PATHS])
        peer, m = timed(lambda: sm.estimate_pls(coded, mm, sm_model, missing_value=-99), rep)
        diff = max(abs(m.path_coef.get(a, b) - r.params[f"{a} -> {b}"]) for a, b in ECSI_PATHS)
        note = f"(max |path difference| {diff:.1e})"
    except Exception as e:  # noqa: BLE001
        note = f"({type(e).__name__}: {e})"
    row(f"PLS-PM, {int(hit.sum())} codes -99", t, peer, "seminr mean_replacement", note)


if __name__ == "__main__":
    main()
