"""Tests of journey.plots: each figure carries the data of the metric it draws (computed here
independently), real data without model columns fails clearly, and figures are byte-stable."""

from __future__ import annotations

import math

import matplotlib
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from journey import metrics, plots
from journey.models.survival import kaplan_meier, logrank_test
from journey.plots.satisfaction import phase_spans
from journey.plots.value import clv_steps
from journey.schema import MODEL_ONLY, JourneyDataError, Journeys
from journey.study.record import figure_png

matplotlib.use("Agg")


def _real(j: Journeys) -> Journeys:
    """The same cohort as real data would hold it: model-only columns dropped."""
    return Journeys(j.customers.drop(columns=MODEL_ONLY["customers"]), j.events,
                    j.panel.drop(columns=MODEL_ONLY["panel"]))


@pytest.fixture(scope="module")
def variants():
    """Counterfactual (good service), one intermediate step and the telecom scenario."""
    from journey.scenario import load_preset
    from journey.simulate import simulate

    sc = load_preset("telecom")
    good = sc.replace(service_quality=sc.service_quality + 1.0, problem_rate=0.05)
    step = good.replace(outbound_care=0.1, outbound_upsell=0.3, outbound_collection=0.6)
    return {name: simulate(s, 1500, 30, seed=3)
            for name, s in (("good", good), ("step", step), ("telecom", sc))}


def _line(fig: Figure, gid: str):
    found = [ln for ax in fig.axes for ln in ax.get_lines() if ln.get_gid() == gid]
    assert len(found) == 1, f"expected one line with gid {gid}, got {len(found)}"
    return found[0]


def _upper_edge(poly) -> dict[float, float]:
    """x → highest y of a filled polygon (the top of a stacked area)."""
    v = np.concatenate([p.vertices for p in poly.get_paths()])
    out: dict[float, float] = {}
    for x, y in v:
        out[float(x)] = max(out.get(float(x), -np.inf), float(y))
    return out


# ------------------------------------------------------------------ satisfaction around signing


def test_satisfaction_line_is_the_metric(telecom_small):
    fig = plots.satisfaction_around_signing(telecom_small, min_n=30)
    assert isinstance(fig, Figure)
    p = telecom_small.panel
    g = p.groupby("month")["S"]
    n, mean = g.size(), g.mean()
    keep = n[n >= 30].index.to_numpy()
    line = _line(fig, "mean_S:")
    np.testing.assert_array_equal(line.get_xdata(), keep)
    np.testing.assert_allclose(line.get_ydata(), mean.loc[keep].to_numpy(), rtol=1e-12)
    assert line.get_xdata().min() < 0 < line.get_xdata().max()  # courtship and service shown
    ax = fig.axes[0]
    assert any(list(ln.get_xdata()) == [0, 0] for ln in ax.get_lines())  # signing line
    labels = {t.get_text() for t in ax.texts}
    assert {"courtship", "signing", "service", "renewal"} <= labels


def test_satisfaction_overlays_cohorts(variants):
    fig = plots.satisfaction_around_signing({"good": variants["good"],
                                             "telecom": variants["telecom"]})
    good, tel = _line(fig, "mean_S:good"), _line(fig, "mean_S:telecom")
    assert good.get_color() != tel.get_color()
    # better service keeps satisfaction higher after signing
    assert np.mean(good.get_ydata()[good.get_xdata() > 3]) > np.mean(
        tel.get_ydata()[tel.get_xdata() > 3])
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == ["good", "telecom"]


def test_phase_spans_by_hand():
    panel = pd.DataFrame({"month": [-2, -1, 0, 1, 2, 3, 4],
                          "phase": ["courtship", "courtship", "signing", "service", "service",
                                    "renewal", "service"]})
    assert phase_spans([panel]) == [("courtship", -2.5, -0.5), ("signing", -0.5, 0.5),
                                    ("service", 0.5, 4.5), ("renewal", 2.5, 3.5)]


def test_satisfaction_works_on_real_data_and_checks_min_n(telecom_small):
    real = _real(telecom_small)
    fig = plots.satisfaction_around_signing(real)
    assert len(fig.axes[0].get_lines()) >= 2
    with pytest.raises(ValueError, match="min_n"):
        plots.satisfaction_around_signing(real, min_n=0)
    with pytest.raises(JourneyDataError, match="min_n=100000"):
        plots.satisfaction_around_signing(real, min_n=100_000)
    with pytest.raises(JourneyDataError, match="Journeys"):
        plots.satisfaction_around_signing(real.panel)


