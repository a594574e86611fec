"""Outputs: refused where they must not go, staged beside their destination, nothing left on
failure (not even the parent folders a command created)."""

from __future__ import annotations

import errno
import os
import tempfile

import pytest
from typer.testing import CliRunner

import journey.tables_io as tio
from journey.cli import app
from journey.errors import JourneyIOError
from journey.output_paths import check_output, check_writable_folder, write_texts
from journey.tables_io import CohortWriter, write_journeys

runner = CliRunner()


@pytest.fixture
def staged_in(monkeypatch):
    """Record the folder every staging directory is made in."""
    seen = []
    real = tempfile.mkdtemp

    def mkdtemp(*args, **kwargs):
        seen.append(kwargs.get("dir"))
        return real(*args, **kwargs)

    monkeypatch.setattr(tio.tempfile, "mkdtemp", mkdtemp)
    return seen


def test_a_new_folder_is_staged_in_its_parent_and_renamed(tmp_path, telecom_small, staged_in):
    out = tmp_path / "a" / "b" / "cohort"
    write_journeys(telecom_small, out)
    assert staged_in == [out.parent]
    assert sorted(p.name for p in out.iterdir()) == ["customers.parquet", "events.parquet",
                                                    "panel.parquet"]
    assert [p.name for p in out.parent.iterdir()] == ["cohort"]  # no hidden copy beside it


def test_an_existing_folder_is_staged_inside_itself(tmp_path, telecom_small, staged_in):
    """A mounted folder is on another file system than its parent: stage inside it."""
    out = tmp_path / "mounted"
    out.mkdir()
    (out / "README").write_text("kept")
    write_journeys(telecom_small, out, "csv")
    assert staged_in == [out]
    assert sorted(p.name for p in out.iterdir()) == ["README", "customers.csv", "events.csv",
                                                    "panel.csv"]


def test_a_failure_leaves_nothing_not_even_created_parents(tmp_path, telecom_small):
    out = tmp_path / "new" / "deeper" / "cohort"
    with pytest.raises(RuntimeError, match="midway"):
        with CohortWriter(out) as w:
            w.write(telecom_small)
            raise RuntimeError("midway")
    assert list(tmp_path.iterdir()) == []


def test_a_full_disk_is_one_io_error_and_leaves_nothing(tmp_path, telecom_small, monkeypatch):
    def full(df, path, fmt):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(tio, "_write_one", full)
    out = tmp_path / "x" / "cohort"
    with pytest.raises(JourneyIOError, match=r"cannot write the tables into .*cohort: No space"):
        write_journeys(telecom_small, out)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("target, needle", [
    ("", "--out is empty"),
    ("notes.txt", "--out notes.txt: is a file; expected a folder"),
    ("notes.txt/cohort", "notes.txt is a file, not a folder"),
    ("reports/cohort", "inside the study reports folder"),
])
def test_check_output_refuses(tmp_path, monkeypatch, target, needle):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("JOURNEY_REPORTS", str(tmp_path / "reports"))
    (tmp_path / "notes.txt").write_text("keep")
    with pytest.raises(JourneyIOError) as exc:
        check_output(target)
    assert needle in str(exc.value)


def test_check_output_file_kind(tmp_path):
    with pytest.raises(JourneyIOError, match="is a folder; expected a file name"):
        check_output(tmp_path, kind="file")
    assert check_output(tmp_path / "new.yaml", kind="file") == tmp_path / "new.yaml"


def test_reports_that_are_a_file_or_below_one(tmp_path):
    (tmp_path / "f").write_text("")
    with pytest.raises(JourneyIOError, match="is a file; expected a folder"):
        check_writable_folder(tmp_path / "f", "reports folder")
    with pytest.raises(JourneyIOError, match="lies below the file"):
        check_writable_folder(tmp_path / "f" / "r", "reports folder")
    assert check_writable_folder(tmp_path / "new" / "r", "x") == tmp_path / "new" / "r"
    assert not (tmp_path / "new").exists()


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0,
                    reason="root writes into read-only folders")
def test_a_read_only_reports_folder(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        with pytest.raises(JourneyIOError, match="read-only"):
            check_writable_folder(ro / "reports", "reports folder")
    finally:
        ro.chmod(0o700)


def test_write_texts_refuses_existing_files_unless_forced(tmp_path):
    a, b = tmp_path / "twin.yaml", tmp_path / "twin.fit.md"
    a.write_text("old")
    with pytest.raises(JourneyIOError, match="twin.yaml already exist.*--force"):
        write_texts({a: "new", b: "report"})
    assert a.read_text() == "old" and not b.exists()
    write_texts({a: "new", b: "report"}, force=True)
    assert a.read_text() == "new" and b.read_text() == "report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["twin.fit.md", "twin.yaml"]


def test_write_texts_failure_removes_staged_files_and_created_parents(tmp_path, monkeypatch):
    real = os.replace

    def failing(src, dst):
        raise OSError(errno.EXDEV, "Invalid cross-device link")

    monkeypatch.setattr(os, "replace", failing)
    with pytest.raises(JourneyIOError, match="cannot write .*a.yaml: Invalid cross-device"):
        write_texts({tmp_path / "new" / "a.yaml": "x"})
    monkeypatch.setattr(os, "replace", real)
    assert list(tmp_path.iterdir()) == []


def test_cli_bad_chunk_size_creates_no_parent(tmp_path):
    out = tmp_path / "a" / "b" / "out"
    res = runner.invoke(app, ["simulate", "--preset", "telecom", "--customers", "50",
                              "--chunk-size", "0", "--out", str(out)])
    assert res.exit_code == 2 and "parameter 'chunk_size'" in res.stderr
    assert list(tmp_path.iterdir()) == []


def test_cli_calibrate_keeps_an_existing_scenario(tmp_path):
    twin = tmp_path / "twin.yaml"
    twin.write_text("read_share: 0.4\n")
    res = runner.invoke(app, ["calibrate", "--data", str(tmp_path / "none"), "--fit", "alpha0",
                              "--preset", "telecom", "--out", str(twin)])
    assert res.exit_code == 2 and "exists; pass --force" in res.stderr
    assert twin.read_text() == "read_share: 0.4\n"
