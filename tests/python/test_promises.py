# SPDX-License-Identifier: MIT
"""Regression tests for issue 9 items that show in Python, one behaviour
each, named after the item."""

import copy
import gc
import pickle
import subprocess
import sys

import gi
import numpy as np
import pytest

gi.require_version("Dz", "1.0")
from gi.repository import Dz, GLib  # noqa: E402


class Failing(Dz.Function):
    def __init__(self, where):
        super().__init__()
        self.where = where

    def do_forward(self, xs):
        if self.where == "forward":
            raise KeyError("in forward")
        return xs[0] * 2.0

    def do_backward(self, gys):
        raise KeyError("in backward")


@pytest.fixture
def gc_disabled():
    gc.collect()
    gc.disable()
    yield
    gc.enable()


# Item 1 (Python part): views hold the storage, not the array object.

def test_item01_view_outlives_scope():
    # Arrays of this size come from the malloc heap, so before the fix the
    # views read freed (and reused) memory instead of crashing.
    with Dz.scope():
        v = Dz.Variable(np.arange(1000.0))
        view = v.data
        array_view = np.asarray(v.get_data())
    assert v.data is None
    reuse = [Dz.Array.new_full([1000], 7.0) for _ in range(8)]
    assert view[0] == 0.0 and view[999] == 999.0
    assert np.array_equal(array_view, np.arange(1000.0))
    del reuse, v


# Item 6 (Python part): None and data-less variables raise.

def test_item06_none_is_a_type_error():
    for op in (Dz.exp, Dz.square, Dz.neg):
        with pytest.raises(TypeError):
            op(None)
    with pytest.raises(TypeError):
        Dz.Variable(1.0) * None


def test_item06_no_data_raises():
    for op in (lambda: -Dz.Variable(), lambda: Dz.Variable() * 2,
               lambda: Dz.exp(Dz.Variable())):
        with pytest.raises(GLib.Error) as info:
            op()
        assert info.value.matches(Dz.error_quark(), Dz.Error.NO_DATA)


# Item 7: a Python exception does not keep the graph alive until the GC.

@pytest.mark.parametrize("where", ["forward", "backward"])
def test_item07_exception_releases_function_without_gc(gc_disabled, where):
    x = Dz.Variable(np.ones(4))
    try:
        y = Failing(where)(x)
        y.backward()
    except KeyError:
        pass
    y = None
    del x
    assert Dz.live_counts() == (0, 0, 0)


def test_item07_callback_exception_releases_without_gc(gc_disabled):
    def f(v):
        Dz.square(v)
        raise KeyError("in callback")
    try:
        Dz.numerical_diff(f, np.ones(3))
    except KeyError:
        pass
    assert Dz.live_counts() == (0, 0, 0)


# Item 11: reading inputs early does not freeze them.

def test_item11_inputs_read_before_call():
    seen = []

    class Double(Dz.Function):
        def forward(self, x):
            seen.append(len(self.inputs))
            return x * 2.0

        def backward(self, gy):
            seen.append(len(self.inputs))
            return gy * 2.0

    f = Double()
    assert f.inputs == []
    x = Dz.Variable(3.0)
    y = f(x)
    assert f.inputs == [x]
    y.backward()
    assert seen == [0, 1]
    assert x.grad.data == 2.0


# Item 14: division divides.

def test_item14_divides_by_zero_like_numpy():
    with np.errstate(divide="ignore"):
        assert (Dz.Variable(1.0) / 0.0).data == np.float64(1.0) / 0.0
        assert (1.0 / Dz.Variable(0.0)).data == np.inf


def test_item14_no_double_rounding():
    assert (Dz.Variable(1e-10) / 1e-310).data == np.float64(1e-10) / 1e-310
    rng = np.random.default_rng(14)
    a, c = rng.standard_normal(1000), 3.0 * rng.standard_normal()
    assert np.array_equal((Dz.Variable(a) / c).data, a / c)
    assert np.array_equal((c / Dz.Variable(a)).data, c / a)


