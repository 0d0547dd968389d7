# SPDX-License-Identifier: MIT
"""DeZero's ``dezero.core`` (and ``core_simple``): Variable, Function and the
configuration, from the Dz override."""

import gi

gi.require_version("Dz", "1.0")
from gi.repository import Dz  # noqa: E402

Variable = Dz.Variable
Function = Dz.Function
as_array = Dz.as_array
as_variable = Dz.as_variable
using_config = Dz.using_config
no_grad = Dz.no_grad


class _ConfigType(type):
    # Config.enable_backprop is the calling thread's switch in C, so that
    # DeZero's `Config.enable_backprop = False` works as in the book.
    @property
    def enable_backprop(cls):
        return Dz.get_enable_backprop()

    @enable_backprop.setter
    def enable_backprop(cls, value):
        Dz.set_enable_backprop(bool(value))


class Config(metaclass=_ConfigType):
    """DeZero's ``Config``: ``Config.enable_backprop`` reads and sets the
    no-grad switch of the calling thread."""


def setup_variable():
    """DeZero installs Variable's operators here; the override already has."""


__all__ = ["Config", "Function", "Variable", "as_array", "as_variable", "no_grad",
           "setup_variable", "using_config"]
