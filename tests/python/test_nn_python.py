# SPDX-License-Identifier: MIT
"""dezero_glib's neural-network layer: layers registered by attribute,
optimizers against hand-computed updates, hooks, data loaders, weights,
exceptions from Python vfuncs (the conftest checks that nothing is left
alive after each test)."""

import math
import os

import numpy as np
import pytest

import dezero_glib as dezero
import dezero_glib.functions as F
import dezero_glib.layers as L
from dezero_glib import DataLoader, Function, Parameter, Variable, optimizers, transforms
from dezero_glib.models import MLP, Model, Sequential
from gi.repository import Dz


# Layers

class Net(Model):
    def __init__(self):
        super().__init__()
        self.l1 = L.Linear(3, in_size=2)
        self.scale = Parameter(np.array(2.0), name="scale")
        self.not_a_param = np.ones(3)
        self.inner = Sequential(L.Linear(4), L.Linear(1, nobias=True))

    def forward(self, x):
        return self.inner(F.sigmoid(self.l1(x))) * self.scale


def test_attribute_assignment_registers_in_order():
    net = Net()
    assert net.param_names() == ["l1.W", "l1.b", "scale", "inner.l0.W", "inner.l0.b",
                                 "inner.l1.W"]
    params = list(net.params())
    assert params[2] is net.scale and params[0] is net.l1.W
    assert params[3] is net.inner.l0.W
    assert params[3].data is None  # lazy until the first call
    # The same order every time, and after the first call.
    net(np.ones((5, 2), dtype=np.float32))
    assert list(net.params()) == params
    assert net.param_names() == Net().param_names()
    assert net.inner.l0.W.shape == (3, 4) and net.inner.l0.in_size == 3


def test_reassigning_replaces_in_place():
    net = Net()
    new = Parameter(np.array(3.0), name="scale")
    net.scale = new
    assert net.param_names()[2] == "scale"
    assert list(net.params())[2] is new


def test_cleargrads():
    net = Net()
    y = net(np.ones((5, 2), dtype=np.float32))
    F.sum(y).backward()
    assert all(p.grad is not None for p in net.params())
    net.cleargrads()
    assert all(p.grad is None for p in net.params())


def test_layer_returns_one_output_or_a_tuple():
    class Two(dezero.Layer):
        def forward(self, x):
            return x * 2, x * 3

    class One(dezero.Layer):
        def forward(self, x):
            return (x + 1,)

    a, b = Two()(Variable(np.array(1.0)))
    assert (float(a.data), float(b.data)) == (2.0, 3.0)
    assert float(One()(Variable(np.array(1.0))).data) == 2.0


class Cube(Function):
    def forward(self, x):
        return x ** 3

    def backward(self, gy):
        x, = self.inputs
        return 3 * x ** 2 * gy


def test_layer_mixes_builtins_and_python_functions():
    class Mixed(dezero.Layer):
        def __init__(self):
            super().__init__()
            self.fc = L.Linear(1, in_size=1, dtype=np.float64)
            self.a = Parameter(np.array([1.5]), name="a")

        def forward(self, x):
            return F.sum(Cube()(self.fc(x)) * self.a)

    np.random.seed(0)
    layer = Mixed()
    x = np.array([[0.5], [-1.0]])
    loss = layer(x)
    W, b, a = layer.fc.W.data[0, 0], layer.fc.b.data[0], layer.a.data[0]
    h = x[:, 0] * W + b
    assert float(loss.data) == pytest.approx(np.sum(h ** 3) * a, rel=1e-12)
    layer.cleargrads()
    loss.backward()
    assert layer.fc.W.grad.data[0, 0] == pytest.approx(np.sum(3 * h ** 2 * a * x[:, 0]), rel=1e-12)
    assert layer.a.grad.data[0] == pytest.approx(np.sum(h ** 3), rel=1e-12)


