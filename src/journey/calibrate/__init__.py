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

from journey.calibrate.fit import Calibration, calibrate
from journey.calibrate.moments import MOMENTS, Moments, MomentSpec, data_moments

__all__ = ["MOMENTS", "Calibration", "MomentSpec", "Moments", "calibrate", "data_moments"]
