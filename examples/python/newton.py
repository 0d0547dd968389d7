#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Newton's method on f(x) = x^4 - 2x^2 from x = 2, with second derivatives
from double backpropagation (DeZero step 33)."""

import gi

gi.require_version("Dz", "1.0")
from gi.repository import Dz  # noqa: E402


def f(x):
    return x ** 4 - 2 * x ** 2


x = Dz.Variable(2.0)
for i in range(10):
    print(i, x)
    gx = Dz.grad(f(x), x, create_graph=True)   # f'(x), differentiable
    gx2 = Dz.grad(gx, x)                        # f''(x)
    x.data = x.data - gx.data / gx2.data
    if abs(float(x.data) - 1.0) < 1e-12:
        print(i + 1, x)
        break
