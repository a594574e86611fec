"""``reports/index.html``: every run of every study, its parameters, headline metrics and links."""

from __future__ import annotations

import html
import os
from pathlib import Path
from typing import Any

from journey.study import atomic
from journey.study.cache import read_run
from journey.study.runner import FAILED_DIR
from journey.study.sweep import SWEEPS_DIR, headline

_NOT_RUNS = (FAILED_DIR, SWEEPS_DIR, "reference")
INDEX_LOCK = ".index.lock"
_STYLE = """body{font-family:system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin-bottom:2em;font-size:90%}
th,td{border:1px solid #ccc;padding:.3em .6em;vertical-align:top;text-align:left}
th{background:#f3f3f3} .failed{background:#fde8e8} code{font-size:90%}"""


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)


def collect(reports: Path) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """``{study: {"runs": [manifest...], "failed": [...], "sweeps": [dir names]}}``."""
    out: dict[str, dict[str, list[Any]]] = {}
    if not reports.is_dir():
        return out
    for sdir in sorted(p for p in reports.iterdir() if p.is_dir() and not p.name.startswith(".")):
        runs, failed = [], []
        for d in sdir.iterdir():
            if d.is_dir() and not d.name.startswith(".") and d.name not in _NOT_RUNS:
                run = read_run(d)
                if run:
                    m, m["_dir"], m["_metrics"] = run[0], d, run[1]
                    runs.append(m)
        for d in (sdir / FAILED_DIR).glob("*/"):
            run = read_run(d)
            if run:
                m, m["_dir"], m["_metrics"] = run[0], d, {}
                failed.append(m)
        sweeps = sorted(p.name for p in (sdir / SWEEPS_DIR).glob("*/"))
        if runs or failed or sweeps:
            def newest_first(m: dict[str, Any]) -> str:
                return str(m.get("timings", {}).get("finished", ""))

            out[sdir.name] = {"runs": sorted(runs, key=newest_first, reverse=True),
                              "failed": sorted(failed, key=newest_first, reverse=True),
                              "sweeps": sweeps}
    return out


def _rel(path: Path, root: Path) -> str:
    return html.escape(os.path.relpath(path, root).replace(os.sep, "/"), quote=True)


def render(reports: Path) -> str:
    data = collect(reports)
    parts = ["<!doctype html><html><head><meta charset='utf-8'><title>journey reports</title>",
             f"<style>{_STYLE}</style></head><body><h1>journey reports</h1>"]
    if not data:
        parts.append("<p>No runs yet. Try <code>journey run STUDY</code>.</p>")
    for study, d in data.items():
        parts.append(f"<h2>{html.escape(study)}</h2>")
        rows = d["runs"] + d["failed"]
        if rows:
            parts.append("<table><tr><th>run</th><th>status</th><th>finished (UTC)</th>"
                         "<th>parameters</th><th>headline metrics</th><th>files</th></tr>")
        for m in rows:
            rdir: Path = m["_dir"]
            params = "<br>".join(f"<code>{html.escape(k)}={html.escape(_fmt(v))}</code>"
                                 for k, v in m.get("parameters", {}).items())
            top = headline(m["_metrics"], m.get("headline_metrics"))
            metrics = "<br>".join(f"{html.escape(k)}: {html.escape(_fmt(v))}"
                                  for k, v in top.items())
            outs = m.get("outputs", {})
            links = []
            for label, name in (("report", outs.get("html")), ("notebook", outs.get("notebook")),
                                ("metrics", outs.get("metrics")), ("manifest", "manifest.json")):
                if isinstance(name, str) and name and (rdir / name).exists():
                    links.append(f"<a href='{_rel(rdir / name, reports)}'>{label}</a>")
            if (rdir / "error.json").exists():
                links.append(f"<a href='{_rel(rdir / 'error.json', reports)}'>error</a>")
            status = html.escape(str(m.get("status", "?")))
            cls = " class='failed'" if status == "failed" else ""
            finished = html.escape(str(m.get("timings", {}).get("finished", ""))[:19])
            parts.append(f"<tr{cls}><td><code>{html.escape(str(m.get('run_id')))}</code></td>"
                         f"<td>{status}</td><td>{finished}</td><td>{params}</td>"
                         f"<td>{metrics}</td><td>{' · '.join(links)}</td></tr>")
        if rows:
            parts.append("</table>")
        for sw in d["sweeps"]:
            sdir = reports / study / SWEEPS_DIR / sw
            parts.append(f"<p>sweep <code>{html.escape(sw)}</code>: "
                         f"<a href='{_rel(sdir / 'summary.csv', reports)}'>summary.csv</a> · "
                         f"<a href='{_rel(sdir / 'summary.png', reports)}'>summary.png</a></p>")
    parts.append("</body></html>\n")
    return "\n".join(parts)


def build_index(reports: str | os.PathLike[str]) -> Path:
    """Rebuild ``<reports>/index.html`` atomically, one process at a time (``flock`` on
    ``<reports>/.index.lock``: the last rebuild sees every run promoted before it); returns its
    path. A reports path that is a file, or a folder that cannot be written, is a
    :class:`JourneyIOError`."""
    from journey.output_paths import check_writable_folder, io_error

    root = check_writable_folder(reports, "reports folder")
    path = root / "index.html"
    try:
        root.mkdir(parents=True, exist_ok=True)
        with atomic.locked(root / INDEX_LOCK):
            atomic.write_text(path, render(root))
    except OSError as exc:
        raise io_error(exc, path, "write") from None
    return path
