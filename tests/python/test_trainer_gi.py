# SPDX-License-Identifier: MIT
"""Dz.Trainer through GObject introspection: blocking and asynchronous
training with a GLib.MainLoop, signals on the main thread, cancellation,
errors and predictions while the worker trains."""

import math
import threading

import gi
import numpy as np
import pytest

gi.require_version("Dz", "1.0")
from gi.repository import Dz, Gio, GLib  # noqa: E402


def mlp(seed):
    return Dz.MLP.new([10, 3], Dz.MlpActivation.SIGMOID, Dz.Dtype.FLOAT64, Dz.Generator.new(seed))


def make_trainer(epochs, test=True):
    loader = Dz.DataLoader.new(Dz.Spiral.new(True), 30, True, 1)
    test_loader = Dz.DataLoader.new(Dz.Spiral.new(False), 100, False, 0) if test else None
    return Dz.Trainer.new(mlp(0), Dz.SGD.new(1.0), loader, test_loader, epochs)


class Recorder:
    def __init__(self, trainer):
        self.main = threading.get_ident()
        self.steps = []
        self.epochs = []
        self.done = False
        trainer.connect("step", self.on_step)
        trainer.connect("epoch-end", self.on_epoch_end)

    def on_step(self, trainer, epoch, step, loss):
        assert threading.get_ident() == self.main
        assert not self.done
        self.steps.append((epoch, step, loss))

    def on_epoch_end(self, trainer, epoch, loss, accuracy, rate, val_accuracy):
        assert threading.get_ident() == self.main
        assert not self.done
        assert self.steps[-1][:2] == (epoch, 10)
        self.epochs.append((epoch, loss, accuracy, rate, val_accuracy))


def run_async(trainer, cancellable=None):
    loop = GLib.MainLoop()
    outcome = {}

    def done(source, result):
        try:
            outcome["ok"] = source.train_finish(result)
        except GLib.Error as e:
            outcome["error"] = e
        loop.quit()

    trainer.train_async(cancellable, done)
    # (Not `assert trainer.props.running` here: a short training may have
    # ended in the worker already; test_cancel_while_paused checks it.)
    loop.run()
    return outcome


def test_blocking_loss_falls():
    trainer = make_trainer(10)
    trainer.props.progress_interval_ms = 0
    rec = Recorder(trainer)
    assert trainer.train(None)
    assert [e[0] for e in rec.epochs] == list(range(1, 11))
    assert len(rec.steps) == 100
    assert rec.epochs[0][1] > 1.0
    assert rec.epochs[-1][1] < rec.epochs[0][1]
    assert 0 <= rec.epochs[-1][4] <= 1


def test_async_signals_before_callback():
    trainer = make_trainer(5, test=False)
    trainer.props.progress_interval_ms = 0
    rec = Recorder(trainer)
    outcome = run_async(trainer)
    rec.done = True
    assert outcome == {"ok": True}
    assert not trainer.props.running
    assert len(rec.epochs) == 5 and len(rec.steps) == 50
    assert all(math.isnan(e[4]) for e in rec.epochs)


def test_busy_trainer_refuses():
    trainer = make_trainer(3)
    loop = GLib.MainLoop()
    results = []

    def done(source, result):
        try:
            results.append(source.train_finish(result))
        except GLib.Error as e:
            results.append(e)
        if len(results) == 2:
            loop.quit()

    trainer.train_async(None, done)
    with pytest.raises(GLib.Error) as info:
        trainer.train(None)
    assert info.value.matches(Dz.error_quark(), Dz.Error.REENTRANT)
    trainer.train_async(None, done)
    loop.run()
    errors = [r for r in results if isinstance(r, GLib.Error)]
    assert True in results and len(errors) == 1
    assert errors[0].matches(Dz.error_quark(), Dz.Error.REENTRANT)


def test_cancel():
    trainer = make_trainer(1000, test=False)
    trainer.props.progress_interval_ms = 0
    cancellable = Gio.Cancellable()
    rec = Recorder(trainer)
    trainer.connect("step", lambda *a: len(rec.steps) >= 3 and cancellable.cancel())
    outcome = run_async(trainer, cancellable)
    assert outcome["error"].matches(Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED)
    assert 3 <= len(rec.steps) < 10000
    # The model holds the last completed step's weights, which predict uses.
    x = np.random.default_rng(0).standard_normal((5, 2))
    y = trainer.predict(mlp(4), Dz.as_array(x))
    with Dz.no_grad():
        expected = trainer.get_model().call1(Dz.Variable(x)).data
    np.testing.assert_array_equal(np.asarray(y), np.asarray(expected))


def test_model_error_ends_training():
    loader = Dz.DataLoader.new(Dz.Spiral.new(True), 30, True, 1)
    model = Dz.LinearLayer.new_with_in_size(5, 3, False, Dz.Dtype.FLOAT64, Dz.Generator.new(0))
    trainer = Dz.Trainer.new(model, Dz.SGD.new(0.1), loader, None, 2)
    with pytest.raises(ValueError) as info:
        trainer.train(None)
    assert info.value.matches(Dz.error_quark(), Dz.Error.SHAPE_MISMATCH)
    outcome = run_async(trainer)
    assert isinstance(outcome["error"], ValueError)
    assert outcome["error"].matches(Dz.error_quark(), Dz.Error.SHAPE_MISMATCH)
    with pytest.raises(GLib.Error) as info:
        trainer.predict(model, Dz.as_array(np.zeros((2, 5))))
    assert info.value.matches(Dz.error_quark(), Dz.Error.INVALID_ARGUMENT)


