# SPDX-License-Identifier: MIT
"""DeZero's steps 37 to 43 as the book writes them, with only the import
lines changed (``dezero`` -> ``dezero_glib``); prints became checks."""

import numpy as np
import pytest

import dezero_glib.functions as F
from dezero_glib import Variable
from dezero_glib.core import Dz


# The book's steps hold int64 arrays, as here: their gradients are int64
# too, as DeZero computes them with NumPy.

def test_step37_sum_of_a_tensor():
    x = Variable(np.array([[1, 2, 3], [4, 5, 6]]))
    c = Variable(np.array([[10, 20, 30], [40, 50, 60]]))
    t = x + c
    y = F.sum(t)

    y.backward(retain_grad=True)
    assert y.data == 231
    np.testing.assert_array_equal(y.grad.data, 1)
    np.testing.assert_array_equal(t.grad.data, np.ones((2, 3)))
    np.testing.assert_array_equal(x.grad.data, np.ones((2, 3)))
    np.testing.assert_array_equal(c.grad.data, np.ones((2, 3)))


def test_step38_reshape_and_transpose():
    x = Variable(np.array([[0, 1, 2], [3, 4, 5]]))
    y = F.reshape(x, (6,))  # y = x.reshape(6)
    y.backward(retain_grad=True)
    np.testing.assert_array_equal(x.grad.data, np.ones((2, 3)))

    x = Variable(np.array([[1, 2, 3], [4, 5, 6]]))
    y = F.transpose(x)  # y = x.T
    y.backward()
    np.testing.assert_array_equal(x.grad.data, np.ones((2, 3)))

    x = Variable(np.random.randn(1, 2, 3))
    assert x.reshape((2, 3)).shape == (2, 3)
    assert x.reshape(2, 3).shape == (2, 3)
    assert x.transpose().shape == (3, 2, 1)
    assert x.T.shape == (3, 2, 1)
    assert x.transpose(1, 0, 2).shape == (2, 1, 3)


def test_step39_sum():
    x = Variable(np.array([1, 2, 3, 4, 5, 6]))
    y = F.sum(x)
    y.backward()
    assert repr(y) == "variable(21)"
    assert repr(x.grad) == "variable([1 1 1 1 1 1])"

    x = Variable(np.array([[1, 2, 3], [4, 5, 6]]))
    y = F.sum(x)
    y.backward()
    assert y.data == 21
    np.testing.assert_array_equal(x.grad.data, np.ones((2, 3)))

    x = Variable(np.array([[1, 2, 3], [4, 5, 6]]))
    y = F.sum(x, axis=0)
    y.backward()
    np.testing.assert_array_equal(y.data, [5, 7, 9])
    np.testing.assert_array_equal(x.grad.data, np.ones((2, 3)))

    x = Variable(np.random.randn(2, 3, 4, 5))
    y = x.sum(keepdims=True)
    assert y.shape == (1, 1, 1, 1)


def test_step40_broadcast():
    x0 = Variable(np.array([1, 2, 3]))
    x1 = Variable(np.array([10]))
    y = x0 + x1
    np.testing.assert_array_equal(y.data, [11, 12, 13])

    y.backward()
    np.testing.assert_array_equal(x1.grad.data, [3])

    x = np.array([1, 2, 3])
    y = F.broadcast_to(Variable(x), (2, 3))
    np.testing.assert_array_equal(y.data, np.broadcast_to(x, (2, 3)))
    np.testing.assert_array_equal(F.sum_to(y, (1, 3)).data, [[2, 4, 6]])


def test_step41_matmul():
    x = Variable(np.random.randn(2, 3))
    w = Variable(np.random.randn(3, 4))
    y = F.matmul(x, w)
    y.backward()

    assert x.grad.shape == (2, 3)
    assert w.grad.shape == (3, 4)


def test_step42_linear_regression():
    # Generate toy dataset
    np.random.seed(0)
    x = np.random.rand(100, 1)
    y = 5 + 2 * x + np.random.rand(100, 1)
    x, y = Variable(x), Variable(y)

    W = Variable(np.zeros((1, 1)))
    b = Variable(np.zeros(1))

    def predict(x):
        y = F.matmul(x, W) + b
        return y

    def mean_squared_error(x0, x1):
        diff = x0 - x1
        return F.sum(diff ** 2) / len(diff)

    lr = 0.1
    iters = 100

    for i in range(iters):
        y_pred = predict(x)
        loss = mean_squared_error(y, y_pred)

        W.cleargrad()
        b.cleargrad()
        loss.backward()

        # Update .data attribute (No need grads when updating params)
        W.data -= lr * W.grad.data
        b.data -= lr * b.grad.data

    # The book prints W, b and the loss of the last iteration.
    np.testing.assert_allclose(W.data, [[2.11807369]], rtol=1e-6)
    np.testing.assert_allclose(b.data, [5.46608905], rtol=1e-6)
    np.testing.assert_allclose(loss.data, 0.07908606, rtol=1e-5)


