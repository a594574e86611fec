"""What a study notebook hands to the runner: metrics and figures.

Inside ``journey run`` the environment variable ``JOURNEY_RUN_DIR`` names the run's staging
directory: :func:`record_metric` keeps ``metrics.json`` there up to date and :func:`save_figure`
writes ``figures/<name>.png``. Outside a run (JupyterLab, nbval) nothing is written: metrics stay in
memory and figures are only displayed.

Byte-stable figures: PNG written through Agg with the ``Software`` and ``Creation Time``
metadata removed, so the same figure gives the same bytes on every run.
"""

from __future__ import annotations

import io
import json
import math
import os
from pathlib import Path
from typing import Any

from journey.errors import ParameterError

RUN_DIR_ENV = "JOURNEY_RUN_DIR"
METRICS_FILE = "metrics.json"
HEADLINE_FILE = "headline.json"  # headline metric names; the runner moves them to the manifest
FIGURES_DIR = "figures"
PNG_METADATA = {"Software": None, "Creation Time": None}

_metrics: dict[str, Any] = {}
_headline: list[str] = []


def run_dir() -> Path | None:
    """The current run's directory, or ``None`` outside ``journey run``."""
    value = os.environ.get(RUN_DIR_ENV)
    return Path(value) if value else None


def _plain(value: Any, name: str) -> Any:
    """numpy scalars / arrays → Python; non-finite floats → ``None`` (JSON has no NaN)."""
    if hasattr(value, "tolist") and not isinstance(value, str | bytes):
        value = value.tolist()
    if isinstance(value, bool) or value is None or isinstance(value, int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, list | tuple):
        return [_plain(v, name) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v, name) for k, v in value.items()}
    raise ParameterError(f"metric {name!r}: cannot record a {type(value).__name__}; "
                         "use a number, string, bool, list or dict")


def dumps_metrics(metrics: dict[str, Any]) -> str:
    """The canonical text of ``metrics.json`` (sorted keys, fixed indent)."""
    return json.dumps(metrics, sort_keys=True, indent=2, ensure_ascii=True) + "\n"


def _write(path: Path, text: str) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def record_metric(name: str, value: Any, headline: bool = False) -> Any:
    """Record a named number (or small structure) for ``metrics.json``; returns the stored value.

    ``headline=True`` marks it for the run summaries (``journey inspect``, the index, sweeps).
    """
    if not isinstance(name, str) or not name:
        raise ParameterError(f"metric name must be a non-empty string, got {name!r}")
    stored = _plain(value, name)
    _metrics[name] = stored
    if headline and name not in _headline:
        _headline.append(name)
    rd = run_dir()
    if rd is not None:
        _write(rd / METRICS_FILE, dumps_metrics(_metrics))
        if headline:
            _write(rd / HEADLINE_FILE, json.dumps(_headline) + "\n")
    return stored


def recorded_metrics() -> dict[str, Any]:
    """A copy of the metrics recorded so far in this kernel."""
    return dict(_metrics)


def figure_png(fig: Any, dpi: int = 100) -> bytes:
    """PNG bytes of a matplotlib figure, free of time and version metadata."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, metadata=dict(PNG_METADATA))
    return buf.getvalue()


def save_figure(fig: Any, name: str, *, dpi: int = 100, display: bool = True) -> Path | None:
    """Save ``fig`` as ``figures/<name>.png`` of the run (if any), show it inline, close it.

    The inline image is the same bytes as the file, so the HTML report shows exactly the saved
    figure. Returns the written path, or ``None`` outside a run.
    """
    if not name or any(c in name for c in "/\\") or name.startswith("."):
        raise ParameterError(f"figure name {name!r}: use a plain file name without a path")
    data = figure_png(fig, dpi=dpi)
    path = None
    rd = run_dir()
    if rd is not None:
        (rd / FIGURES_DIR).mkdir(parents=True, exist_ok=True)
        path = rd / FIGURES_DIR / f"{name}.png"
        path.write_bytes(data)
    if display:
        try:
            from IPython.display import Image
            from IPython.display import display as show

            show(Image(data=data, format="png"))
        except ImportError:  # pragma: no cover - IPython ships with ipykernel
            pass
    import matplotlib.pyplot as plt

    plt.close(fig)
    return path
