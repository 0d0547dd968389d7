# SPDX-License-Identifier: MIT
"""DeZero stages 2-3 from Python: operators, no_grad, higher-order
derivatives, test functions, unchain, graph pictures."""

import math
import shutil

import gi
import numpy as np
import pytest

gi.require_version("Dz", "1.0")
from gi.repository import Dz, GLib  # noqa: E402


@pytest.mark.parametrize("expr, expect", [
    (lambda x: x + 2.0, 5.0), (lambda x: 2.0 + x, 5.0),
    (lambda x: x - 2.0, 1.0), (lambda x: 2.0 - x, -1.0),
    (lambda x: x * 2.0, 6.0), (lambda x: 2.0 * x, 6.0),
    (lambda x: x / 2.0, 1.5), (lambda x: 6.0 / x, 2.0),
    (lambda x: x ** 2, 9.0), (lambda x: -x, -3.0),
    (lambda x: np.array(1.0) + x, 4.0), (lambda x: x + np.array(1.0), 4.0),
    (lambda x: np.array(2.0) * x, 6.0), (lambda x: np.float64(1.0) - x, -2.0),
    (lambda x: x + x, 6.0), (lambda x: x * x, 9.0), (lambda x: x / x, 1.0),
])
def test_operators(expr, expect):
    y = expr(Dz.Variable(3.0))
    assert isinstance(y, Dz.Variable)
    assert y.data == expect


def test_operators_with_arrays():
    x = Dz.Variable(np.array([1.0, 2.0]))
    y = np.array([3.0, 4.0]) * x + np.array([1.0, 1.0])
    assert isinstance(y, Dz.Variable)
    np.testing.assert_array_equal(y.data, [4.0, 9.0])
    y = x * np.array(2.0)
    np.testing.assert_array_equal(y.data, [2.0, 4.0])
    with pytest.raises(GLib.Error):
        x + np.ones(3)


def test_no_grad_keeps_one_intermediate():
    x = Dz.Variable(np.random.default_rng(0).standard_normal(100000))
    for mode, expected in ((True, 3), (False, 4)):
        with Dz.using_config("enable_backprop", not mode):
            Dz.live_reset_peak()
            y = Dz.square(Dz.square(Dz.square(x)))
            # x, y and one intermediate without a graph; every one with it.
            assert Dz.live_peaks()[0] == expected
            del y


def test_no_grad_decorates():
    y = Dz.no_grad(lambda: Dz.square(Dz.Variable(2.0)))()
    assert y.creator is None and y.data == 4.0
    assert Dz.get_enable_backprop()


def f_quartic(x):
    return x ** 4 - 2 * x ** 2


def test_second_derivative():
    x = Dz.Variable(2.0)
    y = f_quartic(x)
    y.backward(create_graph=True)
    assert x.grad.data == 24.0
    gx = x.grad
    x.cleargrad()
    gx.backward()
    assert x.grad.data == 44.0
    x.cleargrad()  # the create_graph gradient refers back to x


def test_second_derivative_functional():
    x = Dz.Variable(2.0)
    gx = Dz.grad(f_quartic(x), x, create_graph=True)
    assert gx.data == 24.0
    assert Dz.grad(gx, x).data == 44.0
    assert x.grad is None


def test_newton():
    x = Dz.Variable(2.0)
    history = []
    for _ in range(10):
        gx = Dz.grad(f_quartic(x), x, create_graph=True)
        gx2 = Dz.grad(gx, x)
        x.data = x.data - gx.data / gx2.data
        history.append(float(x.data))
        if abs(history[-1] - 1.0) < 1e-12:
            break
    assert history[-1] == pytest.approx(1.0, abs=1e-12)
    assert len(history) == 7  # DeZero step 33
    assert history[0] == pytest.approx(1.4545454545454546)


