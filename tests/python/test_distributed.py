# SPDX-License-Identifier: MIT
"""dezero_glib.distributed in one process, without initializing MPI (the
ranks' side runs under mpirun: tests/python/mpi_distributed.py), and the
data loaders' shards."""

import numpy as np
import pytest

import dezero_glib as dezero
from dezero_glib import DataLoader, distributed
from gi.repository import Dz


def test_module_layout():
    assert distributed.Communicator is Dz.Communicator
    assert isinstance(distributed.is_available(), bool)
    assert dezero.distributed is distributed


class Indexed(dezero.Dataset):
    def prepare(self):
        self.data = np.arange(10, dtype=np.float64).reshape(10, 1)
        self.label = np.zeros(10, dtype=np.int64)


class Samples(Indexed):
    def __getitem__(self, index):
        return self.data[index], self.label[index]


@pytest.mark.parametrize("dataset_class", [Indexed, Samples])
@pytest.mark.parametrize("count", [1, 2, 3, 4])
def test_shards_cover_each_epoch(dataset_class, count):
    loaders = [DataLoader(dataset_class(), 3, shard_count=count, shard_index=i, seed=9)
               for i in range(count)]
    per_shard = -(-10 // count)
    for _ in range(2):
        seen = np.zeros(10, dtype=np.int64)
        for loader in loaders:
            assert len(loader) == -(-per_shard // 3)
            n = 0
            for x, _t in loader:
                np.add.at(seen, np.asarray(x)[:, 0].astype(np.int64), 1)
                n += len(x)
            assert n == per_shard
        assert seen.min() >= 1 and seen.sum() == per_shard * count


def test_shard_arguments_checked():
    with pytest.raises(ValueError):
        DataLoader(Indexed(), 3, shard_count=2, shard_index=2)
    with pytest.raises(ValueError):
        DataLoader(Indexed(), 3, shard_count=0)


def test_c_loader_shard_properties():
    loader = Dz.DataLoader(dataset=Dz.Spiral.new(True), batch_size=10, shard_count=4, shard_index=3)
    assert loader.get_shard_count() == 4 and loader.props.shard_index == 3
    assert loader.get_n_batches() == 8      # 75 samples of 300
