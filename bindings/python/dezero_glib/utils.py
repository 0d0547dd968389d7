# SPDX-License-Identifier: MIT
"""DeZero's ``dezero.utils``: graph pictures, gradient checks and its
NumPy helpers."""

import numpy as np

from dezero_glib.core import Dz

get_dot_graph = Dz.get_dot_graph
plot_dot_graph = Dz.plot_dot_graph
numerical_diff = Dz.numerical_diff


def _values(x):
    return np.asarray(x.data if isinstance(x, Dz.Variable) else x)


# NumPy helpers (DeZero's "numpy magic")

def sum_to(x, shape):
    """The ndarray ``x`` summed over its leading axes and the axes where
    ``shape`` has length 1, to ``shape``."""
    ndim = len(shape)
    lead = x.ndim - ndim
    lead_axes = tuple(range(lead))
    ones = tuple(lead + i for i, n in enumerate(shape) if n == 1)
    y = x.sum(lead_axes + ones, keepdims=True)
    return y.squeeze(lead_axes) if lead > 0 else y


def reshape_sum_backward(gy, x_shape, axis, keepdims):
    """``gy``, the gradient of ``sum(x, axis, keepdims)``, reshaped with the
    summed axes put back as length 1, ready to broadcast to ``x_shape``."""
    ndim = len(x_shape)
    if axis is None:
        axes = None
    elif isinstance(axis, tuple):
        axes = axis
    else:
        axes = (axis,)
    if ndim == 0 or axes is None or keepdims:
        shape = gy.shape
    else:
        shape = list(gy.shape)
        for a in sorted(a + ndim if a < 0 else a for a in axes):
            shape.insert(a, 1)
    return gy.reshape(shape)


def logsumexp(x, axis=1):
    """``log(sum(exp(x), axis, keepdims=True))`` of an ndarray, computed
    stably (the largest value taken out first)."""
    m = x.max(axis=axis, keepdims=True)
    s = np.exp(x - m).sum(axis=axis, keepdims=True)
    return m + np.log(s)


def max_backward_shape(x, axis):
    """``x``'s shape with the axes ``axis`` reduces (None: all) as 1."""
    if axis is None:
        axis = range(x.ndim)
    elif isinstance(axis, int):
        axis = (axis,)
    return [1 if a in axis else n for a, n in enumerate(x.shape)]


# Gradient checks

def gradient_check(f, x, *args, rtol=1e-4, atol=1e-5, **kwargs):
    """True if backprop through ``f(x, *args, **kwargs)`` agrees with
    numerical differentiation at ``x``, which is taken in float64 as
    DeZero does."""
    x = Dz.as_variable(x)
    if x.dtype != np.float64:
        x = Dz.Variable(np.asarray(x.data, dtype=np.float64))
    return Dz.gradient_check(f, x, *args, rtol=rtol, atol=atol, **kwargs)


def numerical_grad(f, x, *args, **kwargs):
    """DeZero's ``numerical_grad(f, x, *args)``: the central-difference
    gradient of ``sum(f(x))`` at ``x``, as an ndarray."""
    return Dz.numerical_diff(f, x, *args, **kwargs)


def array_allclose(a, b, rtol=1e-4, atol=1e-5):
    """Variables or arrays, compared by value within a tolerance."""
    return np.allclose(_values(a), _values(b), rtol=rtol, atol=atol)


def array_equal(a, b):
    """Variables or arrays, compared by value."""
    return np.array_equal(_values(a), _values(b))


# Others

def get_deconv_outsize(size, k, s, p):
    return s * (size - 1) + k - 2 * p


def get_conv_outsize(input_size, kernel_size, stride, pad):
    return (input_size + pad * 2 - kernel_size) // stride + 1


def pair(x):
    """``(x, x)`` for an int, ``x`` itself for a pair."""
    if isinstance(x, int):
        return (x, x)
    if isinstance(x, tuple) and len(x) == 2:
        return x
    raise ValueError(f"expected an int or a pair, not {x!r}")


__all__ = ["get_dot_graph", "plot_dot_graph", "numerical_diff", "numerical_grad",
           "gradient_check", "array_allclose", "array_equal", "sum_to", "reshape_sum_backward",
           "logsumexp", "max_backward_shape", "get_conv_outsize", "get_deconv_outsize", "pair"]