def test_item14_division_gradients():
    x = np.random.default_rng(3).uniform(1.0, 2.0, (3, 2))
    assert Dz.gradient_check(lambda v: v / 3.0, x)
    assert Dz.gradient_check(lambda v: 3.0 / v, x)


# Item 15: ordering compares values.

def test_item15_ordering_compares_values():
    assert not (Dz.Variable(5.0) < Dz.Variable(3.0))
    assert Dz.Variable(5.0) > Dz.Variable(3.0)
    v = Dz.Variable(np.array([1.0, 2.0, 3.0]))
    result = v >= 2.0
    assert isinstance(result, np.ndarray) and result.dtype == bool
    assert result.tolist() == [False, True, True]
    assert (v < np.array([2.0, 2.0, 2.0])).tolist() == [True, False, False]
    assert (2.0 < v).tolist() == [False, False, True]
    assert (v <= v).all()


def test_item15_equality_is_identity():
    a, b = Dz.Variable(1.0), Dz.Variable(1.0)
    assert a == a and a != b
    assert len({a, b}) == 2


# Item 16: no_grad as a decorator, tidy returning anything.

def test_item16_bare_no_grad_decorator():
    calls = []

    @Dz.no_grad
    def f(x):
        calls.append(Dz.get_enable_backprop())
        return Dz.square(x)

    assert calls == []
    y = f(Dz.Variable(2.0))
    assert calls == [False] and y.creator is None and Dz.get_enable_backprop()


def test_item16_no_grad_called_decorator():
    @Dz.no_grad()
    def f(x):
        return Dz.square(x)

    assert f(Dz.Variable(2.0)).creator is None and Dz.get_enable_backprop()
    with Dz.no_grad():
        assert not Dz.get_enable_backprop()
    assert Dz.get_enable_backprop()


def test_item16_tidy_returns_anything():
    w = Dz.Variable(2.0)
    a, b = Dz.tidy(lambda: (Dz.square(w), Dz.exp(w)))
    assert a.data == 4.0 and b.data == np.exp(2.0)
    d = Dz.tidy(lambda: {"loss": Dz.square(w), "n": 3})
    assert d["loss"].data == 4.0 and d["n"] == 3
    assert Dz.tidy(lambda: 2.5) == 2.5
    assert np.array_equal(Dz.tidy(lambda: np.ones(2)), np.ones(2))
    assert Dz.tidy(lambda: None) is None
    with pytest.raises(ZeroDivisionError):
        Dz.tidy(lambda: 1 / 0)


# Item 17: the original exception on every path into C.

def test_item17_call_unary_reraises():
    with pytest.raises(KeyError, match="in forward"):
        Failing("forward").call_unary(Dz.Variable(1.0))


def test_item17_call_binary_reraises():
    with pytest.raises(KeyError, match="in forward"):
        Failing("forward").call_binary(Dz.Variable(1.0), Dz.Variable(1.0))


def test_item17_backward_full_reraises():
    y = Failing("backward")(Dz.Variable(1.0))
    with pytest.raises(KeyError, match="in backward"):
        y.backward_full(Dz.BackwardFlags.NONE)


def test_item17_grad_and_gradient_check_reraise():
    x = Dz.Variable(1.0)
    with pytest.raises(KeyError, match="in backward"):
        Dz.grad(Failing("backward")(x), x)
    with pytest.raises(KeyError, match="in backward"):
        Dz.gradient_check(lambda v: Failing("backward")(v), 1.0)


# Item 19: exceptions that fit.

def test_item19_errors_by_code():
    with pytest.raises(ValueError) as info:
        Dz.add(Dz.Variable(np.ones(3)), Dz.Variable(np.ones(2)))
    err = info.value
    assert isinstance(err, Dz.ShapeMismatchError) and isinstance(err, Dz.DzError)
    assert isinstance(err, GLib.Error)
    assert err.matches(Dz.error_quark(), Dz.Error.SHAPE_MISMATCH)
    assert err.code == Dz.Error.SHAPE_MISMATCH
    assert str(err) == err.message and "dz-error-quark" not in str(err)


