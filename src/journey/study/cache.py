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
import warnings
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


class DamagedRunWarning(UserWarning):
    """A run folder whose ``manifest.json`` or ``metrics.json`` cannot be used: the run is
    treated as absent (not reused, not listed) and the next run with its parameters replaces it."""


_REQUIRED = {"run_id": str, "status": str, "parameters": dict}
_OPTIONAL = {"cache": dict, "timings": dict, "outputs": dict, "headline_metrics": list}


def _read_json(path: Path) -> tuple[Any, str | None]:
    try:
        return json.loads(path.read_text(encoding="utf-8")), None
    except FileNotFoundError:
        return None, f"no {path.name}"
    except (OSError, UnicodeDecodeError) as exc:
        return None, f"{path.name} cannot be read ({getattr(exc, 'strerror', None) or exc})"
    except ValueError as exc:
        return None, f"{path.name} is not valid JSON ({exc})"


def run_problem(run_dir: Path) -> str | None:
    """Why ``run_dir`` is not a usable run (``None`` if it is): ``manifest.json`` must be a JSON
    object with the fields a run has (``run_id`` naming the folder, ``status``, ``parameters``,
    and, if it has ``cache``, ``cache.key``), and ``metrics.json`` of a finished run a JSON
    object."""
    m, why = _read_json(run_dir / "manifest.json")
    if why:
        return why
    if not isinstance(m, dict):
        return f"manifest.json holds {type(m).__name__ if m is not None else 'null'}, not an object"
    for name, kind in {**_REQUIRED, **{k: v for k, v in _OPTIONAL.items() if k in m}}.items():
        if not isinstance(m.get(name), kind):
            return f"manifest.json: field {name!r} is missing or not a {kind.__name__}"
    if not all(isinstance(n, str) for n in m.get("headline_metrics", [])):
        return "manifest.json: 'headline_metrics' holds something other than names"
    if "cache" in m and not isinstance(m["cache"].get("key"), str):
        return "manifest.json: field 'cache.key' is missing or not a str"
    if m["run_id"] != run_dir.name:
        return f"manifest.json names run {m['run_id']!r}, not the folder's {run_dir.name!r}"
    if m["status"] == "ok":
        metrics, why = _read_json(run_dir / "metrics.json")
        if why:
            return why
        if not isinstance(metrics, dict):
            what = type(metrics).__name__ if metrics is not None else "null"
            return f"metrics.json holds {what}, not an object"
    return None


def warn_damaged(run_dir: Path, why: str) -> None:
    warnings.warn(DamagedRunWarning(f"{run_dir}: damaged run folder ({why}); treated as absent, "
                                    "a rerun replaces it"), stacklevel=3)


def read_run(run_dir: Path) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """``(manifest, metrics)`` of a usable run folder; ``None`` if there is no run there, or if
    it is damaged (then a :class:`DamagedRunWarning` names the folder and the fault)."""
    if not (run_dir / "manifest.json").exists() and not (run_dir / "metrics.json").exists():
        return None
    why = run_problem(run_dir)
    if why:
        warn_damaged(run_dir, why)
        return None
    manifest, _ = _read_json(run_dir / "manifest.json")
    metrics, _ = _read_json(run_dir / "metrics.json")
    return manifest, metrics if isinstance(metrics, dict) else {}


def read_manifest(run_dir: Path) -> dict[str, Any] | None:
    """The manifest of a usable run folder (see :func:`read_run`), else ``None``."""
    run = read_run(run_dir)
    return run[0] if run else None


def metrics_of(run_dir: Path) -> dict[str, Any]:
    """The ``metrics.json`` of a usable run folder ({} otherwise)."""
    run = read_run(run_dir)
    return run[1] if run else {}


def cached_manifest(study_dir: Path, key: CacheKey) -> dict[str, Any] | None:
    """The manifest of a finished run with this key, if one exists."""
    m = read_manifest(study_dir / key.run_id)
    if m and m["status"] == "ok" and m.get("cache", {}).get("key") == key.key:
        return m
    return None


def study_runs(study_dir: Path) -> list[dict[str, Any]]:
    """Manifests of the study's good runs, oldest first."""
    runs = []
    if study_dir.is_dir():
        for d in study_dir.iterdir():
            if d.is_dir() and not d.name.startswith(".") and d.name not in ("failed", "reference"):
                m = read_manifest(d)
                if m and m["status"] == "ok":
                    runs.append(m)
    return sorted(runs, key=lambda m: str(m.get("timings", {}).get("finished", "")))


def _diff(old: dict[str, Any], new: CacheKey) -> list[str]:
    def as_dict(x: Any) -> dict[str, Any]:
        return x if isinstance(x, dict) else {}

    oc = as_dict(as_dict(old.get("cache")).get("components"))
    why = []
    if oc.get("code_sha256") != new.code:
        why.append("code cells changed")
    op = as_dict(oc.get("parameters"))
    for name in sorted(set(op) | set(new.parameters)):
        if op.get(name) != new.parameters.get(name):
            why.append(f"parameter {name}: {op.get(name)!r} → {new.parameters.get(name)!r}")
    oi = as_dict(oc.get("inputs"))
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
