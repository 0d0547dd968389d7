# SPDX-License-Identifier: MIT
"""Datasets and the data loader through gi: DeZero's dataloader loop."""

import os

import numpy as np
import pytest
from gi.repository import Dz, GLib


def epoch(loader):
    """The batches of one epoch, as NumPy arrays."""
    batches = []
    while True:
        ok, x, t = loader.next()
        if not ok:
            assert x is None and t is None
            return batches
        batches.append((np.array(x), np.array(t)))


def test_spiral_shapes_and_labels():
    for train in (True, False):
        spiral = Dz.Spiral.new(train)
        ok, x, t = spiral.get_arrays()
        assert ok
        assert x.get_shape() == [300, 2] and x.get_dtype() == Dz.Dtype.FLOAT64
        assert t.get_shape() == [300] and t.get_dtype() == Dz.Dtype.INT64
        assert np.bincount(np.asarray(t)).tolist() == [100, 100, 100]
        assert spiral.props.train is train
    # The property path constructs the same dataset as the constructor.
    assert Dz.Spiral(train=False).get_length() == 300


def test_loader_covers_every_sample_once():
    x = Dz.as_array(np.arange(20.0).reshape(10, 2))
    t = Dz.as_array(np.arange(10, dtype=np.int64))
    dataset = Dz.Dataset.new(x, t)
    loader = Dz.DataLoader.new(dataset, 3, True, 7)
    assert loader.get_n_batches() == 4
    for _ in range(2):
        batches = epoch(loader)
        assert [len(bt) for _, bt in batches] == [3, 3, 3, 1]
        seen = np.concatenate([bt for _, bt in batches])
        assert sorted(seen.tolist()) == list(range(10))
        for bx, bt in batches:
            assert (bx[:, 0] == 2 * bt).all()
    loader.props.drop_last = True
    assert [len(bt) for _, bt in epoch(loader)] == [3, 3, 3]


class Squares(Dz.Dataset):
    """A dataset computed in Python, sample by sample."""

    def do_get_length(self):
        return 5

    def do_get_item(self, index):
        return True, Dz.as_array(np.array([index, index * index], dtype=np.float64)), \
            Dz.as_array(np.array(index, dtype=np.int64))


def test_python_dataset():
    dataset = Squares()
    assert dataset.get_arrays()[0] is False
    batches = epoch(Dz.DataLoader.new(dataset, 2, False, 0))
    assert [bt.tolist() for _, bt in batches] == [[0, 1], [2, 3], [4]]
    assert batches[1][0].tolist() == [[2, 4], [3, 9]]


def test_mnist_missing_directory(tmp_path):
    with pytest.raises(GLib.Error) as info:
        Dz.MNIST.new(str(tmp_path), True)
    assert info.value.matches(Dz.error_quark(), Dz.Error.NOT_AVAILABLE)


@pytest.mark.skipif(not os.path.exists(Dz.FASHION_MNIST_DIR),
                    reason="Debian's dataset-fashion-mnist is not installed")
def test_fashion_mnist():
    test = Dz.FashionMNIST.new(False)
    assert test.get_length() == 10000
    assert test.get_arrays()[0] is False  # bytes, converted batch by batch
    pixels = Dz.mnist_images(test)
    assert pixels.shape == (10000, 1, 28, 28) and pixels.dtype == np.uint8
    assert test.get_labels().get_shape() == [10000]
    ok, x, t = test.get_batch([3, 1])
    assert x.get_shape() == [2, 784] and x.get_dtype() == Dz.Dtype.FLOAT32
    np.testing.assert_array_equal(np.asarray(x)[1],
                                  pixels[1].reshape(-1).astype(np.float32) / 255.0)
    ok, bx, bt = Dz.DataLoader.new(test, 100, True, 0).next()
    assert bx.get_shape() == [100, 784] and bt.get_shape() == [100]
