"""Reference runs: the default run of every study, committed under ``reports/<study>/reference/``.

A reference holds what a reader or a test compares against: ``metrics.json``, the manifest
without its volatile fields (timings, paths, git state, cache key: they change from machine to
machine and commit to commit without changing a number), the figures and the HTML report.
:func:`compare_metrics` says which metrics of a new run differ from the reference beyond a
stated tolerance, ``|new − ref| ≤ atol + rtol·|ref|`` (NaN equals NaN; text must be equal).
"""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path
from typing import Any

REFERENCE = "reference"
VOLATILE = ("run_id", "cache", "inputs", "git", "kernel", "timings", "versions")
RTOL, ATOL = 1e-6, 1e-9


def reference_dir(reports: Path, study: str) -> Path:
    return Path(reports) / study / REFERENCE


def write_reference(run_dir: Path, reports: Path, study: str) -> Path:
    """Copy a run's metrics, cleaned manifest, figures and report into the study's reference
    folder (replacing the previous reference); returns the folder."""
    from journey.study import atomic, staging

    run_dir = Path(run_dir)
    out = reference_dir(reports, study)
    stage = staging.new_staging(out.parent, REFERENCE)
    (stage / "figures").mkdir()
    shutil.copy2(run_dir / "metrics.json", stage / "metrics.json")
    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    stable = {k: v for k, v in manifest.items() if k not in VOLATILE}
    atomic.write_text(stage / "manifest.json", json.dumps(stable, indent=2, sort_keys=True) + "\n")
    for fig in sorted((run_dir / "figures").glob("*.png")):
        shutil.copy2(fig, stage / "figures" / fig.name)
    html = run_dir / f"{study}.html"
    if html.is_file():
        shutil.copy2(html, stage / html.name)
    staging.promote(stage, out, out.parent)
    return out


def read_reference_metrics(reports: Path, study: str) -> dict[str, Any] | None:
    path = reference_dir(reports, study) / "metrics.json"
    if not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def compare_metrics(new: dict[str, Any], ref: dict[str, Any], rtol: float = RTOL,
                    atol: float = ATOL) -> list[str]:
    """One line per metric that is missing on either side or differs beyond the tolerance."""
    out = [f"{k}: in the reference, not in the new run" for k in ref if k not in new]
    out += [f"{k}: new, not in the reference" for k in new if k not in ref]
    for k in ref.keys() & new.keys():
        a, b = new[k], ref[k]
        if isinstance(a, (int, float)) and isinstance(b, (int, float)):
            a, b = float(a), float(b)
            if math.isnan(a) and math.isnan(b):
                continue
            if not abs(a - b) <= atol + rtol * abs(b):
                out.append(f"{k}: {a!r} against the reference {b!r}")
        elif a != b:
            out.append(f"{k}: {a!r} against the reference {b!r}")
    return sorted(out)
