"""How the ``journey`` command ends on an error: the one place that maps exceptions to exits.

- :class:`journey.errors.JourneyError` (the user's data, scenario, parameter, study or path is
  not as expected): one line ``journey: error: <message>`` on stderr, exit code 2.
- Typer's own usage errors (an unknown option, a missing argument): as Typer prints them, exit 2.
- Anything else is a bug in journey: one line ``journey: internal error: <type>: <message>
  (details in <log>)`` on stderr, the traceback in ``<log>``, exit code 1. The log folder is
  ``$XDG_STATE_HOME/journey/`` (``~/.local/state/journey/`` when unset), or
  ``<tempdir>/journey-<user>/`` when that cannot be written.

:class:`JourneyGroup` installs this around every command of :data:`journey.cli.app.app`, so it
holds for ``journey ...`` and for ``typer.testing.CliRunner`` alike.
"""

from __future__ import annotations

import getpass
import os
import sys
import tempfile
import traceback
from datetime import datetime
from pathlib import Path
from typing import Any, NoReturn

import typer
from typer.core import TyperGroup
from typer.exceptions import Abort, Exit, TyperException

from journey.errors import JourneyError

MAX_LINE = 500  # characters of one error line; a longer message is cut and says so


def one_line(message: object, limit: int = MAX_LINE) -> str:
    """``message`` on one line (whitespace runs become one space), at most ``limit`` characters."""
    text = " ".join(str(message).split())
    if len(text) > limit:
        tail = f" ... ({len(text):,} characters)"
        text = text[: limit - len(tail)].rstrip() + tail
    return text


def fail(message: object, code: int = 2) -> NoReturn:
    """One line ``journey: error: ...`` on stderr, then exit with ``code`` (2: the user's input)."""
    print(f"journey: error: {one_line(message)}", file=sys.stderr)
    raise typer.Exit(code)


def log_dir() -> Path:
    """Where internal-error logs go: ``$XDG_STATE_HOME/journey`` (``~/.local/state/journey``)."""
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "journey"


def _write_log(exc: BaseException) -> Path | None:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    text = (f"journey {' '.join(sys.argv[1:])}\n{datetime.now().isoformat()}\n\n"
            + "".join(traceback.format_exception(exc)))
    for folder in (log_dir(), Path(tempfile.gettempdir()) / f"journey-{_user()}"):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            fd, name = tempfile.mkstemp(prefix=f"error-{stamp}-", suffix=".log", dir=folder)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
            return Path(name)
        except OSError:
            continue
    return None


def _user() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return str(os.getuid()) if hasattr(os, "getuid") else "user"


def internal_error(exc: BaseException) -> NoReturn:
    """A bug: one short line naming the exception and the log file with the traceback; exit 1."""
    log = _write_log(exc)
    where = f"details in {log}" if log is not None else "no log could be written"
    head = one_line(f"{type(exc).__name__}: {exc}", 300)
    print(f"journey: internal error: {head} ({where})", file=sys.stderr)
    raise typer.Exit(1)


class JourneyGroup(TyperGroup):
    """The app's command group: every command runs inside the error mapping above."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except (Exit, Abort, TyperException):
            raise
        except JourneyError as exc:
            fail(exc)
        except Exception as exc:  # noqa: BLE001 - anything else is a bug, reported as one
            internal_error(exc)