def test_linear_draws_deZero_weights_from_numpy():
    np.random.seed(3)
    layer = L.Linear(4, in_size=3)
    np.random.seed(3)
    expected = np.random.randn(3, 4).astype(np.float32) * np.sqrt(1 / 3)
    np.testing.assert_array_equal(layer.W.data, expected)
    assert layer.W.dtype == np.float32 and layer.b.dtype == np.float32
    assert L.Linear(2, nobias=True).b is None


class Boom(dezero.Layer):
    def forward(self, x):
        raise KeyError("from forward")


def test_forward_exception_propagates_through_c():
    layer = Boom()
    with pytest.raises(KeyError, match="from forward"):
        layer(Variable(np.array(1.0)))
    # Through C: Dz.Layer.call runs do_forward, which parks the exception.
    with pytest.raises(KeyError, match="from forward"):
        Dz.Layer.call(layer, [Variable(np.array(1.0))])
    outer = Sequential(Boom())
    with pytest.raises(KeyError, match="from forward"):
        outer(np.ones(2))


def test_gi_level_python_layer_called_from_c():
    class Double(Dz.Layer):
        def do_forward(self, inputs):
            return inputs[0] * 2

    layer = Double()
    assert float(layer(Variable(np.array(4.0))).data) == 8.0
    assert float(layer.call1(np.array(1.5)).data) == 3.0


# Optimizers against DeZero's update rules written out by hand

def grads(t):
    return np.array([math.sin(1.0 + 0.5 * i + 0.7 * t) * (t + 1) for i in range(3)])


def run(optimizer, steps=3):
    p0 = np.array([0.5, -1.25, 2.0])

    class One(dezero.Layer):
        def __init__(self):
            super().__init__()
            self.p = Parameter(p0.copy(), name="p")

    layer = One()
    optimizer.setup(layer)
    values = []
    for t in range(1, steps + 1):
        layer.p.grad = Variable(grads(t))
        optimizer.update()
        values.append(np.array(layer.p.data))
    return p0, values


def test_adam_one_step_to_1e_12():
    p, (value,) = run(optimizers.Adam(alpha=0.1), steps=1)
    g = grads(1)
    # t = 1: m = 0.1 g, v = 0.001 g², lr = 0.1 sqrt(1 - 0.999) / (1 - 0.9)
    m = 0.1 * g
    v = 0.001 * g * g
    lr = 0.1 * math.sqrt(0.001) / 0.1
    expected = p - lr * m / (np.sqrt(v) + 1e-8)
    np.testing.assert_allclose(value, expected, rtol=1e-12, atol=0)


def reference(kind, p, steps, **hp):
    p = p.copy()
    state = [np.zeros_like(p), np.zeros_like(p)]
    out = []
    for t in range(1, steps + 1):
        g = grads(t)
        if kind == "SGD":
            p -= hp["lr"] * g
        elif kind == "MomentumSGD":
            state[0] = hp["momentum"] * state[0] - hp["lr"] * g
            p += state[0]
        elif kind == "AdaGrad":
            state[0] += g * g
            p -= hp["lr"] * g / (np.sqrt(state[0]) + hp["eps"])
        elif kind == "AdaDelta":
            rho, eps = hp["rho"], hp["eps"]
            state[0] = rho * state[0] + (1 - rho) * g * g
            dx = np.sqrt((state[1] + eps) / (state[0] + eps)) * g
            state[1] = rho * state[1] + (1 - rho) * dx * dx
            p -= dx
        elif kind == "Adam":
            b1, b2 = hp["beta1"], hp["beta2"]
            state[0] += (1 - b1) * (g - state[0])
            state[1] += (1 - b2) * (g * g - state[1])
            lr = hp["alpha"] * math.sqrt(1 - b2 ** t) / (1 - b1 ** t)
            p -= lr * state[0] / (np.sqrt(state[1]) + hp["eps"])
        out.append(p.copy())
    return out


