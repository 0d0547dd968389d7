# SPDX-License-Identifier: MIT
"""Pythonic layer over the Dz typelib of dezero-glib.

After ``gi.require_version('Dz', '1.0'); from gi.repository import Dz``:
variables take and give NumPy arrays (float64, float32 and int64, without
copying), behave as NumPy's (shape, dtype, T, reshape, sum, indexing, @),
built-ins accept variables, arrays and scalars with DeZero's keyword
arguments, operators broadcast and promote as NumPy does, Functions are
written in Python with NumPy, and an exception raised inside them reaches
the caller as itself.
"""

import contextlib
import ctypes
import importlib
import numbers
import operator
import sys
import threading

from gi import _gi
from gi.repository import GLib, GObject

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
class _GError(ctypes.Structure):
    _fields_ = [("domain", ctypes.c_uint32), ("code", ctypes.c_int),
                ("message", ctypes.c_char_p)]


_lib = ctypes.CDLL("libdezero-glib-1.0.so.0")
_lib.dz_array_get_bytes.restype = ctypes.c_void_p
_lib.dz_array_get_bytes.argtypes = [ctypes.c_void_p]
_lib.dz_array_new_from_bytes.restype = ctypes.c_void_p
_lib.dz_array_new_from_bytes.argtypes = [ctypes.c_void_p, ctypes.c_int,
                                         ctypes.POINTER(ctypes.c_size_t), ctypes.c_uint,
                                         ctypes.POINTER(ctypes.POINTER(_GError))]
_lib.dz_mnist_get_images.restype = ctypes.c_void_p
_lib.dz_mnist_get_images.argtypes = [ctypes.c_void_p] + [ctypes.POINTER(ctypes.c_size_t)] * 3
_glib = ctypes.CDLL("libglib-2.0.so.0")
_glib.g_bytes_get_data.restype = ctypes.c_void_p
_glib.g_bytes_get_data.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_size_t)]
_glib.g_bytes_new_with_free_func.restype = ctypes.c_void_p
_glib.g_bytes_new_with_free_func.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p,
                                             ctypes.c_void_p]
_glib.g_bytes_unref.restype = None
_glib.g_bytes_unref.argtypes = [ctypes.c_void_p]
_glib.g_error_free.restype = None
_glib.g_error_free.argtypes = [ctypes.POINTER(_GError)]
_gobject = ctypes.CDLL("libgobject-2.0.so.0")
_gobject.g_object_unref.restype = None
_gobject.g_object_unref.argtypes = [ctypes.c_void_p]
_gobject.g_object_ref.restype = ctypes.c_void_p
_gobject.g_object_ref.argtypes = [ctypes.c_void_p]
_G_OBJECT_UNREF = ctypes.cast(_gobject.g_object_unref, ctypes.c_void_p).value
_capsule_pointer = ctypes.pythonapi.PyCapsule_GetPointer
_capsule_pointer.restype = ctypes.c_void_p
_capsule_pointer.argtypes = [ctypes.py_object, ctypes.c_char_p]
# PyGObject's C API: its fourth entry, pygobject_new(), wraps a GObject
# pointer (adding a reference) in the Python class registered for its type.
_newgobj = ctypes.PYFUNCTYPE(ctypes.py_object, ctypes.c_void_p)(
    ctypes.cast(_capsule_pointer(_gi._PyGObject_API, b"gobject._PyGObject_API"),
                ctypes.POINTER(ctypes.c_void_p))[3])


def _never_called(*args):
    pass  # "notify" is never emitted on a keeper: no property changes


def _keeper(obj):
    """A reference to a new GObject that keeps ``obj`` alive until it is
    finalized: a GBytes whose free function is g_object_unref thus holds a
    Python object. A ctypes callback could not do it: GLib may free bytes
    while a Python exception is being raised (an argument dropped as an
    error unwinds), and ctypes runs no Python code safely then; PyGObject
    releases a signal closure's data at finalization, taking the GIL, from
    any thread."""
    keeper = GObject.Object()
    keeper.connect("notify", _never_called, obj)
    return _gobject.g_object_ref(_capsule_pointer(keeper.__gpointer__, None))


_BYTE_ORDER = "<" if sys.byteorder == "little" else ">"
# Dz.Dtype -> NumPy dtype name and array-interface typestr.
_DTYPE_NAMES = {int(Dz.Dtype.FLOAT64): "float64", int(Dz.Dtype.FLOAT32): "float32",
                int(Dz.Dtype.INT64): "int64"}
_TYPESTRS = {int(Dz.Dtype.FLOAT64): _BYTE_ORDER + "f8", int(Dz.Dtype.FLOAT32): _BYTE_ORDER + "f4",
             int(Dz.Dtype.INT64): _BYTE_ORDER + "i8"}
_DZ_DTYPES = {"float64": Dz.Dtype.FLOAT64, "float32": Dz.Dtype.FLOAT32,
              "int64": Dz.Dtype.INT64}


def _numpy_dtype(dz_dtype):
    return np.dtype(_DTYPE_NAMES[int(dz_dtype)])


