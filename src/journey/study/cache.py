"""The run cache: a key over what determines a run's outputs, and why a run is (not) reused.

key = sha256 of the canonical JSON of
  - the sha256 of the notebook's code cells (in order; Markdown and outputs do not count),
  - the canonical parameters (every parameter, defaults included, sorted by name),
  - the sha256 of every input file a parameter names,
  - the journey version and a hash of its source code (``provenance.journey_fingerprint``).
The run id is the first 12 hex digits of the key, so the same inputs find the same directory.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from journey.study.provenance import sha256_file, sha256_text

RUN_ID_LENGTH = 12


@dataclass(frozen=True)
class CacheKey:
    code: str
    parameters: dict[str, Any]
    inputs: dict[str, str] = field(default_factory=dict)
    journey_version: str = ""

    def components(self) -> dict[str, Any]:
        return {"code_sha256": self.code, "parameters": self.parameters,
                "inputs": self.inputs, "journey_version": self.journey_version}

    @property
    def key(self) -> str:
        return sha256_text(json.dumps(self.components(), sort_keys=True, separators=(",", ":")))

    @property
    def run_id(self) -> str:
        return self.key[:RUN_ID_LENGTH]


def input_files(params: Mapping[str, Any], base: Path) -> dict[str, Path]:
    """Files named by string parameters (or lists of strings) that exist, relative to ``base``."""
    out: dict[str, Path] = {}
    for name, value in params.items():
        values = value if isinstance(value, list) else [value]
        for i, v in enumerate(values):
            if isinstance(v, str) and v and "\n" not in v and len(v) < 4096:
                p = Path(v) if Path(v).is_absolute() else base / v
                try:
                    if p.is_file():
                        out[name if len(values) == 1 else f"{name}[{i}]"] = p
                except OSError:
                    continue
    return out


def make_key(code_sources: list[str], params: Mapping[str, Any], base: Path,
             journey_version: str) -> tuple[CacheKey, dict[str, Path]]:
    files = input_files(params, base)
    inputs = {k: sha256_file(p) for k, p in sorted(files.items())}
    code = sha256_text(json.dumps(code_sources))
    return CacheKey(code, dict(sorted(params.items())), inputs, journey_version), files


def read_manifest(run_dir: Path) -> dict[str, Any] | None:
    try:
        return json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def metrics_of(run_dir: Path) -> dict[str, Any]:
    """The ``metrics.json`` of a run directory ({} if missing)."""
    try:
        return json.loads((run_dir / "metrics.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def cached_manifest(study_dir: Path, key: CacheKey) -> dict[str, Any] | None:
    """The manifest of a finished run with this key, if one exists."""
    m = read_manifest(study_dir / key.run_id)
    if m and m.get("status") == "ok" and m.get("cache", {}).get("key") == key.key:
        return m
    return None


def study_runs(study_dir: Path) -> list[dict[str, Any]]:
    """Manifests of the study's good runs, oldest first."""
    runs = []
    if study_dir.is_dir():
        for d in study_dir.iterdir():
            if d.is_dir() and not d.name.startswith(".") and d.name not in ("failed", "reference"):
                m = read_manifest(d)
                if m:
                    runs.append(m)
    return sorted(runs, key=lambda m: m.get("timings", {}).get("finished", ""))


def _diff(old: dict[str, Any], new: CacheKey) -> list[str]:
    oc = old.get("cache", {}).get("components", {})
    why = []
    if oc.get("code_sha256") != new.code:
        why.append("code cells changed")
    op = oc.get("parameters", {})
    for name in sorted(set(op) | set(new.parameters)):
        if op.get(name) != new.parameters.get(name):
            why.append(f"parameter {name}: {op.get(name)!r} → {new.parameters.get(name)!r}")
    oi = oc.get("inputs", {})
    for name in sorted(set(oi) | set(new.inputs)):
        if oi.get(name) != new.inputs.get(name):
            why.append(f"input {name} changed")
    if oc.get("journey_version") != new.journey_version:
        why.append(f"journey code {oc.get('journey_version')} → {new.journey_version}")
    return why


def explain(study_dir: Path, key: CacheKey, force: bool = False) -> str:
    """A few lines saying whether this run would be reused, and why (not)."""
    lines = [f"cache key {key.key[:16]}… → run id {key.run_id}"]
    hit = cached_manifest(study_dir, key)
    if hit and force:
        lines.append(f"would reuse run {key.run_id}, but --force reruns it")
    elif hit:
        done = hit.get("timings", {}).get("finished", "?")
        lines.append(f"reused: run {key.run_id} (finished {done}) has the same code cells, "
                     "parameters, input files and journey version")
    else:
        failed = read_manifest(study_dir / "failed" / key.run_id)
        if failed:
            lines.append(f"not reused: the last run with these inputs failed "
                         f"(see {study_dir / 'failed' / key.run_id})")
        runs = study_runs(study_dir)
        if not runs:
            lines.append("not reused: no finished run of this study yet")
        else:
            last = runs[-1]
            lines.append(f"not reused: differs from the latest run {last.get('run_id')} in: "
                         + "; ".join(_diff(last, key) or ["(nothing recorded)"]))
    return "\n".join(lines)
