"""The library's user-facing errors and warnings, importable without numpy or pandas (the CLI
stays fast)."""


class JourneyDataError(ValueError):
    """A table does not meet the journey schema. The message names where and what."""


class NoFixedTermError(JourneyDataError):
    """A term-end metric met data with no single fixed contract term (the message says which
    terms it found and what to pass instead)."""


class ScenarioError(ValueError):
    """A scenario file or mapping is invalid; the message names the key."""


class ConvergenceWarning(RuntimeWarning):
    """An optimiser stopped before its convergence criterion was met; the estimates, and more
    so their standard errors, may be off. The message names the model and what did not
    converge; the result's ``converged`` is False. (As lifelines' and statsmodels' own
    ``ConvergenceWarning``; statsmodels' warnings are caught inside the fits and re-emitted
    as this one.)"""


class ScaleWarning(UserWarning):
    """Answers do not fit the rating scale: a value outside the scale given, or, when the scale
    is inferred, values that look like an undeclared missing-value code (e.g. ``-99`` beside
    answers 1–10). The message names the column and row of the first such answer."""


class AttributionError(ValueError):
    """A cooperative game cannot be attributed as asked (no players, repeated players, too many
    for the exact value, a non-finite value of a coalition, a bad number of permutations). The
    message names the parameter and what was expected."""
