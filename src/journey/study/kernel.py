"""The ``journey`` Jupyter kernel the runner executes notebooks with.

:func:`ensure_kernel` installs it on first use into the running environment
(``sys.prefix/share/jupyter/kernels/journey``), pointing at the running interpreter, so a fresh
clone works without a manual ``ipython kernel install`` step. ``journey kernel`` does the same
explicitly.
"""

from __future__ import annotations

import functools
import json
import os
import sys
from pathlib import Path

KERNEL_NAME = "journey"
CONNECTION_FILE = ".kernel.json"
DISPLAY_NAME = "Python (journey)"


class KernelError(RuntimeError):
    """The ``journey`` kernel cannot be made to start this environment's interpreter."""


def _spec_python(spec_dir: str) -> str | None:
    try:
        spec = json.loads((Path(spec_dir) / "kernel.json").read_text(encoding="utf-8"))
        return spec["argv"][0]
    except (OSError, ValueError, KeyError, IndexError):
        return None


def find_kernel_dir() -> str | None:
    from jupyter_client.kernelspec import KernelSpecManager

    return KernelSpecManager().find_kernel_specs().get(KERNEL_NAME)


def kernel_ok() -> bool:
    """True if the ``journey`` kernel resolves to a spec that starts the running interpreter."""
    spec_dir = find_kernel_dir()
    if spec_dir is None:
        return False
    python = _spec_python(spec_dir)
    if python is None or not os.path.exists(python):
        return False
    return os.path.realpath(python) == os.path.realpath(sys.executable) or python == sys.executable


def install_kernel(prefix: str | None = None) -> str:
    """Install (or refresh) the ``journey`` kernel spec; returns its directory.

    Installs into ``prefix`` (default ``sys.prefix``, i.e. the venv); falls back to the user's
    Jupyter directory when the prefix is not writable.
    """
    from ipykernel.kernelspec import install

    try:
        return install(kernel_name=KERNEL_NAME, display_name=DISPLAY_NAME,
                       prefix=prefix or sys.prefix)
    except PermissionError:
        return install(kernel_name=KERNEL_NAME, display_name=DISPLAY_NAME, user=True)


def ensure_kernel() -> None:
    """Install the ``journey`` kernel unless a working one is already registered.

    Raises :class:`KernelError` if, after installing, the name still resolves to another
    interpreter (a user-level spec that Jupyter prefers over this environment's).
    """
    if kernel_ok():
        return
    install_kernel()
    if not kernel_ok():
        found = find_kernel_dir()
        python = _spec_python(found) if found else None
        raise KernelError(f"Jupyter kernel '{KERNEL_NAME}' resolves to {found} (python {python}),"
                          f" not {sys.executable}; remove that kernel spec or run `journey kernel`")


@functools.cache
def kernel_manager_class() -> type:
    """The kernel manager the runner gives papermill: jupyter_client's own, except that the
    kernel process dies with the process that started it (``PR_SET_PDEATHSIG``, see
    :mod:`journey.study.workers`). jupyter_client starts kernels in a session of their own, so
    they get no terminal signal and would otherwise outlive a killed ``journey`` by up to a
    second (ipykernel's parent poller). Its connection file is written in the run's staging folder
    (``.kernel.json``), so a killed run leaves nothing in the temporary directory."""
    from jupyter_client.manager import AsyncKernelManager

    from journey.study.record import RUN_DIR_ENV
    from journey.study.workers import death_pact

    class DyingKernelManager(AsyncKernelManager):
        def __init__(self, **kwargs: object) -> None:
            super().__init__(**kwargs)
            run_dir = os.environ.get(RUN_DIR_ENV)
            if run_dir and not self.connection_file:  # not in /tmp: it goes with the run folder
                self.connection_file = os.path.join(run_dir, CONNECTION_FILE)

        async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: object) -> None:
            kw.setdefault("preexec_fn", death_pact())
            await super()._async_launch_kernel(kernel_cmd, **kw)

    return DyingKernelManager
