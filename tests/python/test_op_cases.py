# SPDX-License-Identifier: MIT
"""Every built-in against the shared table of cases, through Dz.op_call().

The twin of tests/ops/test-op-cases.c: the same cases, inputs and checks
(a)-(d); tests/ops/cases/README.md says what a case means."""

import json
import pathlib

import gi
import numpy as np
import pytest

gi.require_version("Dz", "1.0")
from gi.repository import Dz, GLib  # noqa: E402

CASES_DIR = pathlib.Path(__file__).resolve().parent.parent / "ops" / "cases"
EPS = 1e-4
SAME_RTOL, SAME_ATOL = 1e-10, 1e-12
DTYPES = {"float64": Dz.Dtype.FLOAT64, "float32": Dz.Dtype.FLOAT32, "int64": Dz.Dtype.INT64}


def load_cases():
    """[(op, index, file, case)], each op's cases numbered through the files
    in name order."""
    counts, cases = {}, []
    for path in sorted(CASES_DIR.glob("*.json")):
        for case in json.loads(path.read_text()):
            op = case.get("op", "(no op)")
            cases.append((op, counts.get(op, 0), path.name, case))
            counts[op] = counts.get(op, 0) + 1
    return cases


CASES = load_cases()


def variant(value):
    if value is None:
        return GLib.Variant("mv", None)
    if isinstance(value, bool):
        return GLib.Variant("b", value)
    if isinstance(value, int):
        return GLib.Variant("x", value)
    if isinstance(value, float):
        return GLib.Variant("d", value)
    if isinstance(value, str):
        return GLib.Variant("s", value)
    if isinstance(value, dict):
        return GLib.Variant("a{sv}", {k: variant(v) for k, v in value.items() if v is not None})
    if all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        return GLib.Variant("ax", value)
    return GLib.Variant("av", [variant(v) for v in value])


class Case:
    def __init__(self, op, index, file, case):
        self.op, self.index, self.case = op, index, case
        self.where = f"{op} #{index} ({file}: {json.dumps(case)})"
        self.params = variant(case.get("params", {}))
        self.inputs = case["inputs"]
        self.rtol = case.get("rtol", 1e-4)
        self.atol = case.get("atol", 1e-5)
        self.diff = [i for i, x in enumerate(self.inputs) if self.differentiable(x)]

    @staticmethod
    def dtype(x):
        default = "int64" if x["domain"].startswith("labels:") else "float64"
        return x.get("dtype", default)

    def differentiable(self, x):
        return self.dtype(x) != "int64" and x["domain"] != "binary" \
            and not x["domain"].startswith("labels:")

    def forward(self, xs):
        return Dz.op_call(self.op, xs, self.params)

    def weighted(self, xs, w):
        return Dz.mul(self.forward(xs), w)

    def second_order_value(self, xs, w, us):
        grads = Dz.grad(self.weighted(xs, w), [xs[i] for i in self.diff], create_graph=True)
        total = None
        for g, u in zip(grads, us):
            term = Dz.sum_to(Dz.mul(g, u), [])
            total = term if total is None else Dz.add(total, term)
        return total

    def numerical(self, f, xs):
        """The numerical gradient of f(xs) for each differentiated input."""
        def at(i):
            def probe(x):
                return f(xs[:i] + [x] + xs[i + 1:])
            return Dz.numerical_diff(probe, xs[i], eps=EPS)
        return [at(i) for i in self.diff]

    def check_close(self, check, actual, expected, rtol, atol):
        actual, expected = np.asarray(actual), np.asarray(expected)
        assert actual.shape == expected.shape, \
            f"{self.where}, check {check}: shape {actual.shape}, expected {expected.shape}"
        excess = np.abs(actual - expected) - (atol + rtol * np.abs(expected))
        off = ~(excess <= 0)
        if off.any():
            worst = np.unravel_index(np.argmax(np.where(np.isnan(excess), np.inf, excess)),
                                     expected.shape)
            raise AssertionError(
                f"{self.where}, check {check}: {off.sum()} of {off.size} elements off "
                f"(rtol {rtol:g}, atol {atol:g}); worst {list(worst)}: "
                f"{actual[worst]:.10g}, expected {expected[worst]:.10g}")

    def check_grads(self, check, actual, expected, rtol, atol):
        for i, a, e in zip(self.diff, actual, expected):
            self.check_close(f"{check}, gradient of input {i}", a, e, rtol, atol)


