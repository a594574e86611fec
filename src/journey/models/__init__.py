"""Statistical models on statsmodels / scipy, each returning a :class:`FitResult`
(``summary()`` with estimate, se, ci_low, ci_high; ``predict``; ``plot(ax=None) -> Figure``;
``loglik``).

| module | models |
| --- | --- |
| ``survival`` | Kaplan-Meier, log-rank |
| ``cox`` | Cox PH (exact grouped-time Breslow / Efron) |
| ``hazard`` | discrete-time exit hazard with satisfaction x barrier interaction |
| ``measurement`` | satisfaction from survey ratings and the event log (state-space filter) |
| ``observed_hazard`` | the exit hazard from ratings and events (regression calibration) |
| ``satisfaction`` | ordinal ratings (OrderedModel), MixedLM honeymoon drop |
| ``sbg`` | shifted-beta-geometric retention, projection, DERL |
| ``bgnbd`` / ``gammagamma`` | BG/NBD transactions, Gamma-Gamma spend |
| ``pls`` | PLS path model for a satisfaction index (ECSI / ACSI, 0-100) |
"""

from journey.models.base import FitResult
from journey.models.bgnbd import fit_bgnbd
from journey.models.cox import fit_cox
from journey.models.gammagamma import fit_gammagamma
from journey.models.hazard import fit_exit_hazard
from journey.models.measurement import fit_satisfaction_measurement
from journey.models.observed_hazard import fit_observed_hazard
from journey.models.pls import fit_pls
from journey.models.satisfaction import fit_honeymoon, fit_ordinal
from journey.models.sbg import fit_sbg
from journey.models.survival import kaplan_meier, logrank_test

__all__ = [
    "FitResult",
    "fit_bgnbd",
    "fit_cox",
    "fit_exit_hazard",
    "fit_gammagamma",
    "fit_honeymoon",
    "fit_observed_hazard",
    "fit_ordinal",
    "fit_pls",
    "fit_satisfaction_measurement",
    "fit_sbg",
    "kaplan_meier",
    "logrank_test",
]
