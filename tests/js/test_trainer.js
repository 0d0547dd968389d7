// SPDX-License-Identifier: MIT
// Dz.Trainer from GJS: `await trainer.train_async(cancellable)` through
// Gio._promisify, progress signals on the main context before the promise
// settles, cancellation, errors, predictions while the worker trains, and
// nothing left live.
import Gio from 'gi://Gio';
import GLib from 'gi://GLib';
import GObject from 'gi://GObject';
import Dz from 'gi://Dz?version=1.0';
import {test, run, assert, isDzError, liveCounts} from './harness.js';

// A GJS exception log (or a call into JS from another thread) is a failure.
GLib.log_set_always_fatal(GLib.LogLevelFlags.LEVEL_CRITICAL | GLib.LogLevelFlags.LEVEL_ERROR);

Gio._promisify(Dz.Trainer.prototype, 'train_async', 'train_finish');

const F64 = Dz.Dtype.FLOAT64;
const mlp = seed => Dz.MLP.new([10, 3], Dz.MlpActivation.SIGMOID, F64, Dz.Generator.new(seed));

function makeTrainer(epochs, withTest = true) {
    const loader = Dz.DataLoader.new(Dz.Spiral.new(true), 30, true, 1);
    const testLoader = withTest ? Dz.DataLoader.new(Dz.Spiral.new(false), 100, false, 0) : null;
    return Dz.Trainer.new(mlp(0), Dz.SGD.new(1.0), loader, testLoader, epochs);
}

// Runs an async function to its end on a GLib.MainLoop of the default
// context, where the trainer emits its signals and settles its promise.
function runAsync(fn) {
    const loop = new GLib.MainLoop(null, false);
    let failure = null, value;
    fn().then(v => {
        value = v;
    }, e => {
        failure = e;
    }).finally(() => loop.quit());
    loop.run();
    if (failure)
        throw failure;
    return value;
}

// Records the signals; every handler checks that it runs on the main
// context (which the loop owns; a blocking training emits from the caller
// without one) and before the training settled.
function record(trainer, state) {
    state.steps = [];
    state.epochs = [];
    state.settled = false;
    trainer.connect('step', (_t, epoch, step, loss) => {
        assert(state.blocking || GLib.MainContext.default().is_owner(), 'step off the main context');
        assert(!state.settled, 'step after the promise settled');
        state.steps.push([epoch, step, loss]);
        if (state.cancelAfter && state.steps.length === state.cancelAfter)
            state.cancellable.cancel();
    });
    trainer.connect('epoch-end', (_t, epoch, loss, accuracy, rate, valAccuracy) => {
        assert(state.blocking || GLib.MainContext.default().is_owner(),
            'epoch-end off the main context');
        assert(!state.settled, 'epoch-end after the promise settled');
        const last = state.steps[state.steps.length - 1];
        assert(last[0] === epoch && last[1] === 10, `last step ${last} before epoch ${epoch}'s end`);
        state.epochs.push([epoch, loss, accuracy, rate, valAccuracy]);
    });
}

test('await train_async: the loss falls, signals first', () => {
    const trainer = makeTrainer(8);
    trainer.progress_interval_ms = 0;
    const state = {};
    record(trainer, state);
    const ok = runAsync(async () => {
        const result = await trainer.train_async(null);
        state.settled = true;
        return result;
    });
    assert(ok === true, `train_finish gave ${ok}`);
    assert(!trainer.running);
    assert(state.epochs.length === 8 && state.steps.length === 80,
        `${state.epochs.length} epochs, ${state.steps.length} steps`);
    const first = state.epochs[0], last = state.epochs[7];
    print(`# loss ${first[1].toFixed(4)} -> ${last[1].toFixed(4)}, validation ${last[4].toFixed(3)}`);
    assert(first[1] > 1 && last[1] < first[1], `loss ${first[1]} -> ${last[1]}`);
    assert(last[4] >= 0 && last[4] <= 1 && last[3] > 0);
});

test('blocking train, NaN validation without a test loader', () => {
    const trainer = makeTrainer(2, false);
    const state = {blocking: true};
    record(trainer, state);
    assert(trainer.train(null) === true);
    assert(state.epochs.length === 2 && Number.isNaN(state.epochs[1][4]));
});