def step43_numpy(iters):
    """Step 43's training in plain NumPy, backpropagated by hand: the
    reference for the dezero_glib run."""
    np.random.seed(0)
    x = np.random.rand(100, 1)
    y = np.sin(2 * np.pi * x) + np.random.rand(100, 1)
    W1 = 0.01 * np.random.randn(1, 10)
    b1 = np.zeros(10)
    W2 = 0.01 * np.random.randn(10, 1)
    b2 = np.zeros(1)
    losses = []
    for i in range(iters):
        s = 1 / (1 + np.exp(-(x @ W1 + b1)))
        diff = y - (s @ W2 + b2)
        losses.append((diff ** 2).sum() / len(diff))
        gp = -2 * diff / len(diff)
        gs = gp @ W2.T * s * (1 - s)
        W2, b2, W1, b1 = (W2 - 0.2 * s.T @ gp, b2 - 0.2 * gp.sum(0),
                          W1 - 0.2 * x.T @ gs, b1 - 0.2 * gs.sum(0))
    return losses


def test_step43_neural_network():
    np.random.seed(0)
    x = np.random.rand(100, 1)
    y = np.sin(2 * np.pi * x) + np.random.rand(100, 1)

    I, H, O = 1, 10, 1
    W1 = Variable(0.01 * np.random.randn(I, H))
    b1 = Variable(np.zeros(H))
    W2 = Variable(0.01 * np.random.randn(H, O))
    b2 = Variable(np.zeros(O))

    def predict(x):
        y = F.linear(x, W1, b1)
        y = F.sigmoid(y)
        y = F.linear(y, W2, b2)
        return y

    lr = 0.2
    iters = 2000
    losses = []

    for i in range(iters):
        y_pred = predict(x)
        loss = F.mean_squared_error(y, y_pred)

        W1.cleargrad()
        b1.cleargrad()
        W2.cleargrad()
        b2.cleargrad()
        loss.backward()

        W1.data -= lr * W1.grad.data
        b1.data -= lr * b1.grad.data
        W2.data -= lr * W2.grad.data
        b2.data -= lr * b2.grad.data
        losses.append(float(loss.data))

    # The book prints variable(0.8473695850105871), then
    # variable(0.2514286285183607) at iteration 1000.
    assert abs(losses[0] - 0.8473695850105871) < 1e-12
    assert abs(losses[1000] - 0.2514286285183607) < 1e-10
    np.testing.assert_allclose(losses, step43_numpy(iters), rtol=1e-8)
    assert losses[-1] < 0.25

    t = np.arange(0, 1, .01)[:, np.newaxis]
    y_pred = predict(t)
    assert y_pred.shape == (100, 1)


def test_step40_int_arrays_forward():
    # The book's int64 arrays: forward values and dtypes as NumPy's.
    x = Variable(np.array([[1, 2, 3], [4, 5, 6]]))
    c = Variable(np.array([[10, 20, 30], [40, 50, 60]]))
    y = F.sum(x + c)
    assert y.dtype == np.int64
    assert repr(y) == "variable(231)"
    y = x + Variable(np.array([10]))
    y.backward()
    assert x.grad.dtype == np.int64


@pytest.mark.skipif("get_item" not in Dz.ops_list(), reason="no get_item in this library")
def test_step43_simple_versions_agree():
    np.random.seed(1)
    x = Variable(np.random.randn(5, 3))
    W = Variable(np.random.randn(3, 2))
    b = Variable(np.random.randn(2))
    np.testing.assert_allclose(F.linear_simple(x, W, b).data, F.linear(x, W, b).data)
    np.testing.assert_allclose(F.sigmoid_simple(x).data, F.sigmoid(x).data)
    np.testing.assert_allclose(F.softmax_simple(x).data, F.softmax(x).data)
    t = np.array([0, 2, 1, 1, 0])
    np.testing.assert_allclose(F.softmax_cross_entropy_simple(x, t).data,
                               F.softmax_cross_entropy(x, t).data)
    np.testing.assert_allclose(F.mean_squared_error_simple(x, W.T[0]).data,
                               F.mean_squared_error(x, W.T[0]).data)
