"""Statistical models on statsmodels / scipy / numpy, all with one result face.

Every function below returns a :class:`FitResult` (a subclass per model) with ``params``,
``bse`` (alias ``se``), ``conf_int(alpha)`` (columns lower, upper), ``summary(alpha)`` (the
estimates table: estimate, se, ci_low, ci_high, plus z and p_value where a Wald test of zero is
meaningful), ``loglik``, ``aic``, ``nobs``, ``events``, ``converged``, ``iterations``,
``notes``, ``predict(...)`` and ``plot(ax=None) -> Figure``. ``str(result)`` and
``result.print_summary()`` print the same header for every model (Model, Observations, Events,
Log-likelihood, AIC, Estimation, Converged; ``-`` where a fact does not apply), then the
estimates and notes. Model-specific state is in typed fields of each result class.

An optimiser that stops short warns :class:`ConvergenceWarning` (``journey.errors``), naming the
model and what did not converge, and sets ``converged`` to False; every iterative fit takes
``maxiter``.

``fit_pls`` reads surveys as R seminr does: ``missing=`` codes, ``missing_treatment="mean"``
(mean replacement) or ``"casewise"``, the answer scale of its 0–100 index inferred from the
answers unless given, and :class:`ScaleWarning` for answers off the scale or that look like an
undeclared missing code (:mod:`journey.models.survey`).

| function | result | ``params`` |
| --- | --- | --- |
| ``fit_sbg`` | ``SBGResult`` | alpha, beta (Fader & Hardie 2007) |
| ``fit_bgnbd`` | ``BGNBDResult`` | r, alpha, a, b |
| ``fit_gammagamma`` | ``GammaGammaResult`` | p, q, v |
| ``fit_pls`` | ``PLSResult`` | path coefficients ``A -> B`` (bootstrap se) |
| ``fit_cox`` | ``CoxResult`` | log hazard ratios (Efron / Breslow ties) |
| ``fit_exit_hazard`` | ``HazardResult`` | alpha0, alpha_S, ... of the discrete-time hazard |
| ``fit_ordinal`` | ``OrdinalResult`` | slopes and cut-points ``cut[a|b]`` |
| ``fit_honeymoon`` | ``HoneymoonResult`` | honeymoon level, courtship, drop (REML) |
| ``kaplan_meier`` | ``KaplanMeierResult`` | median survival ``median`` / ``median[g]``, |
| | | Brookmeyer–Crowley interval; the curve: ``curve()`` |
| ``logrank_test`` | ``LogRankResult`` | the chi-square statistic ``chi2``; df and |
| | | p_value in ``summary()``; observed / expected events: ``predict()`` |
| ``cumulative_incidence`` | ``CumulativeIncidenceResult`` | Aalen–Johansen CIF per exit |
| | | cause ``cif[cause]`` at time ``at``; the curves: ``curve()`` |

Non-parametric estimators and the test have no likelihood (Log-likelihood and AIC print ``-``)
and are not iterative (Converged prints "closed form"). For Kaplan–Meier the median's standard
error is not estimated (NaN); its interval is the set of times whose pointwise interval of S(t)
contains ½. For the log-rank test the statistic has no standard error; its p-value is the
test's.

The exit hazard can also be fitted from what a researcher observes: ``fit_observed_hazard``
(:mod:`journey.models.observed_hazard`) uses survey ratings and the event log through the
measurement model ``fit_satisfaction_measurement`` (:mod:`journey.models.measurement`), by
regression calibration with a customer bootstrap of both stages.
"""

from journey.errors import ConvergenceWarning, ScaleWarning
from journey.models.base import FitResult
from journey.models.bgnbd import BGNBDResult, fit_bgnbd
from journey.models.competing import CumulativeIncidenceResult, cumulative_incidence
from journey.models.cox import CoxResult, fit_cox
from journey.models.gammagamma import GammaGammaResult, fit_gammagamma
from journey.models.hazard import HazardResult, fit_exit_hazard
from journey.models.measurement import fit_satisfaction_measurement
from journey.models.observed_hazard import ObservedHazardResult, fit_observed_hazard
from journey.models.pls import PLSResult, fit_pls
from journey.models.satisfaction import HoneymoonResult, OrdinalResult, fit_honeymoon, fit_ordinal
from journey.models.sbg import SBGResult, fit_sbg
from journey.models.survival import KaplanMeierResult, LogRankResult, kaplan_meier, logrank_test

__all__ = [
    "BGNBDResult",
    "ConvergenceWarning",
    "CoxResult",
    "CumulativeIncidenceResult",
    "FitResult",
    "GammaGammaResult",
    "HazardResult",
    "HoneymoonResult",
    "KaplanMeierResult",
    "LogRankResult",
    "ObservedHazardResult",
    "OrdinalResult",
    "PLSResult",
    "SBGResult",
    "ScaleWarning",
    "cumulative_incidence",
    "fit_bgnbd",
    "fit_cox",
    "fit_exit_hazard",
    "fit_observed_hazard",
    "fit_satisfaction_measurement",
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
