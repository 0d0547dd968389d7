# SPDX-License-Identifier: MIT
"""The plain typelib loads in PyGObject and a gradient comes out."""

import gc

import gi

gi.require_version("Dz", "1.0")
from gi.repository import Dz, GLib  # noqa: E402


def live():
    return [Dz.live_count(k) for k in (Dz.LiveKind.ARRAY, Dz.LiveKind.VARIABLE, Dz.LiveKind.FUNCTION)]


def test_typelib_gradient():
    x = Dz.Variable.new_scalar(0.5)
    y = Dz.square(Dz.exp(Dz.square(x)))
    y.backward()
    assert abs(x.get_grad().get_data().item() - 3.297442541400256) < 1e-12
    del x, y
    gc.collect()
    assert live() == [0, 0, 0]


def test_typelib_error_domain():
    try:
        Dz.Array.new_from_values([1.0, 2.0, 3.0], [2])
    except GLib.Error as e:
        assert e.matches(Dz.error_quark(), Dz.Error.SIZE_MISMATCH)
    else:
        raise AssertionError("no error raised")


def test_numpy_is_imported_on_first_use():
    """A script that never touches NumPy does not load it (its memory is
    most of a small process); the first NumPy-facing call loads it."""
    import subprocess
    import sys
    script = """
import sys
import gi
gi.require_version("Dz", "1.0")
from gi.repository import Dz
x = Dz.Variable(Dz.Array.new_randn([1000], Dz.Generator.new(0)))
y = Dz.square(x) + 1.0
y.backward()
assert x.grad is not None and Dz.Variable(2.0).get_data().item() == 2.0
assert "numpy" not in sys.modules, "Dz loaded NumPy"
assert abs(x.grad.data[0] - 2.0 * x.data[0]) < 1e-12
assert "numpy" in sys.modules
print("ok")
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"
