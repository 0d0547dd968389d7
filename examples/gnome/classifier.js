// SPDX-License-Identifier: MIT
// The model side of the app, no widgets: the Fashion-MNIST data, a C
// Dz.MLP trained by a Dz.Trainer in its worker thread, predictions from
// the trainer's published weights, and the weights files.
//
// Threading rule (see DzTrainer): while the trainer runs, the model, the
// optimizer and the loaders belong to its worker. This object only touches
// them when no training runs; predictions and saving go through a second
// model (evalModel) that trainer.predict() loads the latest weights into.
import GObject from 'gi://GObject';
import Gio from 'gi://Gio';
import GLib from 'gi://GLib';
import Dz from 'gi://Dz?version=1.0';
import System from 'system';

Gio._promisify(Dz.Trainer.prototype, 'train_async', 'train_finish');

export const CLASS_NAMES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat',
    'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

const N_INPUTS = 784;
const N_CLASSES = CLASS_NAMES.length;
const BATCH_SIZE = 100;
// Each prediction leaves about 3 KB of native memory behind small JS
// wrappers (the scope, emptied arrays, a GBytes), which the collector,
// counting only its own heap, would let pile up by the hundred megabytes.
// A full collection of this small heap takes about a millisecond.
const PREDICTIONS_PER_GC = 200;

// The first n samples of a dataset as a dataset over two arrays.
function firstSamples(dataset, n) {
    if (n <= 0 || n >= dataset.length)
        return dataset;
    const indices = Array.from({length: n}, (_, i) => i);
    const [, x, t] = dataset.get_batch(indices);
    return Dz.Dataset.new(x, t);
}

