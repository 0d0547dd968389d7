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
# into a fresh list and GLib.Bytes into a copied bytes object; NumPy users
# want a view, so the storage is reached through ctypes from the same
# libraries the typelib loads.
_lib = ctypes.CDLL("libdezero-glib-1.0.so.0")
_lib.dz_array_get_values.restype = ctypes.c_void_p
_lib.dz_array_get_values.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
_lib.dz_array_get_bytes.restype = ctypes.c_void_p
_lib.dz_array_get_bytes.argtypes = [ctypes.c_void_p]
_glib = ctypes.CDLL("libglib-2.0.so.0")
_glib.g_bytes_get_data.restype = ctypes.c_void_p
_glib.g_bytes_get_data.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_size_t)]
_glib.g_bytes_unref.restype = None
_glib.g_bytes_unref.argtypes = [ctypes.c_void_p]
_capsule_pointer = ctypes.pythonapi.PyCapsule_GetPointer
_capsule_pointer.restype = ctypes.c_void_p
_capsule_pointer.argtypes = [ctypes.py_object, ctypes.c_char_p]
_NATIVE_F8 = ("<" if sys.byteorder == "little" else ">") + "f8"


def _values_address(array):
    return _lib.dz_array_get_values(_capsule_pointer(array.__gpointer__, None), None)


class _Storage:
    """The base of every NumPy view of a Dz.Array: it holds the array's
    GBytes, which keep the storage alive however the array ends (a scope
    that closes empties the array, not its bytes)."""

    __slots__ = ("_bytes", "__array_interface__")

    def __init__(self, array):
        self._bytes = _lib.dz_array_get_bytes(_capsule_pointer(array.__gpointer__, None))
        size = ctypes.c_size_t(0)
        address = _glib.g_bytes_get_data(self._bytes, ctypes.byref(size))
        self.__array_interface__ = {
            "version": 3,
            "shape": tuple(array.get_shape()),
            "typestr": _NATIVE_F8,
            "data": (address or 0, True),
        }

    def __del__(self):
        _glib.g_bytes_unref(self._bytes)


def _view(array):
    """A read-only ndarray viewing ``array``'s storage, zero-copy."""
    if array.get_size() == 0:
        view = np.zeros(tuple(array.get_shape()))
        view.flags.writeable = False
        return view
    return np.asarray(_Storage(array))


# An exception raised in a Python vfunc or callback cannot cross C: PyGObject
# 3.42 prints it and hands C a NULL. It is parked here, per thread, and
# raised again by the entry point (see _entry) that called into C.
class _Pending(threading.local):
    exc = None


_pending = _Pending()


def _park(exc):
    if _pending.exc is None:
        _pending.exc = exc


# Errors: GLib.Error subclasses by code, so that `except ValueError` works and
# str() is the message alone, while `except GLib.Error` and
# err.matches(Dz.error_quark(), code) still do.

class DzError(GLib.Error):
    """Base of the errors of the Dz domain (a ``GLib.Error``)."""

    def __str__(self):
        return self.message


_ERROR_BASES = {
    "invalid-argument": ValueError, "size-mismatch": ValueError,
    "shape-mismatch": ValueError, "wrong-count": ValueError,
    "gradient-mismatch": ValueError,
    "too-large": MemoryError, "no-memory": MemoryError,
}
_error_classes = {}
for _value in Dz.Error.__enum_values__.values():
    _name = "".join(part.capitalize() for part in _value.value_nick.split("-")) + "Error"
    _bases = (DzError, _ERROR_BASES[_value.value_nick]) if _value.value_nick in _ERROR_BASES \
        else (DzError,)
    _error_classes[int(_value)] = type(_name, _bases, {
        "__module__": __name__,
        "__doc__": f"``Dz.Error.{_value.value_nick.upper().replace('-', '_')}``",
    })
    globals()[_name] = _error_classes[int(_value)]
