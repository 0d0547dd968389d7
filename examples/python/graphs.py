#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Renders two computational graphs with Graphviz, as DeZero's steps 26 and
35 do: the Goldstein-Price function, and the graph that computes the 6th
derivative of tanh.   usage: graphs.py [OUTPUT_DIR]"""

import os
import sys

import gi

gi.require_version("Dz", "1.0")
from gi.repository import Dz  # noqa: E402

out = sys.argv[1] if len(sys.argv) > 1 else "."
os.makedirs(out, exist_ok=True)


def goldstein(x, y):
    return (1 + (x + y + 1) ** 2 * (19 - 14 * x + 3 * x ** 2 - 14 * y + 6 * x * y + 3 * y ** 2)) * \
        (30 + (2 * x - 3 * y) ** 2 * (18 - 32 * x + 12 * x ** 2 + 48 * y - 36 * x * y + 27 * y ** 2))


x, y = Dz.Variable(1.0, name="x"), Dz.Variable(1.0, name="y")
z = goldstein(x, y)
z.name = "z"
path = os.path.join(out, "goldstein.png")
Dz.plot_dot_graph(z, verbose=False, to_file=path)
print("wrote", path)

x = Dz.Variable(1.0, name="x")
y = Dz.tanh(x)
y.name = "y"
y.backward(create_graph=True)
for _ in range(5):
    gx = x.grad
    x.cleargrad()
    gx.backward(create_graph=True)
gx = x.grad
gx.name = "gx6"
x.cleargrad()
path = os.path.join(out, "tanh-gx6.png")
Dz.plot_dot_graph(gx, verbose=False, to_file=path)
print("wrote", path, f"({gx.to_dot(False).count('shape=box')} functions)")