@pytest.mark.parametrize("kind, hp", [
    ("SGD", dict(lr=0.1)),
    ("MomentumSGD", dict(lr=0.1, momentum=0.8)),
    ("AdaGrad", dict(lr=0.3, eps=1e-8)),
    ("AdaDelta", dict(rho=0.9, eps=1e-6)),
    ("Adam", dict(alpha=0.05, beta1=0.8, beta2=0.99, eps=1e-8)),
])
def test_every_optimizer_against_hand_computed(kind, hp):
    optimizer = getattr(optimizers, kind)(**hp)
    for name, value in hp.items():
        assert getattr(optimizer, name) == value
    p0, values = run(optimizer, steps=4)
    for got, want in zip(values, reference(kind, p0, 4, **hp)):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)


def test_defaults_and_attributes_as_deZero():
    assert optimizers.SGD().lr == 0.01
    sgd = optimizers.MomentumSGD()
    assert (sgd.lr, sgd.momentum) == (0.01, 0.9)
    assert (optimizers.AdaGrad().lr, optimizers.AdaGrad().eps) == (0.001, 1e-8)
    assert (optimizers.AdaDelta().rho, optimizers.AdaDelta().eps) == (0.95, 1e-6)
    adam = optimizers.Adam()
    assert (adam.alpha, adam.beta1, adam.beta2, adam.eps, adam.t) == (0.001, 0.9, 0.999, 1e-8, 0)
    sgd = optimizers.SGD(0.5)
    assert sgd.setup(MLP((2,))) is sgd
    sgd.lr = 0.25  # reaches C
    assert sgd._dz.props.lr == 0.25


def test_adam_t_and_lr():
    adam = optimizers.Adam(alpha=0.1)
    run(adam, steps=2)
    assert adam.t == 2
    assert adam.lr == pytest.approx(0.1 * math.sqrt(1 - 0.999 ** 2) / (1 - 0.9 ** 2))


def test_lr_change_between_steps():
    sgd = optimizers.SGD(0.1)
    p0, _ = run(sgd, steps=1)
    sgd.lr = 0.0
    layer = sgd.target
    before = np.array(layer.p.data)
    layer.p.grad = Variable(np.ones(3))
    sgd.update()
    np.testing.assert_array_equal(layer.p.data, before)


def test_python_update_one_runs_deZero_algorithm():
    class HalfStep(optimizers.Optimizer):
        def update_one(self, param):
            param.data -= 0.5 * param.grad.data

    p0, values = run(HalfStep(), steps=2)
    np.testing.assert_allclose(values[-1], p0 - 0.5 * grads(1) - 0.5 * grads(2))


def test_hooks():
    class Two(dezero.Layer):
        def __init__(self):
            super().__init__()
            self.a = Parameter(np.array([1.0, 2.0]), name="a")
            self.b = Parameter(np.array([3.0]), name="b")
            self.c = Parameter(np.array([4.0]), name="c")

    layer = Two()
    seen = []
    opt = optimizers.SGD(lr=1.0).setup(layer)
    opt.add_hook(optimizers.WeightDecay(0.5))
    opt.add_hook(lambda params: seen.append([p.name for p in params]))
    opt.add_hook(optimizers.FreezeParam(layer.b))
    layer.a.grad = Variable(np.array([1.0, 1.0]))
    layer.b.grad = Variable(np.array([1.0]))
    opt.update()
    assert seen == [["a", "b"]]  # c has no gradient
    np.testing.assert_allclose(layer.a.grad.data, [1.5, 2.0])
    np.testing.assert_allclose(layer.a.data, [-0.5, 0.0])
    np.testing.assert_allclose(layer.b.data, [3.0])
    np.testing.assert_allclose(layer.c.data, [4.0])
    assert opt.hooks[0].rate == 0.5


