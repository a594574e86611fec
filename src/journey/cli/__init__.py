"""The ``journey`` command. Thin: it parses, calls the library, prints.

Errors from the library become one line on stderr and exit code 2 (see :func:`fail`).
"""

from __future__ import annotations

import typer

app = typer.Typer(
    name="journey",
    help="Customer-journey breakdown: simulate, validate, run studies.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# Sub-modules register their commands on ``app``.
from journey.cli import data_commands  # noqa: E402,F401

try:  # the study runner lands with issue 4
    from journey.cli import study_commands  # noqa: E402,F401
except ModuleNotFoundError as exc:  # pragma: no cover - only before the runner exists
    if exc.name != "journey.cli.study_commands":
        raise


def main() -> None:
    """Entry point of the ``journey`` console script."""
    app()
