# SPDX-License-Identifier: MIT
"""The step-17 loop from Python: nothing survives an iteration."""

import gc
import resource

import gi
import numpy as np

gi.require_version("Dz", "1.0")
from gi.repository import Dz  # noqa: E402


def test_seed_loop():
    rng = np.random.default_rng(0)
    for _ in range(1000):
        x = Dz.Variable(rng.standard_normal(100000))
        y = Dz.square(Dz.square(Dz.square(x)))
        y.backward()
        assert x.grad.shape == (100000,)
        del x, y
        assert Dz.live_counts() == (0, 0, 0)


def test_seed_loop_native_arrays_bounded():
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for _ in range(1000):
        x = Dz.Variable(Dz.Array.new_randn([100000], None))
        y = Dz.square(Dz.square(Dz.square(x)))
        y.backward()
        del x, y
        assert Dz.live_counts() == (0, 0, 0)
    grown_mib = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    # One iteration holds ~6 arrays of 800 KB; 1000 iterations that leaked
    # would hold 4.8 GB.
    assert grown_mib < 100


def test_scope_and_tidy():
    w = Dz.Variable(3.0)
    with Dz.scope() as s:
        a = Dz.square(w)
        kept = s.keep(Dz.exp(a))
        lost = Dz.sin(a)
    assert lost.data is None
    assert kept.data is not None
    kept.backward()
    assert w.grad.data == np.exp(9.0) * 6.0
    y = Dz.tidy(lambda: Dz.square(w) * 2.0)
    assert y.data == 18.0
    del w, a, kept, lost, y
    gc.collect()
    assert Dz.live_counts() == (0, 0, 0)
