# SPDX-License-Identifier: MIT
"""DeZero's ``dezero.layers`` (``import dezero_glib.layers as L``).

A ``Layer`` is a ``Dz.Layer``: assigning a ``Parameter`` or a ``Layer`` to
an attribute registers it in C under the attribute's name, so that C lists
the parameters (``params()``), clears their gradients (``cleargrads()``),
saves and loads them (``save_weights``/``load_weights``) and optimizers
update them, with no Python loop over parameters. Calling a layer runs its
Python ``forward`` directly (no round trip through C); C code calling the
layer (``Dz.Layer.call``) reaches the same ``forward``.

Differences from DeZero, on purpose:

- ``params()`` lists in registration order, depth first (DeZero's order
  is a set's), and the names are dotted paths (``l0.W``), as
  ``param_names()`` gives them.
- ``save_weights(path)``/``load_weights(path)`` read and write a
  **safetensors** file (DeZero writes ``.npz``): PyTorch and Hugging Face
  tools read it, and the C and GJS bindings share it. The path is used as
  given (no ``.npz`` appended). Loading is all-or-nothing: a truncated or
  malformed file, a missing or extra key, or a wrong shape or dtype raises
  and changes no parameter.
- A layer does not keep weak references to its last inputs and outputs
  (DeZero's ``layer.inputs``/``layer.outputs``).
"""

import numpy as np

from dezero_glib.core import Dz, Parameter
import dezero_glib.functions as F

# Bumped whenever any layer registers a parameter or a sub-layer: the cached
# parameter lists (see Layer.params) are stale from then on.
_registrations = [0]
_base_setattr = Dz.Layer.__setattr__


def _initializing(init):
    # As for Functions: DeZero's layers call super().__init__() first, but
    # the GObject must exist before any attribute is registered, so it is
    # made before the subclass's __init__ runs whatever it does.
    def __init__(self, *args, **kwargs):
        Layer.__init__(self)
        init(self, *args, **kwargs)
    __init__._dz_wrapped = True
    __init__.__doc__ = init.__doc__
    __init__.__qualname__ = init.__qualname__
    return __init__


class Layer(Dz.Layer):
    """DeZero's ``Layer``: a subclass assigns its parameters and sub-layers
    to attributes and implements ``forward(self, *inputs)``, returning one
    output or a tuple."""

    def __init__(self):
        if self.__dict__.get("_dz_params") is None:
            _base_setattr(self, "_dz_params", (-1, None))
            Dz.Layer.__init__(self)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        init = cls.__dict__.get("__init__")
        if init is not None and not getattr(init, "_dz_wrapped", False):
            cls.__init__ = _initializing(init)

    def __setattr__(self, name, value):
        if isinstance(value, Dz.Parameter):
            self.add_parameter(name, value)
            _registrations[0] += 1
        elif isinstance(value, Dz.Layer):
            if value is self:
                raise ValueError("a layer cannot be its own sub-layer")
            self.add_layer(name, value)
            _registrations[0] += 1
        _base_setattr(self, name, value)

    def __call__(self, *inputs):
        outputs = self.forward(*inputs)
        if type(outputs) is tuple and len(outputs) == 1:
            return outputs[0]
        return outputs

    def forward(self, *inputs):
        raise NotImplementedError(f"{type(self).__name__} does not implement forward")

    def do_forward(self, inputs):
        # C (Dz.Layer.call, a C model holding this layer) calls forward too.
        return self.forward(*inputs)

    def _param_list(self):
        version, params = self._dz_params
        if version != _registrations[0]:
            params = list(self.list_parameters())
            _base_setattr(self, "_dz_params", (_registrations[0], params))
        return params

    def params(self):
        """The parameters of this layer and its sub-layers, depth first in
        registration order (an iterator, as DeZero's generator)."""
        return iter(self._param_list())

    def param_names(self):
        """The dotted paths of ``params()``, in its order: the keys of the
        weight files."""
        return list(self.list_parameter_names())

    def cleargrads(self):
        """Clears every parameter's gradient (in C, one call)."""
        Dz.Layer.cleargrads(self)

    def to_cpu(self):
        """DeZero moves arrays back from a GPU; everything is on the CPU."""

    def save_weights(self, path):
        """Writes the parameters to ``path`` as safetensors, keyed by
        ``param_names()``; a failure leaves no partial file behind."""
        _save_weights(self, path)

    def load_weights(self, path):
        """Reads parameters saved by ``save_weights`` (or any safetensors
        file with the same keys, shapes and dtypes) into this layer; on any
        error nothing is changed."""
        _load_weights(self, path)


def _save_weights(layer, path):
    if hasattr(Dz.Layer, "save_weights"):
        Dz.Layer.save_weights(layer, str(path))
        return
    names = layer.param_names()
    arrays = [p.get_data() for p in layer._param_list()]
    missing = [n for n, a in zip(names, arrays) if a is None]
    if missing:
        raise ValueError(f"cannot save weights: {', '.join(missing)} have no data yet "
                         "(call the layer once first)")
    Dz.Safetensors.save(str(path), names, arrays, None)


def _load_weights(layer, path):
    if hasattr(Dz.Layer, "load_weights"):
        Dz.Layer.load_weights(layer, str(path))
        return
    names = layer.param_names()
    params = layer._param_list()
    weights = Dz.Safetensors.load(str(path))
    stored = list(weights.get_names())
    extra = sorted(set(stored) - set(names))
    missing = [n for n in names if n not in stored]
    if extra or missing:
        raise KeyError(f"{path}: the weights do not fit the layer "
                       f"(missing {missing or 'none'}, extra {extra or 'none'})")
    arrays = []
    for name, param in zip(names, params):
        array = weights.get_array(name)
        current = param.get_data()
        if current is not None and (tuple(array.get_shape()) != tuple(current.get_shape())
                                    or array.get_dtype() != current.get_dtype()):
            raise ValueError(f"{path}: {name} is {array.dtype}{tuple(array.get_shape())}, "
                             f"the parameter {current.dtype}{tuple(current.get_shape())}")
        arrays.append(array)
    for param, array in zip(params, arrays):
        param.set_data(array)


class Linear(Layer):
    """DeZero's ``L.Linear``: ``y = x W + b``; ``W`` of shape (in, out)
    starts as ``np.random.randn(in, out) * sqrt(1 / in)`` (NumPy's global
    generator, as DeZero, so ``np.random.seed`` gives DeZero's weights),
    drawn at the first call when ``in_size`` is not given."""

    def __init__(self, out_size, nobias=False, dtype=np.float32, in_size=None):
        super().__init__()
        self.in_size = in_size
        self.out_size = out_size
        self.dtype = dtype
        self.W = Parameter(None, name="W")
        if in_size is not None:
            self._init_W()
        self.b = None if nobias else Parameter(np.zeros(out_size, dtype=dtype), name="b")

    def _init_W(self, xp=np):
        I, O = self.in_size, self.out_size
        self.W.data = np.random.randn(I, O).astype(self.dtype) * np.sqrt(1 / I)

    def forward(self, x):
        W = self.W
        if W.get_data() is None:
            self.in_size = x.shape[-1]
            self._init_W()
        return F.linear(x, W, self.b)


_LATER = {"Conv2d", "Deconv2d", "RNN", "LSTM", "EmbedID", "BatchNorm"}


def __getattr__(name):
    if name in _LATER:
        raise AttributeError(f"dezero_glib.layers.{name} is not available yet: dezero-glib "
                             "has Linear layers only so far")
    raise AttributeError(f"module 'dezero_glib.layers' has no attribute {name!r}")


__all__ = ["Layer", "Linear", "Parameter"]