def test_item19_introspected_calls_translate():
    with pytest.raises(Dz.SizeMismatchError):
        Dz.Array.new_from_values([1.0], [2])
    with pytest.raises(MemoryError):
        Dz.Array.new_zeros([2 ** 40, 2 ** 40])
    f = Failing("none")
    f(Dz.Variable(1.0))
    with pytest.raises(RuntimeError) as info:
        f(Dz.Variable(1.0))
    assert isinstance(info.value, Dz.FunctionReusedError)


def test_item19_class_hierarchy():
    assert issubclass(Dz.DzError, GLib.Error)
    for cls in (Dz.ShapeMismatchError, Dz.SizeMismatchError,
                Dz.InvalidArgumentError, Dz.WrongCountError):
        assert issubclass(cls, ValueError) and issubclass(cls, Dz.DzError)
    for cls in (Dz.NoMemoryError, Dz.TooLargeError):
        assert issubclass(cls, MemoryError)
    for cls in (Dz.NoDataError, Dz.FunctionReusedError, Dz.ReentrantError,
                Dz.DataModifiedError):
        assert issubclass(cls, RuntimeError)


# DeZero idioms

def test_idiom_data_update_in_place():
    x = Dz.Variable(np.array([1.0, 2.0]))
    y = Dz.square(x)
    recorded = x.get_data()
    y.backward()
    lr = 0.1
    x.data -= lr * x.grad.data
    assert np.allclose(x.data, [0.8, 1.6])
    x.data += np.array([1.0, 1.0])
    x.data *= 2.0
    x.data /= 4.0
    x.data **= 2.0
    assert np.allclose(x.data, [0.81, 1.69])
    # The array the graph recorded is untouched.
    assert np.array_equal(np.asarray(recorded), [1.0, 2.0])


def test_idiom_data_is_read_only_and_results_plain():
    x = Dz.Variable(np.array([1.0, 2.0]))
    with pytest.raises(ValueError):
        x.data[0] = 5.0
    for result in (x.data + 1, np.exp(x.data), x.data[0:1], x.data * x.data,
                   x.data.copy()):
        assert type(result) is np.ndarray
    assert repr(x.data) == "array([1., 2.])"
    assert type(pickle.loads(pickle.dumps(x.data))) is np.ndarray


def test_idiom_book_function():
    class Sum(Dz.Function):
        def __init__(self, scale):
            self.scale = scale

        def forward(self, x0, x1):
            return self.scale * (x0 + x1), x0 * x1

        def backward(self, gy0, gy1):
            x0, x1 = self.inputs[0].data, self.inputs[1].data
            assert self.outputs[0]() is not None
            return gy0 * self.scale + gy1 * x1, gy0 * self.scale + gy1 * x0

    a, b = Dz.Variable(2.0), Dz.Variable(3.0)
    y0, y1 = Sum(2.0)(a, b)
    assert y0.data == 10.0 and y1.data == 6.0
    (y0 + y1).backward()
    assert a.grad.data == 5.0 and b.grad.data == 4.0


def test_idiom_book_function_single_output():
    class Square(Dz.Function):
        def forward(self, x):
            return x ** 2

        def backward(self, gy):
            x = self.inputs[0].data
            return 2 * x * gy

    assert Dz.gradient_check(lambda v: Square()(v), np.array([1.0, -2.0, 3.0]))


def test_idiom_signatures_take_extra_arguments():
    def f(x, k):
        return x * k
    assert np.allclose(Dz.numerical_diff(f, np.ones(3), 3.0), 3.0)
    assert np.allclose(Dz.numerical_diff(f, np.ones(3), 3.0, eps=1e-3), 3.0)
    assert Dz.gradient_check(f, np.ones(3), 3.0, rtol=1e-4, atol=1e-5)


def test_idiom_printing():
    assert repr(Dz.Variable(0.6834917840420289)) == "variable(0.6834917840420289)"
    assert repr(Dz.Variable(16.0)) == "variable(16.0)"
    assert repr(Dz.Variable()) == "variable(None)"
    m = np.array([[1.5, -2.25], [3.0, 4.0]])
    assert repr(Dz.Variable(m)) == "variable(" + str(m).replace("\n", "\n" + " " * 9) + ")"
    assert repr(Dz.Variable(m)).startswith("variable([[ 1.5  -2.25]")


