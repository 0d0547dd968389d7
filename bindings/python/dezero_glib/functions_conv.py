# SPDX-License-Identifier: MIT
"""DeZero's ``dezero.functions_conv``: convolutions and pooling on NCHW
images, C built-ins (``F.conv2d`` etc. are these).

``kernel_size``, ``stride`` and ``pad`` take an int or a pair, as DeZero's.
``conv2d_simple`` and ``pooling_simple`` are DeZero's compositions of
``im2col`` with ``linear`` and ``max``, kept for its step 57. Max pooling
counts the padding as zeros, as DeZero's does (PyTorch pads with -inf).
"""

from dezero_glib.core import Dz, as_variable
from dezero_glib.utils import get_conv_outsize, pair

im2col = Dz.im2col
col2im = Dz.col2im
conv2d = Dz.conv2d
deconv2d = Dz.deconv2d
pooling = Dz.pooling
average_pooling = Dz.average_pooling


def conv2d_simple(x, W, b=None, stride=1, pad=0):
    """``conv2d`` as DeZero first writes it: ``im2col`` as a matrix, a
    ``linear`` with ``W`` reshaped, back to NCHW."""
    x, W = as_variable(x), as_variable(W)
    N, C, H, Wd = x.shape
    OC, C, KH, KW = W.shape
    SH, SW = pair(stride)
    PH, PW = pair(pad)
    OH = get_conv_outsize(H, KH, SH, PH)
    OW = get_conv_outsize(Wd, KW, SW, PW)
    col = im2col(x, (KH, KW), stride, pad, to_matrix=True)
    t = Dz.linear(col, W.reshape(OC, -1).transpose(), b)
    return t.reshape(N, OH, OW, OC).transpose(0, 3, 1, 2)


def pooling_simple(x, kernel_size, stride=1, pad=0):
    """Max pooling as DeZero first writes it: the maximum of each row of
    ``im2col``."""
    x = as_variable(x)
    N, C, H, W = x.shape
    KH, KW = pair(kernel_size)
    PH, PW = pair(pad)
    SH, SW = pair(stride)
    OH = get_conv_outsize(H, KH, SH, PH)
    OW = get_conv_outsize(W, KW, SW, PW)
    col = im2col(x, kernel_size, stride, pad, to_matrix=True)
    y = Dz.max(col.reshape(-1, KH * KW), axis=1)
    return y.reshape(N, OH, OW, C).transpose(0, 3, 1, 2)


__all__ = ["conv2d", "deconv2d", "conv2d_simple", "im2col", "col2im", "pooling",
           "pooling_simple", "average_pooling"]
