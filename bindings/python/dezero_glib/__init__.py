# SPDX-License-Identifier: MIT
"""DeZero's public names, backed by dezero-glib.

A program written for DeZero runs by changing its import line::

    import dezero_glib as dezero
    from dezero_glib import Variable, Function
    import dezero_glib.functions as F

This package is thin: everything comes from the ``Dz`` typelib through the
PyGObject override. It covers DeZero's steps 1 to 43 (variables, functions,
tensors with NumPy's semantics, matmul, the activations and losses); names
DeZero defines for its later steps (layers, models, optimizers, data sets)
raise ``AttributeError`` saying that they are not available yet.
"""

from dezero_glib.core import (  # noqa: F401 - re-exported
    Config,
    Function,
    Variable,
    as_array,
    as_variable,
    no_grad,
    setup_variable,
    test_mode,
    using_config,
)
from dezero_glib import core, core_simple, functions, utils  # noqa: F401,E402 - DeZero's layout

__all__ = ["Config", "Function", "Variable", "as_array", "as_variable", "no_grad",
           "setup_variable", "test_mode", "using_config", "core", "core_simple", "functions",
           "utils"]

# DeZero's names for its later steps (layers, models, optimizers, data).
_LATER = {"Parameter", "Layer", "Model", "Dataset", "DataLoader", "SeqDataLoader",
          "layers", "models", "optimizers", "datasets", "dataloaders", "transforms", "cuda",
          "functions_conv"}


def __getattr__(name):
    if name in _LATER:
        raise AttributeError(f"dezero_glib.{name} is not available yet: dezero-glib does not "
                             "have DeZero's neural-network layer so far")
    raise AttributeError(f"module 'dezero_glib' has no attribute {name!r}")
