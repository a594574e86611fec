"""The library's user-facing errors, importable without numpy or pandas (the CLI stays fast)."""


class JourneyDataError(ValueError):
    """A table does not meet the journey schema. The message names where and what."""


class ScenarioError(ValueError):
    """A scenario file or mapping is invalid; the message names the key."""
