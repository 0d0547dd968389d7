# SPDX-License-Identifier: MIT
"""DeZero's public names, backed by dezero-glib.

A program written for DeZero runs by changing its import line::

    import dezero_glib as dezero
    from dezero_glib import Variable, Function
    import dezero_glib.functions as F
    import dezero_glib.layers as L
    from dezero_glib import optimizers, DataLoader
    from dezero_glib.models import MLP

This package is thin: everything comes from the ``Dz`` typelib through the
PyGObject override. It covers DeZero's steps 1 to 60 (step 58's pretrained
VGG16 aside): variables, functions, tensors with NumPy's semantics, layers,
models, optimizers, datasets, data loaders, transforms, train/test mode,
weights (saved as safetensors, not ``.npz``), convolutions
(``functions_conv``), batch normalization, embeddings, recurrent layers and
``SeqDataLoader``; and ``distributed`` (data-parallel training over MPI).
``cuda`` raises ``AttributeError`` saying that it is not available.
"""

from dezero_glib.core import (  # noqa: F401 - re-exported
    Config,
    Function,
    Parameter,
    Variable,
    as_array,
    as_variable,
    no_grad,
    setup_variable,
    test_mode,
    using_config,
)
from dezero_glib import core, core_simple, functions, functions_conv, utils  # noqa: F401,E402 - DeZero's layout
from dezero_glib import layers, models, optimizers, transforms, datasets, dataloaders  # noqa: F401,E402
from dezero_glib import distributed  # noqa: F401,E402 - an extension: MPI
from dezero_glib.layers import Layer  # noqa: F401,E402
from dezero_glib.models import Model  # noqa: F401,E402
from dezero_glib.datasets import Dataset  # noqa: F401,E402
from dezero_glib.dataloaders import DataLoader  # noqa: F401,E402
from dezero_glib.dataloaders import SeqDataLoader  # noqa: F401,E402

__all__ = ["Config", "Function", "Parameter", "Variable", "as_array", "as_variable", "no_grad",
           "setup_variable", "test_mode", "using_config", "core", "core_simple", "functions",
           "utils", "layers", "models", "optimizers", "transforms", "datasets", "dataloaders",
           "Layer", "Model", "Dataset", "DataLoader", "SeqDataLoader", "distributed"]

# DeZero's names for its later steps (GPUs).
_LATER = {"cuda"}


def __getattr__(name):
    if name in _LATER:
        raise AttributeError(f"dezero_glib.{name} is not available yet: dezero-glib has no "
                             "GPU support so far")
    raise AttributeError(f"module 'dezero_glib' has no attribute {name!r}")
