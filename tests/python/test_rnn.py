# SPDX-License-Identifier: MIT
"""Batch normalization, embeddings, RNN/LSTM layers, SinCurve, SeqDataLoader
and truncated BPTT from Python (dezero_glib and the gi level)."""

import gc

import numpy as np
import pytest
from gi.repository import Dz

import dezero_glib as dezero
import dezero_glib.functions as F
import dezero_glib.layers as L
from dezero_glib import Model, SeqDataLoader, Variable, optimizers


def numerical_grad(f, x, eps=1e-5):
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        a = f(x)
        x[i] = old - eps
        b = f(x)
        x[i] = old
        g[i] = (a - b) / (2 * eps)
    return g


def bn_reference(x, gamma, beta, mean, var, train, decay=0.9, eps=2e-5):
    """DeZero's BatchNorm.forward in NumPy, returning y and the new averages."""
    shape = x.shape
    if x.ndim == 4:
        C = x.shape[1]
        x = x.transpose(0, 2, 3, 1).reshape(-1, C)
    if train:
        mu, v = x.mean(axis=0), x.var(axis=0)
        m = x.size // gamma.size
        s = m - 1. if m - 1. > 1. else 1.
        mean = mean * decay + (1 - decay) * mu
        var = var * decay + (1 - decay) * (m / s) * v
    else:
        mu, v = mean, var
    y = gamma * (x - mu) / np.sqrt(v + eps) + beta
    if len(shape) == 4:
        N, C, H, W = shape
        y = y.reshape(N, H, W, C).transpose(0, 3, 1, 2)
    return y, mean, var


@pytest.mark.parametrize("shape", [(5, 3), (1, 4), (2, 3, 2, 3)])
@pytest.mark.parametrize("train", [True, False])
def test_batch_nrom_matches_dezero(shape, train):
    rng = np.random.default_rng(3)
    x = rng.standard_normal(shape)
    C = shape[1]
    gamma, beta = rng.standard_normal(C), rng.standard_normal(C)
    mean, var = rng.standard_normal(C), rng.uniform(0.5, 2, C)
    ref_y, ref_mean, ref_var = bn_reference(x, gamma, beta, mean, var, train)
    avg_mean, avg_var = mean.copy(), var.copy()
    with dezero.using_config("train", train):
        y = F.batch_nrom(x, Variable(gamma), Variable(beta), avg_mean, avg_var)
    np.testing.assert_allclose(y.data, ref_y, rtol=1e-10, atol=1e-12)
    # The averages are written in place in training, untouched in test mode.
    np.testing.assert_allclose(avg_mean, ref_mean, rtol=1e-12)
    np.testing.assert_allclose(avg_var, ref_var, rtol=1e-12)
    assert F.batch_norm is F.batch_nrom


@pytest.mark.parametrize("train", [True, False])
def test_batch_norm_gradients(train):
    rng = np.random.default_rng(5)
    x0 = rng.standard_normal((4, 3, 2, 2))
    gamma0, beta0 = rng.standard_normal(3), rng.standard_normal(3)
    mean, var = rng.standard_normal(3), rng.uniform(0.5, 2, 3)
    w = rng.standard_normal(x0.shape)

    def loss(x, gamma, beta):
        with dezero.using_config("train", train):
            y = F.batch_nrom(x, gamma, beta, mean.copy(), var.copy())
        return F.sum(y * w)

    xv, gv, bv = Variable(x0.copy()), Variable(gamma0.copy()), Variable(beta0.copy())
    loss(xv, gv, bv).backward()
    for var_, arr in ((xv, x0), (gv, gamma0), (bv, beta0)):
        args = {"x": x0, "gamma": gamma0, "beta": beta0}
        name = {id(x0): "x", id(gamma0): "gamma", id(beta0): "beta"}[id(arr)]

        def f(a, name=name):
            kw = dict(args, **{name: a})
            return float(loss(Variable(kw["x"]), Variable(kw["gamma"]),
                              Variable(kw["beta"])).data)
        np.testing.assert_allclose(var_.grad.data, numerical_grad(f, arr.copy()),
                                   rtol=1e-5, atol=1e-6)