def _dz_dtype(dtype):
    """The Dz.Dtype for a Dz.Dtype, a NumPy dtype or anything np.dtype()
    takes: floats of up to 4 bytes are float32, wider ones float64,
    integers and booleans int64."""
    if isinstance(dtype, Dz.Dtype):
        return dtype
    dtype = np.dtype(dtype)
    if dtype.kind == "f":
        return Dz.Dtype.FLOAT32 if dtype.itemsize <= 4 else Dz.Dtype.FLOAT64
    if dtype.kind in "biu":
        return Dz.Dtype.INT64
    raise TypeError(f"dezero-glib has no dtype for {dtype} (float64, float32 and int64 only)")


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
            "typestr": _TYPESTRS[int(array.get_dtype())],
            "data": (address or 0, True),
        }

    def __del__(self):
        _glib.g_bytes_unref(self._bytes)


class _MnistPixels:
    """The base of the uint8 ndarray over a Dz.MNIST's pixels: holds their
    GBytes (GLib.Bytes.get_data() would copy 47 MB)."""

    __slots__ = ("_bytes", "__array_interface__")

    def __init__(self, dataset):
        n, rows, cols = (ctypes.c_size_t(0) for _ in range(3))
        self._bytes = _lib.dz_mnist_get_images(_capsule_pointer(dataset.__gpointer__, None),
                                               ctypes.byref(n), ctypes.byref(rows),
                                               ctypes.byref(cols))
        size = ctypes.c_size_t(0)
        address = _glib.g_bytes_get_data(self._bytes, ctypes.byref(size))
        self.__array_interface__ = {
            "version": 3,
            "shape": (n.value, 1, rows.value, cols.value),
            "typestr": "|u1",
            "data": (address or 0, True),
        }

    def __del__(self):
        _glib.g_bytes_unref(self._bytes)


def mnist_images(dataset):
    """A Dz.MNIST's pixels as DeZero's ``data``: a read-only uint8 ndarray of
    shape (N, 1, rows, cols) over the dataset's own bytes, zero-copy."""
    if not isinstance(dataset, Dz.MNIST):
        raise TypeError(f"a Dz.MNIST, not {type(dataset).__name__}")
    return np.asarray(_MnistPixels(dataset))


__all__.append("mnist_images")


def _view(array):
    """A read-only ndarray viewing ``array``'s storage, zero-copy."""
    if array.get_size() == 0:
        view = np.zeros(tuple(array.get_shape()), dtype=_numpy_dtype(array.get_dtype()))
        view.flags.writeable = False
        return view
    return np.asarray(_Storage(array))


def _from_ndarray(data):
    """A Dz.Array of ``data``'s values. A C-contiguous, aligned, native
    float64, float32 or int64 array is not copied: the Dz.Array reads its
    buffer through a GBytes that keeps ``data`` alive; anything else is
    converted first (see _dz_dtype)."""
    dz_dtype = _dz_dtype(data.dtype)
    target = np.dtype(_DTYPE_NAMES[int(dz_dtype)])
    if data.dtype != target or not (data.flags.c_contiguous and data.flags.aligned):
        data = np.ascontiguousarray(data, dtype=target)
    shape = (ctypes.c_size_t * data.ndim)(*data.shape)
    error = ctypes.POINTER(_GError)()
    gbytes = _glib.g_bytes_new_with_free_func(data.ctypes.data, data.nbytes, _G_OBJECT_UNREF,
                                              _keeper(data))
    try:
        pointer = _lib.dz_array_new_from_bytes(gbytes, int(dz_dtype), shape, data.ndim,
                                               ctypes.byref(error))
    finally:
        _glib.g_bytes_unref(gbytes)
    if not pointer:
        code, message = error.contents.code, error.contents.message.decode()
        _glib.g_error_free(error)
        raise _error(code, message)
    array = _newgobj(pointer)
    _gobject.g_object_unref(pointer)
    return array


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
    "invalid-argument": (ValueError,), "size-mismatch": (ValueError,),
    "shape-mismatch": (ValueError,), "wrong-count": (ValueError,),
    "gradient-mismatch": (ValueError,),
    "too-large": (MemoryError,), "no-memory": (MemoryError,),
    "invalid-dtype": (TypeError,), "index-out-of-range": (IndexError,),
    # NumPy's AxisError is both.
    "invalid-axis": (ValueError, IndexError),
}
_error_classes = {}
for _value in Dz.Error.__enum_values__.values():
    _name = "".join(part.capitalize() for part in _value.value_nick.split("-")) + "Error"
    _bases = (DzError,) + _ERROR_BASES.get(_value.value_nick, ())
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
def as_array(obj, dtype=None):
    """Returns ``obj`` as a ``Dz.Array``: from a NumPy array, a number, a
    (nested) list or tuple of numbers, or a ``Dz.Array`` (returned as is
    when ``dtype`` is None or its own).

    Values keep their NumPy dtype: float64, float32 and int64 as they are,
    float16 as float32, the other integers and booleans as int64. A
    C-contiguous float64, float32 or int64 ndarray is not copied: the array
    reads its buffer (and keeps it alive), so it sees later writes into it
    as a DeZero variable holding that ndarray would."""
    if isinstance(obj, Dz.Array):
        if dtype is None or _dz_dtype(dtype) == obj.get_dtype():
            return obj
        return Dz.Array.astype(obj, _dz_dtype(dtype))
    if type(obj) is _ArrayView and obj._dz_array is not None:
        return as_array(obj._dz_array, dtype)  # see numpy_view
    if isinstance(obj, Dz.Variable) or obj is None or isinstance(obj, (str, bytes)):
        raise TypeError(f"cannot make a Dz.Array from {type(obj).__name__}")
    if dtype is None and isinstance(obj, float):
        return Dz.Array.new_scalar(obj)
    try:
        data = np.asarray(obj, dtype=None if dtype is None else np.dtype(dtype))
    except Exception as exc:
        raise TypeError(f"cannot make a Dz.Array from {type(obj).__name__}: {exc}") from None
    if data.dtype.kind not in "biuf":
        raise TypeError(f"cannot make a Dz.Array from {type(obj).__name__} "
                        f"of dtype {data.dtype} (numbers only)")
    return _from_ndarray(data)


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
    """An immutable array of float64, float32 or int64 values;
    ``np.asarray(a)`` is a read-only view that keeps the values alive on
    its own."""

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
        """The single value as a Python number (NumPy's ``ValueError``
        otherwise)."""
        if self.get_size() != 1:
            raise ValueError("can only convert an array of size 1 to a Python scalar")
        if self.get_dtype() == Dz.Dtype.INT64:
            return _view(self).item()
        return Dz.Array.item(self)

    @_entry
    def astype(self, dtype):
        """A copy with values of ``dtype`` (a NumPy dtype, its name or a
        ``Dz.Dtype``; see ``as_array`` for how NumPy dtypes map)."""
        return Dz.Array.astype(self, _dz_dtype(dtype))

    @property
    def dtype(self):
        """The NumPy dtype of the values."""
        return _numpy_dtype(self.get_dtype())

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
        # NumPy names the dtype in a repr unless it is a default one.
        dtype = ", dtype=float32" if self.get_dtype() == Dz.Dtype.FLOAT32 else ""
        return "array(" + self.to_string().replace("\n", "\n      ") + dtype + ")"


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


