# SPDX-License-Identifier: MIT
"""DeZero's ``dezero.datasets``: ``Dataset`` (subclass it and fill
``self.data``/``self.label`` in ``prepare()``, as in DeZero), ``Spiral``
and ``get_spiral``, ``MNIST`` and ``FashionMNIST``.

Nothing is downloaded. ``MNIST`` reads the four IDX files of the
distribution (``train-images-idx3-ubyte.gz``... or without ``.gz``) from a
directory: ``directory=`` if given, else ``$DEZERO_MNIST_DIR``, else
``~/.dezero``, where DeZero itself saves them. ``FashionMNIST`` reads
Debian's ``dataset-fashion-mnist`` package (``/usr/share/datasets/
fashion-mnist``). Both are loaded by C (``Dz.MNIST``) in well under a
second, and with their default transform a ``DataLoader`` gathers their
batches in C.
"""

import os
import sys

import numpy as np
from gi.repository import GLib

from dezero_glib.core import Dz
from dezero_glib.transforms import AsType, Compose, Flatten, Normalize, ToFloat, dz_transform


def _identity(x):
    return x


class Dataset:
    """DeZero's ``Dataset``: ``dataset[i]`` is ``(transform(data[i]),
    target_transform(label[i]))`` (``None`` for the label when ``label``
    is None), ``len(dataset)`` is ``len(data)``."""

    def __init__(self, train=True, transform=None, target_transform=None):
        self.train = train
        self.transform = _identity if transform is None else transform
        self.target_transform = _identity if target_transform is None else target_transform
        self.data = None
        self.label = None
        self.prepare()

    def __getitem__(self, index):
        if not np.isscalar(index):
            raise TypeError(f"a dataset is indexed by one integer, not {type(index).__name__}")
        if self.label is None:
            return self.transform(self.data[index]), None
        return self.transform(self.data[index]), self.target_transform(self.label[index])

    def __len__(self):
        return len(self.data)

    def prepare(self):
        pass

    def _batch(self, index):
        """The samples at ``index`` stacked as DataLoader stacks them,
        computed a batch at a time, or None when they must be read one by
        one."""
        if type(self).__getitem__ is not Dataset.__getitem__:
            return None
        return _batch(self.data, self.label, self.transform, self.target_transform, index)

    def _dz_dataset(self):
        """A ``Dz.Dataset`` giving the same samples (its transforms done in
        C), for DataLoader's C path, or None."""
        if type(self).__getitem__ is not Dataset.__getitem__:
            return None
        data, label = self.data, self.label
        if not _c_numbers(data) or (label is not None and (not _c_numbers(label)
                                                           or len(label) != len(data))):
            return None
        transforms = [None if t is _identity else dz_transform(t)
                      for t in (self.transform, self.target_transform)]
        for t, dz in zip((self.transform, self.target_transform), transforms):
            if t is not _identity and dz is None:
                return None
        key = (data, label, self.transform, self.target_transform)
        cached = self.__dict__.get("_dz_cache")
        if cached is not None and all(a is b for a, b in zip(cached[0], key)):
            return cached[1]
        dataset = Dz.Dataset.new(Dz.as_array(data), None if label is None else Dz.as_array(label))
        if transforms[0] is not None:
            dataset.set_transform(transforms[0])
        if transforms[1] is not None:
            dataset.set_target_transform(transforms[1])
        self._dz_cache = (key, dataset)
        return dataset


def _batchable(transform):
    return transform is _identity or getattr(transform, "batchable", False)


def _batch(data, label, transform, target_transform, index):
    if not (isinstance(data, np.ndarray) and data.ndim > 0 and _batchable(transform)
            and _batchable(target_transform)):
        return None
    if label is not None and not (isinstance(label, np.ndarray) and label.ndim > 0):
        return None
    x = data[index]
    if transform is not _identity:
        x = transform.batch(x)
    if label is None:
        return x, np.array([None] * len(index))
    t = label[index]
    if target_transform is not _identity:
        t = target_transform.batch(t)
    return x, t


def _c_numbers(array):
    # Dz would widen unsigned and boolean arrays: NumPy keeps DeZero's dtypes.
    return (isinstance(array, np.ndarray) and array.ndim > 0
            and array.dtype in (np.float64, np.float32, np.int64))


# Toy datasets

def get_spiral(train=True):
    """DeZero's spiral: 300 points of 3 interleaved arms, ``x`` float32 of
    shape (300, 2) and ``t`` the arm. As in DeZero, it seeds NumPy's global
    generator (1984 for training, 2020 for testing), so the points and
    what is drawn after are DeZero's."""
    np.random.seed(1984 if train else 2020)
    num_data, num_class = 100, 3
    rate = np.arange(num_data) / num_data
    # One normal draw per point, arm after arm, as DeZero's loop draws them.
    noise = np.random.randn(num_class, num_data) * 0.2
    theta = np.arange(num_class)[:, None] * 4.0 + 4.0 * rate + noise
    radius = 1.0 * rate
    x = np.stack([radius * np.sin(theta), radius * np.cos(theta)], axis=-1)
    x = x.reshape(-1, 2).astype(np.float32)
    t = np.repeat(np.arange(num_class), num_data).astype(int)
    indices = np.random.permutation(num_data * num_class)
    return x[indices], t[indices]


class Spiral(Dataset):
    def prepare(self):
        self.data, self.label = get_spiral(self.train)


