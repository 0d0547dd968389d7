# SPDX-License-Identifier: MIT
"""Dz.Optimizer and its subclasses and hooks through GObject introspection."""

import math

import gi
import numpy as np
import pytest

gi.require_version("Dz", "1.0")
from gi.repository import Dz, GLib  # noqa: E402


def grad_at(t):
    return np.array([math.sin(1.0 + i + 0.7 * t) * (t + 1) for i in range(3)])


def test_defaults():
    # DeZero's defaults, through GObject properties.
    assert Dz.SGD().props.lr == 0.01
    assert (Dz.MomentumSGD().props.lr, Dz.MomentumSGD().props.momentum) == (0.01, 0.9)
    assert (Dz.AdaGrad().props.lr, Dz.AdaGrad().props.eps) == (0.001, 1e-8)
    assert (Dz.AdaDelta().props.rho, Dz.AdaDelta().props.eps) == (0.95, 1e-6)
    adam = Dz.Adam()
    assert (adam.props.alpha, adam.props.beta1, adam.props.beta2, adam.props.eps) == \
        (0.001, 0.9, 0.999, 1e-8)
    assert adam.props.t == 0


def test_adam_against_numpy():
    p0 = np.array([0.5, -1.25, 2.0])
    param = Dz.Variable(p0.copy())
    opt = Dz.Adam(alpha=0.1)
    opt.set_parameters([param])
    p, m, v = p0.copy(), np.zeros(3), np.zeros(3)
    for t in range(1, 4):
        g = grad_at(t)
        param.grad = Dz.Variable(g)
        opt.update()
        # DeZero's Adam.update_one, with its bias-corrected lr.
        lr = 0.1 * math.sqrt(1 - 0.999 ** t) / (1 - 0.9 ** t)
        m += (1 - 0.9) * (g - m)
        v += (1 - 0.999) * (g * g - v)
        p -= lr * m / (np.sqrt(v) + 1e-8)
        np.testing.assert_allclose(param.data, p, rtol=1e-12, atol=0)
    assert opt.props.t == 3
    assert opt.props.lr == pytest.approx(0.1 * math.sqrt(1 - 0.999 ** 3) / (1 - 0.9 ** 3))


@pytest.mark.parametrize("make", [
    lambda: Dz.SGD.new(0.1),
    lambda: Dz.MomentumSGD.new(0.1, 0.9),
    lambda: Dz.AdaGrad.new(0.1, 1e-8),
    lambda: Dz.AdaDelta.new(0.95, 1e-6),
    lambda: Dz.Adam.new(0.1, 0.9, 0.999, 1e-8),
])
def test_float32_descends(make):
    param = Dz.Variable(np.array([1.0, -2.0], dtype=np.float32))
    opt = make()
    opt.set_parameters([param])
    param.grad = Dz.Variable(np.array([1.0, -1.0], dtype=np.float32))
    opt.update()
    assert param.data.dtype == np.float32
    assert param.data[0] < 1.0 and param.data[1] > -2.0


def test_hooks_and_skipped_parameters():
    a = Dz.Variable(np.array([1.0, 2.0]))
    b = Dz.Variable(np.array([3.0]))
    c = Dz.Variable(np.array([4.0]))
    opt = Dz.SGD(lr=1.0)
    opt.set_parameters([a, b, c])
    opt.add_hook(Dz.WeightDecay.new(0.5))
    opt.add_hook(Dz.FreezeParam.new([b]))
    a.grad = Dz.Variable(np.array([1.0, 1.0]))
    b.grad = Dz.Variable(np.array([1.0]))
    opt.update()
    np.testing.assert_allclose(a.grad.data, [1.5, 2.0])
    np.testing.assert_allclose(a.data, [-0.5, 0.0])
    assert b.grad is None
    np.testing.assert_allclose(b.data, [3.0])
    np.testing.assert_allclose(c.data, [4.0])


def test_clip_grad():
    a = Dz.Variable(np.array([0.0, 0.0]))
    opt = Dz.SGD(lr=1.0)
    opt.set_parameters([a])
    opt.add_hook(Dz.ClipGrad(max_norm=1.0))
    a.grad = Dz.Variable(np.array([3.0, 4.0]))
    opt.update()
    np.testing.assert_allclose(a.grad.data, np.array([3.0, 4.0]) / (5 + 1e-6))


def test_numpy_view_is_not_written():
    param = Dz.Variable(np.array([1.0, 2.0]))
    before = param.data
    opt = Dz.SGD(lr=0.5)
    opt.set_parameters([param])
    param.grad = Dz.Variable(np.array([1.0, 1.0]))
    opt.update()
    np.testing.assert_array_equal(before, [1.0, 2.0])
    np.testing.assert_array_equal(param.data, [0.5, 1.5])


def test_python_subclass():
    class HalfStep(Dz.Optimizer):
        def __init__(self):
            super().__init__()
            self.seen = []

        def do_update_one(self, param, index):
            self.seen.append(index)
            param.data = param.data - 0.5 * param.grad.data
            return True

    a = Dz.Variable(np.array([1.0]))
    b = Dz.Variable(np.array([2.0]))
    opt = HalfStep()
    opt.set_parameters([a, b])
    b.grad = Dz.Variable(np.array([2.0]))
    opt.update()
    assert opt.seen == [1]
    np.testing.assert_array_equal(b.data, [1.0])
    np.testing.assert_array_equal(a.data, [1.0])


def test_wrong_gradient_raises():
    param = Dz.Variable(np.array([1.0, 2.0]))
    opt = Dz.Adam()
    opt.set_parameters([param])
    param.grad = Dz.Variable(np.array([1.0, 2.0, 3.0]))
    with pytest.raises(GLib.Error) as info:
        opt.update()
    assert info.value.matches(Dz.error_quark(), Dz.Error.SHAPE_MISMATCH)


@pytest.mark.parametrize("opt", [lambda: Dz.SGD(lr=0.1), lambda: Dz.Adam(alpha=0.1)])
def test_linear_regression(opt):
    # DeZero's step 42: y = 2x + 1.
    rng = np.random.default_rng(0)
    x = Dz.Variable(rng.random((100, 1)))
    y = Dz.Variable(2 * x.data + 1)
    W = Dz.Variable(np.zeros((1, 1)))
    b = Dz.Variable(np.zeros(1))
    optimizer = opt()
    optimizer.set_parameters([W, b])
    for _ in range(400):
        loss = Dz.mean_squared_error(Dz.linear(x, W, b), y)
        W.clear_grad()
        b.clear_grad()
        loss.backward()
        optimizer.update()
    assert float(loss.data) < 1e-3
    assert W.data[0, 0] == pytest.approx(2.0, abs=0.1)
    assert b.data[0] == pytest.approx(1.0, abs=0.1)
