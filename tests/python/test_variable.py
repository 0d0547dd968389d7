# SPDX-License-Identifier: MIT
"""Dz.Variable and Dz.Array as a Python user sees them."""

import gi
import numpy as np
import pytest

gi.require_version("Dz", "1.0")
from gi.repository import Dz, GLib  # noqa: E402


@pytest.mark.parametrize("data, shape", [
    (np.array([1.0, 2.0]), (2,)),
    (np.arange(6).reshape(2, 3), (2, 3)),
    (3, ()),
    (2.5, ()),
    ([[1, 2], [3, 4]], (2, 2)),
    (np.float32(1.5), ()),
    (np.arange(12.0).reshape(3, 4)[:, ::2], (3, 2)),
])
def test_construct(data, shape):
    # NumPy's dtype, as DeZero's variable holding np.asarray(data) has.
    v = Dz.Variable(data)
    assert v.shape == shape
    assert v.data.dtype == v.dtype == np.asarray(data).dtype
    np.testing.assert_array_equal(v.data, np.asarray(data))


def test_construct_from_array():
    a = Dz.Array.new_from_values([1.0, 2.0], [2])
    v = Dz.Variable(a)
    assert v.get_data() == a


@pytest.mark.parametrize("bad", ["abc", b"xy", object(), {"a": 1}, 1 + 2j, [1, "a"]])
def test_construct_rejects(bad):
    with pytest.raises(TypeError, match="Dz.Array"):
        Dz.Variable(bad)


def test_construct_rejects_variable():
    with pytest.raises(TypeError):
        Dz.Variable(Dz.Variable(1.0))


def test_empty_variable():
    v = Dz.Variable()
    assert v.data is None
    assert v.shape is None
    assert repr(v) == "variable(None)"


def test_data_is_zero_copy_and_read_only():
    v = Dz.Variable(np.arange(4.0))
    view1, view2 = v.data, v.data
    assert np.shares_memory(view1, view2)
    assert not view1.flags.writeable
    with pytest.raises(ValueError):
        view1[0] = 7.0
    a = v.get_data()
    np.testing.assert_array_equal(np.asarray(a), [0, 1, 2, 3])
    assert np.asarray(a).base is not None


def test_view_keeps_values_alive():
    # The view holds the storage (through GBytes), not necessarily the array.
    view = Dz.Variable(np.arange(3.0)).data
    import gc
    gc.collect()
    np.testing.assert_array_equal(view, [0, 1, 2])
    del view


def test_data_setter():
    v = Dz.Variable(1.0)
    v.data = np.ones((2, 2))
    assert v.shape == (2, 2)
    v.data = None
    assert v.data is None


def test_properties_and_repr():
    x = Dz.Variable(np.array([1.0, 2.0]), name="x")
    assert x.name == "x"
    assert x.creator is None
    assert x.generation == 0
    assert x.ndim == 1 and x.size == 2 and len(x) == 2
    assert repr(x) == "variable([1. 2.])"
    y = Dz.square(x)
    assert y.generation == 1
    assert y.creator.get_name() == "Square"
    assert repr(Dz.Variable(np.array([[1.0, 2.0], [3.0, 4.0]]))) == \
        "variable([[1. 2.]\n          [3. 4.]])"
    with pytest.raises(TypeError):
        len(Dz.Variable(1.0))


def test_grad_property():
    x = Dz.Variable(2.0)
    assert x.grad is None
    x.grad = np.array(5.0)
    assert isinstance(x.grad, Dz.Variable)
    assert x.grad.data == 5.0
    x.cleargrad()
    assert x.grad is None


