# SPDX-License-Identifier: MIT
"""Variables follow NumPy: dtypes, zero-copy arrays, broadcasting operators
with arrays and numbers on either side, shape methods, reductions, matmul
and indexing (x[key] against ndarray[key], gradients against np.add.at)."""

import operator

import gi
import numpy as np
import pytest

gi.require_version("Dz", "1.0")
from gi.repository import Dz  # noqa: E402

import dezero_glib.functions as F  # noqa: E402
from dezero_glib import Variable, utils  # noqa: E402

HAS_GET_ITEM = "get_item" in Dz.ops_list()
needs_get_item = pytest.mark.skipif(not HAS_GET_ITEM, reason="no get_item in this library")


def rng():
    return np.random.default_rng(7)


# Dtypes and zero-copy

@pytest.mark.parametrize("data, dtype", [
    (np.zeros(3), np.float64),
    (np.zeros(3, np.float32), np.float32),
    (np.zeros(3, np.float16), np.float32),
    (np.arange(3), np.int64),
    (np.arange(3, dtype=np.int32), np.int64),
    (np.arange(3, dtype=np.uint8), np.int64),
    (np.array([True, False]), np.int64),
    (1.5, np.float64),
    (2, np.int64),
    (np.float32(2.5), np.float32),
    ([[1.0, 2.0]], np.float64),
    (np.zeros((0, 3), np.float32), np.float32),
])
def test_dtypes(data, dtype):
    x = Variable(data)
    assert x.dtype == dtype
    assert x.data.dtype == dtype
    np.testing.assert_array_equal(x.data, np.asarray(data))


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64])
def test_zero_copy(dtype):
    a = np.arange(12, dtype=dtype).reshape(3, 4)
    x = Variable(a)
    assert np.shares_memory(x.data, a)
    assert x.data.ctypes.data == a.ctypes.data
    # DeZero's variable holds the ndarray itself: writes into it show.
    a[0, 0] = 42
    assert x.data[0, 0] == 42
    # The variable keeps the buffer alive on its own.
    del a
    assert x.data[0, 0] == 42
    np.testing.assert_array_equal(x.data[1], np.arange(4, 8))


def test_copies_what_cannot_be_shared():
    a = np.arange(12.0).reshape(3, 4)
    for other in (a[:, ::2], a.T, a.astype(">f8"), a.astype(np.int32)):
        x = Variable(other)
        assert not np.shares_memory(x.data, a)
        np.testing.assert_array_equal(x.data, other)


def test_data_is_read_only_and_updates_replace_it():
    a = np.ones(3)
    x = Variable(a)
    with pytest.raises(ValueError):
        x.data[0] = 5.0
    x.data -= 0.5 * np.ones(3)
    np.testing.assert_array_equal(x.data, 0.5)
    np.testing.assert_array_equal(a, 1.0)  # the caller's array is untouched


def test_float32_stays_float32():
    x = Variable(rng().standard_normal((3, 4)).astype(np.float32))
    W = Variable(rng().standard_normal((4, 2)).astype(np.float32))
    for y in (x + 1, 2 * x, x / 3, 1 / x, x - 0.5, x ** 2, -x, x * np.float64(2.0),
              x + np.array(1.0), F.exp(x), F.sum(x), x.sum(axis=0), x.mean(), x.max(1),
              F.sigmoid(x), F.softmax(x), x @ W, F.linear(x, W), x.T, x.reshape(12)):
        assert y.dtype == np.float32, y
    y = F.sum(F.sigmoid(x @ W) * 2.0)
    y.backward()
    assert x.grad.dtype == np.float32
    assert W.grad.dtype == np.float32


