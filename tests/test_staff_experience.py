"""The first contact person's experience, Geometric(p) − 1 months by inversion from one
exponential per prospect: the numbers by hand, the mean, and common random numbers across a
turnover sweep with p = 0 and p >= 1/3 included."""

import numpy as np

from journey.scenario import load_preset
from journey.simulate import simulate
from journey.simulate.courtship import staff_experience


def test_staff_experience_by_inversion_by_hand():
    # G = max(1, ceil(e / ln 2)) at p = 1/2: e/ln2 = .144, 1.010, 1.443, 2.885 -> 1, 2, 2, 3
    e = np.array([0.1, 0.7, 1.0, 2.0])
    assert staff_experience(0.5, e).tolist() == [0.0, 1.0, 1.0, 2.0]
    assert np.isinf(staff_experience(0.0, e)).all()
    assert staff_experience(1.0, e).tolist() == [0.0] * 4
    # mean months in post 1/p − 1 = 9 at p = .1 (sd of the mean ≈ √90/√20000 ≈ 0.07)
    draws = staff_experience(0.1, np.random.default_rng(0).standard_exponential(20_000))
    assert abs(draws.mean() - 9.0) < 0.3


def test_turnover_keeps_the_courtship_and_p_zero_joins_the_sweep():
    # common random numbers across turnover, p = 0 (no contact person ever leaves) included:
    # the same signers with the same satisfaction at signing
    sc = load_preset("telecom")
    runs = [simulate(sc.replace(staff_turnover=p), 800, 6, seed=5) for p in (0.0, 0.1, 0.4)]
    for j in runs[1:]:
        assert (j.customers["signed"] == runs[0].customers["signed"]).all()
        at0 = [r.panel.loc[r.panel["month"] == 0, "S"].to_numpy() for r in (runs[0], j)]
        np.testing.assert_array_equal(*at0)
