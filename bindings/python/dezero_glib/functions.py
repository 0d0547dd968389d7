# SPDX-License-Identifier: MIT
"""DeZero's ``dezero.functions`` (``import dezero_glib.functions as F``).

Each function has DeZero's name, signature and defaults and is a C
built-in (or a composition of them, as in DeZero). Extensions beyond
DeZero: ``mean`` is DeZero's ``average``, ``dot``, ``squeeze``,
``concatenate``, ``stack``, ``logsumexp``; and every built-in of
``Dz.ops_list()`` is here by its registered name, taking its inputs then
its parameters by keyword (``F.add_scalar(x, value=2.0)``).
"""

import numpy as np

from dezero_glib.core import (  # noqa: F401 - DeZero's functions re-exports these
    Config,
    Dz,
    Function,
    Variable,
    add,
    as_array,
    as_variable,
    div,
    mul,
    neg,
    pow,
    rdiv,
    rsub,
    sub,
)

# Element-wise

sin = Dz.sin
cos = Dz.cos
tanh = Dz.tanh
exp = Dz.exp
log = Dz.log
square = Dz.square
add_scalar = Dz.add_scalar
mul_scalar = Dz.mul_scalar

# Tensor operations


def reshape(x, shape):
    """``x`` laid out in ``shape``; ``x`` itself (as a variable) when it
    has that shape already, as in DeZero."""
    if x.shape == shape:
        return as_variable(x)
    return Dz.reshape(x, shape)


def transpose(x, axes=None):
    return Dz.transpose(x, axes)


def get_item(x, slices):
    """``x[slices]`` with NumPy's indexing; the gradient is ``np.add.at``'s."""
    return Dz.get_item(x, slices)


def expand_dims(x, axis):
    return Dz.expand_dims(x, axis)


def squeeze(x, axis=None):
    return Dz.squeeze(x, axis)


def flatten(x):
    """``x`` as ``(len(x), -1)``: the batch axis is kept."""
    return Dz.flatten(x)


def concatenate(xs, axis=0):
    return Dz.concatenate(xs, axis)


def stack(xs, axis=0):
    return Dz.stack(xs, axis)


# Sums and broadcasting


def sum(x, axis=None, keepdims=False):  # noqa: A001 - DeZero's name
    return Dz.sum(x, axis, keepdims)


def sum_to(x, shape):
    """``x`` summed to ``shape`` (``x`` itself when it has that shape)."""
    if x.shape == shape:
        return as_variable(x)
    return Dz.sum_to(x, shape)


def broadcast_to(x, shape):
    """``x`` repeated to ``shape`` (``x`` itself when it has that shape)."""
    if x.shape == shape:
        return as_variable(x)
    return Dz.broadcast_to(x, shape)


def average(x, axis=None, keepdims=False):
    """The mean over ``axis`` (None: every axis)."""
    return Dz.mean(x, axis, keepdims)


mean = average


def max(x, axis=None, keepdims=False):  # noqa: A001 - DeZero's name
    return Dz.max(x, axis, keepdims)


def min(x, axis=None, keepdims=False):  # noqa: A001 - DeZero's name
    return Dz.min(x, axis, keepdims)


def clip(x, x_min, x_max):
    return Dz.clip(x, x_min, x_max)


# Matrix products


def matmul(x, W, trans_a=False, trans_b=False):
    """``x @ W``; ``trans_a``/``trans_b`` (extensions) swap an operand's
    last two axes."""
    return Dz.matmul(x, W, trans_a, trans_b)


def dot(a, b):
    return Dz.dot(a, b)


def linear(x, W, b=None):
    return Dz.linear(x, W, b)


def linear_simple(x, W, b=None):
    """``linear`` as DeZero's step 43 first writes it: matmul then add,
    dropping the intermediate's data (its backward does not need it)."""
    t = matmul(x, W)
    if b is None:
        return t
    y = t + b
    t.data = None
    return y


# Activations


def sigmoid_simple(x):
    x = as_variable(x)
    return 1 / (1 + exp(-x))


def sigmoid(x):
    return Dz.sigmoid(x)


def relu(x):
    return Dz.relu(x)


def leaky_relu(x, slope=0.2):
    return Dz.leaky_relu(x, slope)


def softmax_simple(x, axis=1):
    x = as_variable(x)
    y = exp(x)
    return y / sum(y, axis=axis, keepdims=True)


def softmax(x, axis=1):
    return Dz.softmax(x, axis)


def log_softmax(x, axis=1):
    return Dz.log_softmax(x, axis)


def logsumexp(x, axis=1):
    return Dz.logsumexp(x, axis)


# Losses


def mean_squared_error_simple(x0, x1):
    x0, x1 = as_variable(x0), as_variable(x1)
    diff = x0 - x1
    return sum(diff ** 2) / len(diff)


def mean_squared_error(x0, x1):
    return Dz.mean_squared_error(x0, x1)


def softmax_cross_entropy_simple(x, t):
    x, t = as_variable(x), as_variable(t)
    n = x.shape[0]
    p = clip(softmax(x), 1e-15, 1.0)  # no log(0)
    log_p = log(p)[np.arange(n), t.data]
    return -1 * sum(log_p) / n


def softmax_cross_entropy(x, t):
    return Dz.softmax_cross_entropy(x, t)


