#!/usr/bin/env python3
"""The all-reduce of bench-mpi.c (795,010 float32 values, the Fashion-MNIST
MLP's gradients) with torch.distributed over gloo, for comparison:

    /usr/bin/python3 bench/bench-mpi-torch.py [--ranks 2] [--iterations 200]

Each timed call starts after a barrier; rank 0 prints the median and the
minimum in milliseconds, as a row of bench-mpi's table.
"""

import argparse
import os
import statistics
import time

import torch
import torch.distributed as dist
import torch.multiprocessing as mp

N_VALUES = 784 * 1000 + 1000 + 1000 * 10 + 10


def worker(rank, size, iterations, port):
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    torch.set_num_threads(1)
    dist.init_process_group("gloo", rank=rank, world_size=size)
    buffer = torch.ones(N_VALUES, dtype=torch.float32)
    samples = []
    for i in range(-10, iterations):
        dist.barrier()
        start = time.perf_counter()
        dist.all_reduce(buffer)
        if i >= 0:
            samples.append(time.perf_counter() - start)
    if rank == 0:
        print(f"| torch.distributed all_reduce (gloo, torch {torch.__version__}) of the "
              f"{N_VALUES * 4 / 1e6:.1f} MB | {statistics.median(samples) * 1e3:.3f} | "
              f"{min(samples) * 1e3:.3f} |")
    dist.destroy_process_group()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--ranks", type=int, default=2)
    parser.add_argument("--iterations", type=int, default=200)
    parser.add_argument("--port", type=int, default=29517)
    args = parser.parse_args()
    mp.spawn(worker, args=(args.ranks, args.iterations, args.port), nprocs=args.ranks)


if __name__ == "__main__":
    main()
