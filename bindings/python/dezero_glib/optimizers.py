# SPDX-License-Identifier: MIT
"""DeZero's ``dezero.optimizers``: ``Optimizer``, the update rules ``SGD``,
``MomentumSGD``, ``AdaGrad``, ``AdaDelta``, ``Adam`` with DeZero's defaults
and attribute names, and the hooks ``WeightDecay``, ``ClipGrad``,
``FreezeParam``.

The built-in rules are C optimizers (``Dz.SGD``...): ``update()`` is one
call into C that runs the hooks and updates every parameter that has a
gradient, in place where nothing else sees its array. Their state
(velocities, averages) lives in C, so DeZero's ``vs``/``hs``/``ms``
dictionaries do not exist. A hook may be any callable taking the list of
parameters, as in DeZero; the built-in hooks run in C.

A subclass of ``Optimizer`` (or of a built-in rule) that implements
``update_one(self, param)`` in Python runs DeZero's own algorithm.
"""

import math

from dezero_glib.core import Dz, Parameter


class Optimizer:
    """DeZero's ``Optimizer``: ``setup(target)`` returns the optimizer;
    ``update()`` runs the hooks on the parameters that have a gradient,
    then ``update_one`` on each."""

    _dz = None

    def __init__(self):
        self.target = None
        self.hooks = []

    def setup(self, target):
        self.target = target
        return self

    def update(self):
        if self.target is None:
            raise RuntimeError(f"{type(self).__name__}.update(): call setup(model) first")
        params = [p for p in self.target.params() if p.grad is not None]
        for f in self.hooks:
            f(params)
        for param in params:
            # A hook (FreezeParam) may have taken a gradient away.
            if param.grad is not None:
                self.update_one(param)

    def update_one(self, param):
        raise NotImplementedError(f"{type(self).__name__} does not implement update_one")

    def add_hook(self, f):
        self.hooks.append(f)


class _PythonHook(Dz.OptimizerHook):
    """A hook written as a Python callable, run by the C optimizer in its
    place among the hooks."""

    def __init__(self, f):
        super().__init__()
        self.f = f

    def do_apply(self, params):
        self.f(list(params))
        return True


def _c_property(name, doc):
    def get(self):
        return self._dz.get_property(name)

    def set(self, value):
        self._dz.set_property(name, value)
    return property(get, set, doc=doc)


class _Builtin(Optimizer):
    """An update rule written in C (``self._dz``)."""

    def __init__(self, dz):
        self._dz = dz
        super().__init__()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # A Python update_one replaces the C rule: DeZero's algorithm then.
        cls._python_rule = "update_one" in cls.__dict__ and not cls.__module__ == __name__

    _python_rule = False

    def add_hook(self, f):
        self.hooks.append(f)
        hook = f._dz if isinstance(f, _Hook) else _PythonHook(f)
        self._dz.add_hook(hook)

    def setup(self, target):
        self.target = target
        if isinstance(target, Dz.Layer):
            # C lists the target's parameters at each update.
            self._dz.setup(target)
        else:
            self._dz.set_parameters(list(target.params()))
        return self

    def update(self):
        if self._python_rule:
            Optimizer.update(self)
            return
        if self.target is None:
            raise RuntimeError(f"{type(self).__name__}.update(): call setup(model) first")
        if not isinstance(self.target, Dz.Layer):
            self._dz.set_parameters(list(self.target.params()))
        self._dz.update()

    def update_one(self, param):
        """Updates ``param`` alone by the rule, without hooks."""
        self._dz.update_one(param, 0)


class SGD(_Builtin):
    """``param -= lr * grad``."""

    def __init__(self, lr=0.01):
        super().__init__(Dz.SGD.new(lr))

    lr = _c_property("lr", "The learning rate.")


class MomentumSGD(_Builtin):
    """``v = momentum * v - lr * grad; param += v``."""

    def __init__(self, lr=0.01, momentum=0.9):
        super().__init__(Dz.MomentumSGD.new(lr, momentum))

    lr = _c_property("lr", "The learning rate.")
    momentum = _c_property("momentum", "The momentum.")


class AdaGrad(_Builtin):
    """``h += grad ** 2; param -= lr * grad / (sqrt(h) + eps)``."""

    def __init__(self, lr=0.001, eps=1e-8):
        super().__init__(Dz.AdaGrad.new(lr, eps))

    lr = _c_property("lr", "The learning rate.")
    eps = _c_property("eps", "Added to the denominator.")


class AdaDelta(_Builtin):
    """Zeiler's AdaDelta, as DeZero's."""

    def __init__(self, rho=0.95, eps=1e-6):
        super().__init__(Dz.AdaDelta.new(rho, eps))

    rho = _c_property("rho", "The decay of the running averages.")
    eps = _c_property("eps", "Added inside the square roots.")


class Adam(_Builtin):
    """Adam, as DeZero's: ``t`` counts the updates, ``lr`` is ``alpha``
    with the bias corrections of step ``t``."""

    def __init__(self, alpha=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
        super().__init__(Dz.Adam.new(alpha, beta1, beta2, eps))

    alpha = _c_property("alpha", "The step size.")
    beta1 = _c_property("beta1", "The decay of the first moment.")
    beta2 = _c_property("beta2", "The decay of the second moment.")
    eps = _c_property("eps", "Added to the denominator.")

    @property
    def t(self):
        """The number of updates so far."""
        return self._dz.props.t

    @property
    def lr(self):
        """``alpha * sqrt(1 - beta2 ** t) / (1 - beta1 ** t)``."""
        t = self.t
        return self.alpha * math.sqrt(1.0 - math.pow(self.beta2, t)) / (1.0 - math.pow(self.beta1, t))


# Hooks

class _Hook:
    """A hook run in C (``self._dz``); calling it runs it on a list of
    parameters, as DeZero's hooks are called."""

    _dz = None

    def __call__(self, params):
        self._dz.apply(list(params))


class WeightDecay(_Hook):
    """``grad += rate * param``."""

    def __init__(self, rate):
        self._dz = Dz.WeightDecay.new(rate)

    rate = _c_property("rate", "The decay rate.")


class ClipGrad(_Hook):
    """Scales all gradients down together so that their total L2 norm is
    at most ``max_norm``."""

    def __init__(self, max_norm):
        self._dz = Dz.ClipGrad.new(max_norm)

    max_norm = _c_property("max-norm", "The largest total norm kept.")


class FreezeParam(_Hook):
    """Drops the gradients of the given layers' and parameters' parameters,
    so that they are not updated."""

    def __init__(self, *layers):
        self.freeze_params = []
        for layer in layers:
            if isinstance(layer, Parameter):
                self.freeze_params.append(layer)
            else:
                self.freeze_params.extend(layer.params())
        self._dz = Dz.FreezeParam.new(self.freeze_params)


__all__ = ["Optimizer", "SGD", "MomentumSGD", "AdaGrad", "AdaDelta", "Adam", "WeightDecay",
           "ClipGrad", "FreezeParam"]