export const Classifier = GObject.registerClass({
    GTypeName: 'FtClassifier',
    Properties: {
        'running': GObject.ParamSpec.boolean('running', 'Running', 'Whether a training runs',
            GObject.ParamFlags.READABLE, false),
        'description': GObject.ParamSpec.string('description', 'Description',
            'The model in a few words', GObject.ParamFlags.READABLE, ''),
    },
    Signals: {
        // epochs: completed epochs as a fraction (the x of the plot), the
        // fraction of this training done, seconds left, the batch loss
        'progress': {param_types: [GObject.TYPE_DOUBLE, GObject.TYPE_DOUBLE,
            GObject.TYPE_DOUBLE, GObject.TYPE_DOUBLE, GObject.TYPE_UINT, GObject.TYPE_UINT]},
        // epochs (x), train loss, train accuracy, test accuracy
        'epoch-end': {param_types: [GObject.TYPE_DOUBLE, GObject.TYPE_DOUBLE,
            GObject.TYPE_DOUBLE, GObject.TYPE_DOUBLE]},
        // a new model (loaded, or the first): the history is another one's
        'model-changed': {},
        // a training ended: null when it ran through, else the error
        'finished': {param_types: [GObject.TYPE_JSOBJECT]},
    },
}, class Classifier extends GObject.Object {
    // trainSize: 0 for all 60,000 training images, else the first n.
    constructor({hidden = 1000, trainSize = 0, seed = 0} = {}) {
        super();
        this._seed = seed;
        this._running = false;
        this._predictions = 0;
        this._cancellable = null;
        this._epochsDone = 0;
        const train = firstSamples(Dz.FashionMNIST.new(true), trainSize);
        this._test = Dz.FashionMNIST.new(false);
        this._loader = Dz.DataLoader.new(train, BATCH_SIZE, true, seed);
        this._testLoader = Dz.DataLoader.new(this._test, 1000, false, 0);
        this._testImages = this._test.get_images()[0].toArray();
        this._testLabels = this._test.get_labels().toTypedArray();
        this._setModel(this._newModel(hidden, Dz.Dtype.FLOAT32, Dz.Generator.new(seed)));
    }

    get running() {
        return this._running;
    }

    get description() {
        const dtype = Dz.dtype_get_name(this._dtype);
        return `MLP ${N_INPUTS}-${this._hidden}-${N_CLASSES}, ${dtype}, ` +
            `${this._loader.get_dataset().length} training images`;
    }

    // Epochs trained in this session, a fraction after a stop.
    get epochsDone() {
        return this._epochsDone;
    }

    get testSize() {
        return this._testLabels.length;
    }

    get batchesPerEpoch() {
        return this._loader.length;
    }

    // Test image i: 784 values in [0, 1] and its label.
    testImage(i) {
        const pixels = new Float32Array(N_INPUTS);
        const bytes = this._testImages.subarray(i * N_INPUTS, (i + 1) * N_INPUTS);
        for (let k = 0; k < N_INPUTS; k++)
            pixels[k] = bytes[k] / 255;
        return [pixels, Number(this._testLabels[i])];
    }

    _newModel(hidden, dtype, generator) {
        const model = Dz.MLP.new([hidden, N_CLASSES], Dz.MlpActivation.RELU, dtype, generator);
        return {model, hidden, dtype};
    }

    // A model gets its first layer's weights on its first call; the
    // trainer publishes the weights it has when it is made.
    _setModel({model, hidden, dtype}) {
        Dz.tidy(() => {
            Dz.no_grad(() => model.call(Dz.Array.new_zeros([1, N_INPUTS]).astype(dtype)));
            return null;
        });
        this._model = model;
        this._hidden = hidden;
        this._dtype = dtype;
        this._evalModel = this._newModel(hidden, dtype, null).model;
        this._optimizer = Dz.Adam.new(0.001, 0.9, 0.999, 1e-8);
        this._trainer = this._newTrainer(1);
        this._epochsDone = 0;
        this.notify('description');
        this.emit('model-changed');
    }

    _newTrainer(epochs) {
        const trainer = Dz.Trainer.new(this._model, this._optimizer, this._loader,
            this._testLoader, epochs);
        trainer.progress_interval_ms = 100;
        return trainer;
    }

    _setRunning(running) {
        this._running = running;
        this.notify('running');
    }

    // Trains for `epochs` more epochs in the trainer's worker; resolves
    // when it ended (also when stopped). The signals arrive meanwhile.
    async train(epochs) {
        if (this._running)
            throw new Error('A training is already running');
        const trainer = this._newTrainer(epochs);
        const nBatches = this._loader.length;
        const total = epochs * nBatches;
        const base = this._epochsDone;
        const start = GLib.get_monotonic_time();
        const stepId = trainer.connect('step', (_t, epoch, step, loss) => {
            const done = (epoch - 1) * nBatches + step;
            const seconds = (GLib.get_monotonic_time() - start) / 1e6;
            const left = seconds * (total - done) / done;
            this._epochsDone = base + done / nBatches;
            this.emit('progress', base + done / nBatches, done / total, left, loss, epoch, epochs);
        });
        const epochId = trainer.connect('epoch-end', (_t, epoch, loss, accuracy, _rate, testAccuracy) => {
            this.emit('epoch-end', base + epoch, loss, accuracy, testAccuracy);
        });
        this._trainer = trainer;
        this._cancellable = new Gio.Cancellable();
        this._setRunning(true);
        let failure = null;
        try {
            await trainer.train_async(this._cancellable);
        } catch (e) {
            failure = e;
        } finally {
            trainer.disconnect(stepId);
            trainer.disconnect(epochId);
            this._cancellable = null;
            // A stopped epoch's steps count: the model keeps them.
            this._setRunning(false);
        }
        const cancelled = failure instanceof GLib.Error &&
            failure.matches(Gio.IOErrorEnum, Gio.IOErrorEnum.CANCELLED);
        this.emit('finished', cancelled ? null : failure);
        return !failure;
    }

    // The worker stops at its next step boundary.
    stop() {
        this._cancellable?.cancel();
    }

    // The worker waits at its next step boundary until resumed (or
    // stopped); predictions go on from the weights it has published.
    get paused() {
        return this._running && this._trainer.paused;
    }

    set paused(paused) {
        if (this._running)
            this._trainer.paused = paused;
    }

    // The 10 class probabilities of one image (784 values in [0, 1]),
    // from the weights the trainer published last: while it trains too.
    predict(pixels) {
        // A scope frees the arrays now, not when the garbage collector
        // runs. Opened by hand rather than with Dz.tidy(): no signal round
        // trip per prediction, and no callback from C, which GJS 1.74 skips
        // while a collection sweeps. The input comes from the typed array,
        // not a GLib.Bytes: each GBytes holds a copy the collector does not
        // see (about 100 MB of them piled up before it ran).
        const scope = Dz.Scope.new();
        let logits;
        try {
            const x = Dz.Array.new_from_values(pixels, [1, N_INPUTS]).astype(this._dtype);
            logits = Array.from(this._trainer.predict(this._evalModel, x).toTypedArray());
        } finally {
            scope.close();
        }
        if (++this._predictions % PREDICTIONS_PER_GC === 0) {
            GLib.idle_add(GLib.PRIORITY_DEFAULT_IDLE, () => {
                System.gc();
                return GLib.SOURCE_REMOVE;
            });
        }
        const max = Math.max(...logits);
        const exps = logits.map(v => Math.exp(v - max));
        const sum = exps.reduce((a, b) => a + b, 0);
        return exps.map(v => v / sum);
    }

    // Saves the latest published weights, also while training runs.
    save(path) {
        Dz.tidy(() => {
            this._trainer.predict(this._evalModel, Dz.Array.new_zeros([1, N_INPUTS]).astype(this._dtype));
            return null;
        });
        this._evalModel.save_weights(path);
    }

    // Loads a file the C, Python or GJS examples saved: an MLP
    // 784-H-10 ("l0.W", "l0.b", "l1.W", "l1.b"), of any H and float dtype.
    // Throws, leaving the current model, when the file does not fit.
    load(path) {
        if (this._running)
            throw new Error('Stop the training before opening weights');
        const file = Dz.Safetensors.load(path);
        const shapeOf = name => {
            if (!file.contains(name))
                throw new Error(`${GLib.path_get_basename(path)} has no tensor “${name}”: not a 784-H-10 MLP`);
            return file.get_array(name).shape;
        };
        const w0 = shapeOf('l0.W'), b0 = shapeOf('l0.b'), w1 = shapeOf('l1.W'), b1 = shapeOf('l1.b');
        if (w0.length !== 2 || w1.length !== 2 || w0[0] !== N_INPUTS || w1[1] !== N_CLASSES ||
            w1[0] !== w0[1] || b0.length !== 1 || b0[0] !== w0[1] || b1.length !== 1 ||
            b1[0] !== N_CLASSES) {
            throw new Error(`${GLib.path_get_basename(path)} holds an MLP ` +
                `${w0.join('×')} + ${b0.join('×')}, ${w1.join('×')} + ${b1.join('×')}: ` +
                `this app needs ${N_INPUTS}-H-${N_CLASSES}`);
        }
        const dtype = file.get_array('l0.W').get_dtype();
        if (dtype === Dz.Dtype.INT64)
            throw new Error(`${GLib.path_get_basename(path)} holds integer weights`);
        const next = this._newModel(w0[1], dtype, null);
        next.model.load_weights(path);
        this._setModel(next);
    }
});