def _integral(c):
    return isinstance(c, numbers.Integral) or (_is_ndarray(c) and c.dtype.kind in "biu")


def _scalar_path(x, c):
    """Whether ``x <op> c`` may use C's scalar ops: they keep a float
    variable's dtype (NumPy's value-based casting of Python and 0-d
    scalars) and compute an int64 one in float64, which is NumPy's result
    unless ``c`` is an integer too (then int64 with int64)."""
    return not _integral(c) or Dz.Variable.get_dtype(x) != Dz.Dtype.INT64


def _operand(obj, other):
    # A boolean mask next to a float variable takes the variable's dtype:
    # NumPy's float32 * bool is float32, where an int64 mask would promote.
    if _is_ndarray(obj) and obj.dtype.kind == "b" and isinstance(other, Dz.Variable):
        return Variable(obj.astype(_numpy_dtype(Dz.Variable.get_dtype(other))))
    return as_variable(obj)


# Built-ins run no Python code, so no exception is parked behind them; the
# operators call them without _entry's extra frame (7% of a scalar add).
def _binary(name, vector_op, scalar_op, reflected_scalar_op):
    def op(a, b):
        try:
            if _is_scalar(b) and not _is_scalar(a):
                a = as_variable(a)
                if _scalar_path(a, b):
                    result = scalar_op(a, float(b))
                else:
                    result = vector_op(a, Variable(b))
            elif _is_scalar(a) and not _is_scalar(b):
                b = as_variable(b)
                if _scalar_path(b, a):
                    result = reflected_scalar_op(b, float(a))
                else:
                    result = vector_op(Variable(a), b)
            else:
                result = vector_op(_operand(a, b), _operand(b, a))
        except GLib.Error as err:
            _reraise(err)
        return _result(result)
    op.__name__ = name
    op.__doc__ = (f"``{name}(a, b)`` of variables, arrays or scalars, broadcast and "
                  "promoted as NumPy does.")
    __all__.append(name)
    return op


def _constant_like(x, value):
    """A constant of ``x``'s shape and (float) dtype."""
    dtype = Dz.Variable.get_dtype(x)
    if dtype == Dz.Dtype.INT64:
        dtype = Dz.Dtype.FLOAT64
    return Dz.Variable.new(Dz.Array.new_full_typed(dtype, x.get_shape(), value))


add = _binary("add", Dz.add, Dz.add_scalar, Dz.add_scalar)
sub = _binary("sub", Dz.sub, lambda x, c: Dz.add_scalar(x, -c),
              lambda x, c: Dz.add_scalar(_result(Dz.neg(x)), c))
mul = _binary("mul", Dz.mul, Dz.mul_scalar, Dz.mul_scalar)
# A true division both ways (not a multiplication by 1/c, which rounds twice,
# overflows for tiny c and raises ZeroDivisionError for 0). The 0-d float64
# constant broadcasts, and takes the variable's float dtype as NumPy's
# value-based casting does.
div = _binary("div", Dz.div, lambda x, c: Dz.div(x, Dz.Variable.new_scalar(c)),
              lambda x, c: Dz.div(Dz.Variable.new_scalar(c), x))


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
    """``x + value`` for a number ``value``, keeping ``x``'s float dtype."""
    return _result(Dz.add_scalar(as_variable(x), float(value)))


@_export
@_entry
def mul_scalar(x, value):
    """``x * value`` for a number ``value``, keeping ``x``'s float dtype."""
    return _result(Dz.mul_scalar(as_variable(x), float(value)))


# The ops with parameters, as DeZero's functions take them: an axis is None
# (every axis), an int or a sequence of ints; a shape is a sequence or an
# int. The C names stay valid positionally (Dz.sum(x, [0], True)).

def _builtin(name):
    """The C function ``name`` of the typelib: looked up on each call, so
    that this module loads with a library that lacks some op."""
    try:
        return getattr(Dz, name)
    except AttributeError:
        raise _error(Dz.Error.NOT_AVAILABLE,
                     f"this dezero-glib has no built-in {name}") from None


