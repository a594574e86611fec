"""Process supervision for ``journey run`` and ``journey sweep``: no run outlives its command.

Three mechanisms, one per way a command can end early:

- **SIGINT / SIGTERM** to the ``journey`` process: :func:`interruptible` turns either signal into
  :class:`Interrupted` (a ``BaseException``, like ``KeyboardInterrupt``), so ``finally`` blocks
  run; :func:`worker_pool` then kills its worker processes and their kernels, and the runner
  removes its staging folder. The command exits ``128 + signal`` (130, 143) with one line.
- **SIGKILL** of the ``journey`` process (no handler can run): every child is started with
  ``prctl(PR_SET_PDEATHSIG, SIGKILL)`` (:func:`death_pact`), so Linux sends it SIGKILL
  the moment its parent dies. Sweep workers set it in their pool initializer, kernels in a
  ``preexec_fn`` (:mod:`journey.study.kernel`); the chain journey → worker → kernel thus dies
  at once, and nothing keeps writing runs. (Linux only. Elsewhere, workers poll their parent
  once a second, and ipykernel's own parent poller ends a kernel whose parent is gone.)
- **leftovers** of a killed command (staging and ``.old`` folders) are removed by the next run:
  :func:`journey.study.staging.clean_stale`.

Why PDEATHSIG rather than only polling: it is immediate and needs no thread, so a kernel whose
worker was killed cannot write one more figure into a folder that a rerun is cleaning. Note that
Linux delivers it when the *thread* that forked the child ends: workers and kernels are started
from the main thread of their parent, which lives as long as the parent.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from types import FrameType

PR_SET_PDEATHSIG = 1
STOP_GRACE_S = 5.0


class Interrupted(BaseException):  # noqa: N818 - named for what happened, as KeyboardInterrupt
    """The command received SIGINT or SIGTERM; ``signum`` says which."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        """The shell convention: 128 + the signal number (130 for SIGINT, 143 for SIGTERM)."""
        return 128 + self.signum


def _raise_interrupted(signum: int, frame: FrameType | None) -> None:
    # One signal is enough: a second one must not interrupt the clean-up. What the dying kernel
    # client logs from here on ("Kernel died ...", asyncio's orphaned tasks) is noise: the
    # command says what happened in one line.
    for s in (signal.SIGINT, signal.SIGTERM):
        signal.signal(s, signal.SIG_IGN)
    logging.disable(logging.CRITICAL)
    raise Interrupted(signum)


@contextlib.contextmanager
def interruptible() -> Iterator[None]:
    """Within the block, SIGINT and SIGTERM raise :class:`Interrupted` (main thread only).

    After an interruption, logging stays disabled: the caller is expected to report it and exit.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    for s in saved:
        signal.signal(s, _raise_interrupted)
    try:
        yield
    finally:
        for s, handler in saved.items():
            signal.signal(s, handler)


def _prctl():  # resolved in the parent: a preexec_fn must not load libraries
    if not sys.platform.startswith("linux"):
        return None
    return ctypes.CDLL(None, use_errno=True).prctl


def death_pact(parent_pid: int | None = None) -> Callable[[], None]:
    """A function that asks Linux to SIGKILL the calling process when its parent dies, and exits
    at once if the parent (``parent_pid``, default: this process) is already gone.

    Made in the parent and run in the child: as a ``preexec_fn`` or a pool initializer.
    """
    prctl, parent = _prctl(), os.getpid() if parent_pid is None else parent_pid

    def pact() -> None:
        if prctl is not None:
            prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent:
            os._exit(1)  # the parent died before the request took effect

    return pact


def _watch_parent(parent_pid: int) -> None:
    """Fallback where PDEATHSIG does not exist: end the process once its parent is gone."""
    while os.getppid() == parent_pid:
        time.sleep(1.0)
    os._exit(1)


def _init_worker(parent_pid: int) -> None:
    """Pool initializer: die with the parent; leave SIGINT to the parent (it stops us)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    death_pact(parent_pid)()
    if not sys.platform.startswith("linux"):
        threading.Thread(target=_watch_parent, args=(parent_pid,), daemon=True).start()


def kill_tree(pids: Iterable[int], grace: float = STOP_GRACE_S) -> list[int]:
    """SIGKILL the processes ``pids`` and all their descendants; wait up to ``grace`` seconds for
    them to be gone. Returns the ids of any still running (none, unless the system is stuck).

    A killed child of this process stays a zombie until its owner (``multiprocessing``,
    ``subprocess``) reaps it: this function never reaps, since a pool whose worker was reaped
    behind its back waits for it forever.
    """
    import psutil

    procs: list[psutil.Process] = []
    for pid in pids:
        try:
            p = psutil.Process(pid)
            procs += [*p.children(recursive=True), p]  # snapshot before the parents die
        except psutil.NoSuchProcess:
            continue
    for p in procs:
        with contextlib.suppress(psutil.NoSuchProcess):
            p.kill()

    def running(p: psutil.Process) -> bool:
        try:
            return p.status() != psutil.STATUS_ZOMBIE
        except psutil.NoSuchProcess:
            return False

    deadline = time.monotonic() + grace
    while (procs := [p for p in procs if running(p)]) and time.monotonic() < deadline:
        time.sleep(0.02)
    return [p.pid for p in procs]


def kernels_of(run_dir: os.PathLike[str] | str) -> list[int]:
    """Ids of this process's children that run a kernel for ``run_dir`` (they carry it in their
    environment as ``JOURNEY_RUN_DIR``)."""
    import psutil

    from journey.study.record import RUN_DIR_ENV

    out = []
    for child in psutil.Process().children(recursive=True):
        try:
            if child.environ().get(RUN_DIR_ENV) == str(run_dir):
                out.append(child.pid)
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
    return out


@contextlib.contextmanager
def worker_pool(jobs: int) -> Iterator[ProcessPoolExecutor]:
    """A ``spawn`` process pool whose workers die with this process.

    Leaving the block normally waits for the workers as usual; leaving it by an exception
    (:class:`Interrupted`, ``KeyboardInterrupt``, an error) kills the workers and their kernels
    at once instead of waiting for their runs to finish.
    """
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("spawn"),
                               initializer=_init_worker, initargs=(os.getpid(),))
    try:
        yield pool
    except BaseException:
        stop_pool(pool)
        raise
    pool.shutdown(wait=True)


def stop_pool(pool: ProcessPoolExecutor) -> None:
    """Kill the pool's workers and everything they started; cancel what has not started."""
    workers = list(getattr(pool, "_processes", None) or {})  # pid → Process (CPython)
    kill_tree(workers)
    pool.shutdown(wait=False, cancel_futures=True)
