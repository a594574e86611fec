"""Running journey's work on a dask.distributed cluster: ``--scheduler tcp://HOST:PORT``.

:func:`connect` is the one place that reaches a scheduler and :func:`run_tasks` the one place
that submits work to it. Three commands send it tasks (``docs/cluster.md``):

* ``journey simulate``: one task per chunk (:func:`journey.simulate.simulate_part`), which
  writes its ``part-NNNNN`` files into the output's staging folder on shared storage; the client
  then finalises the folder as the local path does (:func:`write_cohort_parts`);
* ``journey sweep``: one task per parameter set, running
  :func:`journey.study.runner.execute_plan` on a worker (:func:`run_plans`);
* ``journey calibrate``: the cohort of each evaluation, cut into chunks, and the independent
  evaluations of the Jacobian at once (:class:`ClusterSimulator`).

Retries and idempotence. When a worker is lost, the scheduler recomputes the tasks it held (at
most ``distributed.scheduler.allowed-failures`` times, then :class:`JourneyIOError`); a task that
raises anything but a :class:`JourneyError` is retried :data:`RETRIES` times. A task may
therefore run twice, even twice at once (a worker cut off from the scheduler but still
running). Every task is idempotent: a part file is written under a temporary name and renamed,
and any writer writes the same bytes; a study run is built in its own staging folder and
promoted by one rename, and when the same run finished first elsewhere the later one is
discarded (first writer wins), so a run is recorded once. A :class:`JourneyError` raised in a
task (the worker cannot see the shared storage, runs another journey, refuses a scenario) is
not retried: it comes back to the client and is raised there.

Results do not depend on where a task runs: the simulator's random streams belong to fixed
blocks of prospects (:mod:`journey.simulate`), and every task checks that its worker runs the
same journey code as the client (:func:`journey.study.provenance.journey_fingerprint`).

Only this module imports dask, and only when a command is given ``--scheduler``.
"""

from __future__ import annotations

import math
import re
import socket
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from journey.errors import JourneyError, JourneyIOError, ParameterError
from journey.study.kernel import KernelError

if TYPE_CHECKING:
    from distributed import Client

    from journey.scenario import Scenario
    from journey.schema import Journeys
    from journey.study.runner import RunPlan
    from journey.tables_io import Format

__all__ = ["RETRIES", "ClusterSimulator", "check_address", "connect", "run_plans", "run_tasks",
           "write_cohort_parts"]

RETRIES = 2  # re-runs of a task that raised (a lost worker's tasks are recomputed besides)
INSTALL = "pip install 'journey[dask]'"
_ADDRESS = re.compile(r"tcp://(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?)"
                      r":([0-9]{1,5})")


# --------------------------------------------------------------------------- connecting


def check_address(address: str) -> str:
    """``address`` if it reads ``tcp://HOST:PORT``; :class:`ParameterError` otherwise."""
    m = _ADDRESS.fullmatch(str(address).strip())
    if m is None or not 1 <= int(m.group(3)) <= 65535:
        raise ParameterError(f"--scheduler: expected tcp://HOST:PORT with a port 1-65535"
                             f" (e.g. tcp://10.0.0.5:8786), got {address!r}")
    return m.group(0)


def connect(address: str) -> Client:
    """A client of the dask scheduler at ``address`` (use it as a context manager).

    Waits at most dask's connect timeout (``distributed.comm.timeouts.connect``, 30 s unless
    configured, e.g. ``DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT=5s``). Raises
    :class:`ParameterError` for a malformed address or when dask is not installed, and
    :class:`JourneyIOError` when no scheduler answers.
    """
    address = check_address(address)
    try:
        import dask
        from distributed import Client
    except ImportError:
        raise ParameterError(f"--scheduler needs dask.distributed, which is not installed:"
                             f" {INSTALL}") from None
    timeout = dask.config.get("distributed.comm.timeouts.connect")
    try:
        return Client(address, timeout=timeout, set_as_default=False)
    except OSError:  # TimeoutError and refused connections alike
        raise JourneyIOError(f"--scheduler {address}: no dask scheduler answered within"
                             f" {timeout}; start one with `dask scheduler`, check HOST:PORT, or"
                             " wait longer (DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT)") from None


