# SPDX-License-Identifier: MIT
"""Backward-engine promises of issue 9 (items 8, 10, 12), seen from Python.

Written against the plain introspected API (backward_full, set_data), so
that the override's own behaviour is not involved."""

import gi
import numpy as np
import pytest

gi.require_version("Dz", "1.0")
from gi.repository import Dz, GLib  # noqa: E402


class Nested(Dz.Function):
    """The identity, whose backward first runs backward from `target` and
    keeps the error code it got (None on success)."""

    target = None
    code = "not run"

    def do_forward(self, xs):
        return np.asarray(xs[0]).copy()

    def do_backward(self, gys):
        try:
            self.target.backward_full(Dz.BackwardFlags.NONE)
            self.code = None
        except GLib.Error as e:
            self.code = e.code if e.domain == GLib.quark_to_string(Dz.error_quark()) else e
        return [gys[0]]


def test_failed_create_graph_backward_leaves_no_cycles():
    # Exp's gradients with create_graph refer back to their variables; the
    # pass fails after them, at Square, whose input was modified.
    x = Dz.Variable(0.5)
    y = Dz.exp(Dz.exp(Dz.square(x)))
    x.set_data(Dz.Array.new_scalar(0.25))
    with pytest.raises(GLib.Error) as info:
        y.backward_full(Dz.BackwardFlags.CREATE_GRAPH)
    assert info.value.matches(Dz.error_quark(), Dz.Error.DATA_MODIFIED)
    assert "Square" in info.value.message
    assert x.grad is None
    assert y.grad is None
    del y, info
    # The autouse fixture checks that nothing is left alive.


def test_reentrant_backward_on_the_same_graph_is_refused():
    x = Dz.Variable(3.0)
    f = Nested()
    y = f(x) + Dz.square(x)
    f.target = y
    y.backward_full(Dz.BackwardFlags.NONE)
    assert f.code == int(Dz.Error.REENTRANT)
    # The outer pass is whole: 1 from f, 2x from the square.
    assert float(x.grad.data) == 7.0
    f.target = None


def test_backward_on_another_graph_inside_backward_works():
    x = Dz.Variable(3.0)
    w = Dz.Variable(5.0)
    f = Nested()
    f.target = Dz.square(w)
    y = f(x) + Dz.square(x)
    y.backward_full(Dz.BackwardFlags.NONE)
    assert f.code is None
    assert float(x.grad.data) == 7.0
    assert float(w.grad.data) == 10.0
    f.target = None


def test_create_graph_gives_each_variable_its_own_gradient():
    a = Dz.Variable(1.0)
    b = Dz.Variable(2.0)
    y = Dz.square(a + b)
    y.backward_full(Dz.BackwardFlags.CREATE_GRAPH)
    ga, gb = a.grad, b.grad
    assert ga is not gb
    assert float(ga.data) == float(gb.data) == 6.0
    a.cleargrad()
    b.cleargrad()
    ga.backward_full(Dz.BackwardFlags.NONE)
    assert float(a.grad.data) == float(b.grad.data) == 2.0
    ga.set_data(Dz.Array.new_scalar(100.0))
    assert float(gb.data) == 6.0
    a.cleargrad()
    b.cleargrad()
