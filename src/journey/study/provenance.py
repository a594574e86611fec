"""Provenance for the manifest: file hashes, package versions, git commit and dirty flag."""

from __future__ import annotations

import hashlib
import platform
import subprocess
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

# Packages whose versions change what a study computes or how it is rendered.
PACKAGES = ("journey", "numpy", "pandas", "scipy", "statsmodels", "matplotlib", "seaborn",
            "pydantic", "papermill", "nbconvert", "nbformat", "ipykernel")


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def journey_fingerprint() -> str:
    """The journey version plus a hash of its installed source (``.py`` and preset files).

    A cached run is reused only with the same library code: an edit to ``src/journey`` without
    a version bump still invalidates the cache.
    """
    from journey import __version__

    root = Path(__file__).resolve().parents[1]
    h = hashlib.sha256()
    for f in sorted(p for p in root.rglob("*") if p.suffix in (".py", ".yaml")):
        h.update(f.relative_to(root).as_posix().encode())
        h.update(f.read_bytes())
    return f"{__version__}+src.{h.hexdigest()[:12]}"


def package_versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out


def git_state(where: Path) -> dict[str, object]:
    """``{"commit": sha or None, "dirty": bool or None}`` of the repository holding ``where``."""
    def git(*args: str) -> str | None:
        try:
            r = subprocess.run(["git", "-C", str(where), *args], capture_output=True, text=True,
                               timeout=20)
        except (OSError, subprocess.TimeoutExpired):
            return None
        return r.stdout if r.returncode == 0 else None

    commit = git("rev-parse", "HEAD")
    if commit is None:
        return {"commit": None, "dirty": None}
    status = git("status", "--porcelain", "--untracked-files=no")
    return {"commit": commit.strip(), "dirty": None if status is None else bool(status.strip())}