_DOMAIN = GLib.quark_to_string(Dz.error_quark())


def _error(code, message):
    return _error_classes.get(int(code), DzError)(message, _DOMAIN, int(code))


def _translate(err):
    if isinstance(err, DzError) or err.domain != _DOMAIN:
        return err
    return _error(err.code, err.message)


def _reraise(err):
    """Raises, for a GLib.Error from C, the parked Python exception that
    caused it, or else the error as its DzError class. Locals are cleared on
    the way out so that no frame of ours and the exception hold each other:
    the exception (and the Functions and inputs its traceback reaches) is
    freed as soon as the caller's `except` ends, without the cyclic GC."""
    exc = _pending.exc
    _pending.exc = None
    if exc is None:
        exc = _translate(err)
    try:
        raise exc from None
    finally:
        exc = err = None


def _raise_parked():
    """Raises a parked exception whose failure C did not report (a callback
    whose None result is valid)."""
    exc = _pending.exc
    _pending.exc = None
    try:
        raise exc
    finally:
        exc = None


def _entry(func):
    """Wraps a callable that reaches C and may run Python code: see
    _reraise."""
    def wrapper(*args, **kwargs):
        try:
            result = func(*args, **kwargs)
        except GLib.Error as err:
            _reraise(err)
        if _pending.exc is not None:
            result = None
            _raise_parked()
        return result
    wrapper.__name__ = getattr(func, "__name__", "function")
    wrapper.__qualname__ = wrapper.__name__
    wrapper.__doc__ = getattr(func, "__doc__", None)
    return wrapper


def _wrap_methods(cls, base):
    """Puts an _entry-wrapped version of every introspected method of
    ``base`` that ``cls`` does not define itself on ``cls``."""
    for name, info in list(base.__dict__.items()):
        if type(info).__name__ != "FunctionInfo" or name in cls.__dict__:
            continue
        if info.is_method():
            setattr(cls, name, _entry(info))
        else:
            setattr(cls, name, staticmethod(_entry(getattr(base, name))))


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
    result = Array.new_zeros(list(data.shape))
    if data.size:
        # The array is new and not shared yet: filling it in place is safe.
        ctypes.memmove(_values_address(result), data.ctypes.data, data.nbytes)
    return result


@_export
def as_variable(obj):
    """Returns ``obj`` as a ``Dz.Variable``, wrapping anything ``as_array``
    takes (``None`` is a ``TypeError``: an op needs a value)."""
    if isinstance(obj, Dz.Variable):
        return obj
    if obj is None:
        raise TypeError("expected a variable, array or number, not None")
    return Variable(obj)


def _data_class():
    """The class of ``Variable.data``, made on first use so that NumPy is
    imported only when needed."""
    global _VariableData
    if _VariableData is not None:
        return _VariableData

    def plain(obj):
        return obj.view(np.ndarray) if isinstance(obj, VariableData) else obj

    def out_of_place(ufunc):
        # Python ends `x.data -= d` with `x.data = <what __isub__ returns>`:
        # returning a new array sends the update through the data setter,
        # which copies, so an array recorded in a graph is never written.
        def method(self, other):
            if self.flags.writeable:
                return ufunc(plain(self), other, out=(plain(self),)).view(type(self))
            return ufunc(plain(self), other)
        return method

    class VariableData(np.ndarray):
        """A read-only view of a variable's values whose in-place operators
        compute a new array instead of writing; results of ufuncs, slices
        and indexing are plain ndarrays."""

        def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
            inputs = tuple(plain(x) for x in inputs)
            if "out" in kwargs:
                kwargs["out"] = tuple(plain(x) for x in kwargs["out"])
            return getattr(ufunc, method)(*inputs, **kwargs)

        def __getitem__(self, key):
            return plain(super().__getitem__(key))

        def copy(self, order="C"):
            return plain(self).copy(order)

        def __copy__(self):
            return plain(self).copy()

        def __deepcopy__(self, memo):
            return plain(self).copy()

        def __reduce__(self):
            return plain(self).__reduce__()

        def __repr__(self):
            return repr(plain(self))

        __iadd__ = out_of_place(np.add)
        __isub__ = out_of_place(np.subtract)
        __imul__ = out_of_place(np.multiply)
        __itruediv__ = out_of_place(np.true_divide)
        __ifloordiv__ = out_of_place(np.floor_divide)
        __imod__ = out_of_place(np.remainder)
        __ipow__ = out_of_place(np.power)
        __imatmul__ = out_of_place(np.matmul)

    VariableData.__module__ = __name__
    VariableData.__qualname__ = "VariableData"
    _VariableData = VariableData
    return VariableData


