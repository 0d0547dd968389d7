# SPDX-License-Identifier: MIT
"""DeZero's steps 44 to 54 as the book writes them, run with
``import dezero_glib as dezero``. Each program is written once, taking the
package as a parameter, so that the only difference from the book is the
import line. When the real DeZero is at hand (its repository mirrored
under /work/.mirror, extracted with git), the same programs run with it
too and the printed numbers are compared; NumPy's seeds make the weights
and batches the same."""

import importlib
import math
import os
import subprocess
import sys
import warnings

import numpy as np
import pytest

import dezero_glib

MIRROR = "/work/.mirror/oreilly-japan+deep-learning-from-scratch-3/repo"
FASHION = "/usr/share/datasets/fashion-mnist"


@pytest.fixture(scope="module")
def deZero(tmp_path_factory):
    """The real DeZero package (``dezero``), or a skip saying why not."""
    if not os.path.isdir(MIRROR):
        pytest.skip("the real DeZero is not mirrored here; compared with hand-computed values only")
    target = tmp_path_factory.mktemp("deZero")
    archive = subprocess.run(["git", "-C", MIRROR, "archive", "HEAD", "dezero"],
                             check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    sys.path.insert(0, str(target))
    try:
        with warnings.catch_warnings():
            # DeZero's datasets.py compares a string with `is`.
            warnings.simplefilter("ignore", SyntaxWarning)
            return importlib.import_module("dezero")
    finally:
        sys.path.remove(str(target))


def modules(pkg):
    name = pkg.__name__
    return (importlib.import_module(name + ".functions"), importlib.import_module(name + ".layers"),
            importlib.import_module(name + ".optimizers"), importlib.import_module(name + ".models"))


def sin_data():
    np.random.seed(0)
    x = np.random.rand(100, 1)
    y = np.sin(2 * np.pi * x) + np.random.rand(100, 1)
    return x, y


# Step 44: Linear layers, parameters updated by hand.
def step44(dezero, iters=1000):
    F, L, _, _ = modules(dezero)
    x, y = sin_data()
    l1 = L.Linear(10)
    l2 = L.Linear(1)

    def predict(x):
        return l2(F.sigmoid(l1(x)))

    losses = []
    for i in range(iters):
        loss = F.mean_squared_error(y, predict(x))
        l1.cleargrads()
        l2.cleargrads()
        loss.backward()
        for layer in [l1, l2]:
            for p in layer.params():
                p.data -= 0.2 * p.grad.data
        if i % 100 == 0:
            losses.append(float(loss.data))
    return losses


# Step 45: a Model subclass.
def step45(dezero, iters=1000):
    F, L, _, _ = modules(dezero)

    class TwoLayerNet(dezero.Model):
        def __init__(self, hidden_size, out_size):
            super().__init__()
            self.l1 = L.Linear(hidden_size)
            self.l2 = L.Linear(out_size)

        def forward(self, x):
            return self.l2(F.sigmoid(self.l1(x)))

    x, y = sin_data()
    model = TwoLayerNet(10, 1)
    losses = []
    for i in range(iters):
        loss = F.mean_squared_error(y, model(x))
        model.cleargrads()
        loss.backward()
        for p in model.params():
            p.data -= 0.2 * p.grad.data
        if i % 100 == 0:
            losses.append(float(loss.data))
    return losses


# Step 46: MLP and an optimizer.
def step46(dezero, iters=1000, optimizer="SGD", **hp):
    F, _, optimizers, models = modules(dezero)
    x, y = sin_data()
    model = models.MLP((10, 1))
    opt = getattr(optimizers, optimizer)(**hp).setup(model)
    losses = []
    for i in range(iters):
        loss = F.mean_squared_error(y, model(x))
        model.cleargrads()
        loss.backward()
        opt.update()
        if i % 100 == 0:
            losses.append(float(loss.data))
    return losses


# Step 47: softmax and cross entropy.
def step47(dezero):
    F, _, _, models = modules(dezero)
    np.random.seed(0)
    model = models.MLP((10, 3))

    def softmax1d(x):
        x = dezero.as_variable(x)
        y = F.exp(x)
        return y / F.sum(y)

    y1 = model(dezero.Variable(np.array([[0.2, -0.4]])))
    p1 = softmax1d(y1)
    x = np.array([[0.2, -0.4], [0.3, 0.5], [1.3, -3.2], [2.1, 0.3]])
    t = np.array([2, 0, 1, 0])
    y = model(x)
    p = F.softmax_simple(y)
    loss = F.softmax_cross_entropy_simple(y, t)
    loss.backward()
    return [np.array(v.data) for v in (y1, p1, y, p, loss)] + [np.array(model.l0.W.grad.data)]


# Step 48: the spiral, batches cut by hand.
def step48(dezero, max_epoch=30):
    F, _, optimizers, models = modules(dezero)
    x, t = dezero.datasets.get_spiral(train=True)
    model = models.MLP((10, 3))
    optimizer = optimizers.SGD(1.0).setup(model)
    data_size = len(x)
    max_iter = math.ceil(data_size / 30)
    losses = []
    for epoch in range(max_epoch):
        index = np.random.permutation(data_size)
        sum_loss = 0
        for i in range(max_iter):
            batch_index = index[i * 30:(i + 1) * 30]
            y = model(x[batch_index])
            loss = F.softmax_cross_entropy(y, t[batch_index])
            model.cleargrads()
            loss.backward()
            optimizer.update()
            sum_loss += float(loss.data) * len(batch_index)
        losses.append(sum_loss / data_size)
    with dezero.no_grad():
        score = model(x)
    accuracy = float((np.argmax(score.data, axis=1) == t).mean())
    return losses, accuracy


# Step 49: a Dataset, samples read one by one.
def step49(dezero, max_epoch=30):
    F, _, optimizers, models = modules(dezero)
    train_set = dezero.datasets.Spiral(train=True)
    model = models.MLP((10, 3))
    optimizer = optimizers.SGD(1.0).setup(model)
    data_size = len(train_set)
    max_iter = math.ceil(data_size / 30)
    losses = []
    for epoch in range(max_epoch):
        index = np.random.permutation(data_size)
        sum_loss = 0
        for i in range(max_iter):
            batch = [train_set[j] for j in index[i * 30:(i + 1) * 30]]
            batch_x = np.array([example[0] for example in batch])
            batch_t = np.array([example[1] for example in batch])
            loss = F.softmax_cross_entropy(model(batch_x), batch_t)
            model.cleargrads()
            loss.backward()
            optimizer.update()
            sum_loss += float(loss.data) * len(batch_t)
        losses.append(sum_loss / data_size)
    return losses


# Step 50: DataLoader, accuracy, no_grad for testing.
def step50(dezero, max_epoch=300, shuffle=True):
    F, _, optimizers, models = modules(dezero)
    train_set = dezero.datasets.Spiral(train=True)
    test_set = dezero.datasets.Spiral(train=False)
    train_loader = dezero.DataLoader(train_set, 30, shuffle=shuffle)
    test_loader = dezero.DataLoader(test_set, 30, shuffle=False)
    model = models.MLP((10, 3))
    optimizer = optimizers.SGD(1.0).setup(model)
    history = []
    for epoch in range(max_epoch):
        sum_loss, sum_acc = 0, 0
        for x, t in train_loader:
            y = model(x)
            loss = F.softmax_cross_entropy(y, t)
            acc = F.accuracy(y, t)
            model.cleargrads()
            loss.backward()
            optimizer.update()
            sum_loss += float(loss.data) * len(t)
            sum_acc += float(acc.data) * len(t)
        train = (sum_loss / len(train_set), sum_acc / len(train_set))
        sum_loss, sum_acc = 0, 0
        with dezero.no_grad():
            for x, t in test_loader:
                y = model(x)
                sum_loss += float(F.softmax_cross_entropy(y, t).data) * len(t)
                sum_acc += float(F.accuracy(y, t).data) * len(t)
        history.append(train + (sum_loss / len(test_set), sum_acc / len(test_set)))
    return history


# Steps 51 to 53 on Fashion-MNIST (the book's MNIST is not installed here);
# the test split only, to keep the test short.
def step51(dezero, dataset, max_epoch=1, optimizer="SGD", lr=1.0, hidden=(1000,),
           activation=None, weights=None):
    F, _, optimizers, models = modules(dezero)
    train_set = dataset(train=False)
    train_loader = dezero.DataLoader(train_set, 100)
    test_loader = dezero.DataLoader(train_set, 100, shuffle=False)
    model = models.MLP(hidden + (10,), **({} if activation is None else
                                           {"activation": activation}))
    opt = getattr(optimizers, optimizer)(lr).setup(model)
    if weights is not None and os.path.exists(weights):
        model.load_weights(weights)
    losses = []
    for epoch in range(max_epoch):
        sum_loss = 0
        for x, t in train_loader:
            loss = F.softmax_cross_entropy(model(x), t)
            model.cleargrads()
            loss.backward()
            opt.update()
            sum_loss += float(loss.data) * len(t)
        losses.append(sum_loss / len(train_set))
    sum_acc = 0
    with dezero.no_grad():
        for x, t in test_loader:
            sum_acc += float(F.accuracy(model(x), t).data) * len(t)
    if weights is not None:
        model.save_weights(weights)
    return losses, sum_acc / len(train_set)


# Step 54: dropout and test mode.
def step54(dezero):
    F, _, _, _ = modules(dezero)
    np.random.seed(5)
    x = np.ones(5)
    y = F.dropout(x)
    with dezero.test_mode():
        z = F.dropout(x)
    return np.array(y.data), np.array(z.data)


# With dezero_glib alone

def test_step44_45_46_learn_the_sine():
    for program in (step44, step45, step46):
        losses = program(dezero_glib)
        assert losses[-1] < 0.5 * losses[0]
    assert step44(dezero_glib) == step45(dezero_glib)  # the same network and seeds


@pytest.mark.parametrize("optimizer, hp", [("SGD", {"lr": 0.2}), ("MomentumSGD", {"lr": 0.1}),
                                           ("AdaGrad", {"lr": 0.1}), ("AdaDelta", {}),
                                           ("Adam", {"alpha": 0.01})])
def test_step46_every_optimizer_learns(optimizer, hp):
    losses = step46(dezero_glib, iters=500, optimizer=optimizer, **hp)
    assert losses[-1] < losses[0]


def test_step47_values():
    y1, p1, y, p, loss, _ = step47(dezero_glib)
    assert p1.sum() == pytest.approx(1.0)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-6)
    t = np.array([2, 0, 1, 0])
    assert float(loss) == pytest.approx(-np.mean(np.log(p[np.arange(4), t])), rel=1e-5)


