"""Writing files that other ``journey`` processes may read or write at the same time.

Two rules for every shared file under ``reports/`` (the index, a sweep's summary, a reference):

- **atomic replace**: the new content goes to a temporary file in the same folder, is flushed
  to disk, and is renamed over the old one with :func:`os.replace` (atomic on POSIX), so a reader
  sees the old file or the new one, never half of one;
- **one writer at a time** where a read-modify-write spans several files (rebuilding the index,
  swapping a run folder into place): an advisory lock, :func:`fcntl.flock` on a lock file beside
  them, held for the short critical section. The kernel releases it when its holder dies, so a
  killed ``journey`` never leaves a lock behind.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path


def write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (temp file in the same folder + ``os.replace``)."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return path


def write_text(path: str | os.PathLike[str], text: str) -> Path:
    """Write UTF-8 ``text`` to ``path`` atomically."""
    return write_bytes(path, text.encode("utf-8"))


@contextlib.contextmanager
def locked(lock_file: str | os.PathLike[str]) -> Iterator[None]:
    """Hold an exclusive ``flock`` on ``lock_file`` (created if needed) for the ``with`` block."""
    lock_file = Path(lock_file)
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_file, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock
