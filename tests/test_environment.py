"""The tests run on the pandas and numpy that users get (pandas 3, numpy 2): under CI an older
one is a failure, not a quiet pass on a library version no user installs. lifelines, which pins
pandas < 3, is installed without its pins (Makefile) for this reason."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest

NEEDED = {"pandas": (pd, 3), "numpy": (np, 2)}


def _major(module) -> int:
    return int(module.__version__.split(".")[0])


@pytest.mark.parametrize("name", sorted(NEEDED))
def test_tests_import_the_versions_users_get(name):
    module, major = NEEDED[name]
    if _major(module) >= major:
        return
    message = (f"the tests import {name} {module.__version__} from {module.__file__}; users get "
               f"{name} >= {major} (make dev installs it; see the Makefile)")
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(message)
    pytest.skip(message)
