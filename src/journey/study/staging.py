"""Staging folders that know their owner, and the clean-up of the ones whose owner is gone.

A run is built in ``reports/<study>/.staging/<run-id>.<pid>.<random>/`` and renamed into place when
complete (:func:`promote`); the folder it replaces is first renamed to
``.staging/<run-id>.old.<pid>.<random>`` and removed after the swap. The owner's process id is in
the name (so it is recorded the instant the folder exists) and, with the process's start time, in
``.staging/<name>/.owner`` (so a later process with the same id is not taken for the owner).

A ``journey`` process killed outright (SIGKILL, power cut) leaves these folders behind.
:func:`clean_stale` removes every entry whose owner process is gone; ``journey run`` and
``journey sweep`` call it before they start work, so an interrupted sweep leaves no trace once it
is rerun. Entries of living owners (another ``journey run`` at work) are left alone.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from journey.study import atomic

STAGING_DIR = ".staging"
LOCK_FILE = ".lock"
OWNER_FILE = ".owner"
LEGACY_AGE_S = 3600.0  # an entry naming no owner (older journey) is stale after an hour
_NAME = re.compile(r"^[^.]+\.(?:old\.)?(\d+)\.[^.]+$")


def _start_time(pid: int) -> float | None:
    """The process's start time (seconds since the epoch), or ``None`` if it is gone (or a
    zombie: dead, not yet reaped)."""
    import psutil

    try:
        proc = psutil.Process(pid)
        return None if proc.status() == psutil.STATUS_ZOMBIE else proc.create_time()
    except (psutil.NoSuchProcess, psutil.ZombieProcess, psutil.AccessDenied):
        return None


def new_staging(study_dir: Path, run_id: str) -> Path:
    """A fresh, owned staging folder for ``run_id`` under ``study_dir/.staging``."""
    parent = study_dir / STAGING_DIR
    parent.mkdir(parents=True, exist_ok=True)
    path = Path(tempfile.mkdtemp(prefix=f"{run_id}.{os.getpid()}.", dir=parent))
    owner = {"pid": os.getpid(), "started": _start_time(os.getpid())}
    (path / OWNER_FILE).write_text(json.dumps(owner) + "\n", encoding="utf-8")
    return path


def owner_alive(entry: Path) -> bool:
    """True while the process that made ``entry`` (a staging or ``.old`` folder) still runs."""
    m = _NAME.match(entry.name)
    if m is None:
        try:
            return time.time() - entry.stat().st_mtime < LEGACY_AGE_S
        except OSError:
            return False
    pid = int(m.group(1))
    started = _start_time(pid)
    if started is None:
        return False
    try:
        recorded = json.loads((entry / OWNER_FILE).read_text(encoding="utf-8")).get("started")
    except (OSError, ValueError, AttributeError):
        recorded = None
    return recorded is None or abs(float(recorded) - started) < 1.0


def clean_stale(study_dir: Path) -> list[Path]:
    """Remove the staging and ``.old`` folders of ``study_dir`` whose owner is gone."""
    parent = Path(study_dir) / STAGING_DIR
    removed = []
    try:
        entries = sorted(parent.iterdir())
    except OSError:
        return removed
    for entry in entries:
        if not owner_alive(entry):
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)
            removed.append(entry)
    return removed


def promote(staging: Path, target: Path, study_dir: Path,
            keep_existing: Callable[[], bool] | None = None) -> bool:
    """Rename ``staging`` to ``target``, swapping out an existing ``target`` first; returns True.

    Held under the study's lock, so two processes promoting the same run id one after the other
    both succeed instead of one failing on a non-empty target. With ``keep_existing``, an
    existing ``target`` for which it returns True (a good run of the same cache key that
    finished first) is kept: ``staging`` is discarded and False returned, so a run is recorded
    once and a reader never finds it half-replaced.
    """
    (staging / OWNER_FILE).unlink(missing_ok=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    with atomic.locked(study_dir / LOCK_FILE):
        if keep_existing is not None and target.exists() and keep_existing():
            shutil.rmtree(staging, ignore_errors=True)
            return False
        old = None
        if target.exists() or target.is_symlink():
            old = staging.parent / f"{target.name}.old.{os.getpid()}.{os.urandom(4).hex()}"
            os.rename(target, old)
        os.rename(staging, target)
    if old is not None:
        if old.is_dir() and not old.is_symlink():
            shutil.rmtree(old, ignore_errors=True)
        else:
            old.unlink(missing_ok=True)
    return True
