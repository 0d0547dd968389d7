# SPDX-License-Identifier: MIT
"""Convolutions and pooling against PyTorch: forward and gradients on the
same inputs; DeZero's names, layers and errors."""

import numpy as np
import pytest

import dezero_glib as dezero
import dezero_glib.functions as F
import dezero_glib.layers as L
from dezero_glib import Variable
from gi.repository import Dz

torch = pytest.importorskip("torch")
TF = torch.nn.functional

GEOMETRIES = [
    # x shape, W shape, stride, pad
    ((2, 3, 5, 5), (4, 3, 3, 3), 1, 1),
    ((1, 2, 7, 6), (3, 2, 3, 2), (2, 1), (1, 0)),
    ((2, 1, 6, 7), (2, 1, 2, 3), (2, 3), (0, 1)),
    ((3, 2, 5, 4), (3, 2, 1, 1), 1, 0),
    ((1, 1, 9, 8), (2, 1, 5, 3), (3, 2), (2, 1)),
    # Stride 1, output grid = image (im2col's and col2im's shifted-plane
    # path), also with the image smaller than the kernel.
    ((2, 2, 6, 5), (3, 2, 5, 3), 1, (2, 1)),
    ((1, 2, 1, 2), (2, 2, 5, 3), 1, (2, 1)),
]


def _rng(seed):
    return np.random.default_rng(seed)


def _t(a):
    return torch.tensor(a, requires_grad=True)


def _grads(loss, *tensors):
    loss.backward()
    return [t.grad.numpy() for t in tensors]


