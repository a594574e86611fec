"""Hand-computed checks of the competing-risk metrics: cause-specific hazards and the
Aalen–Johansen cumulative incidence by exit reason."""

import warnings

import numpy as np
import pandas as pd
import pytest
from recorded import reference

from journey.metrics import (
    cause_specific_hazard,
    cumulative_incidence,
    exits_by_reason,
    life_table,
)
from journey.schema import EXIT_REASONS, JourneyDataError, Journeys


def journeys(lives):
    """lives: {customer_id: (last month observed, exit reason or None if censored)}."""
    rows = [(cid, m, reason is not None and m == last)
            for cid, (last, reason) in lives.items() for m in range(last + 1)]
    panel = pd.DataFrame(rows, columns=["customer_id", "month", "exited"])
    reasons = pd.Categorical([r for _, r in lives.values()], categories=list(EXIT_REASONS))
    customers = pd.DataFrame({"customer_id": list(lives), "exit_reason": reasons})
    return Journeys(customers, pd.DataFrame(), panel)


# 1 leaves in month 1 (dissatisfaction); 2 and 4 in month 2 (competitor, dissatisfaction);
# 5 in month 3 (other); 3 is censored after month 1, 6 after month 3.
SIX = journeys({1: (1, "dissatisfaction"), 2: (2, "competitor"), 3: (1, None),
                4: (2, "dissatisfaction"), 5: (3, "other"), 6: (3, None)})


def test_exit_counts_by_reason():
    c = exits_by_reason(SIX)
    assert list(c.columns) == ["month", "at_risk", "exits", *EXIT_REASONS]
    assert c["at_risk"].tolist() == [6, 6, 4, 2]
    assert c["exits"].tolist() == [0, 1, 2, 1]
    assert c["dissatisfaction"].tolist() == [0, 1, 1, 0]
    assert c["competitor"].tolist() == [0, 0, 1, 0]
    assert c["other"].tolist() == [0, 0, 0, 1]
    assert c["term_end"].sum() == 0 and c["forced"].sum() == 0


def test_cause_specific_hazard_by_hand():
    h = cause_specific_hazard(SIX)
    np.testing.assert_allclose(h["hazard"], [0, 1 / 6, 1 / 2, 1 / 2])
    np.testing.assert_allclose(h["dissatisfaction"], [0, 1 / 6, 1 / 4, 0])
    np.testing.assert_allclose(h["competitor"], [0, 0, 1 / 4, 0])
    np.testing.assert_allclose(h["other"], [0, 0, 0, 1 / 2])
    np.testing.assert_allclose(h[list(EXIT_REASONS)].sum(axis=1), h["hazard"])


def test_cumulative_incidence_by_hand():
    # S: 1, 5/6, 5/12, 5/24. CIF_dis = 1/6 + (5/6)(1/4) = 3/8; CIF_comp = (5/6)(1/4) = 5/24;
    # CIF_other = (5/12)(1/2) = 5/24; together 19/24 = 1 - S(3)
    cif = cumulative_incidence(SIX)
    np.testing.assert_allclose(cif["survival"], [1, 5 / 6, 5 / 12, 5 / 24])
    np.testing.assert_allclose(cif["dissatisfaction"], [0, 1 / 6, 3 / 8, 3 / 8])
    np.testing.assert_allclose(cif["competitor"], [0, 0, 5 / 24, 5 / 24])
    np.testing.assert_allclose(cif["other"], [0, 0, 0, 5 / 24])
    np.testing.assert_allclose(cif[list(EXIT_REASONS)].sum(axis=1), 1 - cif["survival"])
    # one minus Kaplan-Meier with the other reasons as censored overstates "other": 1/2
    assert cif["other"].iloc[-1] < 0.5
    np.testing.assert_allclose(cif["survival"], life_table(SIX.panel)["survival"])


def test_exits_without_a_reason_are_unknown():
    j = journeys({1: (1, "dissatisfaction"), 2: (2, None), 3: (2, None)})
    j.panel.loc[(j.panel["customer_id"] == 2) & (j.panel["month"] == 2), "exited"] = True
    cif = cumulative_incidence(j)
    assert cif.columns[-1] == "unknown"
    np.testing.assert_allclose(cif["unknown"], [0, 0, 1 / 3])
    np.testing.assert_allclose(cif.iloc[:, 4:].sum(axis=1), 1 - cif["survival"])


def test_competing_risks_need_journeys_and_known_ids():
    with pytest.raises(JourneyDataError, match="Journeys"):
        cumulative_incidence(SIX.panel)
    lost = Journeys(SIX.customers.iloc[1:], SIX.events, SIX.panel)
    with pytest.raises(JourneyDataError, match="id 1"):
        cause_specific_hazard(lost)
    # without a panel the customers table must say how long each customer was at risk
    empty = Journeys(SIX.customers, SIX.events, SIX.panel.iloc[:0])
    with pytest.raises(JourneyDataError, match="tenure_months"):
        cumulative_incidence(empty)


def test_cumulative_incidence_matches_lifelines_aalen_johansen():
    rng = np.random.default_rng(5)
    n = 300
    last = rng.integers(1, 20, n)
    cause = rng.choice([0, 1, 2, 3], n, p=[0.4, 0.3, 0.2, 0.1])  # 0: censored
    names = [None, "dissatisfaction", "competitor", "other"]
    j = journeys({i: (int(last[i]), names[cause[i]]) for i in range(n)})
    cif = cumulative_incidence(j).set_index("month")
    months = cif.index.to_numpy()

    def lifelines_aj():
        import lifelines

        # an exit in month t is a lifetime of t + 1 months (as in the Kaplan-Meier test); a
        # customer censored after month t was at risk of it, so its censoring time t + 1.5
        # comes after the month's exits. lifelines breaks ties between exits by a small random
        # jitter, which leaves the estimate after the tied group unchanged: compare at t + 1.75.
        durations = np.where(cause > 0, last + 1.0, last + 1.5)
        out = {}
        for k in (1, 2, 3):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # lifelines warns that it jitters tied times
                aj = lifelines.AalenJohansenFitter(calculate_variance=False, seed=0).fit(
                    durations, cause, event_of_interest=k)
            ref = aj.cumulative_density_.iloc[:, 0]
            out[names[k]] = ref.reindex(ref.index.union(months + 1.75)).ffill().loc[
                months + 1.75]
        return out

    ref = reference("metric_cif_aalen_johansen", "lifelines", lifelines_aj)
    for k in (1, 2, 3):
        np.testing.assert_allclose(cif[names[k]].to_numpy(), ref[names[k]], atol=1e-6)


def test_metric_equals_the_aalen_johansen_model_and_works_without_panel():
    """The monthly metric, the Aalen-Johansen model on (tenure_months - 1, exit_reason) and the
    metric on the customers table alone give the same cumulative incidence."""
    from journey.models import cumulative_incidence as aj_model
    from journey.scenario import load_preset
    from journey.simulate import simulate

    j = simulate(load_preset("telecom"), 3000, 30, seed=4)
    metric = cumulative_incidence(j).set_index("month")
    alone = cumulative_incidence(Journeys(j.customers, j.events.iloc[:0], j.panel.iloc[:0]))
    pd.testing.assert_frame_equal(metric.reset_index(), alone)
    model = aj_model(j)
    for reason in ("dissatisfaction", "competitor", "other"):
        curve = model.predict(metric.index.to_numpy())[reason].to_numpy()
        assert np.max(np.abs(curve - metric[reason].to_numpy())) < 1e-12, reason