def test_predict_while_training():
    loader = Dz.DataLoader.new(Dz.Spiral.new(True), 30, True, 1)
    model, opt = mlp(0), Dz.SGD.new(1.0)
    assert Dz.Trainer.new(model, opt, loader, None, 1).train(None)
    trainer = Dz.Trainer.new(model, opt, loader, None, 20)
    eval_model = mlp(1)
    x = Dz.as_array(np.random.default_rng(1).standard_normal((50, 2)))
    loop = GLib.MainLoop()
    predictions = []

    def predict():
        y = np.asarray(trainer.predict(eval_model, x))
        assert y.shape == (50, 3) and np.isfinite(y).all()
        predictions.append(y)
        return GLib.SOURCE_CONTINUE

    source = GLib.idle_add(predict)
    trainer.train_async(None, lambda *a: loop.quit())
    loop.run()
    GLib.source_remove(source)
    assert len(predictions) > 0



class Net(Dz.Layer):
    def __init__(self, seed):
        super().__init__()
        gen = Dz.Generator.new(seed)
        self.add_layer("l", Dz.LinearLayer.new_with_in_size(2, 3, False, Dz.Dtype.FLOAT64, gen))

    def do_forward(self, inputs):
        return [self.get_layer("l").call1(inputs[0])]


class FailingNet(Net):
    def do_forward(self, inputs):
        raise ZeroDivisionError("from the evaluation model")


def test_python_layers():
    # A Python model trains (blocking: its forward runs in this thread) and
    # a Python evaluation model's exception comes back from predict.
    loader = Dz.DataLoader.new(Dz.Spiral.new(True), 30, True, 1)
    trainer = Dz.Trainer.new(Net(0), Dz.SGD.new(1.0), loader, None, 2)
    losses = []
    trainer.connect("epoch-end", lambda t, epoch, loss, *rest: losses.append(loss))
    assert trainer.train(None)
    assert len(losses) == 2 and losses[1] < losses[0]
    x = Dz.as_array(np.zeros((4, 2)))
    y = np.asarray(trainer.predict(Net(5), x))
    assert y.shape == (4, 3)
    with pytest.raises(ZeroDivisionError):
        trainer.predict(FailingNet(6), x)
    with pytest.raises(ValueError):
        trainer.predict(mlp(1), x)


def test_python_layer_in_the_worker():
    # The worker calls the Python forward under the GIL; its exception ends
    # the training with FUNCTION_FAILED (the exception itself stays there).
    loader = Dz.DataLoader.new(Dz.Spiral.new(True), 30, True, 1)
    trainer = Dz.Trainer.new(Net(0), Dz.SGD.new(1.0), loader, None, 3)
    losses = []
    trainer.connect("epoch-end", lambda t, epoch, loss, *rest: losses.append(loss))
    assert run_async(trainer) == {"ok": True}
    assert len(losses) == 3 and losses[2] < losses[0]
    failing = Dz.Trainer.new(FailingNet(0), Dz.SGD.new(1.0), loader, None, 3)
    error = run_async(failing)["error"]
    assert error.matches(Dz.error_quark(), Dz.Error.FUNCTION_FAILED)
    assert "FailingNet" in error.message


def test_pause_and_resume():
    # Paused from a step handler, the worker stops at a step boundary: no
    # step arrives while paused; resumed, every epoch still runs.
    trainer = make_trainer(30, test=False)
    trainer.props.progress_interval_ms = 0
    rec = Recorder(trainer)
    notified = []
    trainer.connect("notify::paused", lambda t, pspec: notified.append(t.props.paused))
    seen = {}

    def on_step(t, epoch, step, loss):
        if len(rec.steps) == 3:
            t.props.paused = True
            GLib.timeout_add(300, settled)

    def settled():
        seen["settled"] = len(rec.steps)
        GLib.timeout_add(300, still)
        return GLib.SOURCE_REMOVE

    def still():
        seen["still"] = len(rec.steps)
        assert trainer.props.running and trainer.get_paused()
        trainer.set_paused(False)
        return GLib.SOURCE_REMOVE

    trainer.connect("step", on_step)
    assert run_async(trainer) == {"ok": True}
    assert seen["still"] == seen["settled"] < 300
    assert len(rec.steps) == 300 and len(rec.epochs) == 30
    assert notified == [True, False]


def test_cancel_while_paused():
    trainer = make_trainer(1000, test=False)
    cancellable = Gio.Cancellable()
    trainer.props.paused = True

    def cancel():
        assert trainer.props.running
        cancellable.cancel()
        return GLib.SOURCE_REMOVE

    GLib.timeout_add(100, cancel)
    outcome = run_async(trainer, cancellable)
    assert outcome["error"].matches(Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED)


@pytest.mark.parametrize("use_thread", [True, False])
def test_python_model_threaded_or_on_the_main_context(use_thread):
    # The same training in a worker or in slices on the main context (the
    # loop dispatches other sources meanwhile) gives the same losses.
    loader = Dz.DataLoader.new(Dz.Spiral.new(True), 30, True, 1)
    trainer = Dz.Trainer.new(Net(0), Dz.SGD.new(1.0), loader, None, 5)
    trainer.props.use_thread = use_thread
    losses = []
    trainer.connect("epoch-end", lambda t, epoch, loss, *rest: losses.append(loss))
    ticks = []
    source = GLib.timeout_add(1, lambda: ticks.append(1) or True)
    assert run_async(trainer) == {"ok": True}
    GLib.source_remove(source)
    reference = Dz.Trainer.new(Net(0), Dz.SGD.new(1.0),
                               Dz.DataLoader.new(Dz.Spiral.new(True), 30, True, 1), None, 5)
    expected = []
    reference.connect("epoch-end", lambda t, epoch, loss, *rest: expected.append(loss))
    assert reference.train(None)
    assert losses == expected
