# SPDX-License-Identifier: MIT
"""Pythonic layer over the Dz typelib of dezero-glib.

After ``gi.require_version('Dz', '1.0'); from gi.repository import Dz``:
variables take and give NumPy arrays, built-ins accept variables, arrays and
scalars, operators work, Functions are written in Python with NumPy, and an
exception raised inside them reaches the caller as itself.
"""

import contextlib
import ctypes
import importlib
import numbers
import sys
import threading

from gi.repository import GLib

from ..module import get_introspection_module
from ..overrides import override

Dz = get_introspection_module("Dz")


class _LazyModule:
    """NumPy, imported on first use: a script that never touches NumPy does
    not pay its memory (about 20 MiB of resident libraries) for Dz."""

    def __init__(self, name):
        self._name = name

    def __getattr__(self, attr):
        module = importlib.import_module(self._name)
        globals()["np"] = module
        return getattr(module, attr)


np = _LazyModule("numpy")


def _is_ndarray(obj):
    # No NumPy loaded means no NumPy array: do not import it just to check.
    numpy = sys.modules.get("numpy")
    return numpy is not None and isinstance(obj, numpy.ndarray)

__all__ = []


def _export(obj):
    __all__.append(obj.__name__)
    return obj


# Zero-copy access to array storage. PyGObject turns dz_array_get_values()
# into a fresh list; NumPy users want a view, so the address is read through
# ctypes from the same library the typelib loads.
_lib = ctypes.CDLL("libdezero-glib-1.0.so.0")
_lib.dz_array_get_values.restype = ctypes.c_void_p
_lib.dz_array_get_values.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
_capsule_pointer = ctypes.pythonapi.PyCapsule_GetPointer
_capsule_pointer.restype = ctypes.c_void_p
_capsule_pointer.argtypes = [ctypes.py_object, ctypes.c_char_p]
_NATIVE_F8 = ("<" if sys.byteorder == "little" else ">") + "f8"


def _values_address(array):
    return _lib.dz_array_get_values(_capsule_pointer(array.__gpointer__, None), None)


# An exception raised in a Python vfunc or callback cannot cross C: PyGObject
# 3.42 prints it and hands C a NULL. It is parked here, per thread, and
# raised again by whichever entry point called into C.
_pending = threading.local()


def _park(exc):
    if getattr(_pending, "exc", None) is None:
        _pending.exc = exc


def _reset_pending():
    _pending.exc = None


def _raise_pending():
    exc = getattr(_pending, "exc", None)
    if exc is not None:
        _pending.exc = None
        raise exc


def _calls_python(func):
    """Runs ``func`` (which calls into C) and re-raises parked exceptions."""
    def wrapper(*args, **kwargs):
        _reset_pending()
        try:
            result = func(*args, **kwargs)
        except GLib.Error:
            _raise_pending()
            raise
        _raise_pending()
        return result
    wrapper.__name__ = func.__name__
    wrapper.__doc__ = func.__doc__
    return wrapper


# Conversions

def _is_scalar(obj):
    return isinstance(obj, numbers.Real) or (_is_ndarray(obj) and obj.ndim == 0
                                              and obj.dtype.kind in "biuf")


@_export
def as_array(obj):
    """Returns ``obj`` as a ``Dz.Array``: from a NumPy array, a number, a
    (nested) list or tuple of numbers, or a ``Dz.Array`` (returned as is)."""
    if isinstance(obj, Dz.Array):
        return obj
    if isinstance(obj, Dz.Variable) or obj is None or isinstance(obj, (str, bytes)):
        raise TypeError(f"cannot make a Dz.Array from {type(obj).__name__}")
    if isinstance(obj, numbers.Real) and not _is_ndarray(obj):
        return Dz.Array.new_scalar(float(obj))
    try:
        data = np.asarray(obj)
    except Exception as exc:
        raise TypeError(f"cannot make a Dz.Array from {type(obj).__name__}: {exc}") from None
    if data.dtype.kind not in "biuf":
        raise TypeError(f"cannot make a Dz.Array from {type(obj).__name__} "
                        f"of dtype {data.dtype} (numbers only)")
    data = np.asarray(data, dtype=np.float64, order="C")
    result = Dz.Array.new_zeros(list(data.shape))
    if data.size:
        # The array is new and not shared yet: filling it in place is safe.
        ctypes.memmove(_values_address(result), data.ctypes.data, data.nbytes)
    return result