# ------------------------------------------------------------------ barriers


def test_barrier_stack_tops_are_f_then_b(telecom_small):
    fig = plots.barriers_by_tenure(telecom_small)
    ax = fig.axes[0]
    polys = {c.get_gid(): c for c in ax.collections}
    assert set(polys) == {"barrier:F", "barrier:P", "barrier:M"}
    serv = telecom_small.panel.query("month >= 0")
    by = serv.groupby("month")[["F", "P", "M"]].mean()
    top_f, top_b = _upper_edge(polys["barrier:F"]), _upper_edge(polys["barrier:M"])
    for m in (0, 5, 23, 30):
        assert top_f[m] == pytest.approx(by.at[m, "F"], rel=1e-9)
        assert top_b[m] == pytest.approx(by.loc[m].sum(), rel=1e-9)
    assert [t.get_text() for t in ax.get_legend().get_texts()][-1] == "term end (month 24)"


def test_barriers_need_model_columns(telecom_small):
    with pytest.raises(JourneyDataError, match=r"F, P, M.*only simulated data"):
        plots.barriers_by_tenure(_real(telecom_small))


# ------------------------------------------------------------------ hazard


def test_hazard_lines_and_cliff_ratio(telecom_small):
    fig = plots.hazard_by_tenure(telecom_small)
    p = telecom_small.panel
    serv = p[p["month"] >= 0]
    at_risk = serv.groupby("month").size()
    exits = serv.groupby("month")["exited"].sum()
    obs = _line(fig, "hazard:observed")
    np.testing.assert_allclose(obs.get_ydata(), (exits / at_risk).to_numpy(), rtol=1e-12)
    np.testing.assert_allclose(_line(fig, "hazard:h").get_ydata(),
                               serv.groupby("month")["h"].mean().to_numpy(), rtol=1e-12)
    np.testing.assert_allclose(_line(fig, "hazard:h0").get_ydata(),
                               serv.groupby("month")["h0"].mean().to_numpy(), rtol=1e-12)
    h = (exits / at_risk).to_numpy()
    ratio = h[24] / h[1:24].mean()  # term of 24 months: h(T) over the mean of h(1..T-1)
    ax = fig.axes[0]
    assert f"cliff ratio {ratio:.1f}×" in ax.get_title()
    assert ratio > 3  # the telecom preset's term-end spike
    assert any(t.get_text() == f"cliff ratio {ratio:.1f}×" for t in ax.texts)


def test_hazard_on_real_data(telecom_small):
    real = _real(telecom_small)
    with pytest.raises(JourneyDataError, match=r"h, h0.*only simulated data"):
        plots.hazard_by_tenure(real)
    fig = plots.hazard_by_tenure(real, model=False)
    gids = {ln.get_gid() for ln in fig.axes[0].get_lines()}
    assert "hazard:observed" in gids and "hazard:h" not in gids


# ------------------------------------------------------------------ loyalty map


def test_loyalty_points_match_segments(telecom_small):
    fig = plots.loyalty_map(telecom_small)
    ax = fig.axes[0]
    seg = metrics.jones_sasser_segments(telecom_small)
    serv = telecom_small.panel.query("month >= 0").sort_values(["customer_id", "month"])
    last = serv.groupby("customer_id").tail(1).set_index("customer_id")
    b_last = (last["F"] + last["P"] + last["M"])
    pts = {c.get_gid(): c.get_offsets() for c in ax.collections}
    assert sum(len(v) for v in pts.values()) == len(seg)
    for name in metrics.JONES_SASSER:
        ids = seg.loc[seg["segment"] == name, "customer_id"].to_numpy()
        got = np.asarray(pts[f"segment:{name}"])
        assert len(got) == len(ids)
        np.testing.assert_allclose(np.sort(got[:, 0]),
                                   np.sort(seg.set_index("customer_id").loc[ids, "S"]))
        np.testing.assert_allclose(np.sort(got[:, 1]), np.sort(b_last.loc[ids].to_numpy()))
    # legend shares and quadrant shares, computed here
    share = seg["segment"].value_counts(normalize=True)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == [f"{k} ({100 * share[k]:.0f}%)" for k in metrics.JONES_SASSER]
    s = seg.set_index("customer_id")["S"]
    yb = b_last.loc[s.index]
    high_s, high_b = s.to_numpy() >= 7, yb.to_numpy() >= np.median(yb)
    quad = sorted(t.get_text() for t in ax.texts if t.get_gid() == "quadrant_share")
    want = sorted([f"low S, high B: {100 * np.mean(~high_s & high_b):.0f}%",
                   f"high S, high B: {100 * np.mean(high_s & high_b):.0f}%",
                   f"low S, low B: {100 * np.mean(~high_s & ~high_b):.0f}%",
                   f"high S, low B: {100 * np.mean(high_s & ~high_b):.0f}%"])
    assert quad == want


