# SPDX-License-Identifier: MIT
"""dezero_glib mirrors DeZero's public names: its functions and utils."""

import numpy as np
import pytest

import dezero_glib as dezero
import dezero_glib.functions as F
from dezero_glib import Variable, utils

# DeZero's dezero/functions.py (final version), minus the convolutions.
DEZERO_FUNCTIONS = """
sin cos tanh exp log reshape transpose get_item expand_dims flatten sum sum_to
broadcast_to average mean matmul linear linear_simple sigmoid_simple sigmoid relu
softmax_simple softmax log_softmax leaky_relu mean_squared_error_simple
mean_squared_error softmax_cross_entropy_simple softmax_cross_entropy
sigmoid_cross_entropy binary_cross_entropy accuracy dropout embed_id batch_nrom max min
clip add sub rsub mul div neg pow
""".split()
DEZERO_UTILS = """
get_dot_graph plot_dot_graph sum_to reshape_sum_backward logsumexp max_backward_shape
gradient_check numerical_grad array_equal array_allclose get_deconv_outsize
get_conv_outsize pair
""".split()


def test_public_names():
    for name in DEZERO_FUNCTIONS:
        assert callable(getattr(F, name)), name
    for name in DEZERO_UTILS:
        assert callable(getattr(utils, name)), name
    for name in ("Variable", "Function", "as_array", "as_variable", "using_config", "no_grad",
                 "test_mode", "Config", "setup_variable"):
        assert hasattr(dezero, name), name


def test_utils_numpy_helpers():
    a = np.arange(24.0).reshape(2, 3, 4)
    np.testing.assert_array_equal(utils.sum_to(a, (3, 1)), a.sum(axis=(0, 2))[:, None])
    np.testing.assert_array_equal(utils.sum_to(a, (1, 4)), a.sum(axis=(0, 1))[None])
    gy = Variable(np.ones((2, 4)))
    assert utils.reshape_sum_backward(gy, (2, 3, 4), 1, False).shape == (2, 1, 4)
    assert utils.reshape_sum_backward(gy, (2, 3, 4), -2, False).shape == (2, 1, 4)
    assert utils.max_backward_shape(a, 1) == [2, 1, 4]
    assert utils.max_backward_shape(a, None) == [1, 1, 1]
    x = np.random.default_rng(0).standard_normal((3, 5)) * 50
    np.testing.assert_allclose(utils.logsumexp(x, axis=1),
                               np.log(np.exp(x - 100).sum(axis=1, keepdims=True)) + 100)
    assert utils.get_conv_outsize(7, 3, 2, 1) == 4
    assert utils.pair(3) == (3, 3)


def test_functions_as_dezero_defines_them():
    x = Variable(np.random.default_rng(1).standard_normal((2, 3)))
    assert F.reshape(x, (2, 3)) is x
    assert F.sum_to(x, (2, 3)) is x
    assert F.broadcast_to(x, (2, 3)) is x
    np.testing.assert_allclose(F.average(x, axis=0).data, x.data.mean(axis=0))
    assert F.expand_dims(x, 1).shape == (2, 1, 3)
    assert F.flatten(Variable(np.zeros((2, 3, 4)))).shape == (2, 12)
    np.testing.assert_array_equal(F.rsub(x, 1.0).data, 1.0 - x.data)
    np.testing.assert_array_equal(F.rdiv(x, 1.0).data, 1.0 / x.data)
    np.testing.assert_allclose(F.softmax(x).data.sum(axis=1), 1.0)
    assert F.accuracy(x, np.array([0, 1])).creator is None
    W = Variable(np.arange(12.0).reshape(4, 3))
    np.testing.assert_array_equal(F.embed_id(np.array([3, 0]), W).data, W.data[[3, 0]])
    p = F.sigmoid(x)
    t = np.array([[0, 1, 1], [1, 0, 0]])
    np.testing.assert_allclose(F.binary_cross_entropy(p, t).data,
                               F.sigmoid_cross_entropy(x, t).data, rtol=1e-10)


def test_dropout_and_test_mode():
    x = np.ones((100, 100))
    y = F.dropout(x, 0.5)
    kept = y.data != 0
    assert 0.4 < kept.mean() < 0.6
    np.testing.assert_array_equal(y.data[kept], 2.0)
    assert dezero.Config.train
    with dezero.test_mode():
        assert not dezero.Config.train
        np.testing.assert_array_equal(F.dropout(x).data, x)
    assert dezero.Config.train


def test_using_config_sets_backprop():
    with dezero.using_config("enable_backprop", False):
        assert not dezero.Config.enable_backprop
        assert (Variable(1.0) * 2.0).creator is None
    assert dezero.Config.enable_backprop
    with dezero.no_grad():
        assert (Variable(1.0) * 2.0).creator is None
    with pytest.raises(AttributeError):
        with dezero.using_config("no_such_setting", 1):
            pass


def test_gradient_check_takes_float32_in_float64():
    x = np.random.default_rng(2).standard_normal((3, 4)).astype(np.float32)
    assert utils.gradient_check(F.tanh, x)
    assert utils.gradient_check(lambda v: F.sum(v ** 2, axis=1), x)
