"""One error mapping for every command (journey.cli.errors): a JourneyError is one line and
exit 2; anything else is a bug: one line naming a log file that holds the traceback, exit 1."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import journey.tables_io
from journey.cli import app
from journey.cli.errors import MAX_LINE, one_line
from journey.errors import JourneyDataError

runner = CliRunner()


@pytest.fixture
def state(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    return tmp_path / "state" / "journey"


def _fault(monkeypatch, exc: Exception) -> None:
    def validate_path(path):
        raise exc

    monkeypatch.setattr(journey.tables_io, "validate_path", validate_path)


def test_a_bug_is_exit_1_with_the_traceback_in_a_log(monkeypatch, state, tmp_path):
    _fault(monkeypatch, KeyError("customer_id"))
    res = runner.invoke(app, ["validate", str(tmp_path)])
    assert res.exit_code == 1
    (line,) = res.stderr.strip().splitlines()
    assert line.startswith("journey: internal error: KeyError: 'customer_id' (details in ")
    (log,) = state.glob("error-*.log")
    assert str(log) in line
    text = log.read_text()
    assert "Traceback" in text and "validate_path" in text and "KeyError" in text


def test_a_journey_error_is_exit_2_one_line_and_no_log(monkeypatch, state, tmp_path):
    _fault(monkeypatch, JourneyDataError("customers.csv: column 'x' row 3: bad\nsecond line"))
    res = runner.invoke(app, ["validate", str(tmp_path)])
    assert res.exit_code == 2
    assert res.stderr == "journey: error: customers.csv: column 'x' row 3: bad second line\n"
    assert not state.exists()


def test_a_plain_value_error_from_the_library_is_a_bug(monkeypatch, state, tmp_path):
    """Only the library's own errors are the user's; a bare ValueError is not."""
    _fault(monkeypatch, ValueError("oops"))
    res = runner.invoke(app, ["validate", str(tmp_path)])
    assert res.exit_code == 1 and "internal error: ValueError: oops" in res.stderr


def test_log_falls_back_to_the_temp_folder(monkeypatch, tmp_path):
    blocker = tmp_path / "state-is-a-file"
    blocker.write_text("")
    monkeypatch.setenv("XDG_STATE_HOME", str(blocker))
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)
    _fault(monkeypatch, RuntimeError("boom"))
    res = runner.invoke(app, ["validate", str(tmp_path)])
    assert res.exit_code == 1
    (log,) = (tmp_path / "tmp").glob("journey-*/error-*.log")
    assert str(log) in res.stderr


def test_usage_errors_stay_typer_s_exit_2():
    res = runner.invoke(app, ["simulate", "--no-such-option"])
    assert res.exit_code == 2 and "internal error" not in res.stderr


def test_long_messages_are_cut_to_one_short_line():
    text = one_line("x " * 100_000)
    assert len(text) <= MAX_LINE and text.endswith("(199,999 characters)")


def test_the_console_script_maps_errors_too(tmp_path):
    """``main()`` in a fresh process: a missing folder is exit 2, one line, nothing written."""
    env = {**os.environ, "PYTHONPATH": str(Path(journey.tables_io.__file__).parents[1]),
           "XDG_STATE_HOME": str(tmp_path / "state")}
    proc = subprocess.run([sys.executable, "-c", "from journey.cli import main; main()",
                           "validate", str(tmp_path / "nope")],
                          capture_output=True, text=True, env=env, timeout=60, cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.startswith("journey: error: ") and proc.stderr.count("\n") == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == []
