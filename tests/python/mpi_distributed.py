# SPDX-License-Identifier: MIT
"""dezero_glib.distributed under mpirun (-np 2, 3): run by
tests/distributed/mpirun-test.py, not by pytest. Every rank runs every
check; a failed assert exits with status 1, which aborts the whole job."""

import numpy as np

import dezero_glib as dezero
import dezero_glib.functions as F
from dezero_glib import distributed, optimizers, DataLoader
from dezero_glib.models import MLP
from gi.repository import Dz

comm = distributed.Communicator()
rank, size = comm.rank, comm.size
assert comm.props.size == size and 0 <= rank < size
other = distributed.Communicator(bucket_size=4096)
assert other.rank == rank and other.props.bucket_size == 4096
del other


def model_for(dtype, seed):
    # The weights come from the C default generator: a rank-dependent
    # number of draws first makes the ranks' models differ.
    for _ in range(seed):
        MLP((6, 3))(np.zeros((1, 4), dtype=dtype))
    model = MLP((6, 3))
    model(np.zeros((1, 4), dtype=dtype))      # makes the weights
    return model


def global_batch(step, n):
    rng = np.random.RandomState(100 + step)
    return rng.randn(n, 4), (np.arange(n) * 7 + step) % 3


def step(model, optimizer, x, t, reduce):
    loss = F.softmax_cross_entropy(model(x), t)
    model.cleargrads()
    loss.backward()
    if reduce:
        comm.allreduce_gradients(model)
    optimizer.update()
    return float(loss.data)


def check_equivalence(make_optimizer, rtol, atol):
    per_rank = 3
    model, reference = model_for(np.float64, 1), model_for(np.float64, 2)
    comm.broadcast_parameters(model)
    for p, q in zip(model.params(), reference.params()):
        q.data = p.data.copy()
    opt, ref_opt = make_optimizer().setup(model), make_optimizer().setup(reference)
    for s in range(3):
        x, t = global_batch(s, per_rank * size)
        mine = slice(rank * per_rank, (rank + 1) * per_rank)
        loss = step(model, opt, x[mine], t[mine], True)
        ref_loss = step(reference, ref_opt, x, t, False)
        assert comm.parameters_agree(model)
        # The mean of the ranks' mean losses is the loss of the whole batch.
        assert np.isclose(comm.allreduce(loss) / size, ref_loss, rtol=1e-5)
        for p, q in zip(model.params(), reference.params()):
            np.testing.assert_allclose(p.data, q.data, rtol=rtol, atol=atol)


# Broadcast: every rank starts elsewhere, then has the last rank's values.
model = model_for(np.float64, rank)
before = [p.data.copy() for p in model.params()]
assert comm.parameters_agree(model) == (size == 1)
comm.broadcast_parameters(model, root=size - 1)
assert comm.parameters_agree(model)
for p, old in zip(model.params(), before):
    if p.data.ndim == 2:    # the biases start at zero everywhere
        assert np.array_equal(p.data, old) == (rank == size - 1)

# DeZero's Linear layers are float32.
check_equivalence(lambda: optimizers.SGD(0.5), 1e-5, 1e-6)
check_equivalence(lambda: optimizers.Adam(0.01), 1e-4, 1e-6)

# Metrics: numbers and arrays, summed.
assert comm.allreduce(1.5) == 1.5 * size
assert comm.allreduce(rank) == size * (size - 1) // 2 and isinstance(comm.allreduce(1), int)
counts = comm.allreduce(np.array([rank, 1], dtype=np.int64))
assert counts.dtype == np.int64 and counts.tolist() == [size * (size - 1) // 2, size]
halves = comm.allreduce(np.full((2, 2), 0.5, dtype=np.float32))
assert halves.dtype == np.float32 and np.all(halves == 0.5 * size)

# Shards: the ranks' loaders of one seed cover each epoch, in equal parts,
# for a dataset gathered in C and for one read sample by sample.


class Indexed(dezero.Dataset):
    """Sample i is the value i: gathered by the C loader."""

    def prepare(self):
        self.data = np.arange(11, dtype=np.float64).reshape(11, 1)
        self.label = np.zeros(11, dtype=np.int64)


class Samples(Indexed):
    """The same, read sample by sample in Python."""

    def __getitem__(self, index):
        return self.data[index], self.label[index]


assert DataLoader(Indexed(), 7, shard_count=size, shard_index=rank)._loader is not None
assert DataLoader(Samples(), 7, shard_count=size, shard_index=rank)._loader is None
for dataset in (Indexed(), Samples()):
    n = len(dataset)
    loader = DataLoader(dataset, 7, shard_count=size, shard_index=rank, seed=5)
    for epoch in range(2):
        seen = np.zeros(n, dtype=np.int64)
        steps = 0
        for x, t in loader:
            steps += 1
            np.add.at(seen, np.asarray(x)[:, 0].astype(np.int64), 1)
        assert steps == -(-(-(-n // size)) // 7)
        total = comm.allreduce(seen)
        assert total.min() >= 1 and total.sum() == -(-n // size) * size, total

# Models that differ: a ValueError (Dz.ShapeMismatchError) on every rank,
# and the communicator still works.
if size > 1:
    np.random.seed(0)
    odd = MLP((6, 6, 3)) if rank == 1 else MLP((6, 3))
    odd(np.zeros((1, 4)))
    try:
        comm.allreduce_gradients(odd)
        raise AssertionError("layers that differ were reduced")
    except ValueError as err:
        assert isinstance(err, Dz.ShapeMismatchError) and "differ" in str(err), err
assert comm.allreduce(1) == size

comm.barrier()
if rank == 0:
    print(f"dezero_glib.distributed: {size} ranks OK")