@pytest.mark.parametrize("a_dtype, b_dtype", [
    (np.float32, np.float64), (np.int64, np.float32), (np.int64, np.int64),
    (np.float64, np.int64), (np.float32, np.float32),
])
def test_promotion_follows_numpy(a_dtype, b_dtype):
    a = np.arange(1, 7).reshape(2, 3).astype(a_dtype)
    b = np.arange(1, 4).astype(b_dtype)
    for op in (operator.add, operator.sub, operator.mul, operator.truediv):
        y = op(Variable(a), Variable(b))
        expected = op(a, b)
        assert y.dtype == expected.dtype, (op, a_dtype, b_dtype)
        np.testing.assert_allclose(y.data, expected, rtol=1e-6)


@pytest.mark.parametrize("scalar", [2, 2.5, np.float32(2.5), np.float64(2.5), np.int64(2),
                                    np.array(2.5), np.array(2)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64])
def test_scalars_either_side(scalar, dtype):
    a = np.arange(1, 7).reshape(2, 3).astype(dtype)
    x = Variable(a)
    for y, expected in ((x + scalar, a + scalar), (scalar + x, scalar + a),
                        (x - scalar, a - scalar), (scalar - x, scalar - a),
                        (x * scalar, a * scalar), (scalar * x, scalar * a),
                        (x / scalar, a / scalar), (scalar / x, scalar / a)):
        assert isinstance(y, Variable)
        assert y.dtype == expected.dtype, (y, expected)
        np.testing.assert_allclose(y.data, expected, rtol=1e-6)


def test_broadcasting_with_arrays_either_side():
    a = rng().standard_normal((2, 3))
    b = rng().standard_normal((3,))
    x = Variable(a)
    for y, expected in ((x + b, a + b), (b + x, b + a), (x - b, a - b), (b - x, b - a),
                        (x * b, a * b), (b * x, b * a), (x / b, a / b), (b / x, b / a),
                        (x + [1.0, 2.0, 3.0], a + [1.0, 2.0, 3.0]),
                        (x * (b > 0), a * (b > 0))):
        assert isinstance(y, Variable)
        np.testing.assert_allclose(y.data, expected)
    # The gradient of the broadcast variable is summed back to its shape.
    v = Variable(b)
    F.sum(x * v).backward()
    np.testing.assert_allclose(v.grad.data, a.sum(axis=0))
    np.testing.assert_allclose(x.grad.data, np.broadcast_to(b, (2, 3)))
    with pytest.raises(ValueError):
        x + np.ones(4)


def test_bool_mask_keeps_float32():
    x = Variable(np.ones(3, np.float32))
    assert (x * np.array([True, False, True])).dtype == np.float32