def test_clip_grad_and_freeze_layer():
    model = MLP((3, 2))
    model(np.ones((1, 2), dtype=np.float32))
    opt = optimizers.SGD(lr=0.0).setup(model)
    opt.add_hook(optimizers.ClipGrad(1.0))
    opt.add_hook(optimizers.FreezeParam(model.l0))
    for p in model.params():
        p.grad = Variable(np.full(p.shape, 3.0, dtype=np.float32))
    norm = math.sqrt(sum(9.0 * p.size for p in model.params()))
    opt.update()
    assert model.l0.W.grad is None and model.l0.b.grad is None
    np.testing.assert_allclose(model.l1.W.grad.data, 3.0 / (norm + 1e-6), rtol=1e-6)
    # Called by hand, as DeZero's hooks can be.
    clip = optimizers.ClipGrad(0.5)
    model.l1.b.grad = Variable(np.array([3.0, 4.0], dtype=np.float32))
    clip([model.l1.b])
    np.testing.assert_allclose(model.l1.b.grad.data, [0.3, 0.4], rtol=1e-5)


def test_hook_exception_propagates():
    def bad(params):
        raise RuntimeError("hook failed")

    opt = optimizers.SGD().setup(MLP((2,)))
    opt.add_hook(bad)
    for p in opt.target.params():
        p.grad = Variable(np.zeros(p.shape or (1,)))
    opt.target(np.ones((1, 1), dtype=np.float32))
    for p in opt.target.params():
        p.grad = Variable(np.zeros(p.shape, dtype=np.float32))
    with pytest.raises(RuntimeError, match="hook failed"):
        opt.update()


def test_gi_level_update_one_exception_propagates():
    class Failing(Dz.Optimizer):
        def do_update_one(self, param, index):
            raise ArithmeticError("no update")

    p = Variable(np.array([1.0]))
    opt = Failing()
    opt.set_parameters([p])
    p.grad = Variable(np.array([1.0]))
    with pytest.raises(ArithmeticError, match="no update"):
        opt.update()
    np.testing.assert_array_equal(p.data, [1.0])


# Weights

def trained(seed=0):
    np.random.seed(seed)
    model = MLP((5, 3))
    model(np.ones((2, 4), dtype=np.float32))
    return model


def test_save_load_round_trip(tmp_path):
    path = tmp_path / "w.safetensors"
    model = trained(0)
    model.save_weights(str(path))
    with open(path, "rb") as f:
        header_size = int.from_bytes(f.read(8), "little")
        assert b'"l0.W"' in f.read(header_size)
    other = trained(1)
    other.load_weights(path)
    for a, b in zip(model.params(), other.params()):
        np.testing.assert_array_equal(a.data, b.data)
    # A fresh (lazy) model takes them too.
    fresh = MLP((5, 3))
    fresh.load_weights(path)
    x = np.random.rand(3, 4).astype(np.float32)
    np.testing.assert_array_equal(fresh(x).data, model(x).data)


def corrupt(path, tmp_path, kind):
    data = path.read_bytes()
    bad = tmp_path / f"{kind}.safetensors"
    if kind == "truncated":
        bad.write_bytes(data[:len(data) - 7])
    elif kind == "garbage":
        bad.write_bytes(b"\xff" * 64)
    elif kind == "huge-header":
        bad.write_bytes((2 ** 62).to_bytes(8, "little") + data[8:])
    elif kind in ("wrong-shape", "missing", "extra"):
        np.random.seed(0)
        model = {"wrong-shape": MLP((6, 3)), "missing": MLP((5,)), "extra": MLP((5, 3, 2))}[kind]
        model(np.ones((1, 4), dtype=np.float32))
        model.save_weights(str(bad))
    else:
        bad.write_bytes(b"")
    return bad


@pytest.mark.parametrize("kind", ["truncated", "garbage", "huge-header", "empty",
                                  "wrong-shape", "missing", "extra"])
def test_bad_weight_files_raise_and_change_nothing(tmp_path, kind):
    path = tmp_path / "w.safetensors"
    trained(0).save_weights(str(path))
    bad = corrupt(path, tmp_path, kind)
    model = trained(1)
    before = [np.array(p.data) for p in model.params()]
    with pytest.raises(Exception) as info:
        model.load_weights(str(bad))
    assert isinstance(info.value, (ValueError, OSError, KeyError, MemoryError, Dz.DzError))
    for p, b in zip(model.params(), before):
        np.testing.assert_array_equal(p.data, b)