@pytest.mark.parametrize("xs, ws, stride, pad", GEOMETRIES)
def test_conv2d_matches_torch(xs, ws, stride, pad):
    rng = _rng(1)
    x, W, b = rng.standard_normal(xs), rng.standard_normal(ws), rng.standard_normal(ws[0])
    xv, Wv, bv = Variable(x), Variable(W), Variable(b)
    y = F.conv2d(xv, Wv, bv, stride=stride, pad=pad)
    w = rng.standard_normal(y.shape)
    F.sum(y * w).backward()

    xt, Wt, bt = _t(x), _t(W), _t(b)
    yt = TF.conv2d(xt, Wt, bt, stride=stride, padding=pad)
    np.testing.assert_allclose(y.data, yt.detach().numpy(), rtol=1e-10, atol=1e-12)
    gx, gW, gb = _grads((yt * torch.tensor(w)).sum(), xt, Wt, bt)
    np.testing.assert_allclose(xv.grad.data, gx, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(Wv.grad.data, gW, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(bv.grad.data, gb, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("xs, ws, stride, pad", GEOMETRIES)
def test_deconv2d_matches_torch(xs, ws, stride, pad):
    # The transposed convolution of the conv's output shape back to xs.
    rng = _rng(2)
    sh, sw = (stride, stride) if isinstance(stride, int) else stride
    ph, pw = (pad, pad) if isinstance(pad, int) else pad
    oh = (xs[2] + 2 * ph - ws[2]) // sh + 1
    ow = (xs[3] + 2 * pw - ws[3]) // sw + 1
    x = rng.standard_normal((xs[0], ws[0], oh, ow))
    W, b = rng.standard_normal(ws), rng.standard_normal(ws[1])
    xv, Wv, bv = Variable(x), Variable(W), Variable(b)
    y = F.deconv2d(xv, Wv, bv, stride=stride, pad=pad, outsize=(xs[2], xs[3]))
    assert y.shape == (xs[0], ws[1], xs[2], xs[3])
    w = rng.standard_normal(y.shape)
    F.sum(y * w).backward()

    xt, Wt, bt = _t(x), _t(W), _t(b)
    extra = (xs[2] - ((oh - 1) * sh - 2 * ph + ws[2]), xs[3] - ((ow - 1) * sw - 2 * pw + ws[3]))
    yt = TF.conv_transpose2d(xt, Wt, bt, stride=stride, padding=pad, output_padding=extra)
    np.testing.assert_allclose(y.data, yt.detach().numpy(), rtol=1e-10, atol=1e-12)
    gx, gW, gb = _grads((yt * torch.tensor(w)).sum(), xt, Wt, bt)
    np.testing.assert_allclose(xv.grad.data, gx, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(Wv.grad.data, gW, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(bv.grad.data, gb, rtol=1e-10, atol=1e-12)


def test_deconv2d_default_outsize():
    x = _rng(3).standard_normal((2, 3, 4, 4))
    W = _rng(4).standard_normal((3, 5, 3, 3))
    y = F.deconv2d(x, W, stride=2, pad=1)
    assert y.shape == (2, 5, 7, 7)
    np.testing.assert_allclose(
        y.data, TF.conv_transpose2d(torch.tensor(x), torch.tensor(W), stride=2, padding=1).numpy(),
        rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("kernel, stride, pad", [(2, 2, 0), (3, 2, 1), ((2, 3), 1, 0), (3, (1, 2), (1, 1))])
def test_pooling_matches_torch(kernel, stride, pad):
    rng = _rng(5)
    # Positive inputs: DeZero's (and ours) padding is zeros, PyTorch's -inf;
    # over positive values the maxima are the same.
    x = rng.uniform(0.5, 2.0, (2, 3, 7, 6))
    xv = Variable(x)
    y = F.pooling(xv, kernel, stride, pad)
    w = rng.standard_normal(y.shape)
    F.sum(y * w).backward()
    xt = _t(x)
    yt = TF.max_pool2d(xt, kernel, stride, pad)
    np.testing.assert_array_equal(y.data, yt.detach().numpy())
    (gx,) = _grads((yt * torch.tensor(w)).sum(), xt)
    np.testing.assert_allclose(xv.grad.data, gx, rtol=1e-12, atol=1e-12)


def test_pooling_pads_with_zeros_as_dezero():
    # Every window but the middle one reaches into the padding.
    x = -np.ones((1, 1, 2, 2))
    y = F.pooling(x, 2, 1, 1)
    expected = np.zeros((1, 1, 3, 3))
    expected[0, 0, 1, 1] = -1
    np.testing.assert_array_equal(y.data, expected)


@pytest.mark.parametrize("kernel, stride, pad", [(2, 2, 0), (3, 2, 1), ((2, 3), 1, 0)])
def test_average_pooling_matches_torch(kernel, stride, pad):
    rng = _rng(6)
    x = rng.standard_normal((2, 3, 7, 6))
    xv = Variable(x)
    y = F.average_pooling(xv, kernel, stride, pad)
    w = rng.standard_normal(y.shape)
    F.sum(y * w).backward()
    xt = _t(x)
    yt = TF.avg_pool2d(xt, kernel, stride, pad, count_include_pad=True)
    np.testing.assert_allclose(y.data, yt.detach().numpy(), rtol=1e-12, atol=1e-14)
    (gx,) = _grads((yt * torch.tensor(w)).sum(), xt)
    np.testing.assert_allclose(xv.grad.data, gx, rtol=1e-12, atol=1e-14)


def test_im2col_matches_unfold_and_col2im_is_its_adjoint():
    rng = _rng(7)
    x = rng.standard_normal((2, 3, 6, 5))
    xv = Variable(x)
    col = F.im2col(xv, (3, 2), stride=(2, 1), pad=1, to_matrix=False)
    N, C, KH, KW, OH, OW = col.shape
    unfold = TF.unfold(torch.tensor(x), (3, 2), padding=1, stride=(2, 1)).numpy()
    np.testing.assert_array_equal(col.data.reshape(N, C * KH * KW, OH * OW), unfold)
    mat = F.im2col(xv, (3, 2), stride=(2, 1), pad=1)
    np.testing.assert_array_equal(mat.data, col.data.transpose(0, 4, 5, 1, 2, 3).reshape(N * OH * OW, -1))
    # col2im is fold, the adjoint: <im2col x, g> == <x, col2im g>.
    g = rng.standard_normal(mat.shape)
    folded = F.col2im(g, x.shape, (3, 2), stride=(2, 1), pad=1)
    fold = TF.fold(torch.tensor(g.reshape(N, OH * OW, -1).transpose(0, 2, 1)), (6, 5), (3, 2),
                   padding=1, stride=(2, 1)).numpy()
    np.testing.assert_allclose(folded.data, fold, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose((mat.data * g).sum(), (x * folded.data).sum(), rtol=1e-12)
    F.sum(mat * g).backward()
    np.testing.assert_allclose(xv.grad.data, folded.data, rtol=1e-12)


def test_simple_versions_equal_the_built_ins():
    assert dezero.functions_conv.conv2d is F.conv2d and F.pooling is dezero.functions_conv.pooling
    rng = _rng(8)
    x, W, b = rng.standard_normal((2, 3, 6, 6)), rng.standard_normal((4, 3, 3, 3)), rng.standard_normal(4)
    np.testing.assert_allclose(F.conv2d_simple(x, W, b, 2, 1).data, F.conv2d(x, W, b, 2, 1).data,
                               rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(F.pooling_simple(x, 2, 2).data, F.pooling(x, 2, 2).data)


def test_float32_and_second_order():
    rng = _rng(9)
    x = rng.standard_normal((2, 2, 5, 5)).astype(np.float32)
    W = rng.standard_normal((3, 2, 3, 3)).astype(np.float32)
    y = F.conv2d(x, W, pad=1)
    assert y.dtype == np.float32
    ref = TF.conv2d(torch.tensor(x), torch.tensor(W), padding=1).numpy()
    np.testing.assert_allclose(y.data, ref, rtol=1e-5, atol=1e-5)
    # Second order: d/dW of sum(grad_x(L)^2) against PyTorch's.
    x64, W64 = x.astype(np.float64), W.astype(np.float64)
    xv, Wv = Variable(x64), Variable(W64)
    loss = F.sum(F.tanh(F.conv2d(xv, Wv, pad=1)))
    loss.backward(create_graph=True)
    gx = xv.grad
    xv.cleargrad()
    Wv.cleargrad()
    F.sum(gx * gx).backward()
    xt, Wt = _t(x64), _t(W64)
    (gxt,) = torch.autograd.grad(torch.tanh(TF.conv2d(xt, Wt, padding=1)).sum(), xt, create_graph=True)
    (gWt,) = torch.autograd.grad((gxt * gxt).sum(), Wt)
    np.testing.assert_allclose(Wv.grad.data, gWt.numpy(), rtol=1e-9, atol=1e-11)


def test_errors_are_dz_errors():
    x = np.zeros((2, 3, 5, 5))
    with pytest.raises(Dz.ShapeMismatchError,
                       match=r"has 3 channels but W of shape \(4, 2, 3, 3\) takes 2"):
        F.conv2d(x, np.zeros((4, 2, 3, 3)))
    with pytest.raises(Dz.InvalidArgumentError, match="stride must be at least 1"):
        F.conv2d(x, np.zeros((4, 3, 3, 3)), stride=0)
    with pytest.raises(Dz.ShapeMismatchError, match="larger than the padded input"):
        F.pooling(x, 6)
    with pytest.raises(Dz.ShapeMismatchError,
                       match=r"must have 4 axes \(N, C, H, W\), not shape \(3, 5, 5\)"):
        F.average_pooling(np.zeros((3, 5, 5)), 2)
    with pytest.raises(Dz.ShapeMismatchError, match="convolves to"):
        F.deconv2d(np.zeros((1, 3, 3, 3)), np.zeros((3, 2, 3, 3)), stride=2, outsize=9)
    with pytest.raises(Dz.InvalidDtypeError):
        F.conv2d(x.astype(np.int64), np.zeros((4, 3, 3, 3)))
    with pytest.raises(ValueError, match="pair"):
        F.im2col(x, (1, 2, 3))


@pytest.mark.parametrize("cls, transposed", [(L.Conv2d, False), (L.Deconv2d, True)])
def test_layers(cls, transposed):
    np.random.seed(0)
    layer = cls(8, 3, stride=1, pad=1)
    x = np.random.randn(2, 4, 6, 6).astype(np.float32)
    assert layer.W.data is None
    y = layer(x)
    assert layer.W.shape == ((4, 8, 3, 3) if transposed else (8, 4, 3, 3))
    assert layer.W.dtype == np.float32 and y.dtype == np.float32
    assert y.shape == (2, 8, 6, 6)
    # DeZero's initialization, drawn from NumPy's global generator.
    np.random.seed(0)
    np.random.randn(2, 4, 6, 6)
    expected = (np.random.randn(*layer.W.shape) * np.sqrt(1 / 36)).astype(np.float32)
    np.testing.assert_array_equal(layer.W.data, expected)
    F.sum(y).backward()
    assert layer.W.grad is not None and layer.b.grad.shape == (8,)
    assert [p.name for p in layer.params()] == ["W", "b"]
    fixed = cls(5, (2, 3), nobias=True, in_channels=3, dtype=np.float64)
    assert fixed.b is None and fixed.W.dtype == np.float64


def test_cnn_trains():
    np.random.seed(1)

    class CNN(dezero.Model):
        def __init__(self):
            super().__init__()
            self.conv = L.Conv2d(4, 3, pad=1)
            self.fc = L.Linear(3)

        def forward(self, x):
            h = F.pooling(F.relu(self.conv(x)), 2, 2)
            return self.fc(F.reshape(h, (h.shape[0], -1)))

    model = CNN()
    opt = dezero.optimizers.SGD(0.1).setup(model)
    x = np.random.randn(6, 1, 6, 6).astype(np.float32)
    t = np.array([0, 1, 2, 0, 1, 2])
    losses = []
    for _ in range(20):
        loss = F.softmax_cross_entropy(model(x), t)
        model.cleargrads()
        loss.backward()
        opt.update()
        losses.append(float(loss.data))
    assert losses[-1] < 0.5 * losses[0]
