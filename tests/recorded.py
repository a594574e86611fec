"""Values from the packages the tests compare journey against (lifelines), recorded in
``tests/results/references.json`` by ``tests/results/make_references.py``.

:func:`reference` gives a comparison test its reference values:

- the reference package is importable (``make dev`` installs it): computed live, and checked
  against the record, so a record that no longer matches the package fails loudly;
- it is not (a user's machine, or ``JOURNEY_REFERENCES=recorded``): the recorded values, so the
  comparison still runs, against the numbers the package gave when they were recorded;
- ``JOURNEY_RECORD_REFERENCES=1`` (the make script): computed live and written to the record.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import numpy as np
import pytest

RECORD = Path(__file__).parent / "results" / "references.json"
RTOL, ATOL = 1e-9, 1e-12


def _load() -> dict[str, Any]:
    return json.loads(RECORD.read_text(encoding="utf-8")) if RECORD.exists() else {}


def _plain(values: Mapping[str, Any]) -> dict[str, Any]:
    return {k: np.asarray(v, dtype=float).tolist() for k, v in values.items()}


def reference(name: str, package: str,
              compute: Callable[[], Mapping[str, Any]]) -> dict[str, np.ndarray]:
    """The reference values ``name`` (arrays of floats by key) from ``package``; see above."""
    record = _load()
    live: Mapping[str, Any] | None = None
    if os.environ.get("JOURNEY_REFERENCES") != "recorded":
        try:
            live = compute()
        except ImportError:
            live = None
    if os.environ.get("JOURNEY_RECORD_REFERENCES") == "1":
        assert live is not None, f"{package} is needed to record {name}"
        try:
            made_with = f"{package} {version(package)}"
        except PackageNotFoundError:
            made_with = package
        record[name] = {"package": made_with, "values": _plain(live)}
        RECORD.write_text(json.dumps(record, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    if name not in record:
        if live is None:
            pytest.skip(f"{package} is not installed and {RECORD.name} has no {name!r}")
        pytest.fail(f"{name!r} is not in {RECORD}: run tests/results/make_references.py")
    kept = {k: np.asarray(v, dtype=float) for k, v in record[name]["values"].items()}
    if live is None:
        return kept
    got = {k: np.asarray(v, dtype=float) for k, v in live.items()}
    assert got.keys() == kept.keys(), f"{name}: keys differ from the record"
    for k in kept:
        np.testing.assert_allclose(
            got[k], kept[k], rtol=RTOL, atol=ATOL, equal_nan=True,
            err_msg=f"{name}[{k}]: {package} now gives other values than recorded with "
                    f"{record[name]['package']}; check, then rerun make_references.py")
    return got