def test_array_numpy_roundtrip():
    a = Dz.as_array(np.arange(6.0).reshape(2, 3))
    assert a.shape == (2, 3) and a.ndim == 2 and a.size == 6 and len(a) == 2
    np.testing.assert_array_equal(np.asarray(a), np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(a.numpy(), np.arange(6.0).reshape(2, 3))
    assert repr(Dz.as_array([1.0, 2.0])) == "array([1. 2.])"


def test_array_bytes_zero_copy():
    a = Dz.Array.new_from_bytes(GLib.Bytes.new(np.arange(3.0).tobytes()), Dz.Dtype.FLOAT64, [3])
    np.testing.assert_array_equal(np.frombuffer(a.get_bytes().get_data()), [0, 1, 2])


def test_array_errors():
    with pytest.raises(GLib.Error) as info:
        Dz.Array.new_from_values([1.0, 2.0, 3.0], [2, 2])
    assert info.value.matches(Dz.error_quark(), Dz.Error.SIZE_MISMATCH)
    with pytest.raises(GLib.Error) as info:
        Dz.Array.new_zeros([1 << 50])
    assert info.value.matches(Dz.error_quark(), Dz.Error.TOO_LARGE)


def test_generator_is_reproducible():
    g1, g2 = Dz.Generator.new(7), Dz.Generator.new(7)
    a = np.asarray(Dz.Array.new_randn([100], g1))
    b = np.asarray(Dz.Array.new_randn([100], g2))
    np.testing.assert_array_equal(a, b)
    assert abs(a.mean()) < 0.5


def test_array_api_surface():
    """Every DzArray entry point, through the plain typelib."""
    a = Dz.Array.new_from_values([1.0, 4.0, 9.0], [3])
    b = Dz.Array.new_full([3], 2.0)
    assert a.get_value(1) == 4.0 and a.get_size() == 3 and a.get_ndim() == 1
    assert Dz.Array.new_scalar(5.0).item() == 5.0
    assert a.shape_to_string() == "(3,)" and a.to_string() == "[1. 4. 9.]"
    assert a.same_shape(b) and not a.same_shape(Dz.Array.new_zeros([2]))
    expect = {
        "add": [3, 6, 11], "sub": [-1, 2, 7], "mul": [2, 8, 18], "div": [0.5, 2, 4.5],
    }
    for name, values in expect.items():
        np.testing.assert_allclose(np.asarray(getattr(a, name)(b)), values)
    np.testing.assert_allclose(np.asarray(a.neg()), [-1, -4, -9])
    np.testing.assert_allclose(np.asarray(a.square()), [1, 16, 81])
    np.testing.assert_allclose(np.asarray(a.exp()), np.exp([1, 4, 9]))
    np.testing.assert_allclose(np.asarray(a.log()), np.log([1, 4, 9]))
    np.testing.assert_allclose(np.asarray(a.sin()), np.sin([1, 4, 9]))
    np.testing.assert_allclose(np.asarray(a.cos()), np.cos([1, 4, 9]))
    np.testing.assert_allclose(np.asarray(a.tanh()), np.tanh([1, 4, 9]))
    np.testing.assert_allclose(np.asarray(a.pow(0.5)), [1, 2, 3])
    np.testing.assert_allclose(np.asarray(a.scale(2.0)), [2, 8, 18])
    np.testing.assert_allclose(np.asarray(a.add_scalar(1.0)), [2, 5, 10])
    assert a.sum() == 14.0
    assert a.allclose(Dz.Array.new_from_values([1.0, 4.0, 9.0 + 1e-9], [3]), 1e-6, 0.0)
    np.testing.assert_array_equal(np.asarray(a.new_zeros_like()), [0, 0, 0])
    np.testing.assert_array_equal(np.asarray(Dz.Array.new_ones_like(a)), [1, 1, 1])
    u = np.asarray(Dz.Array.new_uniform([1000], Dz.Generator.new(3)))
    assert ((u >= 0) & (u < 1)).all()
    g = Dz.Generator.new(9)
    first = g.next_normal()
    g.set_seed(9)
    assert g.next_normal() == first and 0 <= g.next_uniform() < 1
    assert isinstance(Dz.Generator.get_default(), Dz.Generator)
    big = Dz.Array.new_ones([1 << 20])
    del big
    Dz.Array.trim_cache()
    with pytest.raises(GLib.Error):
        a.add(Dz.Array.new_zeros([2]))