def test_step48_49_spiral():
    losses, accuracy = step48(dezero_glib, max_epoch=300)
    assert losses[-1] < 0.15 and accuracy > 0.95
    losses49 = step49(dezero_glib, max_epoch=30)
    assert losses49[-1] < losses49[0]


def test_step50_spiral_with_loaders():
    history = step50(dezero_glib)
    train_loss, train_acc, test_loss, test_acc = history[-1]
    assert train_loss < 0.15 and train_acc > 0.9
    assert test_acc > 0.9


@pytest.mark.skipif(not os.path.isdir(FASHION),
                    reason="Debian's dataset-fashion-mnist package is not installed "
                           f"({FASHION} is missing)")
def test_step51_53_fashion_mnist(tmp_path):
    weights = str(tmp_path / "my_mlp.safetensors")
    losses, accuracy = step51(dezero_glib, dezero_glib.datasets.FashionMNIST, max_epoch=2,
                              weights=weights)
    assert losses[1] < 1.0 and accuracy > 0.7
    # Step 53: a second run starts from the saved weights.
    losses2, accuracy2 = step51(dezero_glib, dezero_glib.datasets.FashionMNIST, weights=weights)
    assert losses2[0] < losses[0]
    relu = step51(dezero_glib, dezero_glib.datasets.FashionMNIST, optimizer="Adam", lr=0.001,
                  hidden=(100, 100), activation=dezero_glib.functions.relu)
    assert relu[1] > 0.7