def test_missing_weight_file(tmp_path):
    with pytest.raises(Exception):
        trained().load_weights(str(tmp_path / "nope.safetensors"))


# Train and test mode

def test_config_train_is_the_c_switch():
    assert dezero.Config.train is True and Dz.get_train() is True
    with dezero.test_mode():
        assert dezero.Config.train is False and Dz.get_train() is False
    with dezero.using_config("train", False):
        assert Dz.get_train() is False
    assert Dz.get_train() is True


def test_dropout_draws_from_numpy():
    x = np.ones((4, 5))
    np.random.seed(7)
    y = F.dropout(x, 0.3)
    np.random.seed(7)
    mask = np.random.rand(4, 5) > 0.3
    np.testing.assert_array_equal(y.data, x * mask / 0.7)
    with dezero.test_mode():
        np.testing.assert_array_equal(F.dropout(x).data, x)


# Datasets, transforms and loaders

class Squares(dezero.Dataset):
    def prepare(self):
        self.data = np.arange(10, dtype=np.float64).reshape(10, 1) * np.ones((1, 2))
        self.label = np.arange(10)


class Computed(dezero.Dataset):
    """Overrides __getitem__: read sample by sample, as DeZero."""

    def __getitem__(self, i):
        return np.array([i, i * i], dtype=np.float64), i

    def __len__(self):
        return 7


@pytest.mark.parametrize("dataset", [Squares, Computed, lambda: Squares(transform=lambda x: x)])
@pytest.mark.parametrize("shuffle", [False, True])
@pytest.mark.parametrize("drop_last", [False, True])
def test_loader_covers_every_sample_once(dataset, shuffle, drop_last):
    dataset = dataset()
    n = len(dataset)
    loader = DataLoader(dataset, 3, shuffle=shuffle, drop_last=drop_last)
    assert loader.max_iter == (n // 3 if drop_last else -(-n // 3)) == len(loader)
    for _ in range(2):
        labels = []
        for x, t in loader:
            assert isinstance(x, np.ndarray) and x.shape == (len(t), 2)
            np.testing.assert_array_equal(x[:, 0], t)
            labels.extend(t.tolist())
        if drop_last:
            assert len(labels) == n - n % 3 and len(set(labels)) == len(labels)
        else:
            assert sorted(labels) == list(range(n))
        if not shuffle:
            assert labels == list(range(len(labels)))


def test_loader_next_and_reset():
    loader = DataLoader(Squares(), 4, shuffle=False)
    x, t = loader.next()
    assert t.tolist() == [0, 1, 2, 3] and loader.iteration == 1
    loader.reset()
    assert loader.next()[1].tolist() == [0, 1, 2, 3]


def test_batches_feed_models_without_copies():
    x, t = next(iter(DataLoader(Squares(), 4, shuffle=False)))
    array = Dz.as_array(x)
    assert Dz.as_array(x) is array  # the C batch itself
    assert type(x[1:]) is np.ndarray and type(x + 1) is np.ndarray
    v = Variable(t)
    assert v.get_data() is Dz.as_array(t)


def test_spiral_is_deZeros():
    x, t = dezero.datasets.get_spiral(train=True)
    assert x.shape == (300, 2) and x.dtype == np.float32 and t.dtype.kind == "i"
    assert np.bincount(t).tolist() == [100, 100, 100]
    # DeZero's loop, written out.
    np.random.seed(1984)
    ref = np.zeros((300, 2), dtype=np.float32)
    for j in range(3):
        for i in range(100):
            rate = i / 100
            theta = j * 4.0 + 4.0 * rate + np.random.randn() * 0.2
            ref[100 * j + i] = [rate * np.sin(theta), rate * np.cos(theta)]
    idx = np.random.permutation(300)
    np.testing.assert_array_equal(x, ref[idx])
    spiral = dezero.datasets.Spiral(train=False)
    assert len(spiral) == 300 and spiral[0][0].shape == (2,)


def test_transforms_batch_equals_per_sample():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(5, 3, 4, 4)).astype(np.float64)
    for transform in (
        transforms.Compose([transforms.Flatten(), transforms.ToFloat(),
                            transforms.Normalize(0., 255.)]),
        transforms.Normalize(mean=[1.0, 2.0, 3.0], std=[2.0, 4.0, 8.0]),
        transforms.AsType(np.float32),
        transforms.ToInt(),
    ):
        per_sample = np.array([transform(image) for image in images])
        np.testing.assert_array_equal(transform.batch(images), per_sample)
    assert transforms.Compose([transforms.Flatten()]).batchable


