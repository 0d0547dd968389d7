#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Training that never blocks a GLib main loop, from Python: DeZero's step
48 (spiral, MLP 10-3, SGD lr 1.0, 300 epochs) run by a Dz.Trainer in a
worker thread; the progress arrives on the main loop, which classifies a
few points with the latest published weights every 20 ms meanwhile.

    scripts/example.sh examples/python/train_async.py [--cancel-after MS]
"""

import sys
import time

import gi

gi.require_version("Dz", "1.0")
from gi.repository import Dz, Gio, GLib  # noqa: E402
import numpy as np  # noqa: E402

cancel_after = int(sys.argv[sys.argv.index("--cancel-after") + 1]) if "--cancel-after" in sys.argv else 0

loader = Dz.DataLoader.new(Dz.Spiral.new(True), 30, True, 0)
model = Dz.MLP.new([10, 3], Dz.MlpActivation.SIGMOID, Dz.Dtype.FLOAT64, None)
eval_model = Dz.MLP.new([10, 3], Dz.MlpActivation.SIGMOID, Dz.Dtype.FLOAT64, None)
trainer = Dz.Trainer.new(model, Dz.SGD.new(1.0), loader, None, 300)
loop = GLib.MainLoop()
cancellable = Gio.Cancellable()
seen = {"steps": 0, "predictions": 0}
points = np.array([[0.0, 0.5], [-0.5, 0.0], [0.3, -0.3]])


def on_epoch_end(trainer, epoch, loss, accuracy, samples_per_s, test_accuracy):
    if epoch == 1 or epoch % 30 == 0:
        print(f"epoch {epoch:3d}  loss {loss:.4f}  accuracy {accuracy:.3f}  "
              f"{samples_per_s:8.0f} samples/s")


def on_step(trainer, epoch, step, loss):
    seen["steps"] += 1


def predict_now():
    try:
        trainer.predict(eval_model, Dz.as_array(points))
        seen["predictions"] += 1
    except GLib.Error:
        pass  # nothing published before the first step
    return GLib.SOURCE_CONTINUE


def on_trained(trainer, result):
    try:
        trainer.train_finish(result)
    except GLib.Error as error:
        if error.matches(Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED):
            print("cancelled: the model holds the weights of the last completed step")
        else:
            print("training failed:", error.message)
    loop.quit()


trainer.connect("epoch-end", on_epoch_end)
trainer.connect("step", on_step)
GLib.timeout_add(20, predict_now)
if cancel_after:
    GLib.timeout_add(cancel_after, lambda: cancellable.cancel() or GLib.SOURCE_REMOVE)
start = time.perf_counter()
trainer.train_async(cancellable, on_trained)
loop.run()
print(f"{time.perf_counter() - start:.2f} s; the main loop saw {seen['steps']} step reports "
      f"and made {seen['predictions']} predictions meanwhile")
