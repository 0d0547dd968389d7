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

import sys

import numpy as np
from gi import module as _gi_module
from gi.repository import GLib

import dezero_glib.functions as F
from dezero_glib.core import Dz, Parameter

# The step of a small model is bound by call overhead: Linear calls the
# introspected dz_linear() itself, with the override's error translation.
_dz_linear = _gi_module.get_introspection_module("Dz").linear
_override = sys.modules["gi.overrides.Dz"]

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


def _contains(layer, target):
    """Whether ``target`` is ``layer`` or one of its sub-layers assigned
    as attributes."""
    if layer is target:
        return True
    return any(isinstance(child, Dz.Layer) and _contains(child, target)
               for child in getattr(layer, "__dict__", {}).values())


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
            if _contains(value, self):
                raise ValueError(f"{type(value).__name__} contains this layer: registering it "
                                 f"as {name!r} would make a cycle")
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

    def to_gpu(self):
        raise NotImplementedError("dezero-glib runs on the CPU only")

    def save_weights(self, path):
        """Writes the parameters to ``path`` as safetensors, keyed by
        ``param_names()``; a failure leaves no partial file behind."""
        Dz.Layer.save_weights(self, str(path))

    def load_weights(self, path):
        """Reads parameters saved by ``save_weights`` (or any safetensors
        file with the same keys, shapes and dtypes) into this layer; on any
        error nothing is changed."""
        Dz.Layer.load_weights(self, str(path))


class Linear(Layer):
    """DeZero's ``L.Linear``: ``y = x W + b``; ``W`` of shape (in, out)
    starts as ``np.random.randn(in, out) * sqrt(1 / in)`` (NumPy's global
    generator, as DeZero, so ``np.random.seed`` gives DeZero's weights),
    drawn at the first call when ``in_size`` is not given. An input given
    as an array (not a ``Variable``) gets no gradient."""

    def __init__(self, out_size, nobias=False, dtype=np.float32, in_size=None):
        super().__init__()
        self.in_size = in_size
        self.out_size = out_size
        self.dtype = dtype
        self.W = Parameter(None, name="W")
        if in_size is not None:
            self._init_W()
        self.b = None if nobias else Parameter(np.zeros(out_size, dtype=dtype), name="b")

    # Whether forward must still check that W has data.
    _W_pending = True

    def _init_W(self, xp=np):
        I, O = self.in_size, self.out_size
        self.W.data = np.random.randn(I, O).astype(self.dtype) * np.sqrt(1 / I)

    def forward(self, x):
        W = self.W
        if self._W_pending:
            if W.get_data() is None:
                self.in_size = x.shape[-1]
                self._init_W()
            self._W_pending = False
        if not isinstance(x, Dz.Variable):
            # An array (a batch from the loop) wrapped here: nobody can read
            # its gradient, so backward does not compute it (a third of the
            # matrix products of a first layer).
            x = Dz.as_variable(x)
            x.set_requires_grad(False)
        try:
            y = _dz_linear(x, W, self.b)
        except GLib.Error as err:
            _override._reraise(err)
        return y


class RNN(Layer):
    """DeZero's ``L.RNN(hidden_size, in_size=None)``: ``h = tanh(x2h(x) +
    h2h(h))``, the state kept between calls until ``reset_state()``.
    ``h2h`` takes the hidden state: DeZero passes it ``in_size``, which only
    works when that is None and the weights are sized lazily. Then ``h2h``
    is sized on the second step here too, so that it draws its weights from
    NumPy's generator when DeZero does."""

    def __init__(self, hidden_size, in_size=None):
        super().__init__()
        self.x2h = Linear(hidden_size, in_size=in_size)
        self.h2h = Linear(hidden_size, in_size=None if in_size is None else hidden_size,
                          nobias=True)
        self.h = None

    def reset_state(self):
        self.h = None

    def forward(self, x):
        if self.h is None:
            h_new = F.tanh(self.x2h(x))
        else:
            h_new = F.tanh(self.x2h(x) + self.h2h(self.h))
        self.h = h_new
        return h_new


