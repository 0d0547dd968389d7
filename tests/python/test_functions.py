# SPDX-License-Identifier: MIT
"""Functions written in Python: composition, gradients, failures."""

import gc

import gi
import numpy as np
import pytest

gi.require_version("Dz", "1.0")
from gi.repository import Dz, GLib  # noqa: E402


class Sigmoid(Dz.Function):
    def do_forward(self, xs):
        return 1.0 / (1.0 + np.exp(-xs[0]))

    def do_backward(self, gys):
        y = self.outputs[0]
        return gys[0] * y * (1.0 - y)


def test_composes_with_builtins_and_checks():
    x = np.random.default_rng(1).standard_normal((3, 2))
    assert Dz.gradient_check(lambda v: Dz.exp(Sigmoid()(Dz.sin(v))), x)
    assert Sigmoid().get_name() == "Sigmoid"


def test_call_returns_list_and_inputs():
    f = Sigmoid()
    x = Dz.Variable(0.0)
    (y,) = f.call([x])
    assert y.data == 0.5
    assert f.inputs == [x]
    assert y.creator == f


class Raising(Dz.Function):
    def __init__(self, where):
        super().__init__()
        self.where = where

    def do_forward(self, xs):
        if self.where == "forward":
            raise ZeroDivisionError("in forward")
        return xs[0] * 2

    def do_backward(self, gys):
        raise KeyError("in backward")


def test_exception_in_forward_is_the_same_exception():
    x = Dz.Variable(1.0)
    with pytest.raises(ZeroDivisionError, match="in forward"):
        Raising("forward")(x)


def test_exception_in_backward_is_the_same_exception():
    x = Dz.Variable(1.0)
    y = Dz.square(Raising("backward")(x))
    with pytest.raises(KeyError, match="in backward"):
        y.backward()
    # The graph is intact: a later pass from another output works.
    z = Dz.exp(x)
    z.backward()
    assert x.grad.data == pytest.approx(np.e)


def test_exception_in_callback():
    def f(v):
        raise RuntimeError("callback")
    with pytest.raises(RuntimeError, match="callback"):
        Dz.numerical_diff(f, 1.0)
    with pytest.raises(RuntimeError, match="callback"):
        Dz.gradient_check(f, 1.0)


class Garbage(Dz.Function):
    def __init__(self, kind):
        super().__init__()
        self.kind = kind

    def do_forward(self, xs):
        if self.kind == "forward-type":
            return "not an array"
        return xs[0]

    def do_backward(self, gys):
        if self.kind == "backward-count":
            return [gys[0], gys[0]]
        if self.kind == "backward-shape":
            return Dz.Variable(np.zeros(7))
        return "not a variable"


def test_garbage_forward():
    with pytest.raises(TypeError):
        Garbage("forward-type")(Dz.Variable(1.0))


@pytest.mark.parametrize("kind, code", [
    ("backward-count", Dz.Error.WRONG_COUNT),
    ("backward-shape", Dz.Error.SHAPE_MISMATCH),
])
def test_garbage_backward(kind, code):
    x = Dz.Variable(np.ones(3))
    y = Garbage(kind)(x)
    with pytest.raises(GLib.Error) as info:
        y.backward()
    assert info.value.matches(Dz.error_quark(), code)


def test_garbage_backward_type():
    y = Garbage("backward-type")(Dz.Variable(1.0))
    with pytest.raises(TypeError):
        y.backward()


def test_function_called_twice():
    f = Sigmoid()
    f(Dz.Variable(0.0))
    with pytest.raises(GLib.Error) as info:
        f(Dz.Variable(0.0))
    assert info.value.matches(Dz.error_quark(), Dz.Error.FUNCTION_REUSED)


def test_shape_mismatch():
    with pytest.raises(GLib.Error) as info:
        Dz.add(Dz.Variable(np.ones(3)), Dz.Variable(np.ones(2)))
    assert info.value.matches(Dz.error_quark(), Dz.Error.SHAPE_MISMATCH)
    assert "(3,) and (2,)" in info.value.message


def test_failures_leave_nothing_behind():
    for kind in ("forward", "backward"):
        x = Dz.Variable(np.ones(4))
        try:
            Dz.square(Raising(kind)(x)).backward()
        except (ZeroDivisionError, KeyError):
            pass
        del x
        gc.collect()
        assert Dz.live_counts() == (0, 0, 0)
