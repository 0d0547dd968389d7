#!/usr/bin/python3
"""The kernels (bench-kernels.c) next to NumPy, single-threaded.

    bench-kernels.py BUILD_DIR [N]

Prints, per case and dtype, the best thread CPU time in microseconds of NumPy into a
reused output (out=) and allocating (a + b, a.sum()), of the kernel the
same two ways, and the ratio NumPy / kernel (above 1: the kernel is faster).
"""

import os
import subprocess
import sys
import time
import timeit

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402


def best_us(stmt, env):
    timer = timeit.Timer(stmt, timer=time.thread_time, globals=env)
    number, _ = timer.autorange()
    number = max(number, int(number * 0.02 / max(timer.timeit(number), 1e-9)))
    return min(timer.repeat(7, number)) / number * 1e6


def numpy_times(n, dtype):
    a = np.random.default_rng(0).random((n, n)).astype(dtype)
    row = a[0].copy()
    col = row.reshape(n, 1).copy()
    out = np.empty_like(a)
    env = dict(np=np, a=a, row=row, col=col, out=out,
               out0=np.empty(n, dtype), out1=np.empty(n, dtype))
    cases = {
        "add_row": ("np.add(a, row, out=out)", "a + row"),
        "add_col": ("np.add(a, col, out=out)", "a + col"),
        "mul_row": ("np.multiply(a, row, out=out)", "a * row"),
        "mul_col": ("np.multiply(a, col, out=out)", "a * col"),
        "sum_axis0": ("a.sum(axis=0, out=out0)", "a.sum(axis=0)"),
        "sum_axis1": ("a.sum(axis=1, out=out1)", "a.sum(axis=1)"),
        "sum_all": ("a.sum()", "a.sum()"),
    }
    return {name: (best_us(reuse, env), best_us(alloc, env))
            for name, (reuse, alloc) in cases.items()}


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else "build"
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    exe = os.path.join(build, "bench", "bench-kernels")
    lines = subprocess.run([exe, str(n)], check=True, capture_output=True,
                           text=True).stdout.split("\n")
    ours = {}
    for line in filter(None, lines):
        name, dtype, reuse, alloc = line.split()
        ours[name, dtype] = float(reuse), float(alloc)

    print(f"NumPy {np.__version__}, {n}x{n}; microseconds, best of 7")
    print(f"{'case':10} {'dtype':8} {'np out=':>9} {'kernel':>9} {'ratio':>6}"
          f" {'np alloc':>9} {'k+alloc':>9} {'ratio':>6}")
    for dtype in ("float64", "float32"):
        theirs = numpy_times(n, dtype)
        for name, (np_reuse, np_alloc) in theirs.items():
            k_reuse, k_alloc = ours[name, dtype]
            print(f"{name:10} {dtype:8} {np_reuse:9.1f} {k_reuse:9.1f}"
                  f" {np_reuse / k_reuse:6.2f} {np_alloc:9.1f} {k_alloc:9.1f}"
                  f" {np_alloc / k_alloc:6.2f}")


if __name__ == "__main__":
    main()