def test_gi_dataset_len_index_and_iteration():
    data = Dz.as_array(np.arange(12.0).reshape(6, 2))
    label = Dz.as_array(np.arange(6))
    dataset = Dz.Dataset.new(data, label)
    assert len(dataset) == 6
    x, t = dataset[-1]
    assert np.asarray(x).tolist() == [10.0, 11.0] and np.asarray(t).item() == 5
    with pytest.raises(IndexError):
        dataset[6]
    loader = Dz.DataLoader.new(dataset, 4, False, 0)
    assert len(loader) == 2
    assert [np.asarray(t).tolist() for _, t in loader] == [[0, 1, 2, 3], [4, 5]]


def test_gi_dataset_exception_propagates():
    class Bad(Dz.Dataset):
        def do_get_length(self):
            return 3

        def do_get_item(self, index):
            raise LookupError(f"no sample {index}")

    with pytest.raises(LookupError, match="no sample 1"):
        Bad()[1]
    with pytest.raises(LookupError, match="no sample 0"):
        next(iter(Dz.DataLoader.new(Bad(), 2, False, 0)))


# A training loop leaves nothing alive (the conftest checks).

def test_training_loop_leaves_nothing_alive():
    np.random.seed(0)
    train_set = dezero.datasets.Spiral()
    loader = DataLoader(train_set, 30)
    model = MLP((10, 3))
    opt = optimizers.Adam(0.05).setup(model)
    opt.add_hook(optimizers.WeightDecay(1e-4))
    for epoch in range(20):
        total = 0.0
        for x, t in loader:
            loss = F.softmax_cross_entropy(model(x), t)
            model.cleargrads()
            loss.backward()
            opt.update()
            total += float(loss.data) * len(t)
    assert total / len(train_set) < 0.8


@pytest.mark.skipif(not os.path.isdir("/usr/share/datasets/fashion-mnist"),
                    reason="Debian's dataset-fashion-mnist package is not installed")
def test_fashion_mnist_default_and_custom_transform():
    test_set = dezero.datasets.FashionMNIST(train=False)
    assert len(test_set) == 10000
    x, t = test_set[3]
    assert x.shape == (784,) and x.dtype == np.float32 and 0 <= t < 10
    assert test_set.data.shape == (10000, 1, 28, 28) and test_set.data.dtype == np.uint8
    np.testing.assert_allclose(x, test_set.data[3].reshape(-1) / 255.0, rtol=1e-6)
    raw = dezero.datasets.FashionMNIST(train=False, transform=lambda img: img.sum())
    assert raw[3][0] == int(test_set.data[3].astype(np.int64).sum())
    bx, bt = next(iter(DataLoader(test_set, 100, shuffle=False)))
    np.testing.assert_array_equal(bx[3], x)
    assert bt[3] == t


def test_mnist_directory_missing(tmp_path):
    with pytest.raises(Dz.NotAvailableError):
        dezero.datasets.MNIST(directory=str(tmp_path))


class Images(dezero.Dataset):
    def prepare(self):
        rng = np.random.default_rng(1)
        self.data = rng.integers(0, 256, size=(9, 2, 2, 2)).astype(np.float64)
        self.label = np.arange(9)