def test_batch_norm_against_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(7)
    x = rng.standard_normal((6, 4, 3, 2))
    gamma, beta = rng.standard_normal(4), rng.standard_normal(4)
    mean, var = np.zeros(4), np.ones(4)
    layer_mean, layer_var = mean.copy(), var.copy()
    y = F.batch_norm(x, Variable(gamma), Variable(beta), layer_mean, layer_var, 0.9, 1e-5)
    t_mean, t_var = torch.zeros(4, dtype=torch.float64), torch.ones(4, dtype=torch.float64)
    ty = torch.nn.functional.batch_norm(torch.tensor(x), t_mean, t_var, torch.tensor(gamma),
                                        torch.tensor(beta), training=True, momentum=0.1,
                                        eps=1e-5)
    np.testing.assert_allclose(y.data, ty.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(layer_mean, t_mean.numpy(), rtol=1e-12)
    np.testing.assert_allclose(layer_var, t_var.numpy(), rtol=1e-12)
    with dezero.test_mode():
        y = F.batch_norm(x, Variable(gamma), Variable(beta), layer_mean, layer_var, 0.9, 1e-5)
    ty = torch.nn.functional.batch_norm(torch.tensor(x), t_mean, t_var, torch.tensor(gamma),
                                        torch.tensor(beta), training=False, eps=1e-5)
    np.testing.assert_allclose(y.data, ty.numpy(), rtol=1e-10, atol=1e-12)


def test_batch_norm_errors():
    x = np.zeros((4, 3))
    with pytest.raises(ValueError, match="one value per channel"):
        F.batch_nrom(x, Variable(np.ones(2)), Variable(np.zeros(3)), np.zeros(3), np.ones(3))
    with pytest.raises(ValueError):
        F.batch_nrom(np.zeros((2, 3, 4)), Variable(np.ones(3)), Variable(np.zeros(3)),
                     np.zeros(3), np.ones(3))


def test_embed_id():
    W = Variable(np.arange(12.0).reshape(4, 3))
    ids = np.array([[3, 0], [3, 3]])
    y = F.embed_id(ids, W)
    np.testing.assert_array_equal(y.data, W.data[ids])
    F.sum(y).backward()
    np.testing.assert_array_equal(W.grad.data[:, 0], [1, 0, 0, 3])
    with pytest.raises(IndexError, match="out of range"):
        F.embed_id(np.array([4]), W)
    with pytest.raises(IndexError):
        F.embed_id(np.array([-1]), W)
    with pytest.raises(TypeError):
        F.embed_id(np.array([0.5]), W)
    layer = L.EmbedID(10, 5)
    assert layer(np.array([1, 2, 9])).shape == (3, 5)
    assert layer.param_names() == ["W"]


def test_layers_shapes_and_counts():
    x = np.random.randn(2, 3)
    rnn = L.RNN(4)
    assert rnn(x).shape == (2, 4)
    h1 = rnn.h.data.copy()
    rnn(x)
    assert not np.allclose(rnn.h.data, h1)
    rnn.reset_state()
    assert rnn.h is None
    assert rnn.param_names() == ["x2h.W", "x2h.b", "h2h.W"]
    assert sum(p.data.size for p in rnn.params()) == 3 * 4 + 4 + 4 * 4

    lstm = L.LSTM(5, in_size=3)
    assert lstm(x).shape == (2, 5) and lstm.c.shape == (2, 5)
    assert sum(p.data.size for p in lstm.params()) == 4 * (3 * 5 + 5) + 4 * 5 * 5
    assert lstm.param_names()[:2] == ["x2f.W", "x2f.b"]

    bn = L.BatchNorm()
    y = bn(np.random.randn(8, 3) * 2 + 5)
    np.testing.assert_allclose(y.data.mean(axis=0), 0, atol=1e-10)
    assert bn.param_names() == ["gamma", "beta"]
    assert bn.avg_mean.shape == (3,) and np.all(bn.avg_mean > 0.3)


def test_batch_norm_layer_train_and_test():
    rng = np.random.default_rng(1)
    data = rng.standard_normal((32, 2)) * 3 + 7
    bn = L.BatchNorm()
    for _ in range(200):
        bn(data)
    before = bn.avg_mean.copy()
    with dezero.test_mode():
        y = bn(data)
    np.testing.assert_array_equal(bn.avg_mean, before)
    # The averages converged to the data's statistics: test mode normalizes too.
    np.testing.assert_allclose(y.data.mean(axis=0), 0, atol=1e-6)
    np.testing.assert_allclose(y.data.std(axis=0), np.sqrt(31 / 32), rtol=1e-3)


def test_lstm_cell_against_torch():
    torch = pytest.importorskip("torch")
    I, H, N = 3, 4, 2
    lstm = L.LSTM(H, in_size=I)
    for p in lstm.params():
        p.data = np.random.randn(*p.shape)
    cell = torch.nn.LSTMCell(I, H).double()

    def W(name):
        return getattr(lstm, name).W.data.T

    def b(name):
        return getattr(lstm, name).b.data
    with torch.no_grad():
        # PyTorch's gate order is i, f, g (DeZero's u), o.
        cell.weight_ih.copy_(torch.tensor(np.concatenate([W(n) for n in ("x2i", "x2f", "x2u", "x2o")])))
        cell.weight_hh.copy_(torch.tensor(np.concatenate([W(n) for n in ("h2i", "h2f", "h2u", "h2o")])))
        cell.bias_ih.copy_(torch.tensor(np.concatenate([b(n) for n in ("x2i", "x2f", "x2u", "x2o")])))
        cell.bias_hh.zero_()
    xs = np.random.randn(3, N, I)
    h = c = torch.zeros(N, H, dtype=torch.float64)
    for x in xs:
        y = lstm(x)
        with torch.no_grad():
            h, c = cell(torch.tensor(x), (h, c))
        np.testing.assert_allclose(y.data, h.numpy(), rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(lstm.c.data, c.numpy(), rtol=1e-10, atol=1e-12)


def test_c_layers_from_gi():
    gen = Dz.Generator.new(3)
    lstm = Dz.LSTMLayer.new(6, 0, Dz.Dtype.FLOAT64, gen)
    x = np.random.randn(4, 2)
    assert lstm(x).shape == (4, 6)
    assert lstm.get_c().shape == (4, 6)
    assert len(lstm.list_parameter_names()) == 12
    lstm.reset_state()
    assert lstm.get_h() is None
    rnn = Dz.RNNLayer.new(3, 2, Dz.Dtype.FLOAT32, gen)
    assert rnn(x).shape == (4, 3) and rnn.get_hidden_size() == 3
    embed = Dz.EmbedIDLayer.new(5, 2, Dz.Dtype.FLOAT64, gen)
    assert embed(np.array([[0, 4, 4]])).shape == (1, 3, 2)
    bn = Dz.BatchNormLayer.new(0.9, 2e-5)
    bn(x)
    assert bn.get_running_mean().shape == (2,)
    with pytest.raises(ValueError):
        bn(np.zeros((4, 3)))  # sized for 2 channels at the first call
    model = Dz.Sequential.new([Dz.LSTMLayer.new(4, 2, Dz.Dtype.FLOAT64, gen),
                               Dz.LinearLayer.new(1, False, Dz.Dtype.FLOAT64, gen)])
    assert model(x).shape == (4, 1) and model.get_n_layers() == 2
    assert model.list_parameter_names()[-2:] == ["l1.W", "l1.b"]


def test_sin_curve_and_seq_loader():
    np.random.seed(0)
    train = dezero.datasets.SinCurve(train=True)
    np.random.seed(0)
    xs = np.linspace(0, 2 * np.pi, 1000)
    expected = np.sin(xs) + np.random.uniform(-0.05, 0.05, 1000)
    assert len(train) == 999
    np.testing.assert_array_equal(train.data[:, 0], expected[:-1])
    np.testing.assert_array_equal(train.label[:, 0], expected[1:])
    test = dezero.datasets.SinCurve(train=False)
    np.testing.assert_allclose(test.data[:, 0], np.cos(xs)[:-1])

    loader = SeqDataLoader(train, batch_size=30)
    assert len(loader) == 34
    jump = 999 // 30
    for k, (x, t) in enumerate(loader):
        index = [(i * jump + k) % 999 for i in range(30)]
        np.testing.assert_array_equal(x, train.data[index])
        np.testing.assert_array_equal(t, train.label[index])
    assert k == 33

    c_set = Dz.SinCurve.new(True, Dz.Generator.new(4))
    c_loader = Dz.DataLoader.new_sequential(c_set, 7)
    assert c_loader.get_sequential() and len(c_loader) == 143
    x, t = next(iter(c_loader))
    assert x.shape == (7, 1)


class BetterRNN(Model):
    def __init__(self, hidden_size, out_size):
        super().__init__()
        self.rnn = L.LSTM(hidden_size)
        self.fc = L.Linear(out_size)

    def reset_state(self):
        self.rnn.reset_state()

    def forward(self, x):
        return self.fc(self.rnn(x))


def test_truncated_bptt_is_leak_free():
    np.random.seed(0)
    train = dezero.datasets.SinCurve(train=True)
    loader = SeqDataLoader(train, batch_size=30)
    model = BetterRNN(10, 1)
    optimizer = optimizers.Adam().setup(model)
    bptt_length, count, steps, snapshots, losses = 30, 0, 0, [], []
    while steps < 3000:
        model.reset_state()
        loss = 0
        for x, t in loader:
            loss += F.mean_squared_error(model(x), t)
            count += 1
            steps += 1
            if count % bptt_length == 0:
                model.cleargrads()
                loss.backward()
                loss.unchain_backward()
                optimizer.update()
                losses.append(float(loss.data) / bptt_length)
                loss = 0
                gc.collect()
                snapshots.append(Dz.live_counts())
    # After the first truncations every count stays the same.
    assert len(set(snapshots[2:])) == 1, snapshots[:5]
    assert np.mean(losses[-10:]) < np.mean(losses[:10])
    del model, optimizer, loss, loader, train


def test_seq_loader_sample_by_sample():
    """A dataset with its own __getitem__ is read sample by sample, in the
    same jumps as the C path."""
    class Squares(dezero.Dataset):
        def __getitem__(self, index):
            return np.array([index * index]), index

        def __len__(self):
            return 10

    loader = SeqDataLoader(Squares(), batch_size=3)
    assert loader._loader is None and len(loader) == 4
    batches = [t.tolist() for _, t in loader]
    assert batches == [[0, 3, 6], [1, 4, 7], [2, 5, 8], [3, 6, 9]]
    x, t = next(loader)
    np.testing.assert_array_equal(x[:, 0], [0, 9, 36])


def lstm_reference(x, h, c, Wx, b, Wh):
    """One LSTM step in NumPy, gates in DeZero's order f, i, o, u."""
    pre = [x @ Wx[g] + b[g] + (h @ Wh[g] if h is not None else 0) for g in range(4)]
    f, i, o = (1 / (1 + np.exp(-p)) for p in pre[:3])
    u = np.tanh(pre[3])
    c_new = i * u + (f * c if c is not None else 0)
    return np.concatenate([o * np.tanh(c_new), c_new, f, i, o, u], axis=1)


@pytest.mark.parametrize("state", [True, False])
def test_lstm_cell_op_from_gi(state):
    rng = np.random.default_rng(5)
    N, D, H = 2, 3, 5
    x, h, c = rng.normal(size=(N, D)), rng.normal(size=(N, H)), rng.normal(size=(N, H))
    Wx = [rng.normal(size=(D, H)) for _ in range(4)]
    b = [rng.normal(size=H) for _ in range(4)]
    Wh = [rng.normal(size=(H, H)) for _ in range(4)]
    arrays = [x, h, c] + Wx + b + Wh if state else [x] + Wx + b
    inputs = [Variable(a.copy()) for a in arrays]
    y = Dz.lstm_cell(inputs)
    expected = lstm_reference(x, h if state else None, c if state else None, Wx, b, Wh)
    np.testing.assert_allclose(y.data, expected, rtol=1e-12, atol=1e-12)
    # The gradient of sum(y w) with respect to x, against NumPy's.
    w = rng.normal(size=expected.shape)
    F.sum(y * w).backward()

    def loss(xv):
        return float((lstm_reference(xv, h if state else None, c if state else None,
                                     Wx, b, Wh) * w).sum())
    np.testing.assert_allclose(inputs[0].grad.data, numerical_grad(loss, x.copy()),
                               rtol=1e-6, atol=1e-8)
    with pytest.raises(Exception):
        Dz.lstm_cell(inputs[:-1])


def test_c_lstm_layer_matches_python_layer():
    # The C layer runs the cell op; the Python layer DeZero's formula.
    gen = Dz.Generator.new(7)
    c_lstm = Dz.LSTMLayer.new(4, 3, Dz.Dtype.FLOAT64, gen)
    py_lstm = L.LSTM(4, in_size=3)
    for name in c_lstm.list_parameter_names():
        layer, param = name.split(".")
        getattr(getattr(py_lstm, layer), param).data = \
            c_lstm.get_layer(layer).get_parameter(param).data.copy()
    xs = np.random.default_rng(2).normal(size=(3, 2, 3))
    for x in xs:
        np.testing.assert_allclose(c_lstm(x).data, py_lstm(x).data, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(c_lstm.get_c().data, py_lstm.c.data, rtol=1e-12, atol=1e-12)
