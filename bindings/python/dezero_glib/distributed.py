# SPDX-License-Identifier: MIT
"""Data-parallel training over MPI (an extension: DeZero has none).

Start the same script on N processes with ``mpirun -np N python3 train.py``;
each builds the same model and trains on its own shard of every epoch::

    from dezero_glib import distributed, DataLoader

    comm = distributed.Communicator()          # joins the MPI job
    model = MLP((1000, 10))
    model(x_example)                           # W is made on the first input
    comm.broadcast_parameters(model)           # rank 0's values everywhere
    loader = DataLoader(train_set, 100, shard_count=comm.size,
                        shard_index=comm.rank, seed=0)
    for x, t in loader:
        loss = F.softmax_cross_entropy(model(x), t)
        model.cleargrads()
        loss.backward()
        comm.allreduce_gradients(model)        # the mean over the ranks
        optimizer.update()
    total = comm.allreduce(float(loss.data) * len(t))   # metrics: sums

``Communicator`` is ``Dz.Communicator`` (``rank``, ``size``,
``bucket_size``, ``broadcast_parameters(model, root=0)``,
``allreduce_gradients(model)``, ``allreduce(value)``,
``parameters_agree(model)``, ``barrier()``). MPI is finalized when the
process exits with status 0, or by ``shutdown()``; a process that exits
with another status (an uncaught exception) aborts the whole job, so
that the other ranks do not wait for it forever.
"""

from dezero_glib.core import Dz

Communicator = Dz.Communicator


def is_available():
    """Whether this dezero-glib was built with MPI."""
    return Dz.Communicator.is_available()


def shutdown():
    """Finalizes MPI now (every rank must call it); no communicator works
    afterwards."""
    Dz.Communicator.shutdown()


__all__ = ["Communicator", "is_available", "shutdown"]