_VariableData = None


@override
class Array(Dz.Array):
    """An immutable float64 array; ``np.asarray(a)`` is a read-only view
    that keeps the values alive on its own."""

    @classmethod
    def from_numpy(cls, obj):
        return as_array(obj)

    def __array__(self, dtype=None, copy=None):
        view = _view(self)
        return view if dtype is None else view.astype(dtype)

    def numpy(self):
        """A read-only NumPy view of the values (no copy)."""
        return _view(self)

    def item(self):
        """The single value as a float (NumPy's ``ValueError`` otherwise)."""
        if self.get_size() != 1:
            raise ValueError("can only convert an array of size 1 to a Python scalar")
        return Dz.Array.item(self)

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


_wrap_methods(Array, Dz.Array)
__all__.append("Array")


@override
class Generator(Dz.Generator):
    """A seedable random number generator (xoshiro256**)."""


_wrap_methods(Generator, Dz.Generator)
__all__.append("Generator")


# Operators and built-ins accepting variables, arrays and scalars

def _result(variable):
    # Until every op reports a GError, a NULL result (after a CRITICAL) means
    # an input had no data; it must never reach the caller as None.
    if variable is None:
        raise _error(Dz.Error.NO_DATA, "an input of the operation has no data")
    return variable


# Built-ins run no Python code, so no exception is parked behind them; the
# operators call them without _entry's extra frame (7% of a scalar add).
def _binary(name, vector_op, scalar_op, reflected_scalar_op):
    def op(a, b):
        try:
            if _is_scalar(b) and not _is_scalar(a):
                result = scalar_op(as_variable(a), float(b))
            elif _is_scalar(a) and not _is_scalar(b):
                result = reflected_scalar_op(as_variable(b), float(a))
            else:
                result = vector_op(as_variable(a), as_variable(b))
        except GLib.Error as err:
            _reraise(err)
        return _result(result)
    op.__name__ = name
    op.__doc__ = f"``{name}(a, b)`` of variables, arrays or scalars."
    __all__.append(name)
    return op


def _constant_like(x, value):
    shape = x.get_shape()
    if not shape:
        return Dz.Variable.new_scalar(value)
    return Dz.Variable.new(Dz.Array.new_full(shape, value))


add = _binary("add", Dz.add, Dz.add_scalar, Dz.add_scalar)
sub = _binary("sub", Dz.sub, lambda x, c: Dz.add_scalar(x, -c),
              lambda x, c: Dz.add_scalar(_result(Dz.neg(x)), c))
mul = _binary("mul", Dz.mul, Dz.mul_scalar, Dz.mul_scalar)
# A true division both ways (not a multiplication by 1/c, which rounds twice,
# overflows for tiny c and raises ZeroDivisionError for 0).
div = _binary("div", Dz.div, lambda x, c: Dz.div(x, _constant_like(x, c)),
              lambda x, c: Dz.div(_constant_like(x, c), x))


