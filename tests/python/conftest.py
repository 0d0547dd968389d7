# SPDX-License-Identifier: MIT
import gc

import gi
import pytest

gi.require_version("Dz", "1.0")
from gi.repository import Dz  # noqa: E402


@pytest.fixture(autouse=True)
def no_leaks():
    """Every test must leave no array, variable or function behind."""
    yield
    gc.collect()
    assert Dz.live_counts() == (0, 0, 0)
