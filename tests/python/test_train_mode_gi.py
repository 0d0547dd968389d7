# SPDX-License-Identifier: MIT
"""Train/test mode and the C dropout through gi: Dz.set_train per thread,
Dz.using_config('train', ...), Dz.test_mode, Dz.dropout."""

import threading

import gi
import numpy as np
import pytest

gi.require_version("Dz", "1.0")
from gi.repository import Dz  # noqa: E402


def test_mode_switches_and_restores():
    assert Dz.get_train()
    with Dz.test_mode():
        assert not Dz.get_train()
        with Dz.using_config("train", True):
            assert Dz.get_train()
        assert not Dz.get_train()
    assert Dz.get_train()

    @Dz.test_mode()
    def inside():
        return Dz.get_train()

    assert inside() is False
    assert Dz.get_train()
    with pytest.raises(ValueError):
        with Dz.using_config("no_such_switch", False):
            pass


def test_mode_is_per_thread():
    seen = []
    with Dz.test_mode():
        thread = threading.Thread(target=lambda: seen.append(Dz.get_train()))
        thread.start()
        thread.join()
    assert seen == [True]


def test_dropout_train_and_test():
    x = Dz.Variable(np.ones((200, 50), dtype=np.float32))
    y = Dz.dropout(x, 0.25, Dz.Generator.new(3))
    values = np.asarray(y.data)
    assert values.dtype == np.float32
    kept = values != 0
    assert abs(kept.mean() - 0.75) < 0.03
    np.testing.assert_allclose(values[kept], 1 / 0.75, rtol=1e-6)
    y.backward()
    np.testing.assert_array_equal(np.asarray(x.grad.data), values)

    with Dz.test_mode():
        assert Dz.dropout(x, 0.25, None) is x

    with pytest.raises(gi.repository.GLib.Error) as info:
        Dz.dropout(x, 1.0, None)
    assert info.value.matches(Dz.error_quark(), Dz.Error.INVALID_ARGUMENT)