def test_step54_dropout():
    y, z = step54(dezero_glib)
    np.random.seed(5)
    np.testing.assert_array_equal(y, (np.random.rand(5) > 0.5) / 0.5)
    np.testing.assert_array_equal(z, np.ones(5))


# Against the real DeZero: the same programs, the same numbers.

def test_steps_44_to_46_equal_deZero(deZero):
    for program in (step44, step45, step46):
        np.testing.assert_allclose(program(dezero_glib), program(deZero), rtol=1e-6)
    np.testing.assert_allclose(step46(dezero_glib, iters=300, optimizer="Adam", alpha=0.01),
                               step46(deZero, iters=300, optimizer="Adam", alpha=0.01),
                               rtol=1e-5)


def test_step47_equals_deZero(deZero):
    for ours, theirs in zip(step47(dezero_glib), step47(deZero)):
        np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-7)


def test_steps_48_49_equal_deZero(deZero):
    ours, ours_acc = step48(dezero_glib)
    theirs, theirs_acc = step48(deZero)
    np.testing.assert_allclose(ours, theirs, rtol=1e-4)
    assert ours_acc == theirs_acc
    np.testing.assert_allclose(step49(dezero_glib), step49(deZero), rtol=1e-4)


def test_step50_equals_deZero_without_shuffling(deZero):
    # The C loader shuffles with its own generator; in order, the runs match.
    ours = step50(dezero_glib, max_epoch=20, shuffle=False)
    theirs = step50(deZero, max_epoch=20, shuffle=False)
    np.testing.assert_allclose(ours, theirs, rtol=1e-4)


def test_step54_equals_deZero(deZero):
    for ours, theirs in zip(step54(dezero_glib), step54(deZero)):
        np.testing.assert_array_equal(ours, theirs)


# The examples, run as a user runs them.

EXAMPLES = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "python")


def run_example(name, *args):
    result = subprocess.run([sys.executable, os.path.join(EXAMPLES, name), *args],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_spiral_example(tmp_path):
    png = tmp_path / "spiral.png"
    out = run_example("step48_spiral.py", str(png))
    final = [line for line in out.splitlines() if line.startswith("final loss")][0]
    loss, accuracy = float(final.split()[2].rstrip(",")), float(final.split()[4])
    assert loss < 0.15 and accuracy > 0.9
    assert png.read_bytes()[:4] == b"\x89PNG"


@pytest.mark.skipif(not os.path.isdir(FASHION),
                    reason="Debian's dataset-fashion-mnist package is not installed "
                           f"({FASHION} is missing)")
def test_fashion_mnist_example(tmp_path):
    png, weights = tmp_path / "curves.png", tmp_path / "w.safetensors"
    out = run_example("fashion_mnist_mlp.py", "--epochs", "1", "--hidden", "100",
                      "--png", str(png), "--weights", str(weights))
    assert "epoch 1/1" in out and "samples/s" in out and "ETA" in out
    accuracy = float(out.split("test accuracy ")[1].split()[0])
    assert accuracy > 0.75
    assert "(the same)" in out
    assert png.read_bytes()[:4] == b"\x89PNG" and weights.stat().st_size > 8
