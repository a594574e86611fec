"""The Shapley waterfall closes on the repaired level and its bars are the summary's means;
the methods chart shows every method per stage; bad summaries are refused by name."""

from __future__ import annotations

import matplotlib.colors as mcolors
import numpy as np
import pandas as pd
import pytest

from journey.plots import attribution_methods, shapley_waterfall
from journey.plots.value import DOWN, UP
from journey.schema import JourneyDataError

STAGES = ["a", "b", "c"]
SHAPLEY = {"a": -0.5, "b": 0.2, "c": -0.3}  # adds up to -0.6


def summaries():
    rows = []
    for q, values in (("shapley", SHAPLEY), ("alone", {"a": -0.7, "b": 0.1, "c": -0.4}),
                      ("last", {"a": -0.4, "b": 0.2, "c": -0.2}),
                      ("share", {s: v / -0.6 for s, v in SHAPLEY.items()})):
        rows += [{"outcome": "S_drop", "stage": s, "quantity": q, "n": 3, "mean": v,
                  "sd": 0.1, "ci_low": v - 0.1, "ci_high": v + 0.1} for s, v in values.items()]
    levels = {"as_is": 1.0, "repaired": 0.4, "total": -0.6, "shapley_sum": -0.6,
              "alone_sum": -1.0, "last_sum": -0.4}
    lv = [{"outcome": "S_drop", "quantity": q, "n": 3, "mean": v, "sd": 0.1, "ci_low": v - 0.2,
           "ci_high": v + 0.2} for q, v in levels.items()]
    return pd.DataFrame(rows), pd.DataFrame(lv)


def test_waterfall_steps_are_the_shapley_means_and_close_on_the_repaired_level():
    st, lv = summaries()
    fig = shapley_waterfall(st, lv, "S_drop", ylabel="drop (points)", higher_is_better=False)
    ax = fig.axes[0]
    steps = [p for p in ax.patches if p.get_gid() == "shapley:step"]
    totals = [p for p in ax.patches if p.get_gid() == "shapley:total"]
    assert [p.get_height() for p in steps] == pytest.approx(list(SHAPLEY.values()))
    assert [p.get_y() for p in steps] == pytest.approx([1.0, 0.5, 0.7])  # running level
    assert steps[-1].get_y() + steps[-1].get_height() == pytest.approx(totals[1].get_height())
    # lower is better here: a negative step is an improvement (green)
    assert mcolors.to_hex(steps[0].get_facecolor()) == UP.lower()
    assert mcolors.to_hex(steps[1].get_facecolor()) == DOWN.lower()
    assert ax.get_ylabel() == "drop (points)"
    assert "-0.60" in ax.get_title()
    assert [t.get_text() for t in ax.get_xticklabels()] == ["as is", *STAGES, "all repaired"]


def test_methods_chart_shows_each_method_per_stage():
    st, lv = summaries()
    fig = attribution_methods(st, lv, "S_drop", xlabel="change (points)")
    ax = fig.axes[0]
    for q in ("shapley", "alone", "last"):
        widths = [p.get_width() for p in ax.patches if p.get_gid() == f"method:{q}"]
        expected = st.loc[st["quantity"] == q, "mean"].to_numpy()
        assert np.allclose(widths, expected)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any("Shapley value: sum -0.60" in t for t in legend)
    assert any("one at a time (repaired alone): sum -1.00" in t for t in legend)
    assert ax.get_xlabel() == "change (points)"


def test_bad_summaries_are_refused():
    st, lv = summaries()
    with pytest.raises(JourneyDataError, match="no outcome 'value'"):
        shapley_waterfall(st, lv, "value", ylabel="v")
    with pytest.raises(JourneyDataError, match="columns"):
        attribution_methods(st.drop(columns="ci_low"), lv, "S_drop", xlabel="x")
