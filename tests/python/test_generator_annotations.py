# SPDX-License-Identifier: MIT
"""Array annotations that bindings can use: Dz.Generator.fill_normal() took
a pointer for its length and wrote past a small buffer."""
import math

import gi
import pytest

gi.require_version("Dz", "1.0")
from gi.repository import Dz  # noqa: E402

GI_DIRECTION_IN, GI_DIRECTION_OUT = 0, 1
GI_ARRAY_TYPE_C = 0


@pytest.mark.parametrize("n", [0, 1, 2, 3, 5])
def test_draw_small_counts(n):
    normal = Dz.Generator.new(7).draw_normal(n)
    uniform = Dz.Generator.new(7).draw_uniform(n)
    assert len(normal) == n and len(uniform) == n
    assert all(isinstance(v, float) and math.isfinite(v) for v in normal)
    assert all(0.0 <= v < 1.0 for v in uniform)


def test_draw_is_deterministic_by_seed():
    assert Dz.Generator.new(42).draw_normal(4) == Dz.Generator.new(42).draw_normal(4)
    assert Dz.Generator.new(42).draw_normal(4) != Dz.Generator.new(43).draw_normal(4)
    assert Dz.Generator.new(9).draw_uniform(6) == Dz.Generator.new(9).draw_uniform(6)


def test_draw_matches_arrays_and_continues_the_sequence():
    # An odd count leaves a spare normal that the next draw starts with.
    g = Dz.Generator.new(3)
    drawn = g.draw_normal(3) + g.draw_normal(2)
    assert drawn == Dz.Generator.new(3).draw_normal(5)
    a = Dz.Array.new_randn([5], Dz.Generator.new(3))
    assert list(a.get_values()) == drawn
    u = Dz.Array.new_uniform([4], Dz.Generator.new(3))
    assert list(u.get_values()) == Dz.Generator.new(3).draw_uniform(4)


def test_fill_needs_a_c_buffer():
    # A binding cannot lend a writable buffer of a given length.
    assert not hasattr(Dz.Generator, "fill_normal")
    assert not hasattr(Dz.Generator, "fill_uniform")


def _callables():
    repo = gi.Repository.get_default()
    for info in repo.get_infos("Dz"):
        kind = type(info).__name__
        if kind in ("FunctionInfo", "CallbackInfo"):
            yield info
        if kind in ("ObjectInfo", "StructInfo", "InterfaceInfo"):
            yield from info.get_methods()
        if kind in ("ObjectInfo", "InterfaceInfo"):
            yield from info.get_vfuncs()


def test_every_array_length_goes_with_its_array():
    checked = 0
    for f in _callables():
        args = f.get_arguments()
        arrays = [(a.get_type(), a.get_direction(), a) for a in args]
        arrays.append((f.get_return_type(), GI_DIRECTION_OUT, None))
        for t, direction, arg in arrays:
            if t.get_tag_as_string() != "array" or t.get_array_type() != GI_ARRAY_TYPE_C:
                continue
            where = f"{f.get_namespace()}.{f.get_name()}"
            assert arg is None or not arg.is_caller_allocates(), \
                f"{where}: bindings cannot allocate a C array for {arg.get_name()}"
            if t.get_array_length() < 0:
                continue
            length = args[t.get_array_length()]
            assert length.get_direction() == direction, \
                f"{where}: {length.get_name()} does not go the way of its array"
            checked += 1
    assert checked >= 10
