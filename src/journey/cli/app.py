"""The typer application that every command module registers on."""

import typer

app = typer.Typer(
    name="journey",
    help="Customer-journey breakdown: simulate, validate, run studies.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
