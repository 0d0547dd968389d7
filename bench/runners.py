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


# The training cases (bench-nn.c from C): DeZero's step 48 on the spiral,
# and the 784-1000-10 sigmoid MLP on Fashion-MNIST, each as its library's
# user writes it. "python" is dezero-glib's DeZero-compatible package
# (dezero_glib) when it has models and optimizers, else the same objects
# through gi (the result says which: "api").

FMNIST_DIR = "/usr/share/datasets/fashion-mnist"


def spiral_numpy(seed=1984):
    """DeZero's get_spiral(train=True), in float64 (DeZero's is float32)."""
    import numpy as np
    rng = np.random.RandomState(seed)
    num_data, num_class = 100, 3
    x = np.zeros((num_data * num_class, 2))
    t = np.zeros(num_data * num_class, dtype=np.int64)
    for j in range(num_class):
        for i in range(num_data):
            rate = i / num_data
            theta = j * 4.0 + 4.0 * rate + rng.randn() * 0.2
            x[num_data * j + i] = (rate * np.sin(theta), rate * np.cos(theta))
            t[num_data * j + i] = j
    index = rng.permutation(num_data * num_class)
    return x[index], t[index]


def fmnist_numpy(train=True):
    """Fashion-MNIST as DeZero's default transform gives it: float32 in
    [0, 1], (N, 784); int64 labels."""
    import gzip
    import os
    import numpy as np
    prefix = "train" if train else "t10k"
    with gzip.open(os.path.join(FMNIST_DIR, f"{prefix}-images-idx3-ubyte.gz")) as f:
        x = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 784).astype(np.float32) / 255
    with gzip.open(os.path.join(FMNIST_DIR, f"{prefix}-labels-idx1-ubyte.gz")) as f:
        t = np.frombuffer(f.read(), np.uint8, offset=8).astype(np.int64)
    return x, t


class Trainer:
    """step(x, t) -> loss (a float) for one batch of data; predict(x) ->
    the class of each row; epoch_batches() -> iterator of (x, t)."""


def dezero_glib_api():
    """The DeZero-style package, if it has what a training loop needs."""
    try:
        import dezero_glib as dezero
        from dezero_glib import optimizers  # noqa: F401
        from dezero_glib.models import MLP  # noqa: F401
        from dezero_glib import DataLoader  # noqa: F401
        return dezero
    except ImportError:
        return None


