#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""A Function written in Python with NumPy, checked against numerical
differentiation, used with operators like any built-in."""

import gi
import numpy as np

gi.require_version("Dz", "1.0")
from gi.repository import Dz  # noqa: E402


class Sigmoid(Dz.Function):
    def do_forward(self, xs):
        return 1.0 / (1.0 + np.exp(-xs[0]))

    def do_backward(self, gys):
        y = self.outputs[0]
        return gys[0] * y * (1.0 - y)


def sigmoid(x):
    return Sigmoid()(x)


x = Dz.Variable(np.linspace(-2.0, 2.0, 5), name="x")
y = sigmoid(2.0 * x + 1.0)
y.backward()
print("y      =", y)
print("dy/dx  =", x.grad)
print("gradient check:", Dz.gradient_check(lambda v: sigmoid(v * v), np.random.randn(3, 2)))
