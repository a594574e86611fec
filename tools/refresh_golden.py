"""Re-record the golden (``# NBVAL_CHECK_OUTPUT``) outputs of study notebooks.

    python tools/refresh_golden.py notebooks/*.ipynb

Runs each notebook top to bottom with the ``journey`` kernel and its default parameters, keeps
the outputs of the golden cells only (every other cell is stored clean), and gives cells stable
ids so that diffs stay small. Run it after a change to the simulator or the metrics that moves a
study's numbers on purpose, and say so in the commit message.
"""

from __future__ import annotations

import sys

import nbformat
from nbclient import NotebookClient

from journey.study.kernel import KERNEL_NAME, ensure_kernel

GOLDEN = "# NBVAL_CHECK_OUTPUT"


def refresh(path: str) -> None:
    nb = nbformat.read(path, as_version=4)
    executed = nbformat.read(path, as_version=4)
    NotebookClient(executed, kernel_name=KERNEL_NAME, timeout=600).execute()
    for i, (cell, done) in enumerate(zip(nb.cells, executed.cells, strict=True)):
        cell["id"] = f"cell-{i:02d}"
        if cell.cell_type != "code":
            continue
        golden = GOLDEN in cell.source
        cell.outputs = done.outputs if golden else []
        cell.execution_count = done.execution_count if golden else None
    nbformat.write(nb, path)
    print(f"refreshed {path}")


if __name__ == "__main__":
    ensure_kernel()
    for p in sys.argv[1:]:
        refresh(p)
