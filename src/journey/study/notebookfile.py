"""Read a study notebook as plain JSON: its parameters cell and its code cells.

Plain ``json`` rather than ``nbformat`` on purpose: nbformat pulls in jsonschema and costs about a
second to import, which would break the "cached rerun < 1 s" goal of the runner.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from journey.errors import StudyError

PARAMETERS_TAG = "parameters"
INJECTED_TAG = "injected-parameters"


def read_notebook(path: Path) -> dict[str, Any]:
    """Load a notebook file as a dict; :class:`StudyError` naming the file if it is not one."""
    try:
        nb = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise StudyError(f"notebook {path}: cannot read it as a notebook ({exc})") from None
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise StudyError(f"notebook {path}: not a Jupyter notebook (no 'cells' list)")
    return nb


def cell_source(cell: dict[str, Any]) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def cell_tags(cell: dict[str, Any]) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []) or [])


def parameters_cell_index(nb: dict[str, Any], path: Path | str = "notebook") -> int:
    """Index of the (single) cell tagged ``parameters``."""
    hits = [i for i, c in enumerate(nb["cells"]) if PARAMETERS_TAG in cell_tags(c)]
    if not hits:
        raise StudyError(f"notebook {path}: no cell tagged '{PARAMETERS_TAG}'")
    if len(hits) > 1:
        raise StudyError(f"notebook {path}: {len(hits)} cells tagged '{PARAMETERS_TAG}', want one")
    return hits[0]


def code_sources(nb: dict[str, Any]) -> list[str]:
    """Sources of the code cells, without any cell papermill injected earlier."""
    return [
        cell_source(c)
        for c in nb["cells"]
        if c.get("cell_type") == "code" and INJECTED_TAG not in cell_tags(c)
    ]


def title(nb: dict[str, Any]) -> str:
    """The first Markdown heading of the notebook, or ''."""
    for c in nb["cells"]:
        if c.get("cell_type") == "markdown":
            for line in cell_source(c).splitlines():
                if line.startswith("#"):
                    return line.lstrip("#").strip()
    return ""
