"""The library's user-facing errors, importable without numpy or pandas (the CLI stays fast)."""


class JourneyDataError(ValueError):
    """A table does not meet the journey schema. The message names where and what."""


class NoFixedTermError(JourneyDataError):
    """A term-end metric met data with no single fixed contract term (the message says which
    terms it found and what to pass instead)."""


class ScenarioError(ValueError):
    """A scenario file or mapping is invalid; the message names the key."""
