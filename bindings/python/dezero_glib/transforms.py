# SPDX-License-Identifier: MIT
"""DeZero's ``dezero.transforms``: callables applied to one sample of a
dataset (``Compose``, ``Normalize``, ``Flatten``, ``AsType``/``ToFloat``,
``ToInt``, and for PIL images ``Convert``, ``Resize``, ``CenterCrop``,
``ToArray``, ``ToPIL``).

The NumPy transforms also know how to transform a whole batch at once
(``batch(array)``, samples along the first axis, the same values as
transforming each sample): ``DataLoader`` uses that to gather a batch of
a dataset held in arrays with one copy and transform it in one go instead
of sample by sample.
"""

import numpy as np

from dezero_glib.core import Dz
from dezero_glib.utils import pair

_DZ_DTYPES = {np.dtype(np.float64): Dz.Dtype.FLOAT64, np.dtype(np.float32): Dz.Dtype.FLOAT32,
              np.dtype(np.int64): Dz.Dtype.INT64}


def dz_transform(transform):
    """The C ``Dz.Transform`` doing what ``transform`` does, or None when
    there is none (a Python callable, a per-channel ``Normalize``): what
    lets ``DataLoader`` keep a dataset with this transform in C."""
    make = getattr(transform, "_dz_transform", None)
    return None if make is None else make()


class Compose:
    """The transforms given, applied in turn."""

    def __init__(self, transforms=()):
        self.transforms = list(transforms)

    def __call__(self, img):
        for t in self.transforms:
            img = t(img)
        return img

    def batch(self, array):
        for t in self.transforms:
            array = t.batch(array)
        return array

    @property
    def batchable(self):
        return all(getattr(t, "batchable", False) for t in self.transforms)

    def _dz_transform(self):
        parts = [dz_transform(t) for t in self.transforms]
        if any(part is None for part in parts):
            return None
        return Dz.ComposeTransform.new(parts)


# Transforms of NumPy arrays

class Normalize:
    """``(array - mean) / std``; a sequence ``mean`` or ``std`` is one
    value per channel (the first axis of a sample)."""

    batchable = True

    def __init__(self, mean=0, std=1):
        self.mean = mean
        self.std = std

    @staticmethod
    def _per_channel(value, array, lead):
        # A sequence has one value per channel, the sample's first axis (or
        # one value for all).
        if np.isscalar(value):
            return value
        shape = [1] * lead + [-1] + [1] * (array.ndim - lead - 1)
        return np.array(value, dtype=array.dtype).reshape(shape)

    def __call__(self, array):
        return ((array - self._per_channel(self.mean, array, 0))
                / self._per_channel(self.std, array, 0))

    def batch(self, array):
        return ((array - self._per_channel(self.mean, array, 1))
                / self._per_channel(self.std, array, 1))

    def _dz_transform(self):
        if not (np.isscalar(self.mean) and np.isscalar(self.std)):
            return None
        return Dz.NormalizeTransform.new(float(self.mean), float(self.std))


class Flatten:
    """The sample as one axis."""

    batchable = True

    def __call__(self, array):
        return array.flatten()

    def batch(self, array):
        return array.reshape(len(array), -1)

    def _dz_transform(self):
        return Dz.FlattenTransform.new()


class AsType:
    """The values as ``dtype``."""

    batchable = True

    def __init__(self, dtype=np.float32):
        self.dtype = dtype

    def __call__(self, array):
        return array.astype(self.dtype)

    batch = __call__

    def _dz_transform(self):
        dtype = _DZ_DTYPES.get(np.dtype(self.dtype))
        return None if dtype is None else Dz.AstypeTransform.new(dtype)


ToFloat = AsType


class ToInt(AsType):
    def __init__(self, dtype=int):
        self.dtype = dtype


# Transforms of PIL images (not batchable)

def _pil():
    from PIL import Image
    return Image


class Convert:
    """The image in another mode (``'RGB'``, ``'L'``...; ``'BGR'`` swaps
    red and blue)."""

    def __init__(self, mode="RGB"):
        self.mode = mode

    def __call__(self, img):
        if self.mode == "BGR":
            r, g, b = img.convert("RGB").split()
            return _pil().merge("RGB", (b, g, r))
        return img.convert(self.mode)


class Resize:
    """The image resized to ``size`` (an int or a pair)."""

    def __init__(self, size, mode=None):
        self.size = pair(size)
        self.mode = _pil().BILINEAR if mode is None else mode

    def __call__(self, img):
        return img.resize(self.size, self.mode)


class CenterCrop:
    """The centre ``size`` (an int or a pair) of the image."""

    def __init__(self, size):
        self.size = pair(size)

    def __call__(self, img):
        W, H = img.size
        OW, OH = self.size
        left = (W - OW) // 2
        up = (H - OH) // 2
        return img.crop((left, up, left + OW, up + OH))


class ToArray:
    """A PIL image as a (channels, height, width) array of ``dtype``;
    an ndarray is returned as is."""

    def __init__(self, dtype=np.float32):
        self.dtype = dtype

    def __call__(self, img):
        if isinstance(img, np.ndarray):
            return img
        if isinstance(img, _pil().Image):
            return np.asarray(img).transpose(2, 0, 1).astype(self.dtype)
        raise TypeError(f"ToArray takes a PIL image or an ndarray, not {type(img).__name__}")


class ToPIL:
    """A (channels, height, width) array as a PIL image."""

    def __call__(self, array):
        return _pil().fromarray(array.transpose(1, 2, 0))


__all__ = ["Compose", "Normalize", "Flatten", "AsType", "ToFloat", "ToInt", "Convert",
           "Resize", "CenterCrop", "ToArray", "ToPIL"]