def _call(name, *args):
    try:
        result = _builtin(name)(*args)
    except GLib.Error as err:
        _reraise(err)
    return _result(result)


def _axes(axis):
    """None, or a list of ints from an int or a sequence of them."""
    if axis is None:
        return None
    if isinstance(axis, (tuple, list)):
        return [operator.index(a) for a in axis]
    if _is_ndarray(axis) or isinstance(axis, Dz.Variable):
        return [int(a) for a in np.asarray(axis).reshape(-1)]
    return [operator.index(axis)]


def _shape(shape):
    if isinstance(shape, (tuple, list)):
        return [operator.index(n) for n in shape]
    if _is_ndarray(shape):
        return [int(n) for n in shape.reshape(-1)]
    return [operator.index(shape)]


def _public(func):
    func.__module__ = __name__
    __all__.append(func.__name__)
    globals()[func.__name__] = func
    return func


@_public
def reshape(x, shape):
    """``x`` with the values in C order laid out in ``shape`` (one entry
    may be -1)."""
    return _call("reshape", as_variable(x), _shape(shape))


@_public
def broadcast_to(x, shape):
    """``x`` repeated to ``shape``, as ``np.broadcast_to``."""
    return _call("broadcast_to", as_variable(x), _shape(shape))


@_public
def sum_to(x, shape):
    """``x`` summed to ``shape``: the inverse of ``broadcast_to``."""
    return _call("sum_to", as_variable(x), _shape(shape))


@_public
def transpose(x, axes=None):
    """The axes of ``x`` permuted (reversed for None), as NumPy's."""
    return _call("transpose", as_variable(x), _axes(axes))


def _reduction(name, doc):
    def reduce(x, axis=None, keepdims=False):
        axes = _axes(axis)
        if axes == []:
            # axis=() reduces over no axis; PyGObject would pass an empty
            # list as NULL, which means every axis.
            return op_call(name, [x], {"axis": axes, "keepdims": bool(keepdims)})
        return _call(name, as_variable(x), axes, bool(keepdims))
    reduce.__name__ = reduce.__qualname__ = name
    reduce.__doc__ = doc
    return _public(reduce)


_reduction("sum", "``x`` summed over ``axis`` (None: every axis), as NumPy's.")
_reduction("mean", "The mean of ``x`` over ``axis`` (None: every axis), as NumPy's.")
_reduction("max", "The largest values of ``x`` over ``axis``; the gradient goes to "
           "every maximum.")
_reduction("min", "The smallest values of ``x`` over ``axis``; the gradient goes to "
           "every minimum.")


@_public
def clip(x, x_min, x_max):
    """``x`` limited to ``[x_min, x_max]``; no gradient flows outside."""
    return _call("clip", as_variable(x), float(x_min), float(x_max))


@_public
def matmul(a, b, trans_a=False, trans_b=False):
    """The matrix product ``a @ b``, as NumPy's ``matmul``; ``trans_a``
    and ``trans_b`` read an operand's last two axes swapped (the built-in's
    own parameters, without a transpose's copy)."""
    if trans_a or trans_b:
        return op_call("matmul", [a, b], {"trans_a": bool(trans_a), "trans_b": bool(trans_b)})
    return _call("matmul", as_variable(a), as_variable(b))


@_public
def dot(a, b):
    """NumPy's ``dot`` of ``a`` and ``b``."""
    return _call("dot", as_variable(a), as_variable(b))


@_public
def linear(x, W, b=None):
    """``x @ W + b`` in one op (``b`` may be None)."""
    return _call("linear", as_variable(x), as_variable(W),
                 None if b is None else as_variable(b))


@_public
def embed_id(ids, W):
    """The rows of ``W`` at the int64 ``ids`` (``W[ids]``); the gradient
    adds up at repeated ids."""
    return _entry(Dz.embed_id)(as_variable(ids), as_variable(W))


@_public
def batch_norm(x, gamma, beta, running_mean=None, running_var=None, decay=0.9, eps=2e-5):
    """Batch normalization over axis 1 (``dz_batch_norm``): batch statistics
    in training mode, replacing the data of the ``running_*`` variables with
    the updated averages; those averages in test mode."""
    mean = None if running_mean is None else as_variable(running_mean)
    var = None if running_var is None else as_variable(running_var)
    return _entry(Dz.batch_norm)(as_variable(x), as_variable(gamma), as_variable(beta),
                                 mean, var, float(decay), float(eps))


def _pair(value, name):
    """An int or a pair of ints (DeZero's ``pair()``) as a tuple of two."""
    if isinstance(value, (tuple, list)) or _is_ndarray(value):
        values = [operator.index(v) for v in value]
        if len(values) != 2:
            raise ValueError(f"{name} must be an int or a pair of ints, not {value!r}")
        return tuple(values)
    value = operator.index(value)
    return value, value


@_public
def im2col(x, kernel_size, stride=1, pad=0, to_matrix=True):
    """The kernel-sized patches of the images ``x`` (N, C, H, W): a
    (N*OH*OW, C*KH*KW) matrix with ``to_matrix``, else (N, C, KH, KW, OH,
    OW). ``kernel_size``, ``stride`` and ``pad`` are ints or pairs."""
    return _call("im2col", as_variable(x), *_pair(kernel_size, "kernel_size"),
                 *_pair(stride, "stride"), *_pair(pad, "pad"), bool(to_matrix))


