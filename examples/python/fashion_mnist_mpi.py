#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""fashion_mnist_mlp.py's 784-1000-10 ReLU MLP trained data-parallel on the
ranks of an MPI job with dezero_glib.distributed (the C version:
examples/fashion-mnist-mpi.c):

    meson compile -C build && OPENBLAS_NUM_THREADS=1 GI_TYPELIB_PATH=build/dezero-glib \\
        LD_LIBRARY_PATH=build/dezero-glib PYTHONPATH=bindings/python mpirun -np 2 \\
        /usr/bin/python3 examples/python/fashion_mnist_mpi.py [--epochs N] [--batch-size B]

Each rank trains on its own shard of every epoch with batches of B (100)
and averages the gradients with the others after each backward pass, so
all keep identical parameters. Rank 0 prints the progress (sums over the
ranks) and saves the weights; a fresh model is then loaded on rank 0 and
broadcast, and must test the same.
"""

import argparse
import sys
import time

import numpy as np

import dezero_glib as dezero
import dezero_glib.functions as F
from dezero_glib import DataLoader, distributed, optimizers
from dezero_glib.models import MLP

parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
parser.add_argument("--epochs", type=int, default=5)
parser.add_argument("--batch-size", type=int, default=100, help="per rank and step")
parser.add_argument("--lr", type=float, default=0.1)
parser.add_argument("--seed", type=int, default=0, help="the shuffle's seed, shared by the ranks")
parser.add_argument("--weights", default="/tmp/dezero-glib-fashion-mnist-mpi.safetensors")
args = parser.parse_args()

comm = distributed.Communicator()
rank, size = comm.rank, comm.size


def say(*what):
    if rank == 0:
        print(*what, flush=True)


try:
    train_set = dezero.datasets.FashionMNIST(train=True)
    test_set = dezero.datasets.FashionMNIST(train=False)
except dezero.core.Dz.NotAvailableError as err:
    sys.exit(f"fashion_mnist_mpi: {err}")
loader = DataLoader(train_set, args.batch_size, shard_count=size, shard_index=rank, seed=args.seed)
test_loader = DataLoader(test_set, 1000, shuffle=False, shard_count=size, shard_index=rank)


def new_model():
    model = MLP((1000, 10), activation=F.relu)
    model(np.zeros((1, 784), dtype=np.float32))    # makes the weights
    return model


model = new_model()
comm.broadcast_parameters(model)                   # rank 0's start everywhere
optimizer = optimizers.SGD(args.lr).setup(model)
say(f"Fashion-MNIST on {size} rank(s): {len(loader)} steps of {args.batch_size} per rank "
    f"and epoch ({args.batch_size * size} samples per step in all), SGD lr {args.lr}")


def accuracy(model):
    correct = seen = 0.0
    with dezero.no_grad():
        for x, t in test_loader:
            correct += float(F.accuracy(model(x), t).data) * len(t)
            seen += len(t)
    correct, seen = comm.allreduce(np.array([correct, seen]))
    return correct / seen


start = time.perf_counter()
for epoch in range(1, args.epochs + 1):
    epoch_start = time.perf_counter()
    sums = np.zeros(3)       # loss and correct answers over samples, samples
    for x, t in loader:
        y = model(x)
        loss = F.softmax_cross_entropy(y, t)
        model.cleargrads()
        loss.backward()
        comm.allreduce_gradients(model)
        optimizer.update()
        sums += (float(loss.data) * len(t), float(F.accuracy(y, t).data) * len(t), len(t))
    elapsed = time.perf_counter() - epoch_start
    agree = comm.parameters_agree(model)
    loss_sum, correct, seen = comm.allreduce(sums)
    say(f"epoch {epoch}/{args.epochs}  loss {loss_sum / seen:.4f}  accuracy {correct / seen:.4f}  "
        f"{seen / elapsed:.0f} samples/s  {elapsed:.1f} s  "
        f"parameters identical on all ranks: {'yes' if agree else 'NO'}")
    if not agree:
        sys.exit(1)

test_accuracy = accuracy(model)
say(f"test accuracy {test_accuracy * 100:.2f}% ({time.perf_counter() - start:.1f} s of training)")

# One rank saves; the others wait until the file is complete.
if rank == 0:
    model.save_weights(args.weights)
comm.barrier()
say(f"weights saved to {args.weights} by rank 0")

# Rank 0 loads (the others may not see the file, on other hosts) and
# broadcasts.
fresh = new_model()
if rank == 0:
    fresh.load_weights(args.weights)
comm.broadcast_parameters(fresh)
again = accuracy(fresh)
say(f"reloaded on rank 0 and broadcast: test accuracy {again * 100:.2f}%"
    + (" (the same)" if again == test_accuracy else " (DIFFERENT)"))
sys.exit(0 if again == test_accuracy else 1)
