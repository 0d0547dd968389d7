# SPDX-License-Identifier: MIT
"""DeZero's ``dezero.core`` (and ``core_simple``): Variable, Function, the
configuration and the arithmetic functions, from the Dz override."""

import contextlib

import gi

gi.require_version("Dz", "1.0")
from gi.repository import Dz  # noqa: E402

Variable = Dz.Variable
Parameter = Dz.Parameter
Function = Dz.Function
as_array = Dz.as_array
as_variable = Dz.as_variable

add = Dz.add
sub = Dz.sub
mul = Dz.mul
div = Dz.div
neg = Dz.neg
pow = Dz.pow  # noqa: A001 - DeZero's name


def rsub(x0, x1):
    """DeZero's ``x1 - x0`` (``Variable.__rsub__``)."""
    return Dz.sub(x1, x0)


def rdiv(x0, x1):
    """DeZero's ``x1 / x0`` (``Variable.__rtruediv__``)."""
    return Dz.div(x1, x0)


class _ConfigType(type):
    # Config.enable_backprop is the calling thread's switch in C, so that
    # DeZero's `Config.enable_backprop = False` works as in the book.
    @property
    def enable_backprop(cls):
        return Dz.get_enable_backprop()

    @enable_backprop.setter
    def enable_backprop(cls, value):
        Dz.set_enable_backprop(bool(value))

    # Config.train is the calling thread's train/test switch in C, which
    # C's dropout reads too.
    @property
    def train(cls):
        return Dz.get_train()

    @train.setter
    def train(cls, value):
        Dz.set_train(bool(value))


class Config(metaclass=_ConfigType):
    """DeZero's ``Config``: ``Config.enable_backprop`` reads and sets the
    no-grad switch of the calling thread; ``Config.train`` (True but in
    ``test_mode()``) is the train/test switch of the calling thread,
    read by ``functions.dropout``."""


@contextlib.contextmanager
def using_config(name, value):
    """DeZero's ``using_config``: sets ``Config.<name>`` for the block."""
    if not hasattr(Config, name):
        raise AttributeError(f"Config has no setting {name!r}")
    previous = getattr(Config, name)
    setattr(Config, name, value)
    try:
        yield
    finally:
        setattr(Config, name, previous)


def no_grad():
    """``with no_grad():`` records no graph in the block."""
    return using_config("enable_backprop", False)


def test_mode():
    """``with test_mode():`` makes ``Config.train`` False (dropout off)."""
    return using_config("train", False)


def setup_variable():
    """DeZero installs Variable's operators here; the override already has."""


__all__ = ["Config", "Function", "Parameter", "Variable", "add", "as_array", "as_variable", "div", "mul",
           "neg", "no_grad", "pow", "rdiv", "rsub", "setup_variable", "sub", "test_mode",
           "using_config"]