@_public
def col2im(x, input_shape, kernel_size, stride=1, pad=0, to_matrix=True):
    """The adjoint of ``im2col``: images of ``input_shape`` summing the
    patches ``x``."""
    return _call("col2im", as_variable(x), _shape(input_shape), *_pair(kernel_size, "kernel_size"),
                 *_pair(stride, "stride"), *_pair(pad, "pad"), bool(to_matrix))


@_public
def conv2d(x, W, b=None, stride=1, pad=0):
    """The 2-d convolution of ``x`` (N, C, H, W) by ``W`` (OC, C, KH, KW)
    plus ``b`` (OC,)."""
    return _call("conv2d", as_variable(x), as_variable(W),
                 None if b is None else as_variable(b), *_pair(stride, "stride"),
                 *_pair(pad, "pad"))


@_public
def deconv2d(x, W, b=None, stride=1, pad=0, outsize=None):
    """The transposed convolution of ``x`` (N, C, H, W) by ``W`` (C, OC,
    KH, KW) plus ``b`` (OC,); ``outsize`` (an int or a pair) defaults to
    the smallest output that convolves back to H x W."""
    out = (0, 0) if outsize is None else _pair(outsize, "outsize")
    if outsize is not None and min(out) < 1:
        raise _error(Dz.Error.INVALID_ARGUMENT, f"deconv2d: outsize must be positive, not {outsize!r}")
    return _call("deconv2d", as_variable(x), as_variable(W),
                 None if b is None else as_variable(b), *_pair(stride, "stride"),
                 *_pair(pad, "pad"), *out)


@_public
def pooling(x, kernel_size, stride=1, pad=0):
    """Max pooling of ``x`` (N, C, H, W), the padding counting as zeros as
    in DeZero."""
    return _call("pooling", as_variable(x), *_pair(kernel_size, "kernel_size"),
                 *_pair(stride, "stride"), *_pair(pad, "pad"))


@_public
def average_pooling(x, kernel_size, stride=1, pad=0):
    """Average pooling of ``x`` (N, C, H, W), the padding counting as zeros."""
    return _call("average_pooling", as_variable(x), *_pair(kernel_size, "kernel_size"),
                 *_pair(stride, "stride"), *_pair(pad, "pad"))


def _activation(name, doc):
    def activation(x):
        return _call(name, as_variable(x))
    activation.__name__ = activation.__qualname__ = name
    activation.__doc__ = doc
    return _public(activation)


_activation("sigmoid", "The logistic function ``1 / (1 + exp(-x))``.")
_activation("relu", "``max(x, 0)``.")


@_public
def leaky_relu(x, slope=0.2):
    """``x`` where positive, ``slope * x`` elsewhere."""
    return _call("leaky_relu", as_variable(x), float(slope))


def _along_axis(name, doc):
    def along(x, axis=1):
        return _call(name, as_variable(x), operator.index(axis))
    along.__name__ = along.__qualname__ = name
    along.__doc__ = doc
    return _public(along)


_along_axis("softmax", "``exp(x) / sum(exp(x), axis)``, computed stably.")
_along_axis("log_softmax", "``log(softmax(x, axis))``, computed stably.")
_along_axis("logsumexp", "``log(sum(exp(x), axis, keepdims=True))``, computed stably.")


def _loss(name, doc):
    def loss(a, b):
        return _call(name, as_variable(a), as_variable(b))
    loss.__name__ = loss.__qualname__ = name
    loss.__doc__ = doc
    return _public(loss)


_loss("mean_squared_error", "``sum((x0 - x1) ** 2) / len(x0)``, as DeZero's.")
_loss("softmax_cross_entropy", "The mean cross entropy of ``softmax(x)`` and the "
      "integer labels ``t``.")
_loss("sigmoid_cross_entropy", "The mean cross entropy of ``sigmoid(x)`` and the "
      "0/1 targets ``t``.")
_loss("accuracy", "The fraction of rows of ``y`` whose largest entry is at label "
      "``t`` (not differentiable).")


@_public
def expand_dims(x, axis):
    """``x`` with a new axis of length 1 at ``axis``."""
    return _call("expand_dims", as_variable(x), operator.index(axis))


@_public
def squeeze(x, axis=None):
    """``x`` without its axes of length 1 (those of ``axis`` only)."""
    axes = _axes(axis)
    if axes == []:
        return op_call("squeeze", [x], {"axis": axes})
    return _call("squeeze", as_variable(x), axes)


@_public
def flatten(x):
    """``x`` as a matrix with one row per item of its first axis."""
    return _call("flatten", as_variable(x))


@_public
def concatenate(xs, axis=0):
    """The variables ``xs`` joined along ``axis``, as NumPy's."""
    return _call("concatenate", [as_variable(x) for x in xs], operator.index(axis))


@_public
def stack(xs, axis=0):
    """The variables ``xs`` stacked along a new ``axis``, as NumPy's."""
    return _call("stack", [as_variable(x) for x in xs], operator.index(axis))


_INDEX_NONE = -2 ** 63  # DZ_INDEX_NONE: an omitted slice bound


def _index_array(index, key):
    values = np.asarray(key.data if isinstance(key, Dz.Variable) else key)
    if values.dtype.kind == "b":
        # A mask is the integer arrays of its True positions, one per axis.
        for positions in np.nonzero(values):
            index.add_array(as_array(positions))
        return
    if values.size == 0 and values.dtype.kind == "f":
        values = values.astype(np.int64)  # [] is an empty list of positions
    if values.dtype.kind not in "iu":
        raise IndexError("arrays used as indices must be of integer (or boolean) type")
    index.add_array(as_array(values))


