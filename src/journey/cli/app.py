"""The typer application that every command module registers on (errors: :mod:`.errors`)."""

import typer

from journey.cli.errors import JourneyGroup

app = typer.Typer(
    name="journey",
    help="Customer-journey breakdown: simulate, validate, run studies.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    cls=JourneyGroup,
)
