"""Run one study: validate parameters, reuse or execute, write the report, promote atomically.

Layout of one run (``reports/<study>/<run-id>/``): the executed notebook ``<study>.ipynb``, the HTML
report ``<study>.html`` (code hidden unless ``show_code``), ``figures/*.png``, ``metrics.json`` and
``manifest.json``. A run is built in ``reports/<study>/.staging/`` and renamed into place when
complete; a failed run goes to ``reports/<study>/failed/<run-id>/`` with ``error.json`` naming the
failing cell, and never touches the good runs. Staging folders record their owner process; the
ones a killed ``journey`` left behind are removed before the next run starts
(:mod:`journey.study.staging`), and an interrupted run takes its kernel down with it
(:mod:`journey.study.workers`).

Heavy imports (papermill, nbformat, nbconvert) happen only when a notebook is really executed, so
that a cached rerun stays well under a second.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import threading
import time
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from journey.errors import StudyError
from journey.output_paths import check_writable_folder, io_error
from journey.study import cache, notebookfile, params, staging, workers
from journey.study.kernel import (
    CONNECTION_FILE,
    KERNEL_NAME,
    ensure_kernel,
    kernel_manager_class,
)
from journey.study.locate import Study, find_study, reports_root
from journey.study.provenance import (
    git_state,
    journey_fingerprint,
    package_versions,
    sha256_file,
)
from journey.study.record import (
    FIGURES_DIR,
    HEADLINE_FILE,
    METRICS_FILE,
    RUN_DIR_ENV,
    dumps_metrics,
)

FAILED_DIR = "failed"
STAGING_DIR = staging.STAGING_DIR


class StudyUsageError(StudyError):
    """A bad study name, parameter or option: nothing ran and nothing was written."""


class StudyFailed(RuntimeError):
    """The notebook raised (or the kernel died); the run is in ``failed/``."""

    def __init__(self, message: str, result: RunResult):
        super().__init__(message)
        self.result = result


@dataclass
class RunPlan:
    """Everything decided before a kernel starts."""

    study: Study
    notebook: dict[str, Any]
    specs: list[params.ParamSpec]
    parameters: dict[str, Any]  # canonical
    key: cache.CacheKey
    input_files: dict[str, Path]
    param_files: list[Path]
    reports: Path

    @property
    def study_dir(self) -> Path:
        return self.reports / self.study.name

    @property
    def run_dir(self) -> Path:
        return self.study_dir / self.key.run_id

    @property
    def failed_dir(self) -> Path:
        return self.study_dir / FAILED_DIR / self.key.run_id


@dataclass
class RunResult:
    study: str
    run_id: str
    status: str  # "ok", "cached" or "failed"
    path: Path
    parameters: dict[str, Any]
    metrics: dict[str, Any] = field(default_factory=dict)
    manifest: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    seconds: float = 0.0


def study_parameters(study: Study) -> tuple[dict[str, Any], list[params.ParamSpec]]:
    """The notebook (as JSON) and its parameter specs; ``StudyUsageError`` if malformed."""
    try:
        nb = notebookfile.read_notebook(study.path)
        idx = notebookfile.parameters_cell_index(nb, study.path)
        src = notebookfile.cell_source(nb["cells"][idx])
        specs = params.parse_parameters_cell(src, f"{study.path.name}: parameters cell")
        model = params.build_model(specs)  # the defaults must satisfy their own types ...
        defaults = params.validate_parameters(model, {}).model_dump()
        params.check_constraints(specs, defaults)  # ... and their own ranges
    except ValueError as exc:
        raise StudyUsageError(str(exc)) from None
    return nb, specs


def _absolute_input_paths(canon: dict[str, Any], notebook_dir: Path) -> dict[str, Any]:
    """A text parameter naming a file relative to the working directory (and not to the
    notebook's folder, where the kernel runs) becomes that file's absolute path, so that
    ``-p scenario_file=twin.yaml`` means the file the user sees."""
    out = dict(canon)
    for name, value in canon.items():
        if isinstance(value, str) and value and "\n" not in value and len(value) < 4096:
            p = Path(value)
            try:
                if (not p.is_absolute() and not (notebook_dir / p).is_file()
                        and (Path.cwd() / p).is_file()):
                    out[name] = str((Path.cwd() / p).resolve())
            except OSError:
                continue
    return out


def read_yaml_mapping(path: str | os.PathLike[str], what: str) -> dict[str, Any]:
    """A YAML file holding a mapping (empty file: ``{}``), read by
    :func:`journey.yaml_io.load_yaml` (size, alias and key limits); ``StudyUsageError`` naming
    ``what`` and the file otherwise (``JourneyIOError`` when it cannot be read)."""
    from journey.yaml_io import load_yaml

    data = load_yaml(path, what, StudyUsageError)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise StudyUsageError(f"{what} {path}: expected a mapping of name: value, got"
                              f" {type(data).__name__}")
    return data


def _read_param_file(path: Path) -> dict[str, Any]:
    return read_yaml_mapping(path, "parameter file")


def plan_run(study_ref: str, assignments: Sequence[str] = (),
             param_files: Sequence[str | os.PathLike[str]] = (),
             values: Mapping[str, Any] | None = None,
             reports: str | os.PathLike[str] | None = None) -> RunPlan:
    """Resolve the study, merge and validate parameters, compute the cache key. Writes nothing.

    Precedence: notebook defaults < ``param_files`` (in order) < ``values`` < ``assignments``
    (``"name=value"`` strings, typed by the parameter's annotation).
    """
    try:
        study = find_study(study_ref)
    except ValueError as exc:
        raise StudyUsageError(str(exc)) from None
    nb, specs = study_parameters(study)
    merged: dict[str, Any] = {}
    files = [Path(f) for f in param_files]
    for f in files:
        merged.update(_read_param_file(f))
    merged.update(values or {})
    try:
        merged.update(params.parse_assignments(specs, assignments))
        model = params.build_model(specs)
        validated = params.validate_parameters(model, merged)
        params.check_constraints(specs, validated.model_dump())
        canon = _absolute_input_paths(params.canonical(validated), study.path.parent)
        params.injection_source(canon)  # refuse values without a safe literal form now
    except ValueError as exc:
        raise StudyUsageError(f"{study.name}: {exc}") from None
    key, inputs = cache.make_key(notebookfile.code_sources(nb), canon, study.path.parent,
                                 journey_fingerprint())
    root = check_writable_folder(reports_root(reports), "reports folder")
    return RunPlan(study, nb, specs, canon, key, inputs, files, root)


def _prepared_notebook(plan: RunPlan) -> tuple[dict[str, Any], int]:
    """The notebook with the injected-parameters cell after the parameters cell."""
    nb = json.loads(json.dumps(plan.notebook))
    nb["cells"] = [c for c in nb["cells"]
                   if notebookfile.INJECTED_TAG not in notebookfile.cell_tags(c)]
    idx = notebookfile.parameters_cell_index(nb)
    injected = {"cell_type": "code", "execution_count": None, "id": "journey-injected",
                "metadata": {"tags": [notebookfile.INJECTED_TAG]}, "outputs": [],
                "source": params.injection_source(plan.parameters)}
    nb["cells"].insert(idx + 1, injected)
    for c in nb["cells"]:
        if c.get("cell_type") == "code":
            c["outputs"], c["execution_count"] = [], None
    nb.setdefault("metadata", {})["kernelspec"] = {
        "name": KERNEL_NAME, "display_name": "Python (journey)", "language": "python"}
    return nb, idx + 1


class _KernelEnv:
    """Environment the kernel inherits: the run directory and a fixed hash seed."""

    def __init__(self, run_dir: Path):
        self.values = {RUN_DIR_ENV: str(run_dir), "PYTHONHASHSEED": "0"}
        self.saved: dict[str, str | None] = {}

    def __enter__(self) -> None:
        for k, v in self.values.items():
            self.saved[k] = os.environ.get(k)
            os.environ[k] = v

    def __exit__(self, *exc: object) -> None:
        for k, v in self.saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _skip_slow_format_checker() -> None:
    """Keep jsonschema from importing ``rfc3987_syntax`` (compiles a grammar: ~0.8 s per process).

    nbformat's schema uses no IRI formats, so nothing is lost; it roughly halves the import time
    of papermill + nbconvert in every runner and sweep-worker process.
    """
    if "jsonschema" not in sys.modules:
        sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]


def _execute(nb_path: Path, out_path: Path, cwd: Path, timeout: float | None) -> None:
    import papermill

    papermill.execute_notebook(
        str(nb_path), str(out_path), kernel_name=KERNEL_NAME, cwd=str(cwd),
        execution_timeout=timeout, progress_bar=False, log_output=False,
        request_save_on_cell_execute=False,
        extra_arguments=["--IPKernelApp.log_level=CRITICAL"],  # no kernel chatter on stderr
        shutdown_kernel="immediate",  # outputs are in hand; don't wait for interpreter teardown
        kernel_manager_class=kernel_manager_class(),  # the kernel dies with this process
    )


# The report is one self-contained file: nbconvert's lab template, without require.js (no
# widgets here) and with MathJax only when the notebook has TeX math, since both come from a CDN
# and fail (console errors, a stalled page) without network.
_REPORT_TEMPLATE = """{%- extends 'index.html.j2' -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{%- block html_head_js_mathjax -%}
{%- if resources.journey_math -%}{{ super() }}{%- endif -%}
{%- endblock html_head_js_mathjax -%}
"""
_TEX = re.compile(r"\$[^$\n]+\$|\\\(|\\\[|\\begin\{")


def _has_math(nb: Any) -> bool:
    """True if a Markdown cell holds TeX (``$...$``, ``\\(``, ``\\[``, ``\\begin{``) or an
    output is ``text/latex``."""
    for cell in nb.cells:
        if cell.cell_type == "markdown" and _TEX.search(cell.source):
            return True
        if any("text/latex" in out.get("data", {}) for out in cell.get("outputs", [])):
            return True
    return False


def _write_html(nb_path: Path, html_path: Path, show_code: bool, plan: RunPlan) -> None:
    import jinja2
    import nbformat
    from nbconvert import HTMLExporter

    nb = nbformat.read(nb_path, as_version=4)
    shown = ", ".join(f"`{k}={v!r}`" for k, v in plan.parameters.items())
    note = nbformat.v4.new_markdown_cell(
        f"*Run `{plan.key.run_id}` of `{plan.study.name}` · parameters: {shown}*")
    nb.cells.insert(1 if nb.cells and nb.cells[0].cell_type == "markdown" else 0, note)
    exporter = HTMLExporter(exclude_input=not show_code, exclude_input_prompt=True,
                            exclude_output_prompt=True, template_file="journey.html.j2",
                            extra_loaders=[jinja2.DictLoader({"journey.html.j2":
                                                              _REPORT_TEMPLATE})])
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": plan.study.name},
                                                         "journey_math": _has_math(nb)})
    html_path.write_text(body, encoding="utf-8")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _error_info(exc: BaseException, injected_at: int, nb: dict[str, Any]) -> dict[str, Any]:
    import re

    ansi = re.compile(r"\x1b\[[0-9;]*m")
    cell_index = getattr(exc, "cell_index", None)
    info: dict[str, Any] = {
        "ename": getattr(exc, "ename", type(exc).__name__),
        "evalue": ansi.sub("", str(getattr(exc, "evalue", exc))).strip()[:2000],
    }
    if cell_index is not None:
        src_index = cell_index - (1 if cell_index > injected_at else 0)
        info.update({
            "cell_index": src_index,  # in the study notebook (0-based)
            "execution_count": getattr(exc, "exec_count", None),
            "cell_source": notebookfile.cell_source(nb["cells"][cell_index])
            if cell_index < len(nb["cells"]) else getattr(exc, "source", ""),
            "traceback": ansi.sub("", "\n".join(getattr(exc, "traceback", []) or [])),
        })
    return info


def _manifest(plan: RunPlan, status: str, timings: dict[str, Any], outputs: dict[str, Any],
              error: dict[str, Any] | None = None) -> dict[str, Any]:
    inputs = {"notebook": {"path": str(plan.study.path), "sha256": sha256_file(plan.study.path)}}
    for f in plan.param_files:
        inputs[f"param_file:{f}"] = {"path": str(Path(f).resolve()), "sha256": sha256_file(f)}
    for name, p in plan.input_files.items():
        inputs[f"parameter:{name}"] = {"path": str(p.resolve()),
                                       "sha256": plan.key.inputs[name]}
    m = {
        "study": plan.study.name,
        "run_id": plan.key.run_id,
        "status": status,
        "title": notebookfile.title(plan.notebook),
        "parameters": plan.parameters,
        "seed": plan.parameters.get("seed"),
        "cache": {"key": plan.key.key, "components": plan.key.components()},
        "inputs": inputs,
        "versions": package_versions(),
        "git": git_state(plan.study.path.parent),
        "kernel": KERNEL_NAME,
        "timings": timings,
        "outputs": outputs,
    }
    if error is not None:
        m["error"] = error
    return m


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=2, sort_keys=False, ensure_ascii=True) + "\n",
                    encoding="utf-8")


def _build(plan: RunPlan, stage: Path, timeout: float | None, show_code: bool, started: str,
           t0: float, force: bool = False
           ) -> tuple[str, Path, dict[str, Any], dict[str, Any], dict[str, Any] | None]:
    """Execute the notebook in ``stage``, write its report and manifest, and promote it to the
    run folder (or to ``failed/``). Returns status, target, metrics, manifest and error."""
    nb, injected_at = _prepared_notebook(plan)
    input_nb = stage / ".input.ipynb"
    input_nb.write_text(json.dumps(nb), encoding="utf-8")
    out_nb = stage / f"{plan.study.name}.ipynb"
    # Warm the HTML exporter's imports while the kernel works (the parent is idle).
    threading.Thread(target=_warm_nbconvert, daemon=True).start()
    t_exec = time.perf_counter()
    error = None
    try:
        with _KernelEnv(stage):
            _execute(input_nb, out_nb, plan.study.path.parent, timeout)
    except Exception as exc:  # noqa: BLE001 - any kernel failure is a failed run
        error = _error_info(exc, injected_at, nb)
    exec_s = time.perf_counter() - t_exec
    input_nb.unlink(missing_ok=True)
    (stage / CONNECTION_FILE).unlink(missing_ok=True)

    metrics_path = stage / METRICS_FILE
    metrics = json.loads(metrics_path.read_text()) if metrics_path.exists() else {}
    metrics_path.write_text(dumps_metrics(metrics), encoding="utf-8")
    headline_path = stage / HEADLINE_FILE
    headline = json.loads(headline_path.read_text()) if headline_path.exists() else []
    headline_path.unlink(missing_ok=True)
    figures = sorted(p.name for p in (stage / FIGURES_DIR).glob("*.png"))
    outputs: dict[str, Any] = {"notebook": out_nb.name, "metrics": METRICS_FILE,
                               "figures": [f"{FIGURES_DIR}/{f}" for f in figures]}
    t_rep = time.perf_counter()
    if error is None:
        html = stage / f"{plan.study.name}.html"
        _write_html(out_nb, html, show_code, plan)
        outputs["html"] = html.name
    report_s = time.perf_counter() - t_rep
    timings = {"started": started, "finished": _now(), "execute_s": round(exec_s, 3),
               "report_s": round(report_s, 3),
               "total_s": round(time.perf_counter() - t0, 3)}
    status = "ok" if error is None else "failed"
    manifest = _manifest(plan, status, timings, outputs, error)
    manifest["headline_metrics"] = headline
    if error is not None:
        _write_json(stage / "error.json", error)
    _write_json(stage / "manifest.json", manifest)
    target = plan.run_dir if error is None else plan.failed_dir
    if error is not None or force:
        staging.promote(stage, target, plan.study_dir)
    elif not _promote_first(stage, plan):
        # the same run finished first elsewhere (a lost worker's task recomputed on a cluster,
        # or two sweeps at once): the first one is kept, this copy was discarded
        status = "cached"
        manifest = cache.cached_manifest(plan.study_dir, plan.key) or manifest
        metrics = cache.metrics_of(target)
    return status, target, metrics, manifest, error


def _promote_first(stage: Path, plan: RunPlan) -> bool:
    """Promote a good run unless a good run of the same cache key is already there (then
    ``stage`` is discarded and False returned): the first to finish wins. A damaged run there
    was already reported when the cache was consulted, so it is replaced without a second
    warning."""
    def good() -> bool:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", cache.DamagedRunWarning)
            return cache.cached_manifest(plan.study_dir, plan.key) is not None

    return staging.promote(stage, plan.run_dir, plan.study_dir, keep_existing=good)


def execute_plan(plan: RunPlan, force: bool = False, timeout: float | None = None,
                 show_code: bool = False) -> RunResult:
    """Reuse the cached run, or execute the notebook and promote its report."""
    t0 = time.perf_counter()
    hit = None if force else cache.cached_manifest(plan.study_dir, plan.key)
    if hit is not None:
        metrics = cache.metrics_of(plan.run_dir)
        return RunResult(plan.study.name, plan.key.run_id, "cached", plan.run_dir,
                         plan.parameters, metrics, hit, None, time.perf_counter() - t0)

    ensure_kernel()
    _skip_slow_format_checker()
    staging.clean_stale(plan.study_dir)
    started = _now()
    try:
        stage = staging.new_staging(plan.study_dir, plan.key.run_id)
    except OSError as exc:
        raise io_error(exc, plan.study_dir, "write the run into") from None
    try:
        status, target, metrics, manifest, error = _build(plan, stage, timeout, show_code,
                                                          started, t0, force)
    except OSError as exc:  # disk full, permissions changed under us: the user's folder
        workers.kill_tree(workers.kernels_of(stage))
        shutil.rmtree(stage, ignore_errors=True)
        raise io_error(exc, plan.study_dir, "write the run into") from None
    except BaseException:
        workers.kill_tree(workers.kernels_of(stage))  # an interrupted kernel goes too
        shutil.rmtree(stage, ignore_errors=True)
        raise
    result = RunResult(plan.study.name, plan.key.run_id, status, target, plan.parameters,
                       metrics, manifest, None, time.perf_counter() - t0)
    if error is not None:
        where = (f"cell {error['cell_index'] + 1} (In [{error.get('execution_count')}])"
                 if "cell_index" in error else "the kernel")
        first = error["evalue"].splitlines()[0] if error["evalue"] else ""
        result.error = f"{error['ename']} in {where}: {first}"
        raise StudyFailed(f"{plan.study.name}: notebook raised {result.error}; see {target}",
                          result)
    return result


def _warm_nbconvert() -> None:
    try:
        import nbconvert  # noqa: F401
    except Exception:  # noqa: BLE001 - only a warm-up
        pass


def run_study(study_ref: str, assignments: Sequence[str] = (),
              param_files: Iterable[str | os.PathLike[str]] = (),
              values: Mapping[str, Any] | None = None,
              reports: str | os.PathLike[str] | None = None, force: bool = False,
              timeout: float | None = None, show_code: bool = False) -> RunResult:
    """Validate, then reuse or execute one run of ``study_ref``; see the module docstring.

    Raises :class:`StudyUsageError` (nothing written, no kernel) or :class:`StudyFailed`.
    """
    plan = plan_run(study_ref, assignments, list(param_files), values, reports)
    return execute_plan(plan, force=force, timeout=timeout, show_code=show_code)