@_export
def index(key):
    """A ``Dz.Index`` from a Python key as NumPy takes it: ints, slices,
    ``...``, None, lists, ndarrays or variables of ints (or booleans: a
    mask), or a tuple of those. A ``Dz.Index`` is returned as is."""
    if isinstance(key, Dz.Index):
        return key
    result = Dz.Index.new()
    for item in key if isinstance(key, tuple) else (key,):
        if item is None:
            result.add_newaxis()
        elif item is Ellipsis:
            result.add_ellipsis()
        elif isinstance(item, slice):
            start, stop, step = (
                _INDEX_NONE if v is None else operator.index(v)
                for v in (item.start, item.stop, item.step))
            if step == 0:
                raise ValueError("slice step cannot be zero")
            result.add_slice(start, stop, 1 if step == _INDEX_NONE else step)
        elif isinstance(item, (list, Dz.Variable, Dz.Array)) or _is_ndarray(item):
            _index_array(result, item)
        elif isinstance(item, bool):
            raise IndexError("boolean scalar indices are not supported")
        else:
            try:
                result.add_int(operator.index(item))
            except TypeError:
                raise IndexError("only integers, slices (`:`), ellipsis (`...`), "
                                 "numpy.newaxis (`None`) and integer or boolean arrays "
                                 "are valid indices") from None
    return result


@_public
def get_item(x, slices):
    """``x[slices]`` as NumPy indexes (see ``index``); the gradient adds
    into the positions read, as ``np.add.at``."""
    return _call("get_item", as_variable(x), index(slices))


def _index_item_variant(item):
    if item is None:
        return GLib.Variant("s", "None")
    if item is Ellipsis:
        return GLib.Variant("s", "...")
    if isinstance(item, str):
        return GLib.Variant("s", item)
    if isinstance(item, slice):
        return GLib.Variant("(xxx)", tuple(_INDEX_NONE if v is None else operator.index(v)
                                           for v in (item.start, item.stop, item.step)))
    if isinstance(item, (list, Dz.Variable)) or _is_ndarray(item):
        values = np.asarray(item.data if isinstance(item, Dz.Variable) else item)
        if values.dtype.kind == "b":
            raise IndexError("boolean masks cannot be op parameters; use Dz.get_item")
        return _int_array_variant(values.astype(np.int64) if values.size == 0 else values)
    return GLib.Variant("x", operator.index(item))


def _int_array_variant(values):
    if values.ndim <= 1:
        return GLib.Variant("ax", [int(v) for v in values.reshape(-1)])
    return GLib.Variant("av", [_int_array_variant(row) for row in values])


def _op_param(key, value):
    """A keyword parameter of a built-in as dz_op_call() reads it."""
    if isinstance(value, GLib.Variant):
        return value
    if key == "slices":
        # A Python key, as Dz.get_item takes it: a tuple lists the items.
        if isinstance(value, tuple):
            return GLib.Variant("av", [_index_item_variant(item) for item in value])
        return _index_item_variant(value)
    if isinstance(value, bool) or (_is_ndarray(value) and value.dtype.kind == "b"):
        return GLib.Variant("b", bool(value))
    if isinstance(value, numbers.Integral):
        return GLib.Variant("x", int(value))
    if isinstance(value, numbers.Real):
        return GLib.Variant("d", float(value))
    if isinstance(value, str):
        return GLib.Variant("s", value)
    if isinstance(value, (tuple, list)) or _is_ndarray(value):
        return GLib.Variant("ax", [operator.index(v) for v in value])
    raise TypeError(f"an op parameter cannot be {type(value).__name__}")


@_export
def op_call(name, inputs, params=None):
    """Calls the built-in ``name`` (see ``Dz.ops_list()``) on ``inputs``
    (variables, arrays or numbers) with ``params``: a dict of DeZero's
    keyword names (None values left out: an absent axis means every
    axis), or a ``GLib.Variant`` of type ``a{sv}``."""
    if isinstance(params, dict):
        params = GLib.Variant("a{sv}", {key: _op_param(key, value)
                                        for key, value in params.items()
                                        if value is not None})
    return _call("op_call", name, [as_variable(x) for x in inputs], params)


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
        """The NumPy dtype of the data (None without data)."""
        if self.get_data() is None:
            return None
        return _numpy_dtype(Dz.Variable.get_dtype(self))

    @property
    def T(self):
        """The transpose (axes reversed), differentiable."""
        return transpose(self)

    def transpose(self, *axes):
        """``x.transpose()``, ``x.transpose(1, 0, 2)`` or
        ``x.transpose((1, 0, 2))``, as NumPy's."""
        if not axes:
            axes = None
        elif len(axes) == 1 and (axes[0] is None or isinstance(axes[0], (tuple, list))):
            axes = axes[0]
        return transpose(self, axes)

    def reshape(self, *shape):
        """``x.reshape(2, 3)`` or ``x.reshape((2, -1))``, as NumPy's."""
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = shape[0]
        return reshape(self, shape)

    def sum(self, axis=None, keepdims=False):
        return sum(self, axis, keepdims)

    def mean(self, axis=None, keepdims=False):
        return mean(self, axis, keepdims)

    def max(self, axis=None, keepdims=False):
        return max(self, axis, keepdims)

    def min(self, axis=None, keepdims=False):
        return min(self, axis, keepdims)

    def matmul(self, other):
        return matmul(self, other)

    # DeZero's Variable.dot is its matmul.
    dot = matmul

    def flatten(self):
        """DeZero's ``F.flatten``: one row per item of the first axis."""
        return flatten(self)

    def squeeze(self, axis=None):
        return squeeze(self, axis)

    def astype(self, dtype):
        """The values as ``dtype``, differentiable (the gradient is cast
        back to this variable's dtype)."""
        if _dz_dtype(dtype) == Dz.Variable.get_dtype(self):
            return self
        return _AsType(_numpy_dtype(_dz_dtype(dtype)))(self)

    def __getitem__(self, key):
        return get_item(self, key)

    def __matmul__(self, other):
        return matmul(self, other)

    def __rmatmul__(self, other):
        return matmul(other, self)

    def item(self):
        """The single value as a Python number (NumPy's ``ValueError``
        otherwise)."""
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
        if array.get_ndim() == 0 and array.get_dtype() == Dz.Dtype.FLOAT64:
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


