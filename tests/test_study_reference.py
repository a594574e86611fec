"""Reference runs: volatile manifest fields are dropped, metrics compare under the stated
tolerance, and the reference folder is neither a run nor in the index."""

from __future__ import annotations

import json
import math

from journey.study.cache import study_runs
from journey.study.reference import VOLATILE, compare_metrics, write_reference


def test_compare_metrics_by_hand():
    ref = {"a": 1.0, "b": 2.0, "c": math.nan, "d": "text", "e": 0.0}
    assert compare_metrics({"a": 1.0 + 1e-7, "b": 2.0, "c": math.nan, "d": "text",
                            "e": 1e-10}, ref) == []
    diff = compare_metrics({"a": 1.01, "b": 2.0, "c": 1.0, "d": "other", "f": 3.0}, ref)
    assert diff == ["a: 1.01 against the reference 1.0", "c: 1.0 against the reference nan",
                    "d: 'other' against the reference 'text'",
                    "e: in the reference, not in the new run", "f: new, not in the reference"]


def test_write_reference_keeps_numbers_and_drops_volatile_fields(tmp_path):
    run = tmp_path / "reports" / "s" / "abc123"
    (run / "figures").mkdir(parents=True)
    (run / "metrics.json").write_text(json.dumps({"x": 1.5}))
    manifest = {"study": "s", "parameters": {"seed": 1}, "run_id": "abc123",
                "timings": {"total_s": 3.0}, "git": {"commit": "f00"}, "status": "ok"}
    (run / "manifest.json").write_text(json.dumps(manifest))
    (run / "figures" / "f.png").write_bytes(b"png")
    (run / "s.html").write_text("<html/>")
    out = write_reference(run, tmp_path / "reports", "s")
    kept = json.loads((out / "manifest.json").read_text())
    assert kept == {"study": "s", "parameters": {"seed": 1}, "status": "ok"}
    assert not set(kept) & set(VOLATILE)
    assert json.loads((out / "metrics.json").read_text()) == {"x": 1.5}
    assert (out / "figures" / "f.png").read_bytes() == b"png" and (out / "s.html").exists()
    # a reference is not a run of the study
    assert [m["run_id"] for m in study_runs(tmp_path / "reports" / "s")] == ["abc123"]