# --------------------------------------------------------------------------- submitting


@dataclass
class _Refused:
    """A JourneyError raised in a task, returned as its value: retrying would raise it again."""

    error: Exception


@lru_cache(maxsize=1)
def _fingerprint() -> str:
    from journey.study.provenance import journey_fingerprint

    return journey_fingerprint()


def _host() -> str:
    return socket.gethostname()


def _task(fn: Callable[..., Any], client_journey: str, *args: Any) -> Any:
    """Run ``fn(*args)`` on a worker, after checking it runs the client's journey code."""
    try:
        if _fingerprint() != client_journey:
            raise ParameterError(f"--scheduler: worker {_host()} runs journey"
                                 f" {_fingerprint()}, the client {client_journey}; install the"
                                 " same journey (and dependencies) on the client and every"
                                 " worker")
        return fn(*args)
    except (JourneyError, KernelError) as exc:
        return _Refused(exc)


def run_tasks(client: Client, fn: Callable[..., Any], arguments: Sequence[tuple[Any, ...]],
              name: str) -> Iterator[tuple[int, Any]]:
    """Submit ``fn(*args)`` for every ``args`` of ``arguments``; yield ``(index, result)`` as
    the tasks finish. ``fn`` must be importable on the workers (a module-level function of
    journey). A JourneyError raised in a task is raised here; the remaining tasks are then
    cancelled (as when the caller stops early)."""
    from distributed import as_completed
    from distributed.scheduler import KilledWorker

    tag = uuid.uuid4().hex[:8]
    futures = [client.submit(_task, fn, _fingerprint(), *args, key=f"journey-{name}-{tag}-{i}",
                             retries=RETRIES)
               for i, args in enumerate(arguments)]
    index = {f.key: i for i, f in enumerate(futures)}
    try:
        for fut in as_completed(futures, loop=client.loop):
            try:
                out = fut.result()
            except KilledWorker as exc:
                raise JourneyIOError(f"--scheduler: task {fut.key} was lost with every worker"
                                     f" that ran it ({exc}); see the workers' logs") from None
            if isinstance(out, _Refused):
                raise out.error
            yield index[fut.key], out
    finally:
        client.cancel(futures)


def _shared(path: Path, what: str) -> None:
    if not path.exists():
        raise JourneyIOError(f"{what}: worker {_host()} cannot see {path}; it must be on storage"
                             " shared by the client and every worker, at the same path")


# --------------------------------------------------------------------------- journey simulate


def _write_part(scenario: Scenario, n_customers: int, months: int, seed: int, chunk_size: int,
                part: int, stage: str, fmt: Format, tally: Callable[[Journeys], Any] | None
                ) -> Any:
    from journey.simulate import simulate_part
    from journey.tables_io import write_part

    _shared(Path(stage), "--out")
    j = simulate_part(scenario, n_customers, months, seed, chunk_size, part)
    write_part(j, Path(stage), part, fmt)
    return tally(j) if tally is not None else None


def write_cohort_parts(client: Client, scenario: Scenario, n_customers: int, months: int,
                       seed: int, chunk_size: int, stage: Path, fmt: Format,
                       tally: Callable[[Journeys], Any] | None = None,
                       on_part: Callable[[int], None] | None = None) -> list[Any]:
    """Simulate the cohort's chunks on the cluster, each worker writing its chunk as
    ``stage/<table>/part-NNNNN`` (:func:`journey.tables_io.write_part`).

    Returns ``tally(chunk)`` of every chunk in chunk order (small summaries; the tables stay on
    the workers' side of the storage); ``on_part(n)`` reports each chunk's prospects as it is
    written. ``stage`` must be an absolute path on shared storage.
    """
    from journey.simulate import Cohort

    cohort = Cohort(int(n_customers), int(months), int(seed), int(chunk_size))
    args = [(scenario, cohort.n_customers, cohort.months, cohort.seed, cohort.chunk_size, p,
             str(stage), fmt, tally) for p in range(cohort.n_chunks)]
    out: list[Any] = [None] * len(args)
    for i, result in run_tasks(client, _write_part, args, "simulate"):
        out[i] = result
        if on_part is not None:
            on_part(cohort.part_size(i))
    return out