class _AsType(Function):
    """``x.astype(dtype)``: NumPy's cast forward, the gradient cast back."""

    __module__ = "dezero_glib.astype"

    def __init__(self, dtype):
        self.dtype = dtype

    def forward(self, x):
        return x.astype(self.dtype)

    def backward(self, gy):
        return gy.astype(self.inputs[0].dtype)


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
    """DeZero's ``using_config`` for the calling thread's switches:
    ``'enable_backprop'`` and ``'train'``. Also usable as a decorator."""
    setters = {"enable_backprop": Dz.set_enable_backprop, "train": Dz.set_train}
    if name not in setters:
        raise ValueError(f"unknown configuration {name!r} (only 'enable_backprop' and 'train')")
    previous = setters[name](bool(value))
    try:
        yield
    finally:
        setters[name](previous)


@_export
def test_mode(func=None):
    """DeZero's ``test_mode()``: ``with Dz.test_mode():`` (or as a
    decorator) runs in test mode, where dropout passes its input through."""
    if func is None:
        return using_config("train", False)
    if not callable(func):
        raise TypeError("test_mode takes a function to decorate, or nothing")
    return using_config("train", False)(func)


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


# ---------------------------------------------------------------------------
# Neural networks: layers, optimizers and their hooks, datasets, loaders
# (issue 11). Their Python vfuncs park exceptions as Function's do, and the
# methods that may run them are _entry-wrapped, so that an exception raised
# in do_forward, do_update_one, do_apply or do_get_item reaches the caller
# as itself.
# ---------------------------------------------------------------------------

def _nn_vfunc(impl, convert, failure):
    """Wraps a vfunc ``impl`` of a layer, optimizer, hook or dataset:
    its result goes through ``convert``; an exception is parked and C gets
    ``failure`` (no GError: C reports "failed without saying why", and the
    _entry that called into C raises the parked exception instead)."""
    def vfunc(self, *args):
        try:
            return convert(impl(self, *args))
        except BaseException as exc:  # noqa: B902 - carried to the caller
            _park(exc)
            return failure
    vfunc._dz_wrapped = True
    vfunc.__name__ = getattr(impl, "__name__", "vfunc")
    return vfunc


def _same(result):
    return result


def _variable_list(result):
    if isinstance(result, (list, tuple)):
        return [as_variable(y) for y in result]
    return [as_variable(result)]


def _succeeded(result):
    # A vfunc returning gboolean: None (a Python method that just returns)
    # means it succeeded.
    return True if result is None else bool(result)


def _item(result):
    """do_get_item may return ``(x, t)`` or DeZero's ``(ok, x, t)``."""
    if len(result) == 2:
        x, t = result
        ok = True
    else:
        ok, x, t = result
    return (bool(ok), None if x is None else as_array(x), None if t is None else as_array(t))


def _wrap_vfuncs(cls, table):
    for name, convert, failure in table:
        impl = cls.__dict__.get(name)
        if impl is not None and not getattr(impl, "_dz_wrapped", False):
            setattr(cls, name, _nn_vfunc(impl, convert, failure))


@override
class Layer(Dz.Layer):
    """Base of layers written in Python at the gi level: a subclass
    implements ``do_forward(self, inputs)`` returning one variable or a list
    of them (arrays and numbers are wrapped); ``layer(x, ...)`` calls it and
    returns one output or a tuple. ``dezero_glib.Layer`` adds DeZero's
    attribute registration on top."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        _wrap_vfuncs(cls, (("do_forward", _variable_list, None),))

    @_entry
    def call(self, inputs):
        return Dz.Layer.call(self, [as_variable(x) for x in inputs])

    @_entry
    def call1(self, x):
        return Dz.Layer.call1(self, as_variable(x))

    def __call__(self, *inputs):
        outputs = self.call(inputs)
        return outputs[0] if len(outputs) == 1 else tuple(outputs)


_wrap_methods(Layer, Dz.Layer)
__all__.append("Layer")


@override
class Optimizer(Dz.Optimizer):
    """Base of optimizers written in Python at the gi level: a subclass
    implements ``do_update_one(self, param, index)`` (returning nothing or
    True); ``do_update(self)`` may be overridden and chain up with
    ``Dz.Optimizer.do_update(self)``."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        _wrap_vfuncs(cls, (("do_update_one", _succeeded, False),
                           ("do_update", _succeeded, False)))