def test_loyalty_subsample_hexbin_and_real_data(telecom_small):
    fig = plots.loyalty_map(telecom_small, max_points=200, seed=1)
    assert sum(len(c.get_offsets()) for c in fig.axes[0].collections) == 200
    fig = plots.loyalty_map(telecom_small, y="held", kind="hexbin")
    assert len(fig.axes) == 2  # the map and its colour bar
    real = _real(telecom_small)
    for y in ("barrier", "held"):
        with pytest.raises(JourneyDataError, match="only simulated data"):
            plots.loyalty_map(real, y=y)
    fig = plots.loyalty_map(real, y="months")
    months = real.panel.query("month >= 0").groupby("customer_id").size()
    ys = np.concatenate([c.get_offsets()[:, 1] for c in fig.axes[0].collections])
    np.testing.assert_array_equal(np.sort(ys), np.sort(months.to_numpy().astype(float)))
    with pytest.raises(ValueError, match="y must be one of"):
        plots.loyalty_map(telecom_small, y="wallet")
    with pytest.raises(ValueError, match="kind"):
        plots.loyalty_map(telecom_small, kind="kde")


# ------------------------------------------------------------------ survival


def test_km_curves_by_group(telecom_small):
    fig = plots.survival_by_group(telecom_small, group="read_contract")
    ax = fig.axes[0]
    c = telecom_small.customers
    signed = c[c["signed"]]
    levels = list(pd.unique(signed["read_contract"]))  # curves in order of appearance
    lines = [ln for ln in ax.get_lines() if str(ln.get_gid()).startswith("km:")]
    assert len(lines) == len(levels) == 2
    for lv, line in zip(levels, lines, strict=True):
        # product-limit estimate by hand at the end of the curve
        sub = signed[signed["read_contract"] == lv]
        dur = sub["tenure_months"].to_numpy()
        ev = sub["exit_month"].notna().to_numpy()
        s = 1.0
        for t in np.unique(dur[ev]):
            s *= 1 - np.sum(ev & (dur == t)) / np.sum(dur >= t)
        assert line.get_ydata()[-1] == pytest.approx(s, rel=1e-12)
        assert line.get_label() == f"{lv} (n = {len(sub):,})"
    p = logrank_test(telecom_small, group="read_contract").p_value
    title = ax.get_legend().get_title().get_text()
    assert title == f"read_contract (log-rank p = {p:.2g})"


def test_km_single_group_and_bad_group(telecom_small):
    fig = plots.survival_by_group(telecom_small.customers, group="segment")
    assert len([ln for ln in fig.axes[0].get_lines() if ln.get_gid()]) == 1
    assert "log-rank" not in fig.axes[0].get_legend().get_title().get_text()
    assert kaplan_meier(telecom_small, group="segment").groups == ["consumer"]
    with pytest.raises(JourneyDataError, match="group column 'nope'"):
        plots.survival_by_group(telecom_small, group="nope")


# ------------------------------------------------------------------ CLV waterfall


def test_waterfall_bars_add_up(variants):
    good, step, tel = variants["good"], variants["step"], variants["telecom"]
    fig = plots.clv_waterfall(good, tel, {"collections": step})
    ax = fig.axes[0]
    totals = [r for r in ax.patches if r.get_gid() == "clv:total"]
    steps = [r for r in ax.patches if r.get_gid() == "clv:step"]
    assert len(totals) == 2 and len(steps) == 2  # collections, then "other"
    H = 30  # noqa: N806 - both cohorts observe 30 months
    vpp = metrics.value_per_prospect
    first, last = vpp(good, horizon=H), vpp(tel, horizon=H)
    assert totals[0].get_height() == pytest.approx(first, rel=1e-12)
    assert totals[1].get_height() == pytest.approx(last, rel=1e-12)
    assert sum(r.get_height() for r in steps) == pytest.approx(last - first, rel=1e-9)
    assert steps[0].get_height() == pytest.approx(vpp(step, horizon=H) - first, rel=1e-9)
    assert steps[0].get_y() == pytest.approx(first, rel=1e-12)  # floats from the previous level
    lost = metrics.clv_lost(good, tel)
    assert lost > 0
    assert f"{lost:,.1f} lost per prospect" in ax.get_title()
    ticks = [t.get_text() for t in ax.get_xticklabels()]
    assert ticks == ["counterfactual", "collections", "other", "scenario"]


