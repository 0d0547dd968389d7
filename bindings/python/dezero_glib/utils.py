# SPDX-License-Identifier: MIT
"""DeZero's ``dezero.utils``: graph pictures and gradient checks."""

from dezero_glib.core import Dz

get_dot_graph = Dz.get_dot_graph
plot_dot_graph = Dz.plot_dot_graph
numerical_diff = Dz.numerical_diff
gradient_check = Dz.gradient_check


def numerical_grad(f, x, *args, **kwargs):
    """DeZero's ``numerical_grad(f, x, *args)``: the central-difference
    gradient of ``f`` at ``x``, as an ndarray."""
    return Dz.numerical_diff(f, x, *args, **kwargs)


def array_allclose(a, b, rtol=1e-4, atol=1e-5):
    """DeZero's ``array_allclose``: variables or arrays, compared by value."""
    import numpy as np

    return np.allclose(_values(a), _values(b), rtol=rtol, atol=atol)


def array_equal(a, b):
    """DeZero's ``array_equal``: variables or arrays, compared by value."""
    import numpy as np

    return np.array_equal(_values(a), _values(b))


def _values(x):
    import numpy as np

    return np.asarray(x.data if isinstance(x, Dz.Variable) else x)


__all__ = ["get_dot_graph", "plot_dot_graph", "numerical_diff", "numerical_grad",
           "gradient_check", "array_allclose", "array_equal"]
