# SPDX-License-Identifier: MIT
"""Every case of the shared table (tests/ops/cases/*.json) through DeZero's
idiomatic functions: ``F.<op>(*inputs, **params)`` from
``dezero_glib.functions``, forward values against NumPy and gradients with
``dezero_glib.utils.gradient_check``, as a DeZero user would write them.
(test_op_cases.py runs the same table through ``Dz.op_call``.)"""

import json
import math
import pathlib
import zlib

import numpy as np
import pytest

import dezero_glib.functions as F
from dezero_glib import Variable, using_config, utils

CASES_DIR = pathlib.Path(__file__).resolve().parent.parent / "ops" / "cases"


def load_cases():
    counts, cases = {}, []
    for path in sorted(CASES_DIR.glob("*.json")):
        for case in json.loads(path.read_text()):
            op = case["op"]
            cases.append(pytest.param(op, case, id=f"{op}-{counts.get(op, 0)}"))
            counts[op] = counts.get(op, 0) + 1
    return cases


def draw(spec, rng):
    shape, domain = tuple(spec["shape"]), spec["domain"]
    n = math.prod(shape)
    if domain == "normal":
        x = rng.standard_normal(n)
    elif domain == "positive":
        x = rng.uniform(0.5, 2.0, n)
    elif domain == "unit":
        x = rng.uniform(-0.9, 0.9, n)
    elif domain == "probability":
        x = rng.uniform(0.1, 0.9, n)
    elif domain == "distinct":
        x = rng.permutation(0.1 * (np.arange(n) - n // 2) + 0.05)
    elif domain == "binary":
        x = (rng.uniform(size=n) < 0.5).astype(np.float64)
    elif domain.startswith("labels:"):
        x = rng.integers(0, int(domain.split(":")[1]), n)
    else:
        raise ValueError(f"unknown domain {domain}")
    default = "int64" if domain.startswith("labels:") else "float64"
    return x.reshape(shape).astype(spec.get("dtype", default))


def differentiable(spec):
    return spec.get("dtype") != "int64" and spec["domain"] != "binary" \
        and not spec["domain"].startswith("labels:")


def python_key(slices):
    """The table's JSON form of a NumPy key as Python writes it: a list at
    the top lists the items, strings are slices, "..." or "None"."""
    def item(value):
        if value == "...":
            return Ellipsis
        if value in ("None", "newaxis"):
            return None
        if isinstance(value, str):
            return slice(*(int(p) if p else None for p in value.split(":")))
        return value
    if isinstance(slices, list):
        return tuple(item(v) for v in slices)
    return item(slices)


def python_params(op, params):
    params = dict(params)
    if "slices" in params:
        params["slices"] = python_key(params["slices"])
    return params


def call(op, inputs, params):
    if op in ("concatenate", "stack"):
        return getattr(F, op)(inputs, **params)
    if op == "batch_norm":
        # DeZero's function: batch statistics in training (the table's three
        # inputs), the given averages in test mode (its five).
        with using_config("train", len(inputs) == 3):
            return F.batch_norm(*inputs, **params)
    return getattr(F, op)(*inputs, **params)


# NumPy references, as DeZero computes each function on ndarrays.

def _axis(axis):
    return tuple(axis) if isinstance(axis, list) else axis


def _log_softmax(x, axis=1):
    return x - utils.logsumexp(x, axis)


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


# The losses keep a float32 input's dtype (a NumPy scalar divided by an int
# would be float64: DeZero itself divides by np.float32(N) in one of them).
def _mean_squared_error(a, b):
    diff = a - b
    return ((diff ** 2).sum() / len(diff)).astype(diff.dtype)


def _softmax_cross_entropy(x, t):
    return (-_log_softmax(x)[np.arange(len(x)), t.ravel()].sum() / len(x)).astype(x.dtype)


def _sigmoid_cross_entropy(x, t):
    t = t.reshape(x.shape)
    p = _sigmoid(x)
    return (-(t * np.log(p) + (1 - t) * np.log(1 - p)).sum() / len(x)).astype(x.dtype)


def _batch_norm(x, gamma, beta, mean=None, var=None, eps=2e-5):
    axes = (0,) if x.ndim == 2 else (0, 2, 3)
    shape = (1, -1) + (1,) * (x.ndim - 2)
    if mean is None:
        mean, var = x.mean(axis=axes), x.var(axis=axes)
    xhat = (x - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + eps)
    return gamma.reshape(shape) * xhat + beta.reshape(shape)


def _get_item_grad(gy, slices, in_shape):
    gx = np.zeros(in_shape, dtype=gy.dtype)
    np.add.at(gx, slices, gy)
    return gx


REFERENCES = {
    "add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.divide,
    "neg": np.negative, "square": np.square, "exp": np.exp, "log": np.log, "sin": np.sin,
    "cos": np.cos, "tanh": np.tanh,
    "add_scalar": lambda x, value: x + value,
    "mul_scalar": lambda x, value: x * value,
    "pow": lambda x, exponent: x ** exponent,
    "reshape": lambda x, shape: x.reshape(shape),
    "broadcast_to": lambda x, shape: np.broadcast_to(x, shape),
    "sum_to": lambda x, shape: utils.sum_to(x, tuple(shape)),
    "transpose": lambda x, axes=None: np.transpose(x, axes),
    "sum": lambda x, axis=None, keepdims=False: np.sum(x, _axis(axis), keepdims=keepdims),
    "mean": lambda x, axis=None, keepdims=False: np.mean(x, _axis(axis), keepdims=keepdims),
    "max": lambda x, axis=None, keepdims=False: np.max(x, _axis(axis), keepdims=keepdims),
    "min": lambda x, axis=None, keepdims=False: np.min(x, _axis(axis), keepdims=keepdims),
    "clip": lambda x, x_min, x_max: np.clip(x, x_min, x_max),
    "matmul": lambda a, b, trans_a=False, trans_b=False: np.matmul(
        np.swapaxes(a, -1, -2) if trans_a else a, np.swapaxes(b, -1, -2) if trans_b else b),
    "dot": np.dot,
    "linear": lambda x, W, b=None: x @ W if b is None else x @ W + b,
    "sigmoid": _sigmoid,
    "relu": lambda x: np.maximum(x, 0),
    "leaky_relu": lambda x, slope=0.2: np.where(x > 0, x, x * slope),
    "softmax": lambda x, axis=1: np.exp(_log_softmax(x, axis)),
    "log_softmax": _log_softmax,
    "logsumexp": lambda x, axis=1: utils.logsumexp(x, axis),
    "mean_squared_error": _mean_squared_error,
    "softmax_cross_entropy": _softmax_cross_entropy,
    "sigmoid_cross_entropy": _sigmoid_cross_entropy,
    "accuracy": lambda y, t: (y.argmax(axis=1).reshape(t.shape) == t).mean(),
    "expand_dims": np.expand_dims,
    "squeeze": lambda x, axis=None: np.squeeze(x, _axis(axis)),
    "flatten": lambda x: x.reshape(len(x), -1),
    "get_item": lambda x, slices: x[slices],
    "get_item_grad": _get_item_grad,
    "batch_norm": _batch_norm,
    "embed_id": lambda ids, W: W[ids],
    "concatenate": lambda xs, axis=0: np.concatenate(xs, axis),
    "stack": lambda xs, axis=0: np.stack(xs, axis),
}


def reference(op, xs, params):
    if op in ("concatenate", "stack"):
        return np.asarray(REFERENCES[op](xs, **params))
    return np.asarray(REFERENCES[op](*xs, **params))


@pytest.mark.parametrize("op, case", load_cases())
def test_case(op, case):
    if "skip_python" in case:
        pytest.skip(case["skip_python"])
    rng = np.random.default_rng(zlib.crc32(json.dumps(case, sort_keys=True).encode()))
    xs = [draw(spec, rng) for spec in case["inputs"]]
    params = python_params(op, case.get("params", {}))
    rtol, atol = case.get("rtol", 1e-4), case.get("atol", 1e-5)

    # Forward as given (float32 inputs stay float32), against NumPy.
    y = call(op, [Variable(x) for x in xs], params)
    assert isinstance(y, Variable)
    if op in REFERENCES:
        expected = reference(op, xs, params)
        assert y.shape == expected.shape
        # NumPy's result dtype (the accuracy is float64 from any input).
        assert y.dtype == expected.dtype
        tol = 1e-5 if y.dtype == np.float32 else 1e-10
        np.testing.assert_allclose(y.data, expected, rtol=tol, atol=tol)
    if case.get("no_grad"):
        assert y.creator is None
        return

    # Gradients in float64 against numerical differentiation, each
    # differentiable input in turn, of sum(F.op(...) * w).
    xs = [x.astype(np.float64) if x.dtype == np.float32 else x for x in xs]
    w = rng.standard_normal(np.shape(y.data))
    del y
    for i, spec in enumerate(case["inputs"]):
        # DeZero's running averages are state, not inputs to differentiate.
        if not differentiable(spec) or (op == "batch_norm" and i >= 3):
            continue

        def f(x, i=i):
            inputs = [x if j == i else Variable(v) for j, v in enumerate(xs)]
            return call(op, inputs, params) * w

        assert utils.gradient_check(f, xs[i], rtol=rtol, atol=atol), \
            f"gradient of input {i} of {op} {json.dumps(case)}"


def test_every_builtin_is_a_function():
    """F has every built-in by its registered name."""
    import gi

    gi.require_version("Dz", "1.0")
    from gi.repository import Dz

    for name in Dz.ops_list():
        assert callable(getattr(F, name)), name