@pytest.mark.parametrize("transform, in_c", [
    (transforms.Compose([transforms.Flatten(), transforms.ToFloat(),
                         transforms.Normalize(1., 2.)]), True),
    (transforms.Compose([transforms.Flatten(), transforms.AsType(np.float64)]), True),
    (transforms.Normalize(mean=[1.0, 2.0], std=[3.0, 4.0]), False),
    (lambda x: x * 2, False),
])
def test_transformed_batches_equal_deZeros_samples(transform, in_c):
    dataset = Images(transform=transform, target_transform=transforms.ToInt())
    loader = DataLoader(dataset, 4, shuffle=False)
    assert (loader._loader is not None) == in_c
    expected = [dataset[i] for i in range(len(dataset))]
    got_x = np.concatenate([x for x, _ in loader])
    want_x = np.array([x for x, _ in expected])
    assert got_x.dtype == want_x.dtype
    np.testing.assert_allclose(got_x, want_x, rtol=1e-6)


def test_model_plot(tmp_path):
    model = MLP((3, 2))
    path = tmp_path / "model.png"
    x = Variable(np.ones((1, 2), dtype=np.float32), name="x")
    model.plot(x, to_file=str(path))
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


class Bytes(dezero.Dataset):
    def prepare(self):
        rng = np.random.default_rng(2)
        self.data = rng.integers(0, 256, size=(11, 1, 3, 3)).astype(np.uint8)
        self.label = rng.integers(0, 10, size=11).astype(np.uint8)


@pytest.mark.parametrize("shuffle", [False, True])
def test_numpy_batches_equal_deZeros_samples(shuffle):
    # uint8 stays out of C; DeZero's MNIST transform runs a batch at a time.
    transform = transforms.Compose([transforms.Flatten(), transforms.ToFloat(),
                                    transforms.Normalize(0., 255.)])
    dataset = Bytes(transform=transform)
    np.random.seed(4)
    loader = DataLoader(dataset, 4, shuffle=shuffle)
    assert loader._loader is None
    for x, t in loader:
        order = loader.index[(loader.iteration - 1) * 4:loader.iteration * 4]
        want = np.array([dataset[i][0] for i in order])
        assert x.dtype == want.dtype == np.float32 and t.dtype == np.uint8
        np.testing.assert_array_equal(x, want)
        np.testing.assert_array_equal(t, [dataset[i][1] for i in order])


def test_update_without_setup_says_so():
    with pytest.raises(RuntimeError, match="setup"):
        optimizers.SGD().update()


def test_array_input_gets_no_gradient():
    layer = L.Linear(3, in_size=2)
    y = layer(np.ones((4, 2), dtype=np.float32))
    F.sum(y).backward()
    assert y.creator.inputs[0].grad is None and layer.W.grad is not None
    x = Variable(np.ones((4, 2), dtype=np.float32))
    F.sum(layer(x)).backward()
    np.testing.assert_allclose(x.grad.data, np.tile(layer.W.data.sum(axis=1), (4, 1)), rtol=1e-6)


def test_cycles_are_refused():
    outer = Sequential(L.Linear(2))
    with pytest.raises(ValueError, match="cycle"):
        outer.me = outer
    with pytest.raises(ValueError, match="cycle"):
        outer.l0.up = outer
    assert outer.param_names() == ["l0.W", "l0.b"]


def test_weights_load_into_the_c_mlp(tmp_path):
    # One file format for C, Python and GJS: the names are the same.
    path = str(tmp_path / "mlp.safetensors")
    model = trained(0)
    model.save_weights(path)
    c_model = Dz.MLP.new([5, 3], Dz.MlpActivation.SIGMOID, Dz.Dtype.FLOAT32, None)
    c_model.call1(np.ones((1, 4), dtype=np.float32))
    c_model.load_weights(path)
    x = np.random.rand(6, 4).astype(np.float32)
    np.testing.assert_allclose(c_model.call1(x).data, model(x).data, rtol=1e-6)
