# SPDX-License-Identifier: MIT
"""DeZero's ``dezero.dataloaders``: ``DataLoader`` and ``SeqDataLoader``.

``for x, t in loader`` walks one epoch and then starts the next, as in
DeZero; ``x`` and ``t`` are read-only ndarrays (``t`` None for a dataset
without labels).

A dataset held in arrays (``Spiral``, ``MNIST`` and ``FashionMNIST`` with
their default transform, or any ``Dataset`` whose ``data``/``label`` are
ndarrays of float32, float64 or int64 values, that does not redefine
``__getitem__`` and whose transforms have C counterparts: ``Compose`` of
``Flatten``, ``AsType`` and scalar ``Normalize``) is gathered and
transformed in C by ``Dz.DataLoader``, batch by batch, and its batches are views of C arrays that
models take without a copy (``Dz.numpy_view``). Its order then comes from
the C loader's generator, seeded from NumPy's global one when the loader
is made (so ``np.random.seed`` makes runs repeatable, but the orders are
not DeZero's). Other datasets are read in the order of
``np.random.permutation``, with ``index`` the epoch's order, as DeZero
reads them: sample by sample, or, when the dataset is held in ndarrays
and its transforms are NumPy ones (``Compose``, ``Flatten``, ``AsType``,
``Normalize``), a batch at a time with the same values.

For data-parallel training (``dezero_glib.distributed``), ``shard_count``
loaders with the same ``seed`` and ``shard_index`` 0, 1... each walk their
own part of every epoch, as PyTorch's ``DistributedSampler``: the same
order, padded by repeating its first samples to a multiple of
``shard_count``, of which loader i takes positions i, i + shard_count...
"""

import math

import numpy as np

from dezero_glib.core import Dz


def _no_batch(index):
    return None


class DataLoader:
    """DeZero's ``DataLoader(dataset, batch_size, shuffle=True)``;
    ``drop_last=True`` (an extension) leaves out a last, smaller batch;
    ``shard_count``, ``shard_index`` and ``seed`` (extensions) give one
    rank's part of every epoch, the order drawn from ``seed`` (else from
    NumPy's global generator)."""

    def __init__(self, dataset, batch_size, shuffle=True, gpu=False, drop_last=False,
                 shard_count=1, shard_index=0, seed=None):
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, not {batch_size}")
        if shard_count < 1 or not 0 <= shard_index < shard_count:
            raise ValueError(f"shard_index must be in [0, shard_count), not {shard_index} "
                             f"of {shard_count}")
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.drop_last = drop_last
        self.shard_count = shard_count
        self.shard_index = shard_index
        self._rng = np.random.RandomState(seed) if seed is not None else np.random
        self.data_size = -(-len(dataset) // shard_count)
        rounding = math.floor if drop_last else math.ceil
        self.max_iter = rounding(self.data_size / batch_size)
        self.gpu = gpu
        self._loader = None
        dz_dataset = getattr(dataset, "_dz_dataset", lambda: None)()
        if dz_dataset is not None:
            if seed is None:
                seed = int(np.random.randint(0, 2 ** 63 - 1, dtype=np.int64)) if shuffle else 0
            self._loader = Dz.DataLoader(dataset=dz_dataset, batch_size=batch_size, shuffle=shuffle,
                                         seed=seed, shard_count=shard_count,
                                         shard_index=shard_index)
            self._loader.set_drop_last(drop_last)
        self.reset()

    def reset(self):
        """Starts a new epoch (in a new order when shuffling)."""
        self.iteration = 0
        if self._loader is not None:
            self.index = None
            self._loader.reset()
        elif self.shuffle:
            self.index = self._rng.permutation(len(self.dataset))
        else:
            self.index = np.arange(len(self.dataset))
        if self.index is not None and self.shard_count > 1 and len(self.index) > 0:
            padded = np.resize(self.index, self.data_size * self.shard_count)
            self.index = padded[self.shard_index::self.shard_count]

    def __iter__(self):
        return self

    def __len__(self):
        return self.max_iter

    def __next__(self):
        if self.iteration >= self.max_iter:
            self.reset()
            raise StopIteration
        loader = self._loader
        if loader is not None:
            ok, x, t = loader.next()
            if not ok:  # the dataset shrank under the loader
                self.reset()
                raise StopIteration
            self.iteration += 1
            return Dz.numpy_view(x), None if t is None else Dz.numpy_view(t)

        i, batch_size = self.iteration, self.batch_size
        batch_index = self.index[i * batch_size:(i + 1) * batch_size]
        batch = getattr(self.dataset, "_batch", _no_batch)(batch_index)
        if batch is not None:
            self.iteration += 1
            return batch
        batch = [self.dataset[j] for j in batch_index]
        x = np.array([example[0] for example in batch])
        t = np.array([example[1] for example in batch])
        self.iteration += 1
        return x, t

    def next(self):
        return self.__next__()

    def to_cpu(self):
        self.gpu = False

    def to_gpu(self):
        raise NotImplementedError("dezero-glib runs on the CPU only")


class SeqDataLoader(DataLoader):
    """DeZero's ``SeqDataLoader(dataset, batch_size)`` for truncated BPTT:
    with ``jump = len(dataset) // batch_size``, batch ``k`` holds the
    samples ``(i * jump + k) % len(dataset)``, so that row ``i`` of
    consecutive batches walks the series step by step. A dataset held in
    arrays is gathered by the C loader (``Dz.DataLoader.new_sequential``)."""

    def __init__(self, dataset, batch_size, gpu=False):
        super().__init__(dataset=dataset, batch_size=batch_size, shuffle=False, gpu=gpu)
        if self._loader is not None:
            self._loader = Dz.DataLoader.new_sequential(self._loader.get_dataset(), batch_size)

    def __next__(self):
        if self.iteration >= self.max_iter:
            self.reset()
            raise StopIteration
        loader = self._loader
        if loader is not None:
            ok, x, t = loader.next()
            if not ok:
                self.reset()
                raise StopIteration
            self.iteration += 1
            return Dz.numpy_view(x), None if t is None else Dz.numpy_view(t)

        jump = self.data_size // self.batch_size
        batch_index = [(i * jump + self.iteration) % self.data_size
                       for i in range(self.batch_size)]
        batch = [self.dataset[i] for i in batch_index]
        x = np.array([example[0] for example in batch])
        t = np.array([example[1] for example in batch])
        self.iteration += 1
        return x, t


__all__ = ["DataLoader", "SeqDataLoader"]