def _unary(c_func):
    def op(x):
        try:
            result = c_func(as_variable(x))
        except GLib.Error as err:
            _reraise(err)
        return _result(result)
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
@_entry
def pow(x, exponent):  # noqa: A001 - DeZero's name
    """``x ** exponent``. A number exponent is DeZero's ``pow``; a variable
    or array exponent (and a number base, ``2 ** x``) goes through
    ``_Power``, differentiable in both."""
    if exponent is None:
        raise TypeError("the exponent of pow must be a number, an array or a variable")
    if _is_scalar(exponent):
        return _result(Dz.pow(as_variable(x), float(exponent)))
    exponent = as_variable(exponent)
    base = _constant_like(exponent, float(x)) if _is_scalar(x) else as_variable(x)
    return _Power()(base, exponent)


@_export
@_entry
def add_scalar(x, value):
    return _result(Dz.add_scalar(as_variable(x), float(value)))


@_export
@_entry
def mul_scalar(x, factor):
    return _result(Dz.mul_scalar(as_variable(x), float(factor)))


def _values(obj):
    """Values to compare: a variable's data, anything else as NumPy takes it."""
    if isinstance(obj, Dz.Variable):
        array = obj.get_data()
        if array is None:
            raise _error(Dz.Error.NO_DATA, "cannot compare a variable without data")
        return _view(array)
    return obj


def _comparison(ufunc_name):
    def compare(self, other):
        return getattr(np, ufunc_name)(_values(self), _values(other))
    compare.__name__ = ufunc_name
    return compare


def _restore_variable(data, name):
    return Variable(data, name=name)


# Pickle finds it by module and name: gi.repository.Dz (which loads this
# override) resolves it, gi.overrides.Dz imported on its own would not.
_restore_variable.__module__ = "gi.repository.Dz"
__all__.append("_restore_variable")


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
        """A read-only zero-copy view; ``v.data -= d`` (and the other
        augmented assignments) replaces the data with a new array."""
        array = self.get_data()
        return None if array is None else _view(array).view(_data_class())

    @data.setter
    def data(self, value):
        self.set_data(None if value is None else as_array(value))

    def __array__(self, dtype=None, copy=None):
        array = self.get_data()
        if array is None:
            raise _error(Dz.Error.NO_DATA, "the variable has no data")
        view = _view(array)
        return view if dtype is None else view.astype(dtype)

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

    @property
    def dtype(self):
        return np.dtype(np.float64)

    def item(self):
        """The single value as a float (NumPy's ``ValueError`` otherwise)."""
        array = self.get_data()
        if array is None:
            raise _error(Dz.Error.NO_DATA, "the variable has no data")
        return Array.item(array)

    def __float__(self):
        return self.item()

    def __len__(self):
        shape = self.shape
        if not shape:
            raise TypeError("len() of a 0-d variable")
        return shape[0]

    def __repr__(self):
        array = self.get_data()
        if array is None:
            return "variable(None)"
        if array.get_ndim() == 0:
            # repr(float) is what NumPy prints for a 0-d float64 array.
            return f"variable({array.item()!r})"
        return "variable(" + str(_view(array)).replace("\n", "\n" + " " * 9) + ")"

    def __call__(self):
        """DeZero keeps a Function's outputs as weak references and reads
        them with ``self.outputs[0]()``; here ``outputs`` are the variables,
        and calling one returns it, so that code runs unchanged."""
        return self

    @_entry
    def backward(self, retain_grad=False, create_graph=False):
        """Computes gradients of this variable, accumulating into ``.grad``."""
        flags = Dz.BackwardFlags.NONE
        if retain_grad:
            flags |= Dz.BackwardFlags.RETAIN_GRAD
        if create_graph:
            flags |= Dz.BackwardFlags.CREATE_GRAPH
        Dz.Variable.backward_full(self, flags)

    def cleargrad(self):
        self.clear_grad()

    def __copy__(self):
        """A new leaf with the same data (arrays are immutable, so shared)
        and name, and no graph."""
        return Variable(self.get_data(), name=self.get_name())

    def __deepcopy__(self, memo):
        return self.__copy__()

    def __reduce__(self):
        array = self.get_data()
        return (_restore_variable,
                (None if array is None else np.array(_view(array)), self.get_name()))

    __add__ = add
    __mul__ = mul
    __sub__ = sub
    __truediv__ = div
    __pow__ = pow

    def __radd__(self, other):
        return add(other, self)

    def __rmul__(self, other):
        return mul(other, self)

    def __rsub__(self, other):
        return sub(other, self)

    def __rtruediv__(self, other):
        return div(other, self)

    def __rpow__(self, base):
        return pow(base, self)

    def __neg__(self):
        return neg(self)

    def __abs__(self):
        """``abs(v)``, differentiable: ``v * sign(v)`` with the sign taken as
        a constant (gradient 0 at 0)."""
        return mul(self, np.sign(np.asarray(self)))

    # Identity, as in DeZero: == and hash compare objects, not values.
    __lt__ = _comparison("less")
    __le__ = _comparison("less_equal")
    __gt__ = _comparison("greater")
    __ge__ = _comparison("greater_equal")


