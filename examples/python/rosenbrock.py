#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Gradient descent on the Rosenbrock function (DeZero step 28)."""

import gi

gi.require_version("Dz", "1.0")
from gi.repository import Dz  # noqa: E402


def rosenbrock(x0, x1):
    return 100 * (x1 - x0 ** 2) ** 2 + (1 - x0) ** 2


x0, x1 = Dz.Variable(0.0), Dz.Variable(2.0)
lr, iterations = 0.001, 50000
for i in range(iterations):
    y = rosenbrock(x0, x1)
    x0.cleargrad()
    x1.cleargrad()
    y.backward()
    x0.data = x0.data - lr * x0.grad.data
    x1.data = x1.data - lr * x1.grad.data
    if (i + 1) in (1000, 10000, iterations):
        print(f"{i + 1:6d}  x0 = {float(x0.data):.8f}  x1 = {float(x1.data):.8f}")
