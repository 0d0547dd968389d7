# SPDX-License-Identifier: MIT
"""DeZero steps 9-17 from Python."""

import math

import gi
import numpy as np
import pytest

gi.require_version("Dz", "1.0")
from gi.repository import Dz  # noqa: E402


def test_square_exp_chain():
    x = Dz.Variable(np.array(0.5))
    y = Dz.square(Dz.exp(Dz.square(x)))
    y.backward()
    assert x.grad.data == pytest.approx(3.297442541400256, abs=1e-12)
    assert Dz.numerical_diff(lambda v: Dz.square(Dz.exp(Dz.square(v))), 0.5) == \
        pytest.approx(3.2974426293330694, rel=1e-12)


def test_builtins_accept_numpy_and_scalars():
    assert Dz.square(np.array(3.0)).data == 9.0
    assert Dz.exp(0).data == 1.0
    assert Dz.add(1.0, np.array(2.0)).data == 3.0


def test_add_same_variable():
    x = Dz.Variable(np.array(3.0))
    y = Dz.add(x, x)
    y.backward()
    assert x.grad.data == 2.0
    x.cleargrad()
    y = Dz.add(Dz.add(x, x), x)
    y.backward()
    assert x.grad.data == 3.0


def test_accumulates_across_passes():
    x = Dz.Variable(3.0)
    Dz.square(x).backward()
    Dz.square(x).backward()
    assert x.grad.data == 12.0


def test_no_aliasing():
    a, b = Dz.Variable(1.0), Dz.Variable(2.0)
    Dz.add(a, b).backward()
    assert a.grad is not b.grad
    a.grad.data = np.array(100.0)
    assert b.grad.data == 1.0


def test_diamond():
    x = Dz.Variable(np.array(2.0))
    a = Dz.square(x)
    y = Dz.add(Dz.square(a), Dz.square(a))
    y.backward()
    assert y.data == 32.0
    assert x.grad.data == 64.0


def test_generation_order():
    x = Dz.Variable(2.0)
    a = Dz.square(x)
    b = Dz.exp(a)
    c = Dz.add(x, b)
    assert [v.generation for v in (x, a, b, c)] == [0, 1, 2, 3]
    assert c.creator.generation == 2
    c.backward()
    assert x.grad.data == pytest.approx(1 + math.exp(4) * 4)


def test_retain_grad():
    x = Dz.Variable(0.5)
    a = Dz.square(x)
    y = Dz.exp(a)
    y.backward()
    assert a.grad is None and y.grad is None
    x.cleargrad()
    y.backward(retain_grad=True)
    assert y.grad.data == 1.0
    assert a.grad.data == pytest.approx(math.exp(0.25))


class SumAll(Dz.Function):
    """Variable-length inputs."""

    def do_forward(self, xs):
        return sum(xs)

    def do_backward(self, gys):
        return [gys[0]] * len(self.inputs)


class SumDiff(Dz.Function):
    """Two outputs."""

    def do_forward(self, xs):
        a, b = xs
        return a + b, a - b

    def do_backward(self, gys):
        gs, gd = gys
        return [gs + gd, gs - gd]


@pytest.mark.parametrize("n", range(1, 6))
def test_variable_length_inputs(n):
    xs = [Dz.Variable(float(i + 1)) for i in range(n)]
    y = SumAll()(*xs)
    assert y.data == n * (n + 1) / 2
    Dz.square(y).backward()
    for x in xs:
        assert x.grad.data == n * (n + 1.0)


def test_multiple_outputs():
    a, b = Dz.Variable(5.0), Dz.Variable(3.0)
    s, d = SumDiff()(a, b)
    assert (s.data, d.data) == (8.0, 2.0)
    y = Dz.square(s) + d * 3.0
    y.backward()
    assert (a.grad.data, b.grad.data) == (19.0, 13.0)


def test_unused_output_gets_zero_gradient():
    a, b = Dz.Variable(5.0), Dz.Variable(3.0)
    f = SumDiff()
    s, d = f(a, b)
    del d
    assert f.outputs[1] is None
    Dz.square(s).backward()
    assert (a.grad.data, b.grad.data) == (16.0, 16.0)


def test_no_grad_records_nothing():
    x = Dz.Variable(np.ones(10))
    with Dz.no_grad():
        y = Dz.square(Dz.square(x))
        assert y.creator is None
        assert Dz.live_count(Dz.LiveKind.FUNCTION) == 0
    assert Dz.get_enable_backprop()
    with Dz.using_config("enable_backprop", False):
        assert not Dz.get_enable_backprop()
    with pytest.raises(ValueError):
        with Dz.using_config("no_such_switch", False):
            pass
