# SPDX-License-Identifier: MIT
"""DeZero's steps 55 to 60 as the book writes them (step 58, VGG16 with
downloaded weights, left out), run with ``import dezero_glib as dezero``;
compared with the real DeZero's numbers when its repository is mirrored
here (see test_dezero_steps_44_54.py). The recurrent steps run fewer
epochs than the book's 100 to keep the suite short."""

import numpy as np
import pytest

import dezero_glib
from test_dezero_steps_44_54 import deZero, modules  # noqa: F401 - the fixture


# Step 55: the output size of a convolution.
def step55(dezero):
    get_conv_outsize = dezero.utils.get_conv_outsize
    H, W = 4, 4
    KH, KW = 3, 3
    SH, SW = 1, 1
    PH, PW = 1, 1
    return get_conv_outsize(H, KH, SH, PH), get_conv_outsize(W, KW, SW, PW)


# Step 57: im2col and conv2d_simple.
def step57(dezero):
    F, _, _, _ = modules(dezero)
    np.random.seed(0)
    x1 = np.random.rand(1, 3, 7, 7)
    col1 = F.im2col(x1, kernel_size=5, stride=1, pad=0, to_matrix=True)
    x2 = np.random.rand(10, 3, 7, 7)
    col2 = F.im2col(x2, (5, 5), (1, 1), (0, 0), to_matrix=True)
    N, C, H, W = 1, 5, 15, 15
    OC, (KH, KW) = 8, (3, 3)
    x = dezero.Variable(np.random.randn(N, C, H, W))
    W = np.random.randn(OC, C, KH, KW)
    y = F.conv2d_simple(x, W, b=None, stride=1, pad=1)
    y.backward()
    return (np.array(col1.data), np.array(col2.data), np.array(y.data), np.array(x.grad.data))


# Steps 59 and 60: a recurrent net on the sine curve, truncated BPTT.
def recurrent_step(dezero, layer, max_epoch, loader):
    F, L, optimizers, _ = modules(dezero)
    np.random.seed(0)
    hidden_size, bptt_length = 100, 30
    train_set = dezero.datasets.SinCurve(train=True)
    seqlen = len(train_set)

    class Net(dezero.Model):
        def __init__(self, hidden_size, out_size):
            super().__init__()
            self.rnn = getattr(L, layer)(hidden_size)
            self.fc = L.Linear(out_size)

        def reset_state(self):
            self.rnn.reset_state()

        def __call__(self, x):
            return self.fc(self.rnn(x))

    model = Net(hidden_size, 1)
    optimizer = optimizers.Adam().setup(model)
    samples = dezero.SeqDataLoader(train_set, batch_size=30) if loader else train_set
    losses = []
    for epoch in range(max_epoch):
        model.reset_state()
        loss, count = 0, 0
        for x, t in samples:
            if not loader:
                x = x.reshape(1, 1)
            y = model(x)
            loss += F.mean_squared_error(y, t)
            count += 1
            if count % bptt_length == 0 or count == seqlen:
                model.cleargrads()
                loss.backward()
                loss.unchain_backward()
                optimizer.update()
        losses.append(float(loss.data) / count)

    xs = np.cos(np.linspace(0, 4 * np.pi, 1000))
    model.reset_state()
    predictions = []
    with dezero.no_grad():
        for x in xs[:200]:
            y = model(np.array(x).reshape(1, 1))
            predictions.append(float(y.data))
    return losses, np.array(predictions), xs[:200]


def step59(dezero, max_epoch=3):
    return recurrent_step(dezero, "RNN", max_epoch, loader=False)


def step60(dezero, max_epoch=10):
    return recurrent_step(dezero, "LSTM", max_epoch, loader=True)


# With dezero_glib alone

def test_step55_outsize():
    assert step55(dezero_glib) == (4, 4)


def test_step57_im2col_and_conv2d():
    col1, col2, y, gx = step57(dezero_glib)
    assert col1.shape == (9, 75) and col2.shape == (90, 75)
    assert y.shape == (1, 8, 15, 15) and gx.shape == (1, 5, 15, 15)


def test_step59_simple_rnn_learns():
    losses, predictions, xs = step59(dezero_glib)
    assert losses[-1] < losses[0]
    assert np.isfinite(predictions).all()


def test_step60_lstm_predicts_the_cosine():
    losses, predictions, xs = step60(dezero_glib)
    assert losses[-1] < 0.5 * losses[0]
    # The next value of the cosine, after a few steps of warm-up.
    assert np.mean((predictions[20:-1] - xs[21:]) ** 2) < 0.05


# Against the real DeZero

def test_steps_55_57_equal_deZero(deZero):  # noqa: F811 - the fixture
    assert step55(dezero_glib) == step55(deZero)
    for ours, theirs in zip(step57(dezero_glib), step57(deZero)):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("program", [step59, step60])
def test_steps_59_60_equal_deZero(deZero, program):  # noqa: F811 - the fixture
    ours = program(dezero_glib, max_epoch=2)
    theirs = program(deZero, max_epoch=2)
    for a, b in zip(ours, theirs):
        # Two epochs of a thousand sequential steps: rounding adds up.
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)