def test_waterfall_on_margin_goes_below_zero(variants):
    good, tel = variants["good"], variants["telecom"]
    econ = metrics.Economics(margin_rate=0.5, acquisition_cost=400.0)
    bars = clv_steps(good, tel, economics=econ)
    assert bars["clv"].iat[-1] == pytest.approx(metrics.value_per_prospect(tel, econ), rel=1e-12)
    assert bars["clv"].iat[-1] < 0
    fig = plots.clv_waterfall(good, tel, economics=econ)
    assert fig.axes[0].get_ylim()[0] < bars["clv"].iat[-1]  # the negative bar is in view


def test_waterfall_without_rest_and_without_steps(variants):
    good, tel = variants["good"], variants["telecom"]
    bars = clv_steps(good, tel, {"all of it": tel})
    assert bars["label"].tolist() == ["counterfactual", "all of it", "scenario"]
    bars = clv_steps(good, tel, horizon=12)
    assert bars["label"].tolist() == ["counterfactual", "breakdown", "scenario"]
    assert bars["change"].iat[1] == pytest.approx(-metrics.clv_lost(good, tel, horizon=12))
    with pytest.raises(JourneyDataError, match="step 'x'"):
        clv_steps(good, tel, {"x": tel.panel})


# ------------------------------------------------------------------ nothing global, byte-stable


def _all_figures(j: Journeys, v: dict[str, Journeys]) -> list[Figure]:
    return [plots.satisfaction_around_signing({"a": j, "b": v["good"]}),
            plots.barriers_by_tenure(j), plots.hazard_by_tenure(j), plots.loyalty_map(j),
            plots.loyalty_map(j, y="held", kind="hexbin"),
            plots.survival_by_group(j, group="read_contract"),
            plots.clv_waterfall(v["good"], v["telecom"], {"collections": v["step"]})]


def test_byte_identical_and_nothing_global(telecom_small, variants):
    import matplotlib.pyplot as plt

    before = dict(matplotlib.rcParams)
    figs_before = plt.get_fignums()
    first = [figure_png(f) for f in _all_figures(telecom_small, variants)]
    second = [figure_png(f) for f in _all_figures(telecom_small, variants)]
    assert first == second
    assert len(set(first)) == len(first)  # each figure is its own picture
    assert plt.get_fignums() == figs_before  # no pyplot figure was opened
    after = dict(matplotlib.rcParams)
    assert {k: v for k, v in after.items() if before[k] != v} == {}


def test_draws_into_a_given_axes(telecom_small):
    fig = Figure()
    ax1, ax2 = fig.subplots(1, 2)
    assert plots.barriers_by_tenure(telecom_small, ax=ax2) is fig
    assert plots.hazard_by_tenure(telecom_small, ax=ax1) is fig
    assert len(ax2.collections) == 3 and len(ax1.get_lines()) >= 3
    assert not math.isnan(ax1.get_ylim()[1])


def test_detection_bars_are_the_means_with_their_intervals():
    summary = pd.DataFrame({
        "metric": ["d.precision", "d.recall", "d.f1", "n.precision", "n.recall", "n.f1"],
        "mean": [0.7, 0.5, 0.58, 0.3, 0.2, 0.24],
        "ci_low": [0.6, 0.4, 0.5, 0.25, 0.15, 0.2],
        "ci_high": [0.8, 0.6, 0.66, 0.35, 0.25, 0.28]})
    fig = plots.detection_scores(summary, {"d": "detector", "n": "naive"}, base_rate=0.27)
    ax = fig.axes[0]
    heights = [round(p.get_height(), 6) for p in ax.patches]
    assert heights == [0.7, 0.3, 0.5, 0.2, 0.58, 0.24]  # one colour (measure) after another
    assert [t.get_text() for t in ax.get_xticklabels()] == ["detector", "naive"]
    assert ax.get_ylabel() and ax.get_xlabel()
    with pytest.raises(JourneyDataError, match="x.f1"):
        plots.detection_scores(summary, {"x": "missing"})
