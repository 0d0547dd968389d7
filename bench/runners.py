# SPDX-License-Identifier: MIT
"""The benchmark cases for the Python implementations: dezero-glib through
gi ("python-gi"), NumPy-DeZero ("numpy-dezero") and PyTorch ("torch").

    runners.py IMPL CASE ARGS...      (same cases and arguments as bench-dz)

Prints one JSON line. Random data is generated before timing starts."""

import gc
import json
import sys
import time


def rss_kib(field):
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field):
                return int(line.split()[1])
    return -1


class Impl:
    """What a case needs: randn(seed, size), leaf_array(data), scalar(v),
    square, add, add_scalar, mul_scalar, backward(y), exp/square/add on plain
    arrays."""


def make_impl(name):
    impl = Impl()
    impl.name = name
    impl.live = lambda: None
    if name == "python-gi":
        # No NumPy here: dezero-glib does not need it, and a user who does not
        # use it does not load it. The data come from Dz's own generator.
        import gi
        gi.require_version("Dz", "1.0")
        from gi.repository import Dz
        impl.randn = lambda seed, size: Dz.Array.new_randn([size], Dz.Generator.new(seed))
        impl.leaf_array = lambda arr: Dz.Variable.new(arr)
        impl.scalar = lambda v: Dz.Variable.new_scalar(v)
        impl.square, impl.add = Dz.square, Dz.add
        impl.add_scalar, impl.mul_scalar = Dz.add_scalar, Dz.mul_scalar
        impl.backward = lambda y: y.backward()
        impl.live = lambda: list(Dz.live_counts())
        impl.a_exp, impl.a_square = Dz.Array.exp, Dz.Array.square
        impl.a_add = lambda a, b: Dz.Array.add(a, b)
    elif name == "numpy-dezero":
        import numpy as np
        sys.path.insert(0, __file__.rsplit("/", 1)[0])
        import numpy_dezero as D
        impl.randn = lambda seed, size: np.random.default_rng(seed).standard_normal(size)
        impl.leaf_array = lambda arr: D.Variable(arr)
        impl.scalar = lambda v: D.Variable(np.array(v))
        impl.square, impl.add = D.square, D.add
        impl.add_scalar, impl.mul_scalar = D.add_scalar, D.mul_scalar
        impl.backward = lambda y: y.backward()
        impl.a_exp, impl.a_square = np.exp, np.square
        impl.a_add = np.add
    elif name == "torch":
        import numpy as np
        import torch
        torch.set_num_threads(1)
        torch.set_default_dtype(torch.float64)
        impl.randn = lambda seed, size: torch.from_numpy(np.random.default_rng(seed).standard_normal(size))
        impl.leaf_array = lambda t: t.detach().requires_grad_()
        impl.scalar = lambda v: torch.tensor(v, requires_grad=True)
        impl.square, impl.add = torch.square, torch.add
        impl.add_scalar = lambda x, c: x + c
        impl.mul_scalar = lambda x, c: x * c
        impl.backward = lambda y: y.backward(torch.ones_like(y))
        impl.a_exp, impl.a_square, impl.a_add = torch.exp, torch.square, torch.add
        impl.version = torch.__version__
    else:
        raise SystemExit(f"unknown implementation {name}")
    return impl


def seed(impl, iterations, size, backward):
    data = impl.randn(0, size)
    gc.collect()
    baseline = rss_kib("VmRSS:")
    forward_s = backward_s = 0.0
    for _ in range(iterations):
        t1 = time.perf_counter()
        x = impl.leaf_array(data)
        y = impl.square(impl.square(impl.square(x)))
        t2 = time.perf_counter()
        forward_s += t2 - t1
        if backward:
            impl.backward(y)
            backward_s += time.perf_counter() - t2
    del x, y
    return "seed-fwd-bwd" if backward else "seed-fwd", forward_s, backward_s, baseline, {}


def chain(impl, n):
    x, one = impl.scalar(1.0), impl.scalar(1.0)
    gc.collect()
    baseline = rss_kib("VmRSS:")
    t0 = time.perf_counter()
    h = x
    for _ in range(n):
        h = impl.add(h, one)
    forward_s = time.perf_counter() - t0
    grown = rss_kib("VmRSS:") - baseline
    t0 = time.perf_counter()
    impl.backward(h)
    backward_s = time.perf_counter() - t0
    del h
    return "chain", forward_s, backward_s, baseline, {"nodes": n, "graph_kib": grown}


def ladder(impl, diamonds):
    h = impl.scalar(0.0)
    gc.collect()
    baseline = rss_kib("VmRSS:")
    t0 = time.perf_counter()
    for _ in range(diamonds):
        a = impl.add_scalar(h, 1.0)
        h = impl.add(impl.mul_scalar(a, 0.5), impl.mul_scalar(a, 0.5))
    forward_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    impl.backward(h)
    backward_s = time.perf_counter() - t0
    del h, a
    return "ladder", forward_s, backward_s, baseline, {"nodes": 4 * diamonds}


def fan(impl, n):
    x = impl.scalar(0.5)
    gc.collect()
    baseline = rss_kib("VmRSS:")
    t0 = time.perf_counter()
    s = impl.square(x)
    for _ in range(1, n):
        s = impl.add(s, impl.square(x))
    forward_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    impl.backward(s)
    backward_s = time.perf_counter() - t0
    del s
    return "fan", forward_s, backward_s, baseline, {"nodes": 2 * n - 1}


def elementwise(impl, size, repeats):
    a = impl.randn(1, size)
    gc.collect()
    baseline = rss_kib("VmRSS:")
    t = {"exp": 0.0, "square": 0.0, "add": 0.0}
    # One untimed repeat first (fresh pages for the first result), as in
    # every implementation.
    for r in range(-1, repeats):
        if r == 0:
            t = dict.fromkeys(t, 0.0)
        for name, op in (("exp", lambda: impl.a_exp(a)), ("square", lambda: impl.a_square(a)),
                         ("add", lambda: impl.a_add(a, a))):  # noqa: B023
            t0 = time.perf_counter()
            out = op()
            t[name] += time.perf_counter() - t0
            del out
    extra = {f"{k}_s": v / repeats for k, v in t.items()}
    return "elementwise", sum(t.values()), 0.0, baseline, extra


CASES = {"seed": seed, "chain": chain, "ladder": ladder, "fan": fan, "elementwise": elementwise}


def main():
    name, case, *args = sys.argv[1:]
    impl = make_impl(name)
    kase, forward_s, backward_s, baseline, extra = CASES[case](impl, *(int(a) for a in args))
    gc.collect()
    result = {"impl": name, "case": kase, "forward_s": forward_s, "backward_s": backward_s,
              "peak_rss_kib": rss_kib("VmHWM:"), "baseline_rss_kib": baseline,
              "live": impl.live()}
    result.update(extra)
    if hasattr(impl, "version"):
        result["version"] = impl.version
    print(json.dumps(result))


if __name__ == "__main__":
    main()