_wrap_methods(Variable, Dz.Variable)
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
    return [_view(x) for x in xs]


def _book_forward(self, xs):
    return self.forward(*xs)


def _book_backward(self, gys):
    return self.backward(*gys)


def _initializing(init):
    # DeZero's Functions often define __init__ without chaining up; PyGObject
    # then never makes the GObject. Making it first lets both styles work.
    def __init__(self, *args, **kwargs):
        Function.__init__(self)
        init(self, *args, **kwargs)
    __init__._dz_wrapped = True
    __init__.__doc__ = init.__doc__
    return __init__


@override
class Function(Dz.Function):
    """Base of functions written in Python.

    A subclass implements either DeZero's ``forward(self, *xs)`` and
    ``backward(self, *gys)`` (unpacked values, one result or a tuple) or
    ``do_forward(self, xs)`` and ``do_backward(self, gys)`` (lists).
    Forward receives read-only NumPy arrays and returns array-likes;
    backward receives one gradient variable per output and returns one per
    input. ``f(x, ...)`` calls it DeZero style.
    """

    def __init__(self, **props):
        if not self.__dict__.get("_dz_initialized", False):
            self._dz_initialized = True
            Dz.Function.__init__(self, **props)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        init = cls.__dict__.get("__init__")
        if init is not None and not getattr(init, "_dz_wrapped", False):
            cls.__init__ = _initializing(init)
        for name, book, book_impl, convert_in, convert_out in (
                ("do_forward", "forward", _book_forward, _forward_inputs, _to_arrays),
                ("do_backward", "backward", _book_backward, list, _to_variables)):
            impl = cls.__dict__.get(name)
            if impl is None and book in cls.__dict__:
                impl = book_impl
            if impl is not None and not getattr(impl, "_dz_wrapped", False):
                setattr(cls, name, _vfunc(impl, convert_in, convert_out))

    @_entry
    def call(self, inputs):
        return Dz.Function.call(self, [as_variable(x) for x in inputs])

    def __call__(self, *inputs):
        outputs = self.call(inputs)
        return outputs[0] if len(outputs) == 1 else tuple(outputs)

    @property
    def inputs(self):
        return [self.get_input(i) for i in range(self.get_n_inputs())]

    @property
    def outputs(self):
        return [self.get_output(i) for i in range(self.get_n_outputs())]

    @property
    def generation(self):
        return self.get_generation()


_wrap_methods(Function, Dz.Function)
__all__.append("Function")


