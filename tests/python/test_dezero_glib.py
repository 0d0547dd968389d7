# SPDX-License-Identifier: MIT
"""DeZero programs (the book's steps 23-36) with only the import line changed:
`import dezero_glib as dezero` instead of `import dezero`.

One difference stays visible: a gradient recorded with create_graph and left
on a leaf refers back to that leaf, a reference cycle that Python's collector
frees in DeZero but GObject cannot. The tests clear such leaves at the end, as
README says (or use Dz.grad, which stores nothing)."""

import math

import numpy as np
import pytest

import dezero_glib as dezero
import dezero_glib.functions as F
from dezero_glib import Function, Variable
from dezero_glib.utils import array_allclose, get_dot_graph, numerical_grad


def test_step24_goldstein_gradient():
    def goldstein(x, y):
        return (1 + (x + y + 1)**2 * (19 - 14*x + 3*x**2 - 14*y + 6*x*y + 3*y**2)) * \
            (30 + (2*x - 3*y)**2 * (18 - 32*x + 12*x**2 + 48*y - 36*x*y + 27*y**2))

    x = Variable(np.array(1.0))
    y = Variable(np.array(1.0))
    z = goldstein(x, y)
    z.backward()
    assert x.grad.data == -5376.0
    assert y.grad.data == 8064.0


def test_step27_taylor_sin():
    def my_sin(x, threshold=0.0001):
        y = 0
        for i in range(100000):
            c = (-1) ** i / math.factorial(2 * i + 1)
            t = c * x ** (2 * i + 1)
            y = y + t
            if abs(t.data) < threshold:
                break
        return y

    x = Variable(np.array(np.pi / 4))
    y = my_sin(x)
    y.backward()
    assert abs(float(y.data) - np.sin(np.pi / 4)) < 1e-4
    assert abs(float(x.grad.data) - np.cos(np.pi / 4)) < 1e-4


def test_step28_rosenbrock_with_the_books_update():
    def rosenbrock(x0, x1):
        return 100 * (x1 - x0 ** 2) ** 2 + (x0 - 1) ** 2

    x0 = Variable(np.array(0.0))
    x1 = Variable(np.array(2.0))
    lr = 0.001
    for _ in range(1000):
        y = rosenbrock(x0, x1)
        x0.cleargrad()
        x1.cleargrad()
        y.backward()
        x0.data -= lr * x0.grad.data
        x1.data -= lr * x1.grad.data
    # The book prints variable(0.6837118569138317) variable(0.4659526837427042).
    assert float(x0.data) == pytest.approx(0.6837118569138317, rel=1e-12)
    assert float(x1.data) == pytest.approx(0.4659526837427042, rel=1e-12)


def test_step33_newton_with_create_graph():
    def f(x):
        return x ** 4 - 2 * x ** 2

    x = Variable(np.array(2.0))
    for _ in range(10):
        y = f(x)
        x.cleargrad()
        y.backward(create_graph=True)
        gx = x.grad
        x.cleargrad()
        gx.backward()
        gx2 = x.grad
        x.data -= gx.data / gx2.data
    assert float(x.data) == 1.0


def test_step34_sin_derivatives():
    x = Variable(np.linspace(-7, 7, 5))
    y = F.sin(x)
    y.backward(create_graph=True)
    expected = [np.cos, lambda v: -np.sin(v), lambda v: -np.cos(v)]
    for derivative in expected:
        gx = x.grad
        np.testing.assert_allclose(gx.data, derivative(x.data), atol=1e-12)
        x.cleargrad()
        gx.backward(create_graph=True)
    x.cleargrad()


def test_step35_tanh_graph():
    x = Variable(np.array(1.0))
    y = F.tanh(x)
    x.name = "x"
    y.name = "y"
    y.backward(create_graph=True)
    for _ in range(2):
        gx = x.grad
        x.cleargrad()
        gx.backward(create_graph=True)
    gx = x.grad
    gx.name = "gx3"
    t = np.tanh(1.0)
    third = -2 * (1 - t**2) * (1 - 3 * t**2)
    assert float(gx.data) == pytest.approx(third, rel=1e-12)
    assert get_dot_graph(gx, verbose=False).startswith("digraph")
    x.cleargrad()


def test_step36_double_backprop():
    x = Variable(np.array(2.0))
    y = x ** 2
    y.backward(create_graph=True)
    gx = x.grad
    x.cleargrad()
    z = gx ** 3 + y
    z.backward()
    assert float(x.grad.data) == 100.0


def test_book_function_and_utils():
    class Square(Function):
        def forward(self, x):
            return x ** 2

        def backward(self, gy):
            x = self.inputs[0].data
            return 2 * x * gy

    x = np.random.randn(3)
    assert array_allclose(numerical_grad(lambda v: Square()(v), x), 2 * x)
    assert dezero.utils.gradient_check(lambda v: Square()(v), x)


def test_config_and_no_grad():
    with dezero.using_config("enable_backprop", False):
        assert not dezero.Config.enable_backprop
        assert Variable(np.array(2.0)) ** 2 is not None
    assert dezero.Config.enable_backprop
    dezero.Config.enable_backprop = False
    try:
        y = F.exp(Variable(np.array(1.0)))
        assert y.creator is None
    finally:
        dezero.Config.enable_backprop = True
    with dezero.no_grad():
        assert F.square(Variable(np.array(3.0))).creator is None
    assert dezero.core.Variable is Variable and dezero.core_simple.Function is Function


def test_later_names_say_they_are_not_there_yet():
    with pytest.raises(AttributeError, match="not available yet"):
        dezero.cuda
    with pytest.raises(AttributeError, match="C built-ins"):
        F.Sigmoid
    with pytest.raises(AttributeError):
        F.no_such_function
    with pytest.raises(AttributeError):
        dezero.no_such_name
