"""The ``journey`` Jupyter kernel: installed on demand, pointing at this interpreter."""

from __future__ import annotations

import json
import sys

from journey.study import kernel


def test_install_into_a_prefix_points_at_this_python(tmp_path):
    spec_dir = kernel.install_kernel(prefix=str(tmp_path))
    spec = json.loads((tmp_path / "share/jupyter/kernels/journey/kernel.json").read_text())
    assert spec_dir.startswith(str(tmp_path))
    assert spec["argv"][0] == sys.executable
    assert spec["display_name"] == kernel.DISPLAY_NAME


def test_ensure_kernel_installs_when_missing_and_not_when_present(monkeypatch):
    calls = []
    state = {"ok": False}
    monkeypatch.setattr(kernel, "kernel_ok", lambda: state["ok"])

    def fake_install(prefix=None):
        calls.append(prefix)
        state["ok"] = True
        return "/somewhere"

    monkeypatch.setattr(kernel, "install_kernel", fake_install)
    kernel.ensure_kernel()
    kernel.ensure_kernel()
    assert calls == [None]


def test_ensure_kernel_reports_a_shadowing_spec(monkeypatch):
    monkeypatch.setattr(kernel, "kernel_ok", lambda: False)
    monkeypatch.setattr(kernel, "install_kernel", lambda prefix=None: "/x")
    monkeypatch.setattr(kernel, "find_kernel_dir", lambda: "/elsewhere/journey")
    try:
        kernel.ensure_kernel()
    except kernel.KernelError as exc:
        assert "/elsewhere/journey" in str(exc) and "journey kernel" in str(exc)
    else:  # pragma: no cover
        raise AssertionError("expected KernelError")


def test_registered_kernel_runs_this_interpreter():
    kernel.ensure_kernel()
    assert kernel.kernel_ok()