def test_comparisons_are_elementwise_arrays():
    x = Variable(np.array([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(x > 2, [False, False, True])
    np.testing.assert_array_equal(x <= np.array([1.0, 1.0, 5.0]), [True, False, True])


# Shapes

def test_shape_properties_and_len():
    x = Variable(np.zeros((2, 3, 4), np.float32))
    assert (x.shape, x.ndim, x.size, len(x)) == ((2, 3, 4), 3, 24, 2)
    with pytest.raises(TypeError):
        len(Variable(1.0))


def test_reshape_and_transpose_forms():
    a = np.arange(24.0).reshape(2, 3, 4)
    x = Variable(a)
    for y, expected in ((x.reshape(6, 4), a.reshape(6, 4)), (x.reshape((4, -1)), a.reshape(4, -1)),
                        (x.reshape([24]), a.reshape(24)), (x.T, a.T), (x.transpose(), a.T),
                        (x.transpose(1, 0, 2), a.transpose(1, 0, 2)),
                        (x.transpose((2, 0, 1)), a.transpose(2, 0, 1)),
                        (x.transpose(None), a.T), (x.transpose(-1, 0, 1), a.transpose(-1, 0, 1)),
                        (F.reshape(x, (3, 8)), a.reshape(3, 8)), (F.transpose(x), a.T),
                        (F.transpose(x, (0, 2, 1)), a.transpose(0, 2, 1))):
        np.testing.assert_array_equal(y.data, expected)
    assert F.reshape(x, (2, 3, 4)) is x
    with pytest.raises(ValueError):
        x.reshape(5, 5)
    with pytest.raises(ValueError):
        x.transpose(0, 0, 1)


@pytest.mark.parametrize("method", ["sum", "mean", "max", "min"])
@pytest.mark.parametrize("axis", [None, 0, 1, -1, (0, 2), (-1, -3), ()])
@pytest.mark.parametrize("keepdims", [False, True])
def test_reductions(method, axis, keepdims):
    a = rng().standard_normal((2, 3, 4))
    y = getattr(Variable(a), method)(axis=axis, keepdims=keepdims)
    expected = getattr(a, method)(axis=axis, keepdims=keepdims)
    assert y.shape == np.shape(expected)
    np.testing.assert_allclose(y.data, expected, rtol=1e-12)
    f = getattr(F, method)(Variable(a), axis, keepdims)
    np.testing.assert_allclose(f.data, expected, rtol=1e-12)


def test_reduction_errors():
    x = Variable(np.zeros((2, 3)))
    with pytest.raises(ValueError):
        x.sum(axis=2)
    with pytest.raises(IndexError):  # NumPy's AxisError is both
        x.max(axis=-3)


def test_sum_of_ints_is_int():
    x = Variable(np.array([[1, 2, 3], [4, 5, 6]]))
    y = F.sum(x, axis=0)
    assert y.dtype == np.int64
    np.testing.assert_array_equal(y.data, [5, 7, 9])


@pytest.mark.parametrize("a_shape, b_shape", [((2, 3), (3, 4)), ((3,), (3, 2)), ((2, 3), (3,)),
                                              ((5, 2, 3), (3, 4)), ((3,), (3,))])
def test_matmul_operator(a_shape, b_shape):
    a = rng().standard_normal(a_shape)
    b = rng().standard_normal(b_shape)
    x, W = Variable(a), Variable(b)
    for y in (x @ W, x @ b, a @ W, F.matmul(x, W), x.matmul(W), x.dot(W)):
        assert isinstance(y, Variable)
        np.testing.assert_allclose(y.data, a @ b, rtol=1e-12)
    assert utils.gradient_check(lambda v: v @ b, a)
    assert utils.gradient_check(lambda v: a @ v, b)
    with pytest.raises(ValueError):
        x @ Variable(np.ones((7, 2)))


def test_astype_is_differentiable():
    x = Variable(np.array([1.0, 2.0]))
    y = x.astype(np.float32)
    assert y.dtype == np.float32
    F.sum(y * 3.0).backward()
    assert x.grad.dtype == np.float64
    np.testing.assert_array_equal(x.grad.data, [3.0, 3.0])
    assert x.astype("float64") is x


# Indexing

KEYS = [
    0, -1, 1, slice(None), slice(1, None), slice(None, None, -1), slice(-2, None, -2),
    slice(5, 1, -1), slice(10, 20), slice(-100, 100, 3),
    (1, 2), (-1, slice(None, None, 2)), (Ellipsis, 0), (0, Ellipsis), (Ellipsis, None),
    (None, 1), (slice(None), None, slice(1, 3)), (Ellipsis,),
    [0, 2, 2], [-1, 0], np.array([1, 0, 1]), ([0, 1], [2, 1]), (slice(None), [2, 0, 2]),
    (0, slice(None), [0, 1]), (slice(None), 0, [1, 2]), ([[0, 1], [1, 2]],),
    (np.array([[0], [2]]), np.array([1, 2, 0])), (1, [0, 2], slice(None)),
    np.array([True, False, True, False]), (slice(None), np.array([False, True, True])),
    (), np.int64(2), (np.int32(1), slice(np.int64(1), None)),
]


@needs_get_item
@pytest.mark.parametrize("key", KEYS, ids=repr)
def test_getitem_matches_numpy(key):
    a = rng().standard_normal((4, 3, 5))
    x = Variable(a)
    y = x[key]
    expected = a[key]
    assert y.shape == expected.shape
    np.testing.assert_array_equal(y.data, expected)
    np.testing.assert_array_equal(F.get_item(x, key).data, expected)
    # The gradient adds into the positions read, as np.add.at.
    w = rng().standard_normal(expected.shape)
    F.sum(x[key] * w).backward()
    gx = np.zeros_like(a)
    np.add.at(gx, key, w)
    np.testing.assert_allclose(x.grad.data, gx, rtol=1e-12)


@needs_get_item
def test_getitem_with_a_variable_of_labels():
    # DeZero's softmax_cross_entropy_simple reads log_p[np.arange(N), t.data].
    a = rng().standard_normal((4, 3))
    t = Variable(np.array([2, 0, 1, 1]))
    x = Variable(a)
    np.testing.assert_array_equal(x[np.arange(4), t].data, a[np.arange(4), t.data])
    np.testing.assert_array_equal(x[np.arange(4), t.data].data, a[np.arange(4), t.data])


@needs_get_item
def test_getitem_float32_and_iteration():
    a = np.arange(6, dtype=np.float32).reshape(3, 2)
    x = Variable(a)
    assert x[1].dtype == np.float32
    rows = [row.data for row in x]
    assert len(rows) == 3
    np.testing.assert_array_equal(np.stack(rows), a)


@needs_get_item
@pytest.mark.parametrize("key, error", [
    (4, IndexError), (-5, IndexError), ((0, 0, 0, 0), IndexError),
    (slice(None, None, 0), ValueError), (1.5, IndexError), ("a", IndexError),
    ([1.5], IndexError), ((Ellipsis, Ellipsis), ValueError), ([0, 9], IndexError),
])
def test_getitem_errors(key, error):
    x = Variable(np.zeros((4, 3, 5)))
    with pytest.raises(error):
        x[key]


def test_builtins_by_registered_name():
    x = Variable(np.array([1.0, 2.0], np.float32))
    assert F.add_scalar(x, value=2.0).dtype == np.float32
    np.testing.assert_array_equal(F.mul_scalar(x, 3).data, [3.0, 6.0])
    np.testing.assert_array_equal(F.pow(x, exponent=2).data, [1.0, 4.0])
    np.testing.assert_array_equal(Dz.op_call("sum", [x], {"axis": 0}).data, 3.0)


def test_repr_names_float32_as_numpy_does():
    # The values as str() prints them, the dtype where NumPy's repr names it.
    assert repr(Dz.as_array(np.float32([1, 2]))) == "array([1. 2.], dtype=float32)"
    assert repr(Dz.as_array(np.array([1.5, 2.0]))) == "array([1.5 2. ])"
    assert repr(Dz.as_array(np.array([3, -1]))) == "array([ 3 -1])"


def test_requires_grad_off_skips_the_gradient():
    x = Dz.Variable(np.random.randn(4, 3))
    W = Dz.Variable(np.random.randn(3, 2))
    x.set_requires_grad(False)
    Dz.sum(Dz.tanh(x @ W)).backward()
    assert x.grad is None and not x.get_requires_grad()
    expected = x.data.T @ (1 - np.tanh(x.data @ W.data) ** 2)
    np.testing.assert_allclose(W.grad.data, expected)


def test_hessian_vector_product_through_an_mlp():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((4, 3))
    t = rng.standard_normal((4, 2))
    b1, W2 = rng.standard_normal(5), rng.standard_normal((5, 2))
    w, v = rng.standard_normal((3, 5)), rng.standard_normal((3, 5))

    def loss(W1):
        return Dz.mean_squared_error(Dz.linear(Dz.tanh(Dz.linear(x, W1, b1)), W2), t)

    W1 = Dz.Variable(w)
    (g,) = Dz.grad(loss(W1), [W1], create_graph=True)
    (hv,) = Dz.grad(Dz.sum(g * v), [W1])

    def grad_at(values):
        p = Dz.Variable(values)
        (gp,) = Dz.grad(loss(p), [p])
        return gp.data

    eps = 1e-5
    numerical = (grad_at(w + eps * v) - grad_at(w - eps * v)) / (2 * eps)
    np.testing.assert_allclose(hv.data, numerical, rtol=1e-5, atol=1e-7)
