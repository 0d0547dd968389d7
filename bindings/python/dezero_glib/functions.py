# SPDX-License-Identifier: MIT
"""DeZero's ``dezero.functions`` (``import dezero_glib.functions as F``):
the differentiable functions dezero-glib has, each a C built-in."""

from dezero_glib.core import Dz

sin = Dz.sin
cos = Dz.cos
tanh = Dz.tanh
exp = Dz.exp
log = Dz.log
square = Dz.square
pow = Dz.pow  # noqa: A001 - DeZero's name
add = Dz.add
sub = Dz.sub
mul = Dz.mul
div = Dz.div
neg = Dz.neg

__all__ = ["sin", "cos", "tanh", "exp", "log", "square", "pow", "add", "sub", "mul",
           "div", "neg"]


def __getattr__(name):
    if not name.startswith("__"):
        raise AttributeError(f"dezero_glib.functions.{name} is not available yet: dezero-glib "
                             "has element-wise functions only so far (no shapes, reductions "
                             "or matmul)")
    raise AttributeError(name)