@_export
def as_variable(obj):
    """Returns ``obj`` as a ``Dz.Variable``, wrapping anything ``as_array``
    takes."""
    if isinstance(obj, Dz.Variable):
        return obj
    return Variable(obj)


@override
class Array(Dz.Array):
    """An immutable float64 array; ``np.asarray(a)`` is a read-only view."""

    @classmethod
    def from_numpy(cls, obj):
        return as_array(obj)

    @property
    def __array_interface__(self):
        return {
            "version": 3,
            "shape": self.shape,
            "typestr": _NATIVE_F8,
            "data": (_values_address(self) or 0, True),
        }

    def numpy(self):
        """A read-only NumPy view of the values (no copy)."""
        return np.asarray(self)

    @property
    def shape(self):
        return tuple(self.get_shape())

    @property
    def ndim(self):
        return self.get_ndim()

    @property
    def size(self):
        return self.get_size()

    def __len__(self):
        if self.get_ndim() == 0:
            raise TypeError("len() of a 0-d array")
        return self.get_shape()[0]

    def __repr__(self):
        return "array(" + self.to_string().replace("\n", "\n      ") + ")"


__all__.append("Array")


# Operators and built-ins accepting variables, arrays and scalars

def _binary(vector_op, scalar_op, reflected_scalar_op):
    def op(a, b):
        if _is_scalar(b) and not _is_scalar(a):
            return scalar_op(as_variable(a), float(b))
        if _is_scalar(a) and not _is_scalar(b):
            return reflected_scalar_op(as_variable(b), float(a))
        return vector_op(as_variable(a), as_variable(b))
    return op


add = _binary(Dz.add, Dz.add_scalar, Dz.add_scalar)
sub = _binary(Dz.sub, lambda x, c: Dz.add_scalar(x, -c),
              lambda x, c: Dz.add_scalar(Dz.neg(x), c))
mul = _binary(Dz.mul, Dz.mul_scalar, Dz.mul_scalar)
div = _binary(Dz.div, lambda x, c: Dz.mul_scalar(x, 1.0 / c),
              lambda x, c: Dz.mul_scalar(Dz.pow(x, -1.0), c))
for _name, _op in (("add", add), ("sub", sub), ("mul", mul), ("div", div)):
    _op.__name__ = _name
    _op.__doc__ = f"``{_name}(a, b)`` of variables, arrays or scalars."
    __all__.append(_name)


def _unary(c_func):
    def op(x):
        return c_func(as_variable(x))
    op.__name__ = c_func.__name__
    op.__doc__ = f"``{c_func.__name__}(x)`` of a variable, array or scalar."
    __all__.append(op.__name__)
    return op


square = _unary(Dz.square)
exp = _unary(Dz.exp)
log = _unary(Dz.log)
sin = _unary(Dz.sin)
cos = _unary(Dz.cos)
tanh = _unary(Dz.tanh)
neg = _unary(Dz.neg)


@_export
def pow(x, exponent):  # noqa: A001 - DeZero's name
    """``x ** exponent`` for a constant exponent."""
    if not _is_scalar(exponent):
        raise TypeError("the exponent of pow must be a number")
    return Dz.pow(as_variable(x), float(exponent))


@_export
def add_scalar(x, value):
    return Dz.add_scalar(as_variable(x), float(value))


@_export
def mul_scalar(x, factor):
    return Dz.mul_scalar(as_variable(x), float(factor))


