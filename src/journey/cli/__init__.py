"""The ``journey`` command. Thin: it parses, calls the library, prints.

Command modules register on :data:`journey.cli.app.app`; errors from the library become one line
on stderr and exit code 2, any other exception exit 1 with a log (see :mod:`journey.cli.errors`).
"""

from __future__ import annotations

from importlib.util import find_spec

from journey.cli import (
    calibrate_command,  # noqa: F401  (registers calibrate)
    data_commands,  # noqa: F401  (registers simulate, validate, presets)
)
from journey.cli.app import app

if find_spec("journey.cli.study_commands") is not None:  # the study runner (issue 4)
    from journey.cli import study_commands  # noqa: F401


def main() -> None:
    """Entry point of the ``journey`` console script."""
    app()


__all__ = ["app", "main"]
