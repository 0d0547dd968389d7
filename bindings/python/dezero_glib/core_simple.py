# SPDX-License-Identifier: MIT
"""DeZero's ``dezero.core_simple`` (its steps 23 to 32): the same names as
``dezero_glib.core``."""

from dezero_glib.core import *  # noqa: F401,F403 - re-exported
from dezero_glib.core import __all__  # noqa: F401
