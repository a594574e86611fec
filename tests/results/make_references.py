"""Record the reference values of the live comparisons (lifelines) in references.json.

Runs the comparison tests with ``JOURNEY_RECORD_REFERENCES=1``: each calls
``tests/recorded.py:reference``, which computes its values with the reference package and writes
them. Needs the package installed (``make dev``). Run from the repository root:

    python tests/results/make_references.py
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TESTS = [
    "tests/test_metrics_retention.py::test_survival_matches_lifelines_kaplan_meier",
    "tests/test_metrics_competing.py::test_cumulative_incidence_matches_lifelines_aalen_johansen",
    "tests/test_models_survival.py::test_cox_efron_equals_lifelines",
    "tests/test_models_survival.py::test_km_and_logrank_equal_lifelines",
]

if __name__ == "__main__":
    env = {**os.environ, "JOURNEY_RECORD_REFERENCES": "1"}
    env.pop("JOURNEY_REFERENCES", None)
    sys.exit(subprocess.call([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                              *TESTS], cwd=ROOT, env=env))