@override
class Variable(Dz.Variable):
    """A value in a computation and a node of its graph.

    ``Variable(data, name=None)`` takes a NumPy array, a number, a nested
    list or a ``Dz.Array``.
    """

    # NumPy defers to our reflected operators: np.array(1.0) + x is a
    # Variable, not an object array.
    __array_ufunc__ = None

    def __init__(self, data=None, name=None):
        props = {}
        if data is not None:
            props["data"] = as_array(data)
        if name is not None:
            props["name"] = name
        super().__init__(**props)

    @property
    def data(self):
        array = self.get_data()
        return None if array is None else np.asarray(array)

    @data.setter
    def data(self, value):
        self.set_data(None if value is None else as_array(value))

    @property
    def grad(self):
        return self.get_grad()

    @grad.setter
    def grad(self, value):
        self.set_grad(None if value is None else as_variable(value))

    @property
    def name(self):
        return self.get_name()

    @name.setter
    def name(self, value):
        self.set_name(value)

    @property
    def creator(self):
        return self.get_creator()

    @property
    def generation(self):
        return self.get_generation()

    @property
    def shape(self):
        array = self.get_data()
        return None if array is None else tuple(array.get_shape())

    @property
    def ndim(self):
        return self.get_ndim()

    @property
    def size(self):
        return self.get_size()

    def __len__(self):
        shape = self.shape
        if not shape:
            raise TypeError("len() of a 0-d variable")
        return shape[0]

    def __repr__(self):
        return self.to_string()

    @_calls_python
    def backward(self, retain_grad=False, create_graph=False):
        """Computes gradients of this variable, accumulating into ``.grad``."""
        flags = Dz.BackwardFlags.NONE
        if retain_grad:
            flags |= Dz.BackwardFlags.RETAIN_GRAD
        if create_graph:
            flags |= Dz.BackwardFlags.CREATE_GRAPH
        return Dz.Variable.backward_full(self, flags)

    def cleargrad(self):
        self.clear_grad()

    __add__ = add
    __mul__ = mul
    __sub__ = sub
    __truediv__ = div

    def __radd__(self, other):
        return add(other, self)

    def __rmul__(self, other):
        return mul(other, self)

    def __rsub__(self, other):
        return sub(other, self)

    def __rtruediv__(self, other):
        return div(other, self)

    def __neg__(self):
        return Dz.neg(self)

    def __pow__(self, exponent):
        return pow(self, exponent)


__all__.append("Variable")


# Functions written in Python

def _to_arrays(result):
    if isinstance(result, (list, tuple)):
        return [as_array(y) for y in result]
    return [as_array(result)]


def _to_variables(result):
    if isinstance(result, (list, tuple)):
        return [as_variable(g) for g in result]
    return [as_variable(result)]


def _vfunc(impl, convert_in, convert_out):
    """Wraps a do_forward/do_backward so that its values are converted and
    an exception it raises is parked for the caller instead of lost."""
    def vfunc(self, values):
        try:
            return convert_out(impl(self, convert_in(values)))
        except BaseException as exc:  # noqa: B902 - carried to the caller
            _park(exc)
            return None
    vfunc._dz_wrapped = True
    return vfunc


def _forward_inputs(xs):
    return [np.asarray(x) for x in xs]