def test_idiom_backward_returns_none():
    assert Dz.square(Dz.Variable(2.0)).backward() is None


def test_idiom_scalar_conversions():
    v = Dz.Variable(2.5)
    assert float(v) == 2.5 and v.item() == 2.5 and v.dtype == np.float64
    with pytest.raises(ValueError):
        Dz.Variable(np.ones(2)).item()


def test_idiom_power_both_ways():
    x = Dz.Variable(3.0)
    y = 2 ** x
    assert y.data == 8.0
    y.backward()
    assert x.grad.data == pytest.approx(8.0 * np.log(2.0))
    a, b = Dz.Variable(2.0), Dz.Variable(3.0)
    z = a ** b
    assert z.data == 8.0
    z.backward()
    assert a.grad.data == pytest.approx(12.0)
    assert b.grad.data == pytest.approx(8.0 * np.log(2.0))
    e = np.array([1.5, 2.0, 0.5])
    assert Dz.gradient_check(lambda v: v ** Dz.Variable(e), np.array([1.0, 2.0, 3.0]))


def test_idiom_abs_is_differentiable():
    x = Dz.Variable(np.array([-1.5, 2.0]))
    y = abs(x)
    assert np.array_equal(y.data, [1.5, 2.0])
    y.backward()
    assert np.array_equal(x.grad.data, [-1.0, 1.0])


def test_idiom_copy_and_deepcopy():
    x = Dz.Variable(np.array([1.0, 2.0]), name="x")
    y = Dz.square(x)
    for c in (copy.copy(y), copy.deepcopy(y)):
        assert c is not y and c.creator is None
        assert np.array_equal(c.data, [1.0, 4.0])
    assert copy.copy(x).name == "x"


def test_idiom_pickle():
    x = Dz.Variable(np.array([1.0, 2.0]), name="x")
    y = pickle.loads(pickle.dumps(Dz.square(x)))
    assert y.creator is None and np.array_equal(y.data, [1.0, 4.0])
    z = pickle.loads(pickle.dumps(x))
    assert z.name == "x"
    assert pickle.loads(pickle.dumps(Dz.Variable())).data is None


def test_idiom_pickle_loads_in_a_fresh_process():
    blob = pickle.dumps(Dz.Variable(np.array([1.0, 2.0]), name="w"))
    code = ("import pickle, sys, gi; gi.require_version('Dz', '1.0'); "
            "v = pickle.loads(sys.stdin.buffer.read()); print(v.name, v.data.tolist())")
    out = subprocess.run([sys.executable, "-c", code], input=blob, capture_output=True,
                         check=True).stdout
    assert out.decode().strip() == "w [1.0, 2.0]"


def test_idiom_asarray():
    a = np.asarray(Dz.Variable(np.array([1.0, 2.0])))
    assert a.dtype == np.float64 and a.tolist() == [1.0, 2.0]
    assert np.asarray(Dz.Variable(3.0)).shape == ()


def test_idiom_optimizer_updates():
    """DeZero's MomentumSGD and AdaGrad updates, as written in the book."""
    p = Dz.Variable(np.array([1.0, -2.0]))
    v = np.zeros_like(p.data)
    h = np.zeros_like(p.data)
    expected = np.array([1.0, -2.0])
    ev, eh = np.zeros(2), np.zeros(2)
    for _ in range(3):
        p.cleargrad()
        Dz.square(p).backward()
        v *= 0.9
        v -= 0.01 * p.grad.data
        p.data += v
        ev = 0.9 * ev - 0.01 * 2.0 * expected
        expected = expected + ev
        grad = p.grad.data
        h += grad * grad
        p.data -= 0.001 * grad / (np.sqrt(h) + 1e-8)
        eh = eh + (2.0 * (expected - ev)) ** 2
        expected = expected - 0.001 * (2.0 * (expected - ev)) / (np.sqrt(eh) + 1e-8)
    assert np.allclose(p.data, expected)
