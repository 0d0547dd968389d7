#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""DeZero step 17 from Python: 1000 x square(square(square(randn(100000))))."""

import argparse
import resource
import time

import gi

gi.require_version("Dz", "1.0")
from gi.repository import Dz  # noqa: E402


def peak_rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--iterations", type=int, default=1000)
    parser.add_argument("--size", type=int, default=100000)
    parser.add_argument("--backward", action="store_true")
    args = parser.parse_args()

    gen = Dz.Generator.new(0)
    baseline = peak_rss_mib()
    start = time.perf_counter()
    for _ in range(args.iterations):
        x = Dz.Variable(Dz.Array.new_randn([args.size], gen))
        y = Dz.square(Dz.square(Dz.square(x)))
        if args.backward:
            y.backward()
    del x, y
    elapsed = time.perf_counter() - start

    print(f"DeZero step 17 (Python): {args.iterations} x square^3(randn({args.size}))"
          + (" + backward" if args.backward else ""))
    print(f"  time          {elapsed:.3f} s ({1e3 * elapsed / args.iterations:.3f} ms per iteration)")
    print(f"  peak RSS      {peak_rss_mib():.1f} MiB ({baseline:.1f} MiB after imports)")
    print("  live objects  {} arrays, {} variables, {} functions".format(*Dz.live_counts()))


if __name__ == "__main__":
    main()