# --------------------------------------------------------------------------- journey sweep

_ONE_RUN = threading.Lock()  # execute_plan sets the kernel's environment in os.environ


def _run_plan(plan: RunPlan, force: bool, timeout: float | None, marker: str
              ) -> dict[str, Any]:
    from journey.study.kernel import ensure_kernel
    from journey.study.sweep import _worker  # the local pool's task: same outcome dict

    _shared(Path(marker), "--reports")
    _shared(plan.study.path, "study notebook")
    with _ONE_RUN:
        ensure_kernel()
        return _worker(plan, force, timeout)


def run_plans(client: Client, plans: Sequence[RunPlan], force: bool = False,
              timeout: float | None = None) -> Iterator[tuple[int, dict[str, Any]]]:
    """Run every plan on the cluster (as the local pool of :func:`journey.study.sweep.run_sweep`);
    yield ``(index, outcome)`` as the runs finish.

    Workers must see the study notebook and the reports folder at the same paths as the client;
    a marker folder made in the reports' staging area checks that before any run starts.
    """
    import shutil
    import tempfile

    if not plans:
        return
    from journey.study.runner import STAGING_DIR

    staging = plans[0].study_dir / STAGING_DIR
    staging.mkdir(parents=True, exist_ok=True)
    marker = tempfile.mkdtemp(prefix=".cluster-", dir=staging)
    try:
        yield from run_tasks(client, _run_plan,
                             [(p, force, timeout, marker) for p in plans], "sweep")
    finally:
        shutil.rmtree(marker, ignore_errors=True)


# --------------------------------------------------------------------------- journey calibrate


def _moment_tables(scenario: Scenario, n_customers: int, months: int, seed: int,
                   chunk_size: int, part: int) -> Journeys:
    """Chunk ``part`` with an empty panel: the calibration moments read customers and events."""
    from journey.schema import Journeys
    from journey.simulate import simulate_part

    j = simulate_part(scenario, n_customers, months, seed, chunk_size, part)
    return Journeys(j.customers, j.events, j.panel.iloc[:0])


class ClusterSimulator:
    """Simulates the cohorts of :func:`journey.calibrate.calibrate` on a cluster.

    Each cohort is cut into about ``2 x`` the cluster's threads chunks of whole blocks (the
    cohort does not depend on the cut), and the cohorts asked for at once (the Jacobian's
    ``2k`` points) run side by side. The panel is left out (the moments do not read it).
    """

    def __init__(self, client: Client, tasks_per_cohort: int | None = None):
        self.client = client
        threads = sum(client.nthreads().values()) if tasks_per_cohort is None else 0
        self.tasks = max(1, tasks_per_cohort or 2 * threads)

    def __call__(self, scenarios: Sequence[Scenario], n_customers: int, months: int,
                 seed: int) -> list[Journeys]:
        import pandas as pd

        from journey.schema import Journeys
        from journey.simulate import BLOCK, Cohort

        n_blocks = Cohort(int(n_customers), int(months), int(seed)).n_blocks
        chunk = BLOCK * math.ceil(n_blocks / self.tasks)
        cohort = Cohort(int(n_customers), int(months), int(seed), chunk)
        args = [(sc, cohort.n_customers, cohort.months, cohort.seed, chunk, p)
                for sc in scenarios for p in range(cohort.n_chunks)]
        parts: list[Any] = [None] * len(args)
        for i, j in run_tasks(self.client, _moment_tables, args, "calibrate"):
            parts[i] = j
        out = []
        for s in range(len(scenarios)):
            mine = parts[s * cohort.n_chunks:(s + 1) * cohort.n_chunks]
            out.append(Journeys(*(pd.concat([getattr(p, t) for p in mine], ignore_index=True)
                                  for t in ("customers", "events", "panel"))))
        return out