class LSTM(Layer):
    """DeZero's ``L.LSTM(hidden_size, in_size=None)``: gates ``f``, ``i``,
    ``o`` (sigmoid) and ``u`` (tanh) from ``x2*(x) + h2*(h)``, then ``c = f c
    + i u`` and ``h = o tanh(c)``; ``h`` and ``c`` kept until
    ``reset_state()``."""

    def __init__(self, hidden_size, in_size=None):
        super().__init__()
        H, I = hidden_size, in_size
        self.x2f = Linear(H, in_size=I)
        self.x2i = Linear(H, in_size=I)
        self.x2o = Linear(H, in_size=I)
        self.x2u = Linear(H, in_size=I)
        self.h2f = Linear(H, in_size=H, nobias=True)
        self.h2i = Linear(H, in_size=H, nobias=True)
        self.h2o = Linear(H, in_size=H, nobias=True)
        self.h2u = Linear(H, in_size=H, nobias=True)
        self.reset_state()

    def reset_state(self):
        self.h = None
        self.c = None

    def forward(self, x):
        if self.h is None:
            f = F.sigmoid(self.x2f(x))
            i = F.sigmoid(self.x2i(x))
            o = F.sigmoid(self.x2o(x))
            u = F.tanh(self.x2u(x))
        else:
            f = F.sigmoid(self.x2f(x) + self.h2f(self.h))
            i = F.sigmoid(self.x2i(x) + self.h2i(self.h))
            o = F.sigmoid(self.x2o(x) + self.h2o(self.h))
            u = F.tanh(self.x2u(x) + self.h2u(self.h))
        if self.c is None:
            c_new = i * u
        else:
            c_new = (f * self.c) + (i * u)
        h_new = o * F.tanh(c_new)
        self.h, self.c = h_new, c_new
        return h_new


class EmbedID(Layer):
    """DeZero's ``L.EmbedID(in_size, out_size)``: ``W`` of shape (in, out)
    from ``np.random.randn``, looked up by integer ids (``F.embed_id``)."""

    def __init__(self, in_size, out_size):
        super().__init__()
        self.W = Parameter(np.random.randn(in_size, out_size), name="W")

    def forward(self, x):
        return F.embed_id(x, self.W)


class BatchNorm(Layer):
    """DeZero's ``L.BatchNorm()``: parameters ``gamma`` and ``beta`` and the
    running averages ``avg_mean`` and ``avg_var`` (ndarrays), all sized from
    axis 1 of the first input. Unlike DeZero, the averages are not
    parameters, so ``save_weights`` does not write them (as the C
    ``Dz.BatchNormLayer``); save them yourself if you need them."""

    def __init__(self):
        super().__init__()
        self.avg_mean = None
        self.avg_var = None
        self.gamma = Parameter(None, name="gamma")
        self.beta = Parameter(None, name="beta")

    def _init_params(self, x):
        D = x.shape[1]
        dtype = x.dtype if np.issubdtype(x.dtype, np.floating) else np.float64
        if self.avg_mean is None:
            self.avg_mean = np.zeros(D, dtype=dtype)
        if self.avg_var is None:
            self.avg_var = np.ones(D, dtype=dtype)
        if self.gamma.data is None:
            self.gamma.data = np.ones(D, dtype=dtype)
        if self.beta.data is None:
            self.beta.data = np.zeros(D, dtype=dtype)

    def forward(self, x):
        if self.avg_mean is None or self.gamma.data is None:
            self._init_params(x)
        return F.batch_nrom(x, self.gamma, self.beta, self.avg_mean, self.avg_var)


class Conv2d(Layer):
    """DeZero's ``L.Conv2d``: ``F.conv2d`` of the input (N, C, H, W) with
    ``W`` of shape (out_channels, C, KH, KW) and ``b`` (out_channels,).
    ``W`` starts as ``np.random.randn(...) * sqrt(1 / (C * KH * KW))``
    (NumPy's global generator, as DeZero), drawn at the first call when
    ``in_channels`` is not given."""

    _transposed = False

    def __init__(self, out_channels, kernel_size, stride=1, pad=0, nobias=False,
                 dtype=np.float32, in_channels=None):
        super().__init__()
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = kernel_size
        self.stride = stride
        self.pad = pad
        self.dtype = dtype
        self.W = Parameter(None, name="W")
        if in_channels is not None:
            self._init_W()
        self.b = None if nobias else Parameter(np.zeros(out_channels, dtype=dtype), name="b")

    def _init_W(self, xp=np):
        C, OC = self.in_channels, self.out_channels
        KH, KW = _pair(self.kernel_size)
        scale = np.sqrt(1 / (C * KH * KW))
        shape = (C, OC, KH, KW) if self._transposed else (OC, C, KH, KW)
        self.W.data = (np.random.randn(*shape) * scale).astype(self.dtype)

    def forward(self, x):
        if self.W.get_data() is None:
            self.in_channels = x.shape[1]
            self._init_W()
        if not isinstance(x, Dz.Variable):
            # As in Linear: nobody can read an array's gradient, so the
            # backward skips it (the input half of a first layer's work).
            x = Dz.as_variable(x)
            x.set_requires_grad(False)
        op = Dz.deconv2d if self._transposed else Dz.conv2d
        return op(x, self.W, self.b, self.stride, self.pad)


class Deconv2d(Conv2d):
    """DeZero's ``L.Deconv2d``: ``F.deconv2d`` of the input (N, C, H, W)
    with ``W`` of shape (C, out_channels, KH, KW), initialized as
    ``Conv2d``'s."""

    _transposed = True


def _pair(x):
    return (x, x) if isinstance(x, int) else tuple(x)


__all__ = ["Layer", "Linear", "Parameter", "RNN", "LSTM", "EmbedID", "BatchNorm", "Conv2d",
           "Deconv2d"]
