# SPDX-License-Identifier: MIT
"""Every built-in against numerical differentiation, 0-d, 1-d and 2-d."""

import gi
import numpy as np
import pytest

gi.require_version("Dz", "1.0")
from gi.repository import Dz  # noqa: E402

CASES = {
    "square": Dz.square,
    "exp": Dz.exp,
    "neg": Dz.neg,
    "sin": Dz.sin,
    "cos": Dz.cos,
    "tanh": Dz.tanh,
    "log": lambda x: Dz.log(x * x + 0.5),
    "pow3": lambda x: x ** 3,
    "pow-frac": lambda x: (x * x + 1.0) ** 1.5,
    "add-scalar": lambda x: x + 2.5,
    "rsub": lambda x: 1.0 - x,
    "mul-scalar": lambda x: -1.5 * x,
    "rdiv": lambda x: 2.0 / (x * x + 1.0),
    "add": lambda x: x + (x * x + 1.0),
    "sub": lambda x: x - (x * x + 1.0),
    "mul": lambda x: x * (x * x + 1.0),
    "div": lambda x: x / (x * x + 1.0),
}
SHAPES = [(), (5,), (3, 4)]


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("name", sorted(CASES))
def test_gradient(name, shape):
    rng = np.random.default_rng(abs(hash((name, shape))) % 2**32)
    x = Dz.Variable(rng.standard_normal(shape))
    assert Dz.gradient_check(CASES[name], x)
    assert x.grad is None


def test_gradient_check_catches_wrong_backward():
    class WrongSin(Dz.Function):
        def do_forward(self, xs):
            return np.sin(xs[0])

        def do_backward(self, gys):
            return gys[0] * Dz.sin(self.inputs[0])  # should be cos

    assert not Dz.gradient_check(lambda x: WrongSin()(x), np.array([0.3, 1.2]))