class _Power(Function):
    """``a ** b`` for a variable exponent. NumPy's power forward (exact,
    unlike exp(b * log(a))); the gradient for ``b`` is ``y * log(a)``, NaN
    where ``a <= 0`` as in NumPy and PyTorch."""

    # A Function class needs its own GType, which PyGObject does not
    # register for classes of an override module.
    __module__ = "dezero_glib.power"

    def forward(self, a, b):
        return np.power(a, b)

    def backward(self, gy):
        a, b = self.inputs
        y = self.outputs[0]
        return gy * b * a ** (b - 1.0), gy * y * log(a)


# Numerical differentiation

def _variable_callback(f, args, kwargs):
    def callback(x, *user_data):
        try:
            return as_variable(f(x, *args, **kwargs))
        except BaseException as exc:  # noqa: B902 - carried to the caller
            _park(exc)
            return None
    return callback


@_export
@_entry
def numerical_diff(f, x, *args, eps=1e-4, **kwargs):
    """Central-difference gradient of ``sum(f(x, *args, **kwargs))`` at
    ``x``, as NumPy (DeZero's signature)."""
    return np.asarray(Dz.numerical_diff(_variable_callback(f, args, kwargs), None,
                                        as_variable(x), eps))


@_export
def gradient_check(f, x, *args, rtol=1e-4, atol=1e-5, eps=1e-4, **kwargs):
    """True if backprop through ``f(x, *args, **kwargs)`` agrees with
    numerical differentiation at ``x`` (DeZero's signature); exceptions
    raised by ``f`` propagate."""
    try:
        _entry(Dz.gradient_check)(_variable_callback(f, args, kwargs), None,
                                  as_variable(x), eps, rtol, atol)
    except _error_classes[Dz.Error.GRADIENT_MISMATCH]:
        return False
    return True


# Configuration and scopes

@_export
@contextlib.contextmanager
def using_config(name, value):
    """DeZero's ``using_config``; only ``'enable_backprop'`` exists. Also
    usable as a decorator."""
    if name != "enable_backprop":
        raise ValueError(f"unknown configuration {name!r} (only 'enable_backprop')")
    previous = Dz.set_enable_backprop(bool(value))
    try:
        yield
    finally:
        Dz.set_enable_backprop(previous)


@_export
def no_grad(func=None):
    """Records no graph: ``with Dz.no_grad():``, ``@Dz.no_grad`` or
    ``@Dz.no_grad()``."""
    if func is None:
        return using_config("enable_backprop", False)
    if not callable(func):
        raise TypeError("no_grad takes a function to decorate, or nothing")
    return using_config("enable_backprop", False)(func)


@_export
@_entry
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
    """DeZero's ``plot_dot_graph``: renders with Graphviz
    (``Dz.NotAvailableError`` if it is not installed)."""
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


_wrap_methods(Scope, Dz.Scope)
__all__.append("Scope")


@_export
def scope():
    return Scope.new()


def _keep(s, obj):
    if isinstance(obj, (Dz.Variable, Dz.Array, Dz.Function)):
        s.keep(obj)
    elif isinstance(obj, (list, tuple, set, frozenset)):
        for item in obj:
            _keep(s, item)
    elif isinstance(obj, dict):
        for item in obj.values():
            _keep(s, item)


@_export
def tidy(f):
    """Runs ``f()`` in a scope and returns what it returns, keeping every Dz
    object in it (also inside tuples, lists, sets and dict values)."""
    with scope() as s:
        result = f()
        _keep(s, result)
    return result


@_export
def live_counts():
    """``(arrays, variables, functions)`` not yet released."""
    return tuple(Dz.live_count(k) for k in (Dz.LiveKind.ARRAY, Dz.LiveKind.VARIABLE,
                                            Dz.LiveKind.FUNCTION))


# Every other introspected function, wrapped so that its errors are DzErrors.
for _name in dir(Dz):
    _info = getattr(Dz, _name)
    if type(_info).__name__ == "FunctionInfo" and _name not in globals():
        globals()[_name] = _entry(_info)
        __all__.append(_name)
__all__.extend(["DzError"] + [cls.__name__ for cls in _error_classes.values()])
