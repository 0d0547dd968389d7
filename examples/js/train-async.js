// SPDX-License-Identifier: MIT
// Training that never blocks the main loop, from GJS: DeZero's step 48
// (spiral, MLP 10-3, SGD lr 1.0, 300 epochs) run by a Dz.Trainer in a
// worker thread and awaited as a promise; the progress arrives on the main
// loop, which classifies a few points with the latest published weights
// every 20 ms meanwhile.
//
//   scripts/example.sh examples/js/train-async.js [--cancel-after MS]

import Dz from 'gi://Dz';
import Gio from 'gi://Gio';
import GLib from 'gi://GLib';
import System from 'system';

Gio._promisify(Dz.Trainer.prototype, 'train_async', 'train_finish');

const args = System.programArgs;
const at = args.indexOf('--cancel-after');
const cancelAfter = at >= 0 ? Number(args[at + 1]) : 0;

const loader = Dz.DataLoader.new(Dz.Spiral.new(true), 30, true, 0);
const model = Dz.MLP.new([10, 3], Dz.MlpActivation.SIGMOID, Dz.Dtype.FLOAT64, null);
const evalModel = Dz.MLP.new([10, 3], Dz.MlpActivation.SIGMOID, Dz.Dtype.FLOAT64, null);
const trainer = Dz.Trainer.new(model, Dz.SGD.new(1.0), loader, null, 300);
const cancellable = new Gio.Cancellable();
const points = Dz.array([[0.0, 0.5], [-0.5, 0.0], [0.3, -0.3]]);
let steps = 0, predictions = 0;

trainer.connect('step', () => {
    steps++;
});
trainer.connect('epoch-end', (_t, epoch, loss, accuracy, samplesPerS) => {
    if (epoch === 1 || epoch % 30 === 0) {
        print(`epoch ${String(epoch).padStart(3)}  loss ${loss.toFixed(4)}  ` +
              `accuracy ${accuracy.toFixed(3)}  ${samplesPerS.toFixed(0).padStart(8)} samples/s`);
    }
});
const predictId = GLib.timeout_add(GLib.PRIORITY_DEFAULT, 20, () => {
    try {
        trainer.predict(evalModel, points);
        predictions++;
    } catch (e) {
        // nothing published before the first step
    }
    return GLib.SOURCE_CONTINUE;
});
if (cancelAfter > 0) {
    GLib.timeout_add(GLib.PRIORITY_DEFAULT, cancelAfter, () => {
        cancellable.cancel();
        return GLib.SOURCE_REMOVE;
    });
}

const loop = new GLib.MainLoop(null, false);
const start = GLib.get_monotonic_time();
trainer.train_async(cancellable).then(() => {}, e => {
    if (e instanceof GLib.Error && e.matches(Gio.IOErrorEnum, Gio.IOErrorEnum.CANCELLED))
        print('cancelled: the model holds the weights of the last completed step');
    else
        print(`training failed: ${e.message}`);
}).finally(() => loop.quit());
loop.run();
GLib.source_remove(predictId);
print(`${((GLib.get_monotonic_time() - start) / 1e6).toFixed(2)} s; the main loop saw ${steps} ` +
      `step reports and made ${predictions} predictions meanwhile`);
