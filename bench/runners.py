# SPDX-License-Identifier: MIT
"""The benchmark cases for the Python implementations: dezero-glib through
gi ("python-gi"), NumPy-DeZero ("numpy-dezero"), PyTorch ("torch") and, for
the array-level tensor cases, plain NumPy ("numpy").

    runners.py IMPL CASE ARGS...      (same cases and arguments as bench-dz
                                       and, for matmul, array and mlp,
                                       bench-tensor)

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


# The tensor cases: each times a loop for at least a budget of seconds after
# a warm-up, as bench-tensor.c does, and reports seconds per iteration.

MIN_ITERATIONS = 3


def timed_loop(step, budget, warmup):
    """Runs step() (which returns a tuple of phase durations) warmup times
    untimed, then until budget seconds have passed; mean phase durations."""
    for _ in range(warmup):
        step()
    sums, n = None, 0
    start = time.perf_counter()
    while n < MIN_ITERATIONS or time.perf_counter() - start < budget:
        phases = step()
        sums = list(phases) if sums is None else [a + b for a, b in zip(sums, phases)]
        n += 1
    return [v / n for v in sums], n


def dz_module():
    import gi
    gi.require_version("Dz", "1.0")
    from gi.repository import Dz
    return Dz


def dz_random(Dz, gen, shape, scale, dtype):
    """randn(shape) * scale in dtype, from Dz's generator (no NumPy)."""
    a = Dz.Array.new_randn(list(shape), gen)
    if scale != 1.0:
        a = a.scale(scale)
    return a.astype(dtype)


def dz_dtype(Dz, name):
    return {"f32": Dz.Dtype.FLOAT32, "f64": Dz.Dtype.FLOAT64}[name]


def np_dtype(name):
    import numpy as np
    return {"f32": np.float32, "f64": np.float64}[name]


def torch_module():
    import torch
    torch.set_num_threads(1)
    return torch


def tensor_matmul(name, n, dtype, budget):
    """y = a @ b, then backward from ones: three n x n products."""
    n, budget = int(n), float(budget)
    perf = time.perf_counter
    if name == "python-gi":
        Dz = dz_module()
        gen = Dz.Generator.new(0)
        a = Dz.Variable.new(dz_random(Dz, gen, (n, n), 1.0, dz_dtype(Dz, dtype)))
        b = Dz.Variable.new(dz_random(Dz, gen, (n, n), 1.0, dz_dtype(Dz, dtype)))

        def step():
            t0 = perf()
            y = Dz.matmul(a, b)
            t1 = perf()
            y.backward()
            a.cleargrad()
            b.cleargrad()
            return t1 - t0, perf() - t1
    elif name == "torch":
        torch = torch_module()
        tdt = {"f32": torch.float32, "f64": torch.float64}[dtype]
        gen = torch.Generator().manual_seed(0)
        a = torch.randn(n, n, generator=gen, dtype=tdt).requires_grad_()
        b = torch.randn(n, n, generator=gen, dtype=tdt).requires_grad_()

        def step():
            t0 = perf()
            y = a @ b
            t1 = perf()
            y.backward(torch.ones_like(y))
            a.grad = b.grad = None
            return t1 - t0, perf() - t1
    else:
        raise SystemExit(f"matmul: no {name} runner")
    gc.collect()
    baseline = rss_kib("VmRSS:")
    (fwd, bwd), iterations = timed_loop(step, budget, 1)
    return "matmul", fwd, bwd, baseline, {"iterations": iterations, "n": n}


def tensor_array(name, op, n, dtype, budget):
    """N x N (+ or *) a (N,) row, or the sum over axis 0 or 1; no graph."""
    n, budget = int(n), float(budget)
    perf = time.perf_counter
    axis = 1 if op == "sum1" else 0
    if name == "python-gi":
        Dz = dz_module()
        gen = Dz.Generator.new(1)
        x = dz_random(Dz, gen, (n, n), 1.0, dz_dtype(Dz, dtype))
        row = dz_random(Dz, gen, (n,), 1.0, dz_dtype(Dz, dtype))
        xv = Dz.Variable.new(x)
        Dz.set_enable_backprop(False)
        fn = {"add": lambda: Dz.Array.add(x, row), "mul": lambda: Dz.Array.mul(x, row),
              "sum0": lambda: Dz.sum(xv, [0], False), "sum1": lambda: Dz.sum(xv, [1], False)}[op]
    elif name == "numpy":
        import numpy as np
        rng = np.random.default_rng(1)
        x = rng.standard_normal((n, n)).astype(np_dtype(dtype))
        row = rng.standard_normal(n).astype(np_dtype(dtype))
        fn = {"add": lambda: x + row, "mul": lambda: x * row,
              "sum0": lambda: x.sum(axis=0), "sum1": lambda: x.sum(axis=1)}[op]
    else:
        raise SystemExit(f"array: no {name} runner")

    def step():
        t0 = perf()
        y = fn()
        t = perf() - t0
        del y
        return (t,)
    gc.collect()
    baseline = rss_kib("VmRSS:")
    (fwd,), iterations = timed_loop(step, budget, 3)
    return "array", fwd, 0.0, baseline, {"iterations": iterations, "axis": axis}