@override
class Function(Dz.Function):
    """Base of functions written in Python.

    A subclass implements ``do_forward(self, xs)``, receiving the input
    values as read-only NumPy arrays and returning an array-like or a list
    of them, and ``do_backward(self, gys)``, receiving one gradient variable
    per output and returning one per input (a single one may be returned
    bare). ``f(x, ...)`` calls it DeZero style.
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for name, convert_in, convert_out in (("do_forward", _forward_inputs, _to_arrays),
                                              ("do_backward", list, _to_variables)):
            impl = cls.__dict__.get(name)
            if impl is not None and not getattr(impl, "_dz_wrapped", False):
                setattr(cls, name, _vfunc(impl, convert_in, convert_out))

    @_calls_python
    def call(self, inputs):
        return Dz.Function.call(self, [as_variable(x) for x in inputs])

    def __call__(self, *inputs):
        outputs = self.call(inputs)
        return outputs[0] if len(outputs) == 1 else tuple(outputs)

    @property
    def inputs(self):
        return list(self.get_inputs())

    @property
    def outputs(self):
        return [self.get_output(i) for i in range(self.get_n_outputs())]

    @property
    def generation(self):
        return self.get_generation()


__all__.append("Function")


# Numerical differentiation

def _variable_callback(f):
    def callback(x, *user_data):
        try:
            return as_variable(f(x))
        except BaseException as exc:  # noqa: B902 - carried to the caller
            _park(exc)
            return None
    return callback


@_export
@_calls_python
def numerical_diff(f, x, eps=1e-4):
    """Central-difference gradient of ``sum(f(x))`` at ``x``, as NumPy."""
    return np.asarray(Dz.numerical_diff(_variable_callback(f), None, as_variable(x), eps))


@_export
def gradient_check(f, x, eps=1e-4, rtol=1e-4, atol=1e-5):
    """True if backprop through ``f`` agrees with numerical differentiation
    at ``x``; exceptions raised by ``f`` propagate."""
    _reset_pending()
    try:
        Dz.gradient_check(_variable_callback(f), None, as_variable(x), eps, rtol, atol)
    except GLib.Error as err:
        _raise_pending()
        if err.matches(Dz.error_quark(), Dz.Error.GRADIENT_MISMATCH):
            return False
        raise
    return True


# Configuration and scopes

@_export
@contextlib.contextmanager
def using_config(name, value):
    """DeZero's ``using_config``; only ``'enable_backprop'`` exists."""
    if name != "enable_backprop":
        raise ValueError(f"unknown configuration {name!r} (only 'enable_backprop')")
    previous = Dz.set_enable_backprop(bool(value))
    try:
        yield
    finally:
        Dz.set_enable_backprop(previous)


@_export
def no_grad(func=None):
    """``with Dz.no_grad():`` records no graph; ``Dz.no_grad(f)`` runs
    ``f()`` that way and returns its result."""
    if func is None:
        return using_config("enable_backprop", False)
    with using_config("enable_backprop", False):
        return func()


@_export
@_calls_python
def grad(output, inputs, create_graph=False):
    """Gradient of ``output`` with respect to ``inputs`` (a variable or a
    sequence of them), like ``torch.autograd.grad``: no ``.grad`` is read or
    written, so higher-order derivatives leave no reference cycles."""
    single = isinstance(inputs, Dz.Variable)
    inputs = [inputs] if single else [as_variable(x) for x in inputs]
    flags = Dz.BackwardFlags.CREATE_GRAPH if create_graph else Dz.BackwardFlags.NONE
    grads = list(Dz.grad(as_variable(output), inputs, flags))
    return grads[0] if single else grads


@_export
def get_dot_graph(output, verbose=True):
    """DeZero's ``get_dot_graph``: the graph of ``output`` as DOT text."""
    return output.to_dot(verbose)


@_export
def plot_dot_graph(output, verbose=True, to_file="graph.png"):
    """DeZero's ``plot_dot_graph``: renders with Graphviz (``GLib.Error``
    ``NOT_AVAILABLE`` if it is not installed)."""
    output.plot_dot_graph(verbose, to_file)


@_export
def live_peaks():
    """``(arrays, variables, functions)`` at most alive at once since
    ``Dz.live_reset_peak()``."""
    return tuple(Dz.live_peak(k) for k in (Dz.LiveKind.ARRAY, Dz.LiveKind.VARIABLE,
                                           Dz.LiveKind.FUNCTION))


@override
class Scope(Dz.Scope):
    """``with Dz.scope() as s:`` releases what the block created unless
    ``s.keep(obj)``; Python frees objects by reference counting anyway, so
    this matters mostly for code shared with JavaScript."""

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()
        return False


__all__.append("Scope")


@_export
def scope():
    return Scope.new()


@_export
@_calls_python
def tidy(f):
    """Runs ``f()`` in a scope and keeps what it returns."""
    def body(*user_data):
        try:
            return f()
        except BaseException as exc:  # noqa: B902 - carried to the caller
            _park(exc)
            return None
    return Dz.tidy(body, None)


@_export
def live_counts():
    """``(arrays, variables, functions)`` not yet released."""
    return tuple(Dz.live_count(k) for k in (Dz.LiveKind.ARRAY, Dz.LiveKind.VARIABLE,
                                            Dz.LiveKind.FUNCTION))