test('cancel: G_IO_ERROR_CANCELLED after a few steps; a busy trainer refuses', () => {
    const trainer = makeTrainer(1000, false);
    trainer.progress_interval_ms = 0;
    const state = {cancellable: new Gio.Cancellable(), cancelAfter: 3};
    record(trainer, state);
    const error = runAsync(async () => {
        const promise = trainer.train_async(state.cancellable);
        let busy = null;
        try {
            trainer.train(null);
        } catch (e) {
            busy = e;
        }
        assert(busy && isDzError(Dz.Error.REENTRANT)(busy), `busy: ${busy}`);
        try {
            await promise;
        } catch (e) {
            return e;
        }
        return null;
    });
    assert(error && error.matches(Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED), `${error}`);
    assert(state.steps.length >= 3 && state.steps.length < 10000);
    assert(!trainer.running);
});

test('a model error ends the training with it', () => {
    const loader = Dz.DataLoader.new(Dz.Spiral.new(true), 30, true, 1);
    const model = Dz.LinearLayer.new_with_in_size(5, 3, false, F64, Dz.Generator.new(0));
    const trainer = Dz.Trainer.new(model, Dz.SGD.new(0.1), loader, null, 2);
    const error = runAsync(async () => {
        try {
            await trainer.train_async(null);
        } catch (e) {
            return e;
        }
        return null;
    });
    assert(error && isDzError(Dz.Error.SHAPE_MISMATCH)(error), `${error}`);
});

test('predict on published weights while the worker trains', () => {
    const loader = Dz.DataLoader.new(Dz.Spiral.new(true), 30, true, 1);
    const model = mlp(0), optimizer = Dz.SGD.new(1.0);
    Dz.Trainer.new(model, optimizer, loader, null, 1).train(null);
    const trainer = Dz.Trainer.new(model, optimizer, loader, null, 15);
    const evalModel = mlp(1);
    const x = Dz.Array.new_zeros([20, 2]);
    let predictions = 0;
    runAsync(async () => {
        const promise = trainer.train_async(null);
        let done = false;
        promise.finally(() => {
            done = true;
        });
        while (!done) {
            const y = trainer.predict(evalModel, x);
            assert(y.shape[0] === 20 && y.shape[1] === 3);
            assert(Array.from(y.toTypedArray()).every(Number.isFinite));
            predictions++;
            // Let the main context run the signals and the completion.
            // eslint-disable-next-line no-await-in-loop
            await new Promise(resolve => GLib.idle_add(GLib.PRIORITY_DEFAULT, () => {
                resolve();
                return GLib.SOURCE_REMOVE;
            }));
        }
        await promise;
    });
    print(`# ${predictions} predictions during the training`);
    assert(predictions > 0);
});

// A model written in JavaScript: the override trains it on the main
// context (GJS cannot run JavaScript in the worker), in slices between
// which the loop dispatches other sources, with the result of a blocking
// training and no objects piling up for the garbage collector.
const SpiralNet = Dz.Model.register(class SpiralNet extends Dz.Model {
    constructor(seed, failAt = 0) {
        super();
        const generator = Dz.Generator.new(seed);
        this.l1 = new Dz.LinearLayer({out_size: 10, generator, dtype: F64});
        this.l2 = new Dz.LinearLayer({out_size: 3, generator, dtype: F64});
        this.calls = 0;
        this.failAt = failAt;
    }

    forward(x) {
        if (++this.calls === this.failAt)
            throw new RangeError('SpiralNet failed on purpose');
        return this.l2.call(Dz.sigmoid(this.l1.call(x)));
    }
});

function spiralNetTrainer(epochs, model) {
    const loader = Dz.DataLoader.new(Dz.Spiral.new(true), 30, true, 1);
    const testLoader = Dz.DataLoader.new(Dz.Spiral.new(false), 100, false, 0);
    return Dz.Trainer.new(model, Dz.Adam.new(0.01, 0.9, 0.999, 1e-8), loader, testLoader, epochs);
}

