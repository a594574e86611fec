"""Where a command may write, and writing there all or nothing.

Every output is staged beside its destination (in the destination's parent folder, or inside an
existing destination folder) and renamed into place, so the rename never crosses file systems and
a failure leaves nothing: no staged copy, and none of the parent folders the command created.
A path that cannot be written is a :class:`~journey.errors.JourneyIOError` naming it and why
(missing, not a folder, read-only, disk full).
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path

from journey.errors import JourneyIOError

__all__ = ["check_output", "check_writable_folder", "io_error", "make_parents",
           "remove_created", "write_texts"]


def io_error(exc: OSError, path: str | os.PathLike[str], doing: str) -> JourneyIOError:
    """``exc`` as one line naming ``path``: ``cannot write out/x.parquet: No space left on
    device``."""
    why = exc.strerror or str(exc)
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        why += " (read-only?)"
    return JourneyIOError(f"cannot {doing} {path}: {why}")


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


def check_output(out: str | os.PathLike[str], option: str = "--out",
                 kind: str = "folder") -> Path:
    """``out`` as a :class:`Path` after refusing what must not be written to: an empty path,
    a path inside the study reports (``reports/`` or ``$JOURNEY_REPORTS``, which belong to
    ``journey run``), a file where a folder is wanted (``kind="folder"``) or a folder where a
    file is wanted (``kind="file"``), and a path below a file."""
    from journey.study.locate import reports_root

    if not str(out).strip():
        raise JourneyIOError(f"{option} is empty; expected a {kind} to write")
    path = Path(out)
    reports = reports_root()
    if _inside(path, reports):
        raise JourneyIOError(f"{option} {path}: inside the study reports folder {reports}"
                             f" (written by journey run only); choose a {kind} outside it")
    if kind == "folder" and path.exists() and not path.is_dir():
        raise JourneyIOError(f"{option} {path}: is a file; expected a folder")
    if kind == "file" and path.is_dir():
        raise JourneyIOError(f"{option} {path}: is a folder; expected a file name")
    for parent in path.absolute().parents:
        if parent.exists():
            if not parent.is_dir():
                raise JourneyIOError(f"{option} {path}: {parent} is a file, not a folder")
            break
    return path


def check_writable_folder(path: str | os.PathLike[str], what: str) -> Path:
    """``path`` if it is (or can be made) a folder this process may write; otherwise a
    :class:`JourneyIOError` naming ``what`` and the path. Nothing is created."""
    path = Path(path)
    probe = path
    while not probe.exists():
        if probe.parent == probe:
            break
        probe = probe.parent
    if probe.exists() and not probe.is_dir():
        name = "is a file" if probe == path else f"lies below the file {probe}"
        raise JourneyIOError(f"{what} {path}: {name}; expected a folder")
    if probe.exists() and not os.access(probe, os.W_OK | os.X_OK):
        raise JourneyIOError(f"{what} {path}: {probe} is read-only for this user")
    return path


def make_parents(folder: str | os.PathLike[str]) -> list[Path]:
    """Create ``folder`` and its missing parents; return those created, deepest last."""
    folder = Path(folder)
    missing = [p for p in (folder, *folder.parents) if not p.exists()][::-1]
    created = []
    try:
        for p in missing:
            p.mkdir()
            created.append(p)
    except FileExistsError:
        pass
    except OSError as exc:
        remove_created(created)
        raise io_error(exc, folder, "create the folder") from None
    return created


def remove_created(created: list[Path]) -> None:
    """Remove the folders :func:`make_parents` created (deepest first), if still empty."""
    for p in reversed(created):
        with contextlib.suppress(OSError):
            p.rmdir()


@contextlib.contextmanager
def _cleanup_on_failure(created: list[Path], staged: list[Path]) -> Iterator[None]:
    try:
        yield
    except BaseException:
        for p in staged:
            with contextlib.suppress(OSError):
                p.unlink()
        remove_created(created)
        raise


def write_texts(files: Mapping[Path, str], force: bool = False,
                option: str = "--out") -> None:
    """Write each text file all or nothing: refuse an existing file unless ``force``, stage each
    beside its destination and rename them into place only when all are written."""
    if not force:
        existing = [str(p) for p in files if p.exists()]
        if existing:
            raise JourneyIOError(f"{option}: {', '.join(existing)} already exist(s); pass"
                                 " --force to overwrite (nothing was written)")
    created: list[Path] = []
    staged: list[Path] = []
    with _cleanup_on_failure(created, staged):
        for path in files:
            created += make_parents(path.parent)
        for path, text in files.items():
            try:
                fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part",
                                            dir=path.parent)
                staged.append(Path(name))
                with os.fdopen(fd, "w", encoding="utf-8") as fh:
                    fh.write(text)
            except OSError as exc:
                raise io_error(exc, path, "write") from None
        for tmp, path in zip(staged, files, strict=True):
            try:
                os.replace(tmp, path)  # same folder: never across file systems
            except OSError as exc:
                raise io_error(exc, path, "write") from None
        staged.clear()
