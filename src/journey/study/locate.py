"""Where studies and reports live.

The project root is the nearest ancestor of the working directory holding both
``pyproject.toml`` and ``notebooks/``, else the source checkout this package runs from, else the
working directory. Studies are ``<root>/notebooks/<name>.ipynb`` (or any ``.ipynb``
path); reports go to ``$JOURNEY_REPORTS`` or ``<root>/reports`` unless ``--reports`` says otherwise.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from journey.errors import StudyError

REPORTS_ENV = "JOURNEY_REPORTS"
NOTEBOOKS_ENV = "JOURNEY_NOTEBOOKS"
_STUDY_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def _is_root(p: Path) -> bool:
    return (p / "pyproject.toml").is_file() and (p / "notebooks").is_dir()


def project_root() -> Path:
    cwd = Path.cwd().resolve()
    for p in (cwd, *cwd.parents):
        if _is_root(p):
            return p
    src_root = Path(__file__).resolve().parents[3]  # src/journey/study/locate.py → repo
    if _is_root(src_root):
        return src_root
    return cwd


def notebooks_dir() -> Path:
    env = os.environ.get(NOTEBOOKS_ENV)
    return Path(env).resolve() if env else project_root() / "notebooks"


def reports_root(override: str | os.PathLike[str] | None = None) -> Path:
    if override:
        return Path(override).resolve()
    env = os.environ.get(REPORTS_ENV)
    return Path(env).resolve() if env else project_root() / "reports"


@dataclass(frozen=True)
class Study:
    name: str
    path: Path


def find_study(ref: str) -> Study:
    """A study by name (``courtship-and-marriage``) or notebook path; :class:`StudyError` if
    absent."""
    p = Path(ref)
    if ref.endswith(".ipynb") or p.parent != Path("."):
        if not p.is_file():
            raise StudyError(f"study notebook {ref!r} not found")
        name = p.stem
    else:
        p = notebooks_dir() / f"{ref}.ipynb"
        if not p.is_file():
            known = ", ".join(s.name for s in list_studies()) or "none"
            raise StudyError(f"study {ref!r} not found in {notebooks_dir()} (studies: {known})")
        name = ref
    if not _STUDY_NAME.match(name):
        raise StudyError(f"study name {name!r}: use letters, digits, '-', '_' or '.'")
    return Study(name, p.resolve())


def list_studies() -> list[Study]:
    d = notebooks_dir()
    if not d.is_dir():
        return []
    return [Study(p.stem, p.resolve()) for p in sorted(d.glob("*.ipynb"))
            if not p.name.startswith(".")]