class SinCurve(Dataset):
    """DeZero's ``SinCurve``: 1000 points over [0, 2 pi]; the training
    series is ``sin(x)`` plus noise uniform in [-0.05, 0.05) drawn from
    NumPy's global generator (so ``np.random.seed`` gives DeZero's series),
    the test series ``cos(x)``; sample ``i`` is ``y[i]`` and its label
    ``y[i + 1]``, of shape (1,). ``Dz.SinCurve`` is the C counterpart (its
    noise from a ``Dz.Generator``)."""

    def prepare(self):
        num_data = 1000
        x = np.linspace(0, 2 * np.pi, num_data)
        noise = np.random.uniform(-0.05, 0.05, size=x.shape)
        y = np.sin(x) + noise if self.train else np.cos(x)
        y = y.astype(np.float64)
        self.data = y[:-1][:, np.newaxis]
        self.label = y[1:][:, np.newaxis]


# MNIST-like datasets

def _load(constructor, *args, hint=""):
    """``constructor(*args)``, its GLib.Error raised as its Dz error
    class (``Dz.NotAvailableError`` for missing files)."""
    override = sys.modules["gi.overrides.Dz"]
    try:
        return constructor(*args)
    except GLib.Error as err:
        error = override._error(err.code, err.message + hint) if err.domain == \
            GLib.quark_to_string(Dz.error_quark()) else err
    raise error


def _default_mnist_transform():
    return Compose([Flatten(), ToFloat(), Normalize(0., 255.)])


def _is_default_mnist_transform(transform):
    """Whether ``transform`` is DeZero's MNIST default, which Dz.MNIST has
    already applied to its arrays."""
    if not isinstance(transform, Compose) or len(transform.transforms) != 3:
        return False
    flatten, astype, normalize = transform.transforms
    return (type(flatten) is Flatten and type(astype) is AsType
            and np.dtype(astype.dtype) == np.float32 and type(normalize) is Normalize
            and np.isscalar(normalize.mean) and normalize.mean == 0
            and np.isscalar(normalize.std) and normalize.std == 255)


class MNIST(Dataset):
    """MNIST from local IDX files (see the module's text). ``data`` is
    DeZero's: uint8 images of shape (N, 1, 28, 28); ``label`` int64.
    Samples go through ``transform`` as in DeZero; with the default one
    (flatten, float32, divide by 255) they come from C's arrays
    directly."""

    def __init__(self, train=True, transform=None, target_transform=None, directory=None):
        self.directory = directory
        if transform is None:
            transform = _default_mnist_transform()
        super().__init__(train, transform, target_transform)

    def _load(self):
        directory = self.directory
        hint = ""
        if directory is None:
            directory = os.environ.get("DEZERO_MNIST_DIR",
                                       os.path.join(os.path.expanduser("~"), ".dezero"))
            hint = (" (nothing is downloaded: give MNIST(directory=...) or set "
                    "DEZERO_MNIST_DIR to a directory holding the IDX files)")
        return _load(Dz.MNIST.new, str(directory), self.train, hint=hint)

    def prepare(self):
        self._dz = self._load()
        self._images = Dz.mnist_images(self._dz)
        self.label = np.asarray(self._dz.get_labels())
        self._raw = None

    @property
    def data(self):
        """The images as DeZero has them, uint8 (N, 1, 28, 28): a read-only
        view of the bytes C holds (a quarter of float32's memory), unless
        replaced by assignment."""
        return self._images if self._raw is None else self._raw

    @data.setter
    def data(self, value):
        self._raw = value

    def __len__(self):
        return len(self.label)

    def __getitem__(self, index):
        if not np.isscalar(index):
            raise TypeError(f"a dataset is indexed by one integer, not {type(index).__name__}")
        if _is_default_mnist_transform(self.transform) and self._raw is None:
            _, x, _ = self._dz.get_item(int(index) % len(self))
            x = np.asarray(x)
        else:
            x = self.transform(self.data[index])
        return x, self.target_transform(self.label[index])

    def _batch(self, index):
        if _is_default_mnist_transform(self.transform):
            return None  # read from C's arrays, as __getitem__ does
        return _batch(self.data, self.label, self.transform, self.target_transform, index)

    def _dz_dataset(self):
        if (self._raw is None and _is_default_mnist_transform(self.transform)
                and self.target_transform is _identity):
            return self._dz
        return None

    def show(self, row=10, col=10):
        """A grid of random images, with matplotlib."""
        import matplotlib.pyplot as plt
        H, W = 28, 28
        img = np.zeros((H * row, W * col))
        for r in range(row):
            for c in range(col):
                img[r * H:(r + 1) * H, c * W:(c + 1) * W] = \
                    self.data[np.random.randint(0, len(self) - 1)].reshape(H, W)
        plt.imshow(img, cmap="gray", interpolation="nearest")
        plt.axis("off")
        plt.show()

    @staticmethod
    def labels():
        return {i: str(i) for i in range(10)}


class FashionMNIST(MNIST):
    """Fashion-MNIST from Debian's ``dataset-fashion-mnist`` package
    (``Dz.NotAvailableError`` naming the package when it is missing), or
    from ``directory`` if given."""

    def _load(self):
        if self.directory is not None:
            return _load(Dz.MNIST.new, str(self.directory), self.train)
        return _load(Dz.FashionMNIST.new, self.train)

    @staticmethod
    def labels():
        return {0: "T-shirt/top", 1: "Trouser", 2: "Pullover", 3: "Dress", 4: "Coat",
                5: "Sandal", 6: "Shirt", 7: "Sneaker", 8: "Bag", 9: "Ankle boot"}


_LATER = {"CIFAR10", "CIFAR100", "ImageNet", "Shakespear"}


def __getattr__(name):
    if name in _LATER:
        raise AttributeError(f"dezero_glib.datasets.{name} is not available: nothing is "
                             "downloaded; Spiral, SinCurve, MNIST and FashionMNIST are")
    raise AttributeError(f"module 'dezero_glib.datasets' has no attribute {name!r}")


__all__ = ["Dataset", "get_spiral", "Spiral", "SinCurve", "MNIST", "FashionMNIST"]