def make_trainer(name, dataset, sizes, dtype, lr, batch, seed=0):
    """dataset: "spiral" or "fmnist"; sizes: the layers' output sizes;
    dtype: "f32" or "f64"; sigmoid MLP, SGD, softmax cross-entropy."""
    tr = Trainer()
    tr.api = "gi" if name == "python" else name
    if name == "python":
        dezero = dezero_glib_api()
        Dz = dz_module()
        dt = dz_dtype(Dz, dtype)
        if dezero is not None:
            import dezero_glib.functions as F
            from dezero_glib import optimizers, DataLoader
            from dezero_glib.models import MLP
            tr.api = "dezero_glib"
            # DeZero draws the weights and the shuffles from NumPy's global
            # generator.
            import numpy as np
            np.random.seed(seed)
            if dataset == "spiral":
                train_set = dezero.datasets.Spiral(train=True)
            else:
                train_set = dezero.datasets.FashionMNIST(train=True)
            if dtype == "f32":
                model = MLP(tuple(sizes))
            else:
                # DeZero's MLP is float32 (L.Linear's default): a float64 one
                # is written with dtype given to each layer.
                import numpy as np
                import dezero_glib.layers as L

                class MLP64(dezero.Model):
                    def __init__(self):
                        super().__init__()
                        self.layers = []
                        for i, n_out in enumerate(sizes):
                            layer = L.Linear(n_out, dtype=np.float64)
                            setattr(self, "l" + str(i), layer)
                            self.layers.append(layer)

                    def forward(self, x):
                        for layer in self.layers[:-1]:
                            x = F.sigmoid(layer(x))
                        return self.layers[-1](x)
                model = MLP64()
            optimizer = optimizers.SGD(lr).setup(model)
            loader = DataLoader(train_set, batch, shuffle=True)
            tr.n_train = len(train_set)
            tr.n_batches = loader.max_iter

            def step(x, t):
                if dtype == "f64" and dataset == "fmnist":
                    x = x.astype("float64")
                y = model(x)
                loss = F.softmax_cross_entropy(y, t)
                model.cleargrads()
                loss.backward()
                optimizer.update()
                return float(loss.data)

            def epoch_batches():
                return iter(loader)

            def accuracy():
                with dezero.no_grad():
                    if dataset == "spiral":
                        x, t = train_set.data, train_set.label
                        return float(F.accuracy(model(x), t).data)
                    correct, test_set = 0, dezero.datasets.FashionMNIST(train=False)
                    for x, t in DataLoader(test_set, 1000, shuffle=False):
                        if dtype == "f64":
                            x = x.astype("float64")
                        correct += float(F.accuracy(model(x), t).data) * len(t)
                    return correct / len(test_set)
        else:
            gen = Dz.Generator.new(seed)
            if dataset == "spiral":
                train_set = Dz.Spiral.new(True)
            else:
                train_set = Dz.FashionMNIST.new(True)
            model = Dz.MLP.new(list(sizes), Dz.MlpActivation.SIGMOID, dt, gen)
            optimizer = Dz.SGD.new(lr)
            loader = Dz.DataLoader.new(train_set, batch, True, seed)
            tr.n_train = train_set.get_length()
            tr.n_batches = loader.get_n_batches()
            state = {"params": False}

            def step(x, t):
                if x.get_dtype() != dt:
                    x = x.astype(dt)
                xv = Dz.Variable.new(x)
                xv.set_requires_grad(False)
                loss = Dz.softmax_cross_entropy(model.call1(xv), t)
                if not state["params"]:
                    optimizer.set_parameters(model.list_parameters())
                    state["params"] = True
                model.cleargrads()
                loss.backward()
                optimizer.update()
                return loss.get_data().item()

            def epoch_batches():
                while True:
                    ok, x, t = loader.next()
                    if not ok:
                        return
                    yield x, t

            def accuracy():
                Dz.set_enable_backprop(False)
                try:
                    if dataset == "spiral":
                        _, x, t = train_set.get_arrays()
                        return Dz.accuracy(model.call1(Dz.Variable.new(x)), t).get_data().item()
                    test_set = Dz.FashionMNIST.new(False)
                    correct, test = 0.0, Dz.DataLoader.new(test_set, 1000, False, 0)
                    while True:
                        ok, x, t = test.next()
                        if not ok:
                            return correct / test_set.get_length()
                        y = model.call1(Dz.Variable.new(x.astype(dt)))
                        correct += Dz.accuracy(y, t).get_data().item() * t.get_size()
                finally:
                    Dz.set_enable_backprop(True)
        tr.step, tr.epoch_batches, tr.accuracy = step, epoch_batches, accuracy
        tr.live = lambda: list(Dz.live_counts())
        return tr

    import numpy as np
    # The test images are read when the accuracy is asked for, as in the
    # other runners.
    x_all, t_all = spiral_numpy() if dataset == "spiral" else fmnist_numpy(True)
    if dataset == "spiral":
        x_all = x_all.astype(np_dtype(dtype))
    tr.n_train = len(x_all)
    tr.n_batches = -(-len(x_all) // batch)
    tr.live = lambda: None
    rng = np.random.RandomState(seed)
    if name == "torch":
        torch = torch_module()
        import torch.nn.functional as F
        tdt = {"f32": torch.float32, "f64": torch.float64}[dtype]
        torch.manual_seed(seed)
        layers, n_in = [], x_all.shape[1]
        for k, n_out in enumerate(sizes):
            layers.append(torch.nn.Linear(n_in, n_out))
            if k < len(sizes) - 1:
                layers.append(torch.nn.Sigmoid())
            n_in = n_out
        model = torch.nn.Sequential(*layers).to(tdt)
        optimizer = torch.optim.SGD(model.parameters(), lr=lr)
        # The data stay in their own dtype (float32 images): a batch is cast,
        # as in every runner.
        X, T = torch.from_numpy(x_all), torch.from_numpy(t_all)

        def step(x, t):
            y = model(x.to(tdt))
            loss = F.cross_entropy(y, t)
            # set_to_none: PyTorch's fastest (the default from 2.0).
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            return loss.item()

        def epoch_batches():
            index = torch.from_numpy(rng.permutation(len(X)))
            for i in range(tr.n_batches):
                b = index[i * batch:(i + 1) * batch]
                yield X[b], T[b]

        def accuracy():
            with torch.no_grad():
                x, t = (X, T) if dataset == "spiral" else map(torch.from_numpy, fmnist_numpy(False))
                return (model(x.to(tdt)).argmax(1) == t).double().mean().item()
    elif name == "numpy-dezero":
        sys.path.insert(0, __file__.rsplit("/", 1)[0])
        import numpy_dezero as D
        ndt = np_dtype(dtype)
        params, n_in = [], x_all.shape[1]
        for n_out in sizes:
            W = D.Variable((rng.standard_normal((n_in, n_out)) * np.sqrt(1 / n_in)).astype(ndt))
            params += [W, D.Variable(np.zeros(n_out, dtype=ndt))]
            n_in = n_out

        def forward(x):
            h = x
            for k in range(0, len(params), 2):
                if k:
                    h = D.sigmoid(h)
                h = D.linear(h, params[k], params[k + 1])
            return h

        def step(x, t):
            y = forward(D.Variable(x.astype(ndt, copy=False)))
            loss = D.softmax_cross_entropy(y, D.Variable(t))
            for p in params:
                p.cleargrad()
            loss.backward()
            for p in params:
                p.data -= lr * p.grad
            return float(loss.data)

        def epoch_batches():
            index = rng.permutation(len(x_all))
            for i in range(tr.n_batches):
                b = index[i * batch:(i + 1) * batch]
                yield x_all[b], t_all[b]

        def accuracy():
            x, t = (x_all, t_all) if dataset == "spiral" else fmnist_numpy(False)
            return float((forward(D.Variable(x.astype(ndt))).data.argmax(1) == t).mean())
    else:
        raise SystemExit(f"training: no {name} runner")
    tr.step, tr.epoch_batches, tr.accuracy = step, epoch_batches, accuracy
    return tr


def train_spiral(name, epochs, dtype):
    """DeZero's step 48, whole run: 300 epochs, batches of 30, MLP (10, 3),
    sigmoid, SGD lr 1.0, in dtype (DeZero's is f32)."""
    epochs = int(epochs)
    tr = make_trainer(name, "spiral", (10, 3), dtype, 1.0, 30)
    gc.collect()
    baseline = rss_kib("VmRSS:")
    steps, first, last = 0, None, None
    t0 = time.perf_counter()
    for _ in range(epochs):
        total = 0.0
        for x, t in tr.epoch_batches():
            total += tr.step(x, t) * len(t)
            steps += 1
        last = total / tr.n_train
        first = last if first is None else first
    seconds = time.perf_counter() - t0
    acc = tr.accuracy()
    return "spiral", seconds, 0.0, baseline, {"steps": steps, "epochs": epochs, "first_loss": first,
                                              "last_loss": last, "accuracy": acc, "api": tr.api,
                                              "_live": tr.live}


def train_fmnist(name, dtype, steps, epochs, seed="0"):
    """784-1000-10 sigmoid MLP, SGD lr 1.0, batches of 100 in dtype: steps
    timed after 5 of warm-up and extrapolated to an epoch (epochs 0), or
    whole epochs and the test accuracy."""
    steps, epochs, seed = int(steps), int(epochs), int(seed)
    tr = make_trainer(name, "fmnist", (1000, 10), dtype, 1.0, 100, seed)
    gc.collect()
    baseline = rss_kib("VmRSS:")
    extra = {"epochs": epochs, "batches": tr.n_batches, "api": tr.api, "_live": tr.live, "seed": seed}
    if epochs == 0:
        def forever():
            while True:
                yield from tr.epoch_batches()
        batches = forever()
        for _ in range(5):
            x, t = next(batches)
            tr.step(x, t)
        t0 = time.perf_counter()
        for _ in range(steps):
            x, t = next(batches)
            last = tr.step(x, t)
        per_epoch = (time.perf_counter() - t0) / steps * tr.n_batches
        extra.update(steps=steps, last_loss=last, test_accuracy=-1)
    else:
        times = []
        for e in range(epochs):
            t0, total = time.perf_counter(), 0.0
            for x, t in tr.epoch_batches():
                total += tr.step(x, t) * len(t)
            times.append(time.perf_counter() - t0)
            print(f"{name} epoch {e + 1}: {times[-1]:.2f} s, loss {total / tr.n_train:.4f}",
                  file=sys.stderr, flush=True)
        per_epoch = sum(times) / epochs
        extra.update(epoch_s=times, last_loss=total / tr.n_train, test_accuracy=tr.accuracy())
    return "fmnist", per_epoch, 0.0, baseline, extra


def train_lstm_sin(name, epochs):
    """DeZero's step 60: SinCurve, LSTM (hidden 100) + Linear (1), Adam,
    truncated BPTT every 30 steps over batches of 30 parallel streams,
    float64; epochs timed after one of warm-up, seconds per epoch.
    python: dezero_glib's L.LSTM and SeqDataLoader as the book writes it;
    torch: nn.LSTMCell (its fused four gates) and nn.Linear, the state
    detached every 30 steps, the same batches."""
    import numpy as np
    epochs = int(epochs)
    np.random.seed(0)
    if name == "python":
        import dezero_glib as dezero
        import dezero_glib.functions as F
        import dezero_glib.layers as L
        from dezero_glib import SeqDataLoader

        class BetterRNN(dezero.Model):
            def __init__(self):
                super().__init__()
                self.rnn = L.LSTM(100)
                self.fc = L.Linear(1)

            def forward(self, x):
                return self.fc(self.rnn(x))

        loader = SeqDataLoader(dezero.datasets.SinCurve(train=True), batch_size=30)
        model = BetterRNN()
        optimizer = dezero.optimizers.Adam().setup(model)

        def epoch():
            model.rnn.reset_state()
            loss, count = 0, 0
            for x, t in loader:
                loss += F.mean_squared_error(model(x), t)
                count += 1
                if count % 30 == 0:
                    model.cleargrads()
                    loss.backward()
                    loss.unchain_backward()
                    optimizer.update()
            return float(loss.data) / count
        live = lambda: list(dz_module().live_counts())  # noqa: E731
    else:
        import torch
        torch.set_num_threads(1)
        torch.manual_seed(0)
        xs = np.linspace(0, 2 * np.pi, 1000)
        y = np.sin(xs) + np.random.uniform(-0.05, 0.05, 1000)
        data, label = torch.tensor(y[:-1, None]), torch.tensor(y[1:, None])
        n, batch = len(data), 30
        jump = n // batch
        cell = torch.nn.LSTMCell(1, 100).double()
        fc = torch.nn.Linear(100, 1).double()
        params = list(cell.parameters()) + list(fc.parameters())
        optimizer = torch.optim.Adam(params, lr=0.001)
        batches = [torch.tensor([(i * jump + k) % n for i in range(batch)])
                   for k in range(-(-n // batch))]

        def epoch():
            h = c = torch.zeros(batch, 100, dtype=torch.float64)
            loss, count = 0, 0
            for index in batches:
                h, c = cell(data[index], (h, c))
                loss = loss + torch.nn.functional.mse_loss(fc(h), label[index])
                count += 1
                if count % 30 == 0:
                    optimizer.zero_grad(set_to_none=True)
                    loss.backward()
                    optimizer.step()
                    h, c = h.detach(), c.detach()
                    loss = loss.detach()
            return float(loss) / count
        live = lambda: None  # noqa: E731
    gc.collect()
    baseline = rss_kib("VmRSS:")
    first = epoch()
    # CPU time too: on a shared machine it is the steadier measure.
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in range(epochs):
        last = epoch()
    seconds = (time.perf_counter() - t0) / epochs
    cpu = (time.process_time() - c0) / epochs
    return "lstm-sin", seconds, 0.0, baseline, {"steps": epochs * 34, "epochs": epochs,
                                                "first_loss": first, "last_loss": last,
                                                "cpu_s": cpu,
                                                "api": "dezero_glib" if name == "python" else name,
                                                "_live": live}


# The convolution cases (bench/run.py --only conv; bench-conv.c for C).

def conv_layer(name, n, c, oc, hw, budget):
    """conv2d of (n, c, hw, hw) float32 by 3x3 filters with a bias, pad 1,
    forward then backward from ones (x, W and b get gradients), timed for
    at least budget seconds after a warm-up of 3."""
    n, c, oc, hw, budget = int(n), int(c), int(oc), int(hw), float(budget)
    import numpy as np
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, c, hw, hw)).astype(np.float32)
    W = (rng.standard_normal((oc, c, 3, 3)) * 0.1).astype(np.float32)
    b = np.zeros(oc, np.float32)
    perf = time.perf_counter
    if name == "torch":
        torch = torch_module()
        xt, Wt, bt = (torch.tensor(a, requires_grad=True) for a in (x, W, b))
        live = lambda: None  # noqa: E731

        def step():
            xt.grad = Wt.grad = bt.grad = None
            t0 = perf()
            y = torch.nn.functional.conv2d(xt, Wt, bt, padding=1)
            t1 = perf()
            y.backward(torch.ones_like(y))
            return t1 - t0, perf() - t1
    else:
        import dezero_glib as dezero
        import dezero_glib.functions as F
        xv, Wv, bv = dezero.Variable(x), dezero.Parameter(W), dezero.Parameter(b)
        live = lambda: list(dz_module().live_counts())  # noqa: E731

        def step():
            xv.cleargrad(), Wv.cleargrad(), bv.cleargrad()
            t0 = perf()
            y = F.conv2d(xv, Wv, bv, 1, 1)
            t1 = perf()
            y.backward()
            return t1 - t0, perf() - t1
    gc.collect()
    baseline = rss_kib("VmRSS:")
    (fwd, bwd), iterations = timed_loop(step, budget, 3)
    return "conv", fwd, bwd, baseline, {"iterations": iterations, "shape": [n, c, oc, hw],
                                         "_live": live}


def cnn_epoch(name, steps):
    """Fashion-MNIST, conv 3x3 16 channels pad 1 -> ReLU -> max-pool 2 ->
    linear 10, float32, batches of 100, SGD lr 0.1: steps timed after 5 of
    warm-up, extrapolated to an epoch of 600."""
    steps = int(steps)
    import numpy as np
    np.random.seed(0)
    if name == "torch":
        x_all, t_all = fmnist_numpy()
        order = np.random.permutation(len(x_all))

        def batches():
            while True:
                for i in range(0, len(order), 100):
                    idx = order[i:i + 100]
                    yield x_all[idx], t_all[idx]
    else:
        # As a DeZero user loads it: datasets.FashionMNIST (the files' bytes,
        # converted to float32 batch by batch) and a shuffling DataLoader.
        import dezero_glib as dezero
        train_set = dezero.datasets.FashionMNIST(train=True)

        def batches():
            loader = dezero.DataLoader(train_set, 100, shuffle=True)
            while True:
                yield from loader
    if name == "torch":
        torch = torch_module()
        nn = torch.nn
        model = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                              nn.Flatten(), nn.Linear(16 * 14 * 14, 10))
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        live = lambda: None  # noqa: E731

        def step(x, t):
            y = model(torch.from_numpy(x).reshape(-1, 1, 28, 28))
            loss = torch.nn.functional.cross_entropy(y, torch.from_numpy(t))
            opt.zero_grad()
            loss.backward()
            opt.step()
            return float(loss)
    else:
        import dezero_glib as dezero
        import dezero_glib.functions as F
        import dezero_glib.layers as L

        class CNN(dezero.Model):
            def __init__(self):
                super().__init__()
                self.conv = L.Conv2d(16, 3, pad=1, in_channels=1)
                self.fc = L.Linear(10, in_size=16 * 14 * 14)

            def forward(self, x):
                h = F.pooling(F.relu(self.conv(x.reshape(-1, 1, 28, 28))), 2, 2)
                return self.fc(F.flatten(h))
        model = CNN()
        opt = dezero.optimizers.SGD(0.1).setup(model)
        live = lambda: list(dz_module().live_counts())  # noqa: E731

        def step(x, t):
            loss = F.softmax_cross_entropy(model(x), t)
            model.cleargrads()
            loss.backward()
            opt.update()
            return float(loss.data)
    gc.collect()
    baseline = rss_kib("VmRSS:")
    source = batches()
    for _ in range(5):
        step(*next(source))
    t0 = time.perf_counter()
    for _ in range(steps):
        last = step(*next(source))
    per_epoch = (time.perf_counter() - t0) / steps * 600
    return "cnn", per_epoch, 0.0, baseline, {"steps": steps, "batches": 600, "last_loss": last,
                                              "_live": live}


TRAIN_CASES = {"spiral": train_spiral, "fmnist": train_fmnist, "lstm-sin": train_lstm_sin,
               "conv": conv_layer, "cnn": cnn_epoch}


def main():
    name, case, *args = sys.argv[1:]
    if case in TRAIN_CASES:
        kase, forward_s, backward_s, baseline, extra = TRAIN_CASES[case](name, *args)
        gc.collect()
        live = extra.pop("_live")()
    elif case in TENSOR_CASES:
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
