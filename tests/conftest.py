"""Shared fixtures: small simulated cohorts, cached per session (they are deterministic)."""

from __future__ import annotations

import os

import matplotlib
import pytest

matplotlib.use("Agg")
os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture(scope="session")
def telecom_small():
    from journey.scenario import load_preset
    from journey.simulate import simulate

    return simulate(load_preset("telecom"), 3000, 36, seed=7)
