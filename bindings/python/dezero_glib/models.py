# SPDX-License-Identifier: MIT
"""DeZero's ``dezero.models``: ``Model`` (a layer that can draw its graph),
``Sequential`` and ``MLP``."""

import dezero_glib.functions as F
import dezero_glib.layers as L
from dezero_glib import utils
from dezero_glib.layers import Layer


class Model(Layer):
    """DeZero's ``Model``: a ``Layer`` with ``plot``."""

    def plot(self, *inputs, to_file="model.png"):
        """Draws the graph of ``forward(*inputs)`` to ``to_file`` with
        Graphviz (``Dz.NotAvailableError`` without it)."""
        y = self.forward(*inputs)
        return utils.plot_dot_graph(y, verbose=True, to_file=to_file)


class Sequential(Model):
    """The layers given, applied in turn (registered as ``l0``, ``l1``...)."""

    def __init__(self, *layers):
        super().__init__()
        self.layers = []
        for i, layer in enumerate(layers):
            setattr(self, f"l{i}", layer)
            self.layers.append(layer)

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x


class MLP(Model):
    """DeZero's ``MLP(fc_output_sizes, activation=F.sigmoid)``: ``Linear``
    layers ``l0``, ``l1``... of those output sizes, the activation between
    them."""

    def __init__(self, fc_output_sizes, activation=F.sigmoid):
        super().__init__()
        self.activation = activation
        self.layers = []
        for i, out_size in enumerate(fc_output_sizes):
            layer = L.Linear(out_size)
            setattr(self, f"l{i}", layer)
            self.layers.append(layer)

    def forward(self, x):
        activation = self.activation
        layers = self.layers
        for layer in layers[:-1]:
            x = activation(layer(x))
        return layers[-1](x)


__all__ = ["Model", "Sequential", "MLP"]