def test_double_backprop():
    x = Dz.Variable(2.0)
    y = x ** 2
    y.backward(create_graph=True)
    gx = x.grad
    x.cleargrad()
    z = gx ** 3 + y
    z.backward()
    assert x.grad.data == 100.0
    x.cleargrad()


def tanh_derivative(n, x):
    """d^n/dx^n tanh as a polynomial in t = tanh x, by P' (1 - t^2)."""
    p = np.polynomial.Polynomial([0, 1])
    for _ in range(n):
        p = p.deriv() * np.polynomial.Polynomial([1, 0, -1])
    return p(np.tanh(x))


def test_tanh_derivatives():
    points = np.array([-1.5, -0.3, 0.0, 0.4, 1.1])
    x = Dz.Variable(points)
    y = Dz.tanh(x)
    y.backward(create_graph=True)
    for n in range(1, 7):
        gx = x.grad
        np.testing.assert_allclose(gx.data, tanh_derivative(n, points), rtol=1e-9, atol=1e-12)
        x.cleargrad()
        if n < 6:
            gx.backward(create_graph=True)


def sphere(x, y):
    return x ** 2 + y ** 2


def matyas(x, y):
    return 0.26 * (x ** 2 + y ** 2) - 0.48 * x * y


def goldstein(x, y):
    return (1 + (x + y + 1) ** 2 * (19 - 14 * x + 3 * x ** 2 - 14 * y + 6 * x * y + 3 * y ** 2)) * \
        (30 + (2 * x - 3 * y) ** 2 * (18 - 32 * x + 12 * x ** 2 + 48 * y - 36 * x * y + 27 * y ** 2))


@pytest.mark.parametrize("f, expect", [
    (sphere, (2.0, 2.0)), (matyas, (0.04, 0.04)), (goldstein, (-5376.0, 8064.0)),
])
def test_optimization_functions(f, expect):
    x, y = Dz.Variable(1.0), Dz.Variable(1.0)
    f(x, y).backward()
    assert (x.grad.data, y.grad.data) == pytest.approx(expect, abs=1e-12)
    assert Dz.gradient_check(lambda v: f(v, v * 0.5), np.array([0.3, -0.2]))


def test_rosenbrock():
    x0, x1 = Dz.Variable(0.0), Dz.Variable(2.0)
    for i in range(10000):
        y = 100 * (x1 - x0 ** 2) ** 2 + (1 - x0) ** 2
        x0.cleargrad()
        x1.cleargrad()
        y.backward()
        x0.data = x0.data - 0.001 * x0.grad.data
        x1.data = x1.data - 0.001 * x1.grad.data
    # DeZero's step 28 after 10000 steps.
    assert (float(x0.data), float(x1.data)) == pytest.approx((0.99449844, 0.98900505), abs=1e-7)


def test_unchain():
    x = Dz.Variable(0.5)
    a = Dz.sin(x)
    b = Dz.exp(a)
    y = Dz.square(b)
    y.unchain_backward()
    assert y.creator is not None and b.creator is None and a.creator is None
    y.backward()
    # b is a leaf now: the gradient stops there.
    assert b.grad is not None and a.grad is None and x.grad is None
    y.unchain()
    assert y.creator is None


def test_dot_graph(tmp_path):
    x, y = Dz.Variable(1.0, name="x"), Dz.Variable(1.0, name="y")
    z = goldstein(x, y)
    z.name = "z"
    text = Dz.get_dot_graph(z)
    assert text.startswith("digraph g {")
    assert '[label="x: () float64", color=orange, style=filled]' in text
    assert '[label="Mul", color=lightblue, style=filled, shape=box]' in text
    if shutil.which("dot"):
        Dz.plot_dot_graph(z, to_file=str(tmp_path / "goldstein.png"))
        assert (tmp_path / "goldstein.png").read_bytes()[:4] == b"\x89PNG"
    with pytest.raises(GLib.Error):
        Dz.plot_dot_graph(z, to_file=str(tmp_path / "no-extension"))
