"""The corpus of bad inputs (``tests/bad_inputs/<case>/``), each run as a new user would: the
``journey`` command in a fresh process, in a scratch folder.

Every case must end with exit code 2, exactly one line on stderr (``journey: error: ...``) that
holds each ``expect`` text, no traceback, and nothing written: the scratch folder is the same
before and after, file for file.

A case is a folder with ``case.yaml``::

    argv: [validate, tables]        # arguments after ``journey``, run in the case's copy
    expect: [customers.csv, row 3]  # texts the one line must hold (case-insensitive)
    why: an exited customer without an exit reason   # what the case is about

and the input files it names. An optional ``make.py`` beside it is run first (in the copy) to
build inputs too large or too binary to commit; it may import ``corpus_tools`` (beside the
cases). ``env`` (a mapping) adds environment variables.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

CORPUS = Path(__file__).parent / "bad_inputs"
CASES = sorted(p.name for p in CORPUS.iterdir() if (p / "case.yaml").is_file())


def _tree(root: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in sorted(root.rglob("*"))}


def test_the_corpus_is_large_enough():
    assert len(CASES) >= 60, f"only {len(CASES)} bad-input cases in {CORPUS}"


@pytest.mark.parametrize("name", CASES)
def test_bad_input(name, tmp_path):
    case = yaml.safe_load((CORPUS / name / "case.yaml").read_text(encoding="utf-8"))
    work = tmp_path / name
    shutil.copytree(CORPUS / name, work)
    env = {**os.environ, "JOURNEY_REPORTS": str(work / "reports"), "COLUMNS": "200",
           **{str(k): str(v) for k, v in (case.get("env") or {}).items()}}
    if (work / "make.py").is_file():  # it may import the corpus's helpers (corpus_tools)
        subprocess.run([sys.executable, "make.py"], cwd=work, check=True,
                       env={**env, "PYTHONPATH": os.pathsep.join(
                           [str(CORPUS), *filter(None, [env.get("PYTHONPATH")])])})
    before = _tree(work)
    proc = subprocess.run([sys.executable, "-c", "from journey.cli import main; main()",
                           *[str(a) for a in case["argv"]]],
                          cwd=work, env=env, capture_output=True, text=True, timeout=120,
                          stdin=subprocess.DEVNULL)
    where = f"case {name} ({case.get('why', '')}): journey {' '.join(map(str, case['argv']))}"
    assert proc.returncode == 2, f"{where}: exit {proc.returncode}\n{proc.stderr[-3000:]}"
    assert "Traceback" not in proc.stderr, f"{where}: traceback\n{proc.stderr[-3000:]}"
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("journey: error: "), f"{where}: {proc.stderr}"
    assert len(lines[0]) < 600, f"{where}: the line is {len(lines[0])} characters long"
    for text in case.get("expect") or []:
        assert str(text).lower() in lines[0].lower(), f"{where}: {text!r} not in {lines[0]!r}"
    assert _tree(work) == before, f"{where}: it wrote or changed files"
