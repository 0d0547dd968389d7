# SPDX-License-Identifier: MIT
"""The nn layer through GObject introspection: Dz.LinearLayer, Dz.MLP and a
Dz.Layer written in Python (do_forward); dezero_glib.layers builds DeZero's
idioms on these (tests/python/test_nn_python.py)."""

import gi
import numpy as np
import pytest

gi.require_version("Dz", "1.0")
from gi.repository import Dz  # noqa: E402


def test_parameter_is_a_variable():
    p = Dz.Parameter.new(Dz.Array.new_scalar(3.0), "p")
    assert isinstance(p, Dz.Variable)
    assert p.get_name() == "p"
    y = Dz.square(p)
    y.backward()
    assert float(p.grad.data) == 6.0


def test_linear_layer_infers_in_size():
    gen = Dz.Generator.new(0)
    layer = Dz.LinearLayer.new(3, False, Dz.Dtype.FLOAT64, gen)
    assert layer.get_parameter("W").get_data() is None
    y = layer.call1(Dz.Variable(np.ones((2, 4))))
    assert y.data.shape == (2, 3)
    assert layer.get_in_size() == 4
    assert layer.props.in_size == 4
    assert layer.get_parameter("W").data.shape == (4, 3)
    assert layer.list_parameter_names() == ["W", "b"]

    again = Dz.LinearLayer.new_with_in_size(4, 3, False, Dz.Dtype.FLOAT64, Dz.Generator.new(0))
    np.testing.assert_array_equal(again.get_parameter("W").data, layer.get_parameter("W").data)


def test_mlp_forward_and_names():
    model = Dz.MLP.new([10, 1], Dz.MlpActivation.RELU, Dz.Dtype.FLOAT64, Dz.Generator.new(1))
    (y,) = model.call([Dz.Variable(np.ones((5, 2)))])
    assert y.data.shape == (5, 1)
    assert model.list_parameter_names() == ["l0.W", "l0.b", "l1.W", "l1.b"]
    params = model.list_parameters()
    assert [p.get_name() for p in params] == ["W", "b", "W", "b"]
    assert all(isinstance(p, Dz.Parameter) for p in params)


class TwoLayerNet(Dz.Layer):
    def __init__(self, hidden, out):
        super().__init__()
        self.add_layer("l1", Dz.LinearLayer.new(hidden, False, Dz.Dtype.FLOAT64, None))
        self.add_layer("l2", Dz.LinearLayer.new(out, False, Dz.Dtype.FLOAT64, None))
        self.add_parameter("scale", Dz.Parameter.new(Dz.Array.new_scalar(2.0), "scale"))

    def do_forward(self, inputs):
        h = Dz.sigmoid(self.get_layer("l1").call1(inputs[0]))
        return [self.get_layer("l2").call1(h) * self.get_parameter("scale")]


def test_layer_subclass_in_python_trains():
    rng = np.random.default_rng(0)
    x = Dz.Variable(rng.uniform(size=(40, 1)))
    t = Dz.Variable(np.sin(2 * np.pi * x.data) + 0.1 * rng.uniform(size=(40, 1)))
    model = TwoLayerNet(10, 1)
    assert model.list_parameter_names() == ["l1.W", "l1.b", "l2.W", "l2.b", "scale"]

    losses = []
    for _ in range(50):
        loss = Dz.mean_squared_error(model.call1(x), t)
        model.cleargrads()
        loss.backward()
        for p in model.list_parameters():
            p.data -= 0.1 * p.grad.data
        losses.append(float(loss.data))
    assert losses[-1] < losses[0]


class Failing(Dz.Layer):
    def do_forward(self, inputs):
        raise ValueError("in forward")


def test_layer_exception_propagates():
    # The override parks the exception raised in do_forward and raises it
    # again from call1, as itself.
    with pytest.raises(ValueError, match="in forward"):
        Failing().call1(Dz.Variable(1.0))
    with pytest.raises(ValueError, match="in forward"):
        Failing()(Dz.Variable(1.0))


def test_layer_rejects_itself():
    model = Dz.MLP.new([2], Dz.MlpActivation.SIGMOID, Dz.Dtype.FLOAT64, None)
    model.add_layer("me", model)  # a critical warning, and nothing registered
    assert model.list_parameter_names() == ["l0.W", "l0.b"]