def tensor_mlp(name, n_in, hidden, n_out, batch, dtype, act, budget):
    """One SGD step (lr 1) of an n_in-hidden-n_out MLP with act, softmax
    cross-entropy, p.data = p.data - lr * p.grad.data."""
    n_in, hidden, n_out, batch, budget = int(n_in), int(hidden), int(n_out), int(batch), float(budget)
    perf = time.perf_counter
    lr = 1.0
    labels = [float(i % n_out) for i in range(batch)]
    if name == "python-gi":
        Dz = dz_module()
        dt = dz_dtype(Dz, dtype)
        gen = Dz.Generator.new(2)
        x = Dz.Variable.new(dz_random(Dz, gen, (batch, n_in), 1.0, dt))
        # Data takes no gradient, as torch's x below (no requires_grad).
        x.set_requires_grad(False)
        t = Dz.Variable.new(Dz.Array.new_from_values(labels, [batch]).astype(Dz.Dtype.INT64))
        W1 = Dz.Variable.new(dz_random(Dz, gen, (n_in, hidden), (1 / n_in) ** 0.5, dt))
        b1 = Dz.Variable.new(Dz.Array.new_full_typed(dt, [hidden], 0.0))
        W2 = Dz.Variable.new(dz_random(Dz, gen, (hidden, n_out), (1 / hidden) ** 0.5, dt))
        b2 = Dz.Variable.new(Dz.Array.new_full_typed(dt, [n_out], 0.0))
        params = [W1, b1, W2, b2]
        activation = Dz.relu if act == "relu" else Dz.sigmoid

        def forward():
            return Dz.softmax_cross_entropy(Dz.linear(activation(Dz.linear(x, W1, b1)), W2, b2), t)

        def update(p):
            p.set_data(p.get_data().sub(p.get_grad().get_data().scale(lr)))

        def item(loss):
            return loss.get_data().item()
    elif name == "torch":
        import numpy as np
        torch = torch_module()
        import torch.nn.functional as F
        tdt = {"f32": torch.float32, "f64": torch.float64}[dtype]
        gen = torch.Generator().manual_seed(2)
        x = torch.randn(batch, n_in, generator=gen, dtype=tdt)
        t = torch.from_numpy(np.array(labels, dtype=np.int64))
        W1 = (torch.randn(n_in, hidden, generator=gen, dtype=tdt) * (1 / n_in) ** 0.5).requires_grad_()
        b1 = torch.zeros(hidden, dtype=tdt, requires_grad=True)
        W2 = (torch.randn(hidden, n_out, generator=gen, dtype=tdt) * (1 / hidden) ** 0.5).requires_grad_()
        b2 = torch.zeros(n_out, dtype=tdt, requires_grad=True)
        params = [W1, b1, W2, b2]
        activation = torch.relu if act == "relu" else torch.sigmoid

        # addmm is what torch.nn.Linear runs: PyTorch's best case.
        def forward():
            return F.cross_entropy(torch.addmm(b2, activation(torch.addmm(b1, x, W1)), W2), t)

        # In place under no_grad, as torch.optim.SGD does: 3x faster than
        # p.data = p.data - lr * p.grad.data here, PyTorch's best case.
        def update(p):
            with torch.no_grad():
                p.add_(p.grad, alpha=-lr)

        def item(loss):
            return loss.item()
    elif name == "numpy-dezero":
        import numpy as np
        sys.path.insert(0, __file__.rsplit("/", 1)[0])
        import numpy_dezero as D
        ndt = np_dtype(dtype)
        rng = np.random.default_rng(2)
        x = D.Variable(rng.standard_normal((batch, n_in)).astype(ndt))
        t = D.Variable(np.array(labels, dtype=np.int64))
        W1 = D.Variable((rng.standard_normal((n_in, hidden)) * np.sqrt(1 / n_in)).astype(ndt))
        b1 = D.Variable(np.zeros(hidden, dtype=ndt))
        W2 = D.Variable((rng.standard_normal((hidden, n_out)) * np.sqrt(1 / hidden)).astype(ndt))
        b2 = D.Variable(np.zeros(n_out, dtype=ndt))
        params = [W1, b1, W2, b2]
        activation = D.relu if act == "relu" else D.sigmoid

        def forward():
            return D.softmax_cross_entropy(D.linear(activation(D.linear(x, W1, b1)), W2, b2), t)

        def update(p):
            p.data = p.data - lr * p.grad

        def item(loss):
            return float(loss.data)
    else:
        raise SystemExit(f"mlp: no {name} runner")

    def step():
        t0 = perf()
        loss = forward()
        t1 = perf()
        for p in params:
            p.grad = None
        loss.backward()
        t2 = perf()
        for p in params:
            update(p)
        # The step's graph goes here: part of its cost, in every runner.
        del loss
        t3 = perf()
        return t1 - t0, t2 - t1, t3 - t2
    first = item(forward())
    gc.collect()
    baseline = rss_kib("VmRSS:")
    (fwd, bwd, upd), iterations = timed_loop(step, budget, 3)
    last = item(forward())
    return "mlp", fwd, bwd, baseline, {"iterations": iterations, "update_s": upd,
                                       "first_loss": first, "last_loss": last}


TENSOR_CASES = {"matmul": tensor_matmul, "array": tensor_array, "mlp": tensor_mlp}


def main():
    name, case, *args = sys.argv[1:]
    if case in TENSOR_CASES:
        kase, forward_s, backward_s, baseline, extra = TENSOR_CASES[case](name, *args)
        gc.collect()
        live = list(dz_module().live_counts()) if name == "python-gi" else None
    else:
        impl = make_impl(name)
        kase, forward_s, backward_s, baseline, extra = CASES[case](impl, *(int(a) for a in args))
        gc.collect()
        live = impl.live()
        if hasattr(impl, "version"):
            extra["version"] = impl.version
    result = {"impl": name, "case": kase, "forward_s": forward_s, "backward_s": backward_s,
              "peak_rss_kib": rss_kib("VmHWM:"), "baseline_rss_kib": baseline, "live": live}
    result.update(extra)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
