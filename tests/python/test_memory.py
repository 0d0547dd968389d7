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


def test_scalar_graph_makes_no_arrays():
    """0-d values stay inside their variables until asked for: a scalar
    graph costs two objects a node, and reading a value still works."""
    # Variable(number) wraps a 0-d Dz.Array made first; new_scalar does not.
    x, one = Dz.Variable.new_scalar(0.5), Dz.Variable(1.0)
    h = x
    for _ in range(500):
        h = Dz.add(h, one)
    del _
    assert Dz.live_counts() == (1, 502, 500)
    assert h.data == 500.5 and h.data.shape == ()
    assert Dz.live_counts()[0] == 2
    h.backward()
    assert x.grad.data == 1.0 and one.grad.data == 500.0
    y = Dz.mul(x, Dz.exp(x))
    y.backward()
    assert abs(x.grad.data - (1.0 + np.exp(0.5) * 1.5)) < 1e-12
    del h, y
