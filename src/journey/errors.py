"""The library's errors and warnings, importable without numpy or pandas (the CLI stays fast).

One hierarchy: every error the library raises *on purpose*, because the user's data, scenario,
parameter, study or file is not as expected, is a :class:`JourneyError`. The ``journey`` command
turns exactly these into one line on stderr and exit code 2; anything else is a bug in journey
(exit 1, with the traceback in a log file). Each kind also derives from the built-in exception a
caller would expect (``ValueError``, ``OSError``), so ``except ValueError`` keeps working.

::

    JourneyError
    ├── JourneyDataError (ValueError)      a table or data file breaks the schema or its rules
    │   └── NoFixedTermError
    ├── ScenarioError (ValueError)         a scenario file or mapping is invalid
    ├── ParameterError (ValueError)        a function or command parameter is out of its domain
    │   └── AttributionError
    ├── StudyError (ValueError)            a bad study name, study parameter or option
    └── JourneyIOError (OSError)           a path cannot be read or written as asked
"""


class JourneyError(Exception):
    """Base of every error journey raises on purpose; the message names where and what."""


class JourneyDataError(JourneyError, ValueError):
    """A table does not meet the journey schema. The message names file, column, row and rule."""


DataError = JourneyDataError


class NoFixedTermError(JourneyDataError):
    """A term-end metric met data with no single fixed contract term (the message says which
    terms it found and what to pass instead)."""


class ScenarioError(JourneyError, ValueError):
    """A scenario file or mapping is invalid; the message names the key."""


class ParameterError(JourneyError, ValueError):
    """A parameter of a function or command is outside its domain; the message names the
    parameter, the value given and what was expected."""


class AttributionError(ParameterError):
    """A cooperative game cannot be attributed as asked (no players, repeated players, too many
    for the exact value, a non-finite value of a coalition, a bad number of permutations). The
    message names the parameter and what was expected."""


class StudyError(JourneyError, ValueError):
    """A bad study name, study parameter or option: nothing ran and nothing was written."""


class JourneyIOError(JourneyError, OSError):
    """A file or folder cannot be read or written as asked (missing, not a folder, not empty,
    read-only, inside ``reports/``); the message names the path."""


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