test('a JS model trains on the main context, as a blocking training does', () => {
    const blocking = spiralNetTrainer(20, new SpiralNet(0));
    const expected = {blocking: true};
    record(blocking, expected);
    blocking.progress_interval_ms = 0;
    assert(blocking.train(null) === true);

    const trainer = spiralNetTrainer(20, new SpiralNet(0));
    const state = {};
    record(trainer, state);
    trainer.progress_interval_ms = 0;
    assert(trainer.use_thread === true);
    const live = [];
    trainer.connect('epoch-end', () => live.push(liveCounts()));
    let ticks = 0;
    const tick = GLib.timeout_add(GLib.PRIORITY_DEFAULT, 1, () => {
        ticks++;
        return GLib.SOURCE_CONTINUE;
    });
    runAsync(async () => {
        await trainer.train_async(null);
        state.settled = true;
    });
    GLib.source_remove(tick);
    assert(trainer.use_thread === false, 'the override did not unset use-thread');
    assert(state.epochs.length === 20 && state.steps.length === 200);
    for (let i = 0; i < 20; i++) {
        assert(state.epochs[i][1] === expected.epochs[i][1], `epoch ${i + 1}'s loss differs`);
        assert(state.epochs[i][4] === expected.epochs[i][4], `epoch ${i + 1}'s validation differs`);
    }
    // Each slice's objects are released with it: flat from the 2nd epoch.
    assert(live.slice(1).every(c => c.join() === live[1].join()), `live counts grew: ${live.join(' | ')}`);
    print(`# main context: ${ticks} timeouts dispatched during the training`);
    assert(ticks > 0);
});

test('a JS model that throws ends the main-context training with an error', () => {
    const trainer = spiralNetTrainer(3, new SpiralNet(0, 5));
    const error = runAsync(async () => {
        try {
            await trainer.train_async(null);
        } catch (e) {
            return e;
        }
        return null;
    });
    print(`# ${error}`);
    assert(`${error}`.includes('SpiralNet failed on purpose'), `${error}`);
    assert(!trainer.running);
});

test('pause and resume: no step while paused, every epoch in the end', () => {
    const trainer = makeTrainer(20, false);
    trainer.progress_interval_ms = 0;
    const state = {};
    record(trainer, state);
    const paused = [];
    trainer.connect('notify::paused', () => paused.push(trainer.paused));
    const seen = {};
    trainer.connect('step', () => {
        if (state.steps.length !== 3)
            return;
        trainer.paused = true;
        GLib.timeout_add(GLib.PRIORITY_DEFAULT, 300, () => {
            seen.settled = state.steps.length;
            GLib.timeout_add(GLib.PRIORITY_DEFAULT, 300, () => {
                seen.still = state.steps.length;
                assert(trainer.running && trainer.paused);
                trainer.paused = false;
                return GLib.SOURCE_REMOVE;
            });
            return GLib.SOURCE_REMOVE;
        });
    });
    runAsync(async () => {
        await trainer.train_async(null);
        state.settled = true;
    });
    assert(seen.still === seen.settled && seen.settled < 200, `${seen.settled} then ${seen.still}`);
    assert(state.steps.length === 200 && state.epochs.length === 20);
    assert(paused.join() === 'true,false');
});

// At module level: a class defined inside a test would close over the
// test's variables (the trainer), and the dataset holding its instance
// would keep them alive, a cycle through a GC root.
const Jitter = GObject.registerClass(class Jitter extends Dz.Transform {
    vfunc_apply(x) {
        this.calls = (this.calls ?? 0) + 1;
        return x.scale(1.0);
    }
});

test('a JS transform on the data also keeps the training on the main context', () => {
    const dataset = Dz.Spiral.new(true);
    const jitter = new Jitter();
    dataset.set_transform(jitter);
    const trainer = Dz.Trainer.new(mlp(0), Dz.SGD.new(1.0), Dz.DataLoader.new(dataset, 30, true, 1), null, 2);
    runAsync(async () => {
        await trainer.train_async(null);
    });
    assert(trainer.use_thread === false && jitter.calls === 600, `${trainer.use_thread} ${jitter.calls}`);
});

run();