_wrap_methods(Optimizer, Dz.Optimizer)
__all__.append("Optimizer")


@override
class OptimizerHook(Dz.OptimizerHook):
    """Base of optimizer hooks written in Python: a subclass implements
    ``do_apply(self, params)``, changing the gradients of ``params``."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        _wrap_vfuncs(cls, (("do_apply", _succeeded, False),))


_wrap_methods(OptimizerHook, Dz.OptimizerHook)
__all__.append("OptimizerHook")


@override
class Dataset(Dz.Dataset):
    """A dataset: ``len(dataset)``, ``dataset[i]`` gives ``(x, t)`` as
    Dz.Arrays (``t`` None without labels; negative indices count from the
    end). A subclass in Python implements ``do_get_length(self)`` and
    ``do_get_item(self, index)`` returning ``(x, t)`` (arrays or anything
    ``as_array`` takes) or ``(True, x, t)``."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        _wrap_vfuncs(cls, (("do_get_item", _item, (False, None, None)),
                           ("do_get_length", int, 0)))

    def __len__(self):
        return self.get_length()

    def __getitem__(self, index):
        index = operator.index(index)
        length = self.get_length()
        if index < 0:
            index += length
        if not 0 <= index < length:
            raise IndexError(f"index {index} is out of range for a dataset of {length} samples")
        ok, x, t = self.get_item(index)
        return x, t


_wrap_methods(Dataset, Dz.Dataset)
__all__.append("Dataset")


@override
class DataLoader(Dz.DataLoader):
    """``for x, t in loader:`` walks one epoch of batches (Dz.Arrays; ``t``
    None without labels) and starts the next; ``len(loader)`` is the
    number of batches."""

    def __iter__(self):
        return self

    def __next__(self):
        ok, x, t = self.next()
        if not ok:
            raise StopIteration
        return x, t

    def __len__(self):
        return self.get_n_batches()


_wrap_methods(DataLoader, Dz.DataLoader)
__all__.append("DataLoader")


@override
class Trainer(Dz.Trainer):
    """Errors of ``train``, ``train_finish`` and ``predict`` are raised as
    the DzError classes (``ValueError`` for a shape mismatch...), as for
    the other classes; ``predict`` re-raises a Python layer's exception."""


_wrap_methods(Trainer, Dz.Trainer)
__all__.append("Trainer")


@override
class Communicator(Dz.Communicator):
    """``Dz.Communicator()`` joins the MPI job (initializing MPI once per
    process; see ``Dz.Communicator.is_available``) and raises a DzError
    when it cannot. ``allreduce(value)`` sums a number, a sequence or an
    ndarray over the ranks and gives the same kind back."""

    def __init__(self, **kwargs):
        Dz.Communicator.__init__(self, **kwargs)
        try:
            Dz.Communicator.init(self, None)
        except GLib.Error as err:
            _reraise(err)

    @property
    def rank(self):
        """This process's number in the job."""
        return self.get_rank()

    @property
    def size(self):
        """The number of processes in the job."""
        return self.get_size()

    def broadcast_parameters(self, layer, root=0):
        """Gives ``layer``'s parameters rank ``root``'s values on every rank."""
        return _entry(Dz.Communicator.broadcast_parameters)(self, layer, root)

    def allreduce(self, value):
        """The element-wise sum of ``value`` over the ranks: a float or an
        int for a number (ints summed exactly, in int64), else an ndarray
        of the values' dtype (float64, float32 or int64)."""
        scalar = _is_scalar(value)
        summed = self.allreduce_array(as_array(value))
        if scalar:
            return summed.item() if summed.get_dtype() != Dz.Dtype.INT64 else int(_view(summed)[()])
        return np.array(_view(summed))


_wrap_methods(Communicator, Dz.Communicator)
__all__.append("Communicator")


_ArrayView = None


def _array_view_class():
    global _ArrayView
    if _ArrayView is not None:
        return _ArrayView

    class ArrayView(np.ndarray):
        """A read-only ndarray viewing a Dz.Array (``numpy_view``). Views,
        slices and ufunc results taken from it are plain ndarrays."""

        def __array_finalize__(self, obj):
            self._dz_array = None

        def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
            inputs = tuple(x.view(np.ndarray) if type(x) is ArrayView else x for x in inputs)
            return getattr(ufunc, method)(*inputs, **kwargs)

        def __getitem__(self, key):
            return self.view(np.ndarray)[key]

        def __reduce__(self):
            return self.view(np.ndarray).__reduce__()

    ArrayView.__module__ = __name__
    _ArrayView = ArrayView
    return ArrayView


@_export
def numpy_view(array):
    """A read-only ndarray of ``array``'s values, zero-copy, that
    ``as_array`` (and so ``Variable``, every built-in and operator) turns
    back into ``array`` itself: no new wrapper, no copy. What
    ``DataLoader`` iterations hand out as batches: DeZero's loops get
    ndarrays and feeding them to a model costs nothing more."""
    view = _view(array).view(_array_view_class())
    view._dz_array = array
    return view


# Every other introspected function, wrapped so that its errors are DzErrors.
for _name in dir(Dz):
    _info = getattr(Dz, _name)
    if type(_info).__name__ == "FunctionInfo" and _name not in globals():
        globals()[_name] = _entry(_info)
        __all__.append(_name)
__all__.extend(["DzError"] + [cls.__name__ for cls in _error_classes.values()])