def sigmoid_cross_entropy(x, t):
    return Dz.sigmoid_cross_entropy(x, t)


def binary_cross_entropy(p, t):
    """The mean cross entropy of probabilities ``p`` and 0/1 targets."""
    p, t = as_variable(p), as_variable(t)
    if p.ndim != t.ndim:
        t = t.reshape(*p.shape)
    n = len(t)
    p = clip(p, 1e-15, 0.999)
    tlog_p = t * log(p) + (1 - t) * log(1 - p)
    return -1 * sum(tlog_p) / n


def accuracy(y, t):
    """The fraction of rows of ``y`` whose argmax is ``t`` (no gradient)."""
    return Dz.accuracy(y, t)


# Others


def dropout(x, dropout_ratio=0.5):
    """Zeroes each value with probability ``dropout_ratio`` and scales the
    others up in training (``Config.train``); ``x`` as is in test mode."""
    x = as_variable(x)
    if not Config.train:
        return x
    mask = np.random.rand(*x.shape) > dropout_ratio
    scale = np.array(1.0 - dropout_ratio).astype(x.dtype)
    return x * mask / scale


def embed_id(x, W):
    """The rows of ``W`` at the integer ids ``x`` (DeZero's ``W[x]``), one C
    op whose gradient adds up at repeated ids; ids outside ``[0, len(W))``
    (negative ones too) raise ``IndexError``."""
    if not isinstance(x, (Variable, Dz.Array)):
        x = np.asarray(x)
        if x.dtype.kind in "iu":
            x = x.astype(np.int64, copy=False)
    return Dz.embed_id(x, W)


def batch_nrom(x, gamma, beta, mean=None, var=None, decay=0.9, eps=2e-5):
    """DeZero's batch normalization (and its spelling; ``batch_norm`` is
    the same): per channel (axis 1 of (N, C) or (N, C, H, W)), batch
    statistics in training mode (``Config.train``), and then ``mean`` and
    ``var`` updated in place as DeZero does (``decay`` and the unbiased
    variance); those averages in test mode. ``mean`` and ``var`` are
    ndarrays (written in place) or Variables (given new data); they take
    no gradient. Extension: in training mode they may be left out (None),
    and nothing is updated."""
    if mean is None and var is None:
        return Dz.batch_norm(x, gamma, beta, None, None, decay, eps)
    averages = []
    for avg in (mean, var):
        averages.append(avg if isinstance(avg, Variable) else Variable(np.array(avg)))
    y = Dz.batch_norm(x, gamma, beta, averages[0], averages[1], decay, eps)
    if Config.train:
        for avg, v in zip((mean, var), averages):
            if v is not avg:
                avg[...] = v.data
    return y


batch_norm = batch_nrom


# As DeZero's functions.py ends: the convolutions from their own module.
from dezero_glib.functions_conv import (  # noqa: E402
    average_pooling,
    col2im,
    conv2d,
    conv2d_simple,
    deconv2d,
    im2col,
    pooling,
    pooling_simple,
)

# DeZero's Function classes, which are C built-ins here.
_CLASSES = {
    "Sin", "Cos", "Tanh", "Exp", "Log", "Reshape", "Transpose", "GetItem", "GetItemGrad",
    "Sum", "SumTo", "BroadcastTo", "MatMul", "Linear", "Sigmoid", "ReLU", "Softmax",
    "LogSoftmax", "LeakyReLU", "MeanSquaredError", "SoftmaxCrossEntropy", "Max", "Min",
    "Clip", "Add", "Mul", "Neg", "Sub", "Div", "Pow",
}


def _by_name(name):
    def op(*inputs, **params):
        return Dz.op_call(name, inputs, params)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"The built-in {name!r}: ``{name}(*inputs, **params)`` (``Dz.op_call``)."
    return op


def __getattr__(name):
    if name.startswith("__"):
        raise AttributeError(name)
    if name in Dz.ops_list():
        op = globals()[name] = _by_name(name)
        return op
    if name in _CLASSES:
        raise AttributeError(f"dezero_glib.functions.{name}: DeZero's Function classes are "
                             f"C built-ins here; call F.{name.lower()}() or subclass "
                             "dezero_glib.Function")
    raise AttributeError(f"module 'dezero_glib.functions' has no attribute {name!r}")


__all__ = [
    "sin", "cos", "tanh", "exp", "log", "square", "add_scalar", "mul_scalar", "reshape",
    "transpose", "get_item", "expand_dims", "squeeze", "flatten", "concatenate", "stack",
    "sum", "sum_to", "broadcast_to", "average", "mean", "max", "min", "clip", "matmul", "dot",
    "linear", "linear_simple", "sigmoid_simple", "sigmoid", "relu", "leaky_relu",
    "softmax_simple", "softmax", "log_softmax", "logsumexp", "mean_squared_error_simple",
    "mean_squared_error", "softmax_cross_entropy_simple", "softmax_cross_entropy",
    "sigmoid_cross_entropy", "binary_cross_entropy", "accuracy", "dropout", "embed_id",
    "batch_nrom", "batch_norm",
    "add", "sub", "rsub", "mul", "div", "rdiv", "neg", "pow",
    "conv2d", "deconv2d", "conv2d_simple", "im2col", "col2im", "pooling", "pooling_simple",
    "average_pooling",
]