def make_input(x, gen):
    """The same draws, in the same order, as the C driver."""
    n = int(np.prod(x["shape"], dtype=np.int64))
    domain = x["domain"]
    draw = gen.draw_normal if domain == "normal" else gen.draw_uniform
    u = np.array(draw(n) if n else [], dtype=np.float64)
    if domain == "positive":
        v = 0.5 + 1.5 * u
    elif domain == "unit":
        v = -0.9 + 1.8 * u
    elif domain == "probability":
        v = 0.1 + 0.8 * u
    elif domain == "binary":
        v = np.where(u < 0.5, 0.0, 1.0)
    elif domain.startswith("labels:"):
        v = np.floor(u * int(domain[len("labels:"):]))
    elif domain == "distinct":
        v = 0.1 * (np.arange(n) - n // 2) + 0.05
        for i in range(n - 1, 0, -1):
            j = int(u[i] * (i + 1))
            v[i], v[j] = v[j], v[i]
    else:
        assert domain == "normal", f"unknown domain {domain}"
        v = u
    array = Dz.as_array(v.reshape(x["shape"]))
    dtype = Case.dtype(x)
    return array if dtype == "float64" else array.astype(DTYPES[dtype])


def randn_like(gen, shape):
    return Dz.Variable(Dz.Array.new_randn(list(shape), gen))


def param(op, index, file, case):
    skip = [pytest.mark.skip(reason=case["skip_python"])] if "skip_python" in case else []
    return pytest.param(op, index, file, case, id=f"{op}/{index}", marks=skip)


@pytest.mark.parametrize("op, index, file, case", [param(*c) for c in CASES])
def test_op_case(op, index, file, case):
    c = Case(op, index, file, case)
    gen = Dz.Generator.new(index)
    # Checks run in float64: float inputs declared float32 are converted.
    xs = []
    for x in c.inputs:
        array = make_input(x, gen)
        if array.get_dtype() == Dz.Dtype.FLOAT32:
            array = array.astype(Dz.Dtype.FLOAT64)
        xs.append(Dz.Variable(array))
    diff = [xs[i] for i in c.diff]

    y = c.forward(xs)
    if case.get("no_grad"):
        assert y.creator is None, f"{c.where}, check no_grad: the output has a creator"
        return
    w = randn_like(gen, y.shape)

    # (a) the ordinary backward pass, (b) the recorded one
    Dz.mul(y, w).backward()
    grads = [np.array(x.grad) if x.grad is not None else np.zeros(x.shape) for x in diff]
    for x in xs:
        x.cleargrad()
    recorded = Dz.grad(Dz.mul(y, w), diff, create_graph=True)
    c.check_grads("create_graph against backward", recorded, grads, SAME_RTOL, SAME_ATOL)

    # (c) numerical differentiation
    numerical = c.numerical(lambda xs: c.weighted(xs, w), xs)
    c.check_grads("backward against numerical", grads, numerical, c.rtol, c.atol)

    # (d) second order
    if case.get("second_order"):
        us = [randn_like(gen, x.shape) for x in diff]
        second = Dz.grad(c.second_order_value(xs, w, us), diff)

        def value(xs):
            # Numerical differentiation records nothing; the gradient inside must.
            with Dz.using_config("enable_backprop", True):
                return c.second_order_value(xs, w, us)
        c.check_grads("second order against numerical", second, c.numerical(value, xs),
                      c.rtol, c.atol)


def test_coverage():
    missing = sorted(set(Dz.ops_list()) - {op for op, _, _, _ in CASES})
    assert not missing, f"built-ins without a case in tests/ops/cases/*.json: {missing}"
