// SPDX-License-Identifier: MIT
// Neural networks from GJS (issue 11): layers and JS layer classes,
// optimizers against hand-computed steps, datasets and `for…of` over a
// loader, weights saved and loaded, a training run, and nothing left live.
import Gio from 'gi://Gio';
import GLib from 'gi://GLib';
import GObject from 'gi://GObject';
import Dz from 'gi://Dz?version=1.0';
import {test, run, assert, assertClose, isDzError, liveCounts} from './harness.js';

// A GJS exception log is a failure.
GLib.log_set_always_fatal(GLib.LogLevelFlags.LEVEL_CRITICAL | GLib.LogLevelFlags.LEVEL_ERROR);

const F64 = Dz.Dtype.FLOAT64;
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
const values = v => Array.from((v instanceof Dz.Variable ? v.data : v).toTypedArray());
const param = (vals, shape, name) => Dz.Parameter.new(Dz.Array.new_from_values(vals.flat(), shape), name);
const mlp = (sizes, seed, activation = Dz.MlpActivation.SIGMOID) =>
    Dz.MLP.new(sizes, activation, F64, Dz.Generator.new(seed));

// SpiderMonkey keeps the first closure a call site saw, and what it
// captured, alive (see callFromC() in the override): the closures of this
// file capture no Dz object, and calls expected to throw go through
// throwsFrom(object, method, ...args) instead of a closure.
function throwsFrom(object, method, ...args) {
    try {
        object[method](...args);
    } catch (e) {
        return e;
    }
    throw new Error(`${method} did not throw`);
}

function assertError(e, check) {
    assert(check(e), `wrong exception ${e}`);
    return e;
}

function assertSameParams(a, b) {
    const pa = a.params(), pb = b.params();
    assert(pa.length === pb.length);
    for (let i = 0; i < pa.length; i++)
        assert(same(values(pa[i]), values(pb[i])), `${a.list_parameter_names()[i]} differs`);
}

function assertAllClose(actual, expected, tol, message = '') {
    assert(actual.length === expected.length, `${message} length ${actual.length} != ${expected.length}`);
    actual.forEach((a, i) => assertClose(a, expected[i], tol, `${message}[${i}]`));
}

// A dataset whose sample i is x = [i, 2i], t = i: a batch says which
// samples it holds.
function indexDataset(n) {
    const x = Dz.Array.fromTypedArray(Float64Array.from({length: 2 * n}, (_, k) => (k >> 1) * (1 + (k & 1))), [n, 2]);
    const t = Dz.Array.fromTypedArray(BigInt64Array.from({length: n}, (_, i) => BigInt(i)), [n]);
    return Dz.Dataset.new(x, t);
}

// Every batch of one `for…of` epoch, as label lists, checking x against t.
function epochLabels(loader) {
    const batches = [];
    for (const [x, t] of loader) {
        const labels = Array.from(t.toTypedArray(), Number);
        const xs = Array.from(x.toTypedArray());
        labels.forEach((i, r) => assert(xs[2 * r] === i && xs[2 * r + 1] === 2 * i, `row ${r} of batch is not sample ${i}`));
        batches.push(labels);
    }
    return batches;
}

function tmpDir() {
    return GLib.dir_make_tmp('dz-js-nn-XXXXXX');
}

function removeTree(dir) {
    const enumerator = Gio.File.new_for_path(dir).enumerate_children('standard::name', Gio.FileQueryInfoFlags.NONE, null);
    for (let info = enumerator.next_file(null); info !== null; info = enumerator.next_file(null))
        GLib.unlink(GLib.build_filenamev([dir, info.get_name()]));
    enumerator.close(null);
    GLib.rmdir(dir);
}

// ---- layers ----

test('Linear infers its input size; W then b', () => {
    const layer = new Dz.LinearLayer({out_size: 3, generator: Dz.Generator.new(0)});
    assert(layer.get_parameter('W').get_data() === null, 'W before the first call');
    const y = layer.call(Dz.Array.new_ones([2, 4]));
    assert(y instanceof Dz.Variable && same(y.shape, [2, 3]), `${y.shape}`);
    assert(layer.get_in_size() === 4 && same(layer.get_parameter('W').shape, [4, 3]));
    assert(same(layer.list_parameter_names(), ['W', 'b']));
    const ps = layer.params();
    assert(ps.length === 2 && ps.every(p => p instanceof Dz.Parameter));
});

test('MLP forward shapes, names and order', () => {
    const model = mlp([10, 7, 3], 1);
    const y = model.call(Dz.array([[1, 2], [3, 4], [5, 6], [7, 8], [9, 10]]));
    assert(same(y.shape, [5, 3]), `${y.shape}`);
    assert(same(model.list_parameter_names(), ['l0.W', 'l0.b', 'l1.W', 'l1.b', 'l2.W', 'l2.b']));
    const shapes = model.params().map(p => p.shape);
    assert(same(shapes, [[2, 10], [10], [10, 7], [7], [7, 3], [3]]), JSON.stringify(shapes));
    // The same order twice, the same objects.
    const first = model.params(), again = model.params();
    for (let i = 0; i < first.length; i++)
        assert(first[i] === again[i]);
    // A data batch gets no gradient: only parameters do.
    const x = Dz.asInput(Dz.array([[1, 2]]));
    assert(!x.get_requires_grad());
    Dz.sum(model.call(x)).backward();
    assert(x.grad === null && model.params().every(p => p.grad !== null));
});

test('layer.call takes variables, arrays, nested numbers, several inputs', () => {
    const layer = new Dz.LinearLayer({out_size: 2, generator: Dz.Generator.new(3)});
    const a = values(layer.call(Dz.Variable.new(Dz.array([[1, 2, 3]]))));
    assert(same(values(layer.call([[1, 2, 3]])), a));
    assert(same(values(layer.call(Dz.array([[1, 2, 3]]))), a));
    assert(same(values(layer.call([Dz.array([[1, 2, 3]])])), a));
    const x = Dz.Variable.new(Dz.array([[1, 2, 3]]));
    Dz.sum(layer.call(x)).backward();
    assert(x.grad !== null, 'a variable input keeps its gradient');
});

// The DeZero layer of steps 44-45, with a parameter of its own and
// built-in ops between the sub-layers.
const TwoLayerNet = Dz.Layer.register(class TwoLayerNet extends Dz.Layer {
    constructor(hidden, out, seed) {
        super();
        const generator = Dz.Generator.new(seed);
        this.l1 = new Dz.LinearLayer({out_size: hidden, generator});
        this.l2 = new Dz.LinearLayer({out_size: out, generator});
        this.scale = Dz.Parameter.new(Dz.Array.new_scalar(2), 'scale');
        this.hidden = hidden;
    }

    forward(x) {
        const h = Dz.sigmoid(this.l1.call(x));
        return this.l2.call(h).mul(this.scale).add(Dz.sum(h, 1, true));
    }
});

test('a JS Layer class: forward with built-in ops, attributes registered in order', () => {
    const model = new TwoLayerNet(4, 1, 0);
    assert(model instanceof TwoLayerNet && model instanceof Dz.Layer);
    assert(same(model.list_parameter_names(), ['l1.W', 'l1.b', 'l2.W', 'l2.b', 'scale']),
        `${model.list_parameter_names()}`);
    assert(model.get_layer('l1') === model.l1 && model.get_parameter('scale') === model.scale);
    const x = Dz.array([[0.5], [-1], [2]]);
    const y = model.call(x);
    assert(same(y.shape, [3, 1]));

    // The same computation written out with the layer's own parameters.
    const [W1, b1, W2, b2, s] = model.params();
    const h = Dz.sigmoid(Dz.linear(Dz.asInput(x), W1, b1));
    const expected = Dz.add(Dz.mul(Dz.linear(h, W2, b2), s), Dz.sum(h, 1, true));
    assertAllClose(values(y), values(expected), 1e-15);

    Dz.sum(y).backward();
    // d sum(y) / d scale = sum of l2's outputs.
    assertClose(s.grad.data.item(), values(Dz.linear(h, W2, b2)).reduce((a, b) => a + b), 1e-12);
    assert(model.params().every(p => p.grad !== null && same(p.grad.shape, p.shape)));
});

test('a JS Layer class can be subclassed again', () => {
    const Deeper = Dz.Layer.register(class Deeper extends TwoLayerNet {
        constructor() {
            super(3, 2, 1);
            this.head = new Dz.LinearLayer({out_size: 1, generator: Dz.Generator.new(2)});
        }

        forward(x) {
            return this.head.call(Dz.relu(super.forward(x)));
        }
    });
    const model = new Deeper();
    assert(same(model.list_parameter_names(), ['l1.W', 'l1.b', 'l2.W', 'l2.b', 'scale', 'head.W', 'head.b']));
    assert(same(model.call([[1], [2]]).shape, [2, 1]));
});

test('GObject.registerClass with vfunc_forward: several outputs', () => {
    const Split = GObject.registerClass(class Split extends Dz.Layer {
        vfunc_forward(inputs) {
            return [Dz.mul_scalar(inputs[0], 2), Dz.add(inputs[0], inputs[1])];
        }
    });
    const [a, b] = new Split().call(Dz.array([1, 2]), Dz.array([10, 20]));
    assert(same(values(a), [2, 4]) && same(values(b), [11, 22]));
});

test('errors in forward arrive as exceptions', () => {
    class Marker extends Error {}
    const marker = new Marker('from forward');
    const Throwing = Dz.Layer.register(class Throwing extends Dz.Layer {
        forward(x) {
            throw marker;
        }
    });
    const Wrapper = Dz.Layer.register(class Wrapper extends Dz.Layer {
        constructor() {
            super();
            this.inner = new Throwing();
        }

        forward(x) {
            return this.inner.call(x);
        }
    });
    // The same object, through C and through a layer around it.
    assert(throwsFrom(new Throwing(), 'call', [1]) === marker);
    assert(throwsFrom(new Wrapper(), 'call', [1]) === marker);

    const NotAVariable = Dz.Layer.register(class NotAVariable extends Dz.Layer {
        forward(x) {
            return 42;
        }
    });
    assertError(throwsFrom(new NotAVariable(), 'call', [1]), e => e instanceof TypeError && /returned number/.test(e.message));

    // A library error inside forward: a GLib.Error in Dz.Error.
    const Mismatch = Dz.Layer.register(class Mismatch extends Dz.Layer {
        forward(x) {
            return Dz.add(x, Dz.asInput(Dz.Array.new_ones([5])));
        }
    });
    assertError(throwsFrom(new Mismatch(), 'call', Dz.Array.new_ones([3])), isDzError(Dz.Error.SHAPE_MISMATCH));
    // Through a plain C call too, with the layer named.
    assertError(throwsFrom(new Mismatch(), 'call1', Dz.Variable.new(Dz.Array.new_ones([3]))),
        e => isDzError(Dz.Error.SHAPE_MISMATCH)(e) && e.message.includes('forward'));
    // A layer without forward.
    const Empty = Dz.Layer.register(class Empty extends Dz.Layer {});
    assertError(throwsFrom(new Empty(), 'call', [1]), isDzError(Dz.Error.FUNCTION_FAILED));
    // A linear layer given a matrix of the wrong width.
    const linear = Dz.LinearLayer.new_with_in_size(3, 2, false, F64, null);
    assertError(throwsFrom(linear, 'call', Dz.Array.new_ones([1, 4])), isDzError(Dz.Error.SHAPE_MISMATCH));
});

test('cleargrads clears every gradient, sub-layers included', () => {
    const model = new TwoLayerNet(3, 1, 4);
    Dz.sum(model.call([[1], [2]])).backward();
    assert(model.params().every(p => p.grad !== null));
    model.cleargrads();
    assert(model.params().every(p => p.grad === null));
    // Gradients accumulate without it.
    const s = model.scale;
    Dz.sum(model.call([[1]])).backward();
    const once = s.grad.data.item();
    Dz.sum(model.call([[1]])).backward();
    assertClose(s.grad.data.item(), 2 * once, 1e-14);
});

test('a JS Model class, and the MLP is a Model', () => {
    const Classifier = Dz.Model.register(class Classifier extends Dz.Model {
        constructor() {
            super();
            this.body = Dz.MLP.new([6, 4], Dz.MlpActivation.RELU, F64, Dz.Generator.new(0));
        }

        forward(x) {
            return Dz.softmax(this.body.call(x), 1);
        }
    });
    const model = new Classifier();
    assert(model instanceof Dz.Model && Dz.MLP.new([2], 0, F64, null) instanceof Dz.Model);
    assert(same(model.list_parameter_names(), ['body.l0.W', 'body.l0.b', 'body.l1.W', 'body.l1.b']));
    const p = values(model.call([[1, 2, 3], [0, 0, 1]]));
    assertClose(p.slice(0, 4).reduce((a, b) => a + b), 1, 1e-15);
});

test('model.plot draws the computation of a data batch', () => {
    const dir = tmpDir();
    try {
        const path = GLib.build_filenamev([dir, 'model.dot']);
        const model = mlp([4, 2], 0);
        assert(model.plot(Dz.Array.new_ones([3, 2]), path) === true);
        const [, bytes] = GLib.file_get_contents(path);
        const text = new TextDecoder().decode(bytes);
        assert(text.includes('digraph') && /Linear|linear/.test(text) && text.includes('(3, 2)'), text.slice(0, 300));
        assertError(throwsFrom(model, 'plot', [Dz.Array.new_ones([3, 5])], path), isDzError(Dz.Error.SHAPE_MISMATCH));
    } finally {
        removeTree(dir);
    }
});

test('dropout in train mode, none in Dz.test_mode, and the mode restored on a throw', () => {
    assert(Dz.get_train());
    const x = Dz.Array.new_ones([1000]);
    const kept = values(Dz.dropout(x, 0.25, Dz.Generator.new(0)));
    // Inverted dropout: a kept value is scaled by 1 / (1 - ratio).
    assert(kept.every(v => v === 0 || Math.abs(v - 4 / 3) < 1e-15));
    const zeros = kept.filter(v => v === 0).length;
    assert(zeros > 200 && zeros < 300, `${zeros} dropped`);
    const same1 = Dz.test_mode(() => {
        assert(!Dz.get_train());
        return values(Dz.dropout(x, 0.25));
    });
    assert(same1.every(v => v === 1) && Dz.get_train());
    class Marker extends Error {}
    let thrown = null;
    try {
        Dz.test_mode(() => {
            throw new Marker();
        });
    } catch (e) {
        thrown = e;
    }
    assert(thrown instanceof Marker && Dz.get_train());
});

// ---- optimizers, one or two steps against the formulas written out ----

// A layer holding two parameters with known gradients: loss = sum(g * p)
// gives each parameter the gradient g.
const Fixed = Dz.Layer.register(class Fixed extends Dz.Layer {
    constructor() {
        super();
        this.a = param([0.5, -1.5, 2], [3], 'a');
        this.b = param([[1, -2], [0.25, 4]], [2, 2], 'b');
    }

    forward(ga, gb) {
        return Dz.add(Dz.sum(Dz.mul(this.a, ga)), Dz.sum(Dz.mul(this.b, gb)));
    }
});
const GRADS = [[[0.1, -0.3, 2.5], [[1, -0.5], [0, 3]]], [[-0.7, 0.2, 1], [[0.5, 0.5], [-2, 1]]]];

// Runs `steps` updates of the optimizer and of `rule`, a function of
// (state per element, p, g) that returns the new p, and compares.
function checkOptimizer(optimizer, makeState, rule, steps, tol) {
    const model = new Fixed();
    assert(optimizer.setup(model) === optimizer, 'setup returns the optimizer');
    const expected = model.params().map(p => values(p));
    const states = expected.map(ps => ps.map(() => makeState()));
    for (let step = 0; step < steps; step++) {
        const [ga, gb] = GRADS[step];
        model.cleargrads();
        model.call(ga, gb).backward();
        optimizer.update();
        [ga, gb.flat()].forEach((gs, k) => {
            expected[k] = expected[k].map((p, i) => rule(states[k][i], p, gs[i], step + 1));
        });
    }
    model.params().forEach((p, k) => assertAllClose(values(p), expected[k], tol, p.get_name()));
}

test('SGD step', () => {
    checkOptimizer(new Dz.SGD({lr: 0.3}), () => ({}), (s, p, g) => p - 0.3 * g, 2, 1e-15);
});

test('MomentumSGD steps', () => {
    checkOptimizer(new Dz.MomentumSGD({lr: 0.1, momentum: 0.8}), () => ({v: 0}), (s, p, g) => {
        s.v = 0.8 * s.v - 0.1 * g;
        return p + s.v;
    }, 2, 1e-15);
});

test('AdaGrad steps', () => {
    checkOptimizer(new Dz.AdaGrad({lr: 0.05, eps: 1e-8}), () => ({h: 0}), (s, p, g) => {
        s.h += g * g;
        return p - 0.05 * g / (Math.sqrt(s.h) + 1e-8);
    }, 2, 1e-14);
});

test('AdaDelta steps', () => {
    checkOptimizer(new Dz.AdaDelta({rho: 0.9, eps: 1e-6}), () => ({msg: 0, msdx: 0}), (s, p, g) => {
        s.msg = 0.9 * s.msg + 0.1 * g * g;
        const dx = Math.sqrt((s.msdx + 1e-6) / (s.msg + 1e-6)) * g;
        s.msdx = 0.9 * s.msdx + 0.1 * dx * dx;
        return p - dx;
    }, 2, 1e-13);
});

test('Adam steps, to 1e-12 in float64', () => {
    const [alpha, beta1, beta2, eps] = [0.01, 0.9, 0.999, 1e-8];
    checkOptimizer(new Dz.Adam({alpha, beta1, beta2, eps}), () => ({m: 0, v: 0}), (s, p, g, t) => {
        const lr = alpha * Math.sqrt(1 - beta2 ** t) / (1 - beta1 ** t);
        s.m += (1 - beta1) * (g - s.m);
        s.v += (1 - beta2) * (g * g - s.v);
        return p - lr * s.m / (Math.sqrt(s.v) + eps);
    }, 2, 1e-12);
});

test('WeightDecay hook with SGD', () => {
    const optimizer = new Dz.SGD({lr: 0.5});
    optimizer.add_hook(Dz.WeightDecay.new(0.1));
    checkOptimizer(optimizer, () => ({}), (s, p, g) => p - 0.5 * (g + 0.1 * p), 1, 1e-15);
});

test('setup follows the layer: a lazily created weight is updated', () => {
    const layer = new Dz.LinearLayer({out_size: 2, generator: Dz.Generator.new(5)});
    const optimizer = new Dz.SGD({lr: 1}).setup(layer);
    const y = layer.call([[1, 2, 3]]);
    Dz.sum(y).backward();
    const W = values(layer.get_parameter('W'));
    optimizer.update();
    // d sum(x W + b) / dW = x^T 1: row i is x_i.
    const x = [1, 2, 3];
    assertAllClose(values(layer.get_parameter('W')), W.map((w, k) => w - x[k >> 1]), 1e-15);
    assert(same(values(layer.get_parameter('b')), [-1, -1]));
});

// ---- datasets and loaders ----

test('dataset length, at(), iteration, bad index', () => {
    const spiral = Dz.Spiral.new(true);
    assert(spiral.length === 300);
    const [x, t] = spiral.at(7);
    assert(same(x.shape, [2]) && t.dtype === 'int64');
    const [xl] = spiral.at(-1);
    const [xe] = spiral.at(299);
    assert(same(values(xl), values(xe)));
    assertError(throwsFrom(spiral, 'at', 300), isDzError(Dz.Error.INDEX_OUT_OF_RANGE));
    assertError(throwsFrom(spiral, 'at', -301), isDzError(Dz.Error.INDEX_OUT_OF_RANGE));
    let n = 0;
    for (const [xi, ti] of indexDataset(5)) {
        assert(same(values(xi), [n, 2 * n]) && Number(ti.toTypedArray()[0]) === n);
        n++;
    }
    assert(n === 5);
});

test('a loader covers every sample once per epoch, in order without shuffle', () => {
    const loader = Dz.DataLoader.new(indexDataset(10), 3, false, 0);
    assert(loader.length === 4);
    for (let epoch = 0; epoch < 3; epoch++)
        assert(same(epochLabels(loader), [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]), `epoch ${epoch}`);
    loader.set_drop_last(true);
    assert(loader.length === 3 && same(epochLabels(loader), [[0, 1, 2], [3, 4, 5], [6, 7, 8]]));
});

test('a loader covers every sample once per epoch with shuffle, a new order each epoch', () => {
    const loader = Dz.DataLoader.new(indexDataset(23), 5, true, 42);
    const orders = [];
    for (let epoch = 0; epoch < 3; epoch++) {
        const batches = epochLabels(loader);
        assert(same(batches.map(b => b.length), [5, 5, 5, 5, 3]));
        const flat = batches.flat();
        assert(same([...flat].sort((a, b) => a - b), [...Array(23).keys()]), `epoch ${epoch}: ${flat}`);
        orders.push(flat.join());
    }
    assert(new Set(orders).size === 3, 'the same order twice');
    // The same seed, the same epochs.
    const again = Dz.DataLoader.new(indexDataset(23), 5, true, 42);
    assert(epochLabels(again).flat().join() === orders[0]);
});

test('leaving a loop early starts the next loop at a new epoch', () => {
    const loader = Dz.DataLoader.new(indexDataset(10), 4, false, 0);
    for (const [, t] of loader) {
        assert(same(Array.from(t.toTypedArray(), Number), [0, 1, 2, 3]));
        break;
    }
    assert(same(epochLabels(loader), [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]));
    class Stop extends Error {}
    let stopped = false;
    try {
        for (const _ of loader)
            throw new Stop();
    } catch (e) {
        stopped = e instanceof Stop;
    }
    assert(stopped);
    assert(epochLabels(loader).flat().length === 10);
    // Destructuring takes the first batch and leaves: the batch is kept.
    const [[x, t]] = loader;
    assert(same(values(x), [0, 0, 1, 2, 2, 4, 3, 6]) && same(Array.from(t.toTypedArray(), Number), [0, 1, 2, 3]));
    assert(epochLabels(loader).flat().length === 10);
});

test('a dataset written in JS feeds a loader', () => {
    const Squares = GObject.registerClass(class Squares extends Dz.Dataset {
        vfunc_get_length() {
            return 5;
        }

        vfunc_get_item(i) {
            return [true, Dz.array([i, i * i]), Dz.array(i, 'int64')];
        }
    });
    const dataset = new Squares();
    assert(dataset.length === 5 && same(values(dataset.at(3)[0]), [3, 9]));
    const batches = [];
    for (const [x, t] of Dz.DataLoader.new(dataset, 2, false, 0))
        batches.push([values(x), Array.from(t.toTypedArray(), Number)]);
    assert(same(batches, [[[0, 0, 1, 1], [0, 1]], [[2, 4, 3, 9], [2, 3]], [[4, 16], [4]]]), JSON.stringify(batches));
});

// DeZero's transforms.py: f(x) = x / 2 - 1 per sample, then flattened.
const Halve = GObject.registerClass(class Halve extends Dz.Transform {
    vfunc_apply(x) {
        return x.scale(0.5);
    }
});

test('transforms: built-in ones batch by batch, a JS one sample by sample', () => {
    const n = 6;
    const data = Dz.Array.fromTypedArray(Float64Array.from({length: n * 4}, (_, k) => k), [n, 2, 2]);
    const labels = Dz.Array.fromTypedArray(BigInt64Array.from({length: n}, (_, i) => BigInt(i)), [n]);
    const dataset = Dz.Dataset.new(data, labels);
    dataset.set_transform(Dz.ComposeTransform.new([new Halve(), Dz.NormalizeTransform.new(1, 1),
        Dz.FlattenTransform.new()]));
    const [x3] = dataset.at(3);
    assert(same(x3.shape, [4]) && same(values(x3), [5, 5.5, 6, 6.5]), `${x3}`);
    const seen = [];
    for (const [x, t] of Dz.DataLoader.new(dataset, 4, false, 0)) {
        assert(same(x.shape, [t.shape[0], 4]) && x.dtype === 'float64');
        seen.push(...values(x));
    }
    assert(same(seen, Array.from({length: n * 4}, (_, k) => k / 2 - 1)), `${seen}`);
    // Only built-in transforms: the loader's batch path.
    dataset.set_transform(Dz.ComposeTransform.new([Dz.FlattenTransform.new(), Dz.AstypeTransform.new(Dz.Dtype.FLOAT32)]));
    for (const [x] of Dz.DataLoader.new(dataset, 6, false, 0))
        assert(same(x.shape, [6, 4]) && x.dtype === 'float32' && values(x)[23] === 23);
});

test('a loader loop releases each batch; Dz.keep spares a value', () => {
    const model = mlp([8, 3], 0);
    model.call(Dz.Array.new_zeros([1, 2]));
    const loader = Dz.DataLoader.new(Dz.Spiral.new(true), 10, true, 1);
    const before = liveCounts();
    let kept = null;
    let peak = [0, 0, 0];
    for (const [x, t] of loader) {
        const loss = Dz.softmax_cross_entropy(model.call(x), t);
        model.cleargrads();
        loss.backward();
        kept ??= Dz.keep(loss);
        peak = peak.map((p, k) => Math.max(p, liveCounts()[k]));
    }
    const after = liveCounts();
    // 30 batches: bounded by one step's objects, not growing with them.
    assert(peak[0] < before[0] + 60 && peak[1] < before[1] + 40, `peak ${peak}, before ${before}`);
    // The kept loss (and its graph) survives, the rest is gone.
    assert(Number.isFinite(kept.data.item()));
    assert(after[0] - before[0] < 30, `after ${after}, before ${before}`);
});

// ---- weights ----

test('save_weights then load_weights: the same parameters and outputs', () => {
    const dir = tmpDir();
    try {
        const path = GLib.build_filenamev([dir, 'w.safetensors']);
        const a = mlp([6, 3], 1);
        const x = Dz.array([[0.5, -0.25], [1, 2]]);
        const ya = values(a.call(x));
        a.save_weights(path);
        const b = mlp([6, 3], 2);
        b.call(Dz.Array.new_zeros([1, 2]));
        assert(!same(values(b.call(x)), ya));
        b.load_weights(path);
        assert(same(values(b.call(x)), ya));
        assertSameParams(a, b);
        // A JS layer class too, and into a model not called yet.
        const c = new TwoLayerNet(4, 1, 0);
        const column = [[0.5], [1]];
        const yc = values(c.call(column));
        c.save_weights(path);
        const d = new TwoLayerNet(4, 1, 9);
        d.load_weights(path);
        assert(same(values(d.call(column)), yc));
    } finally {
        removeTree(dir);
    }
});

test('bad weight files throw and change no parameter', () => {
    const dir = tmpDir();
    try {
        const file = name => GLib.build_filenamev([dir, name]);
        const model = mlp([5, 3], 3);
        model.call(Dz.Array.new_zeros([1, 2]));
        const saved = mlp([5, 3], 3);
        saved.call(Dz.Array.new_zeros([1, 2]));

        // A good file of another model, then broken copies of it.
        const other = mlp([5, 3], 4);
        other.call(Dz.Array.new_zeros([1, 2]));
        other.save_weights(file('good.safetensors'));
        const [, bytes] = GLib.file_get_contents(file('good.safetensors'));

        GLib.file_set_contents(file('truncated.safetensors'), bytes.slice(0, bytes.length - 7));
        assertError(throwsFrom(model, 'load_weights', file('truncated.safetensors')), isDzError(Dz.Error.INVALID_FILE));
        assertSameParams(model, saved);

        GLib.file_set_contents(file('header.safetensors'), bytes.slice(0, 20));
        assertError(throwsFrom(model, 'load_weights', file('header.safetensors')), isDzError(Dz.Error.INVALID_FILE));
        assertSameParams(model, saved);

        // Wrong shapes: hidden 4 instead of 5; the last layer's bias fits.
        const narrow = mlp([4, 3], 5);
        narrow.call(Dz.Array.new_zeros([1, 2]));
        narrow.save_weights(file('shapes.safetensors'));
        const shapes = assertError(throwsFrom(model, 'load_weights', file('shapes.safetensors')),
            isDzError(Dz.Error.SHAPE_MISMATCH));
        print(`# wrong shapes: ${shapes.message}`);
        assertSameParams(model, saved);

        // Missing keys: a model of one layer has only l0.W and l0.b.
        const single = mlp([5], 6);
        single.call(Dz.Array.new_zeros([1, 2]));
        single.save_weights(file('missing.safetensors'));
        const missing = assertError(throwsFrom(model, 'load_weights', file('missing.safetensors')),
            e => isDzError(Dz.Error.INVALID_FILE)(e) && /l1\.[Wb]/.test(e.message));
        print(`# missing keys: ${missing.message}`);
        assertSameParams(model, saved);

        assertError(throwsFrom(model, 'load_weights', file('absent.safetensors')), e => e instanceof GLib.Error);
        assertSameParams(model, saved);

        // And the good file still loads.
        model.load_weights(file('good.safetensors'));
        assertSameParams(model, other);
    } finally {
        removeTree(dir);
    }
});

// ---- training ----

test('spiral training (step 48 setup, fewer epochs): the loss falls below 0.5', () => {
    const model = mlp([10, 3], 0);
    const optimizer = new Dz.SGD({lr: 1}).setup(model);
    const loader = Dz.DataLoader.new(Dz.Spiral.new(true), 30, true, 0);
    let first = 0, last = 0;
    for (let epoch = 0; epoch < 150; epoch++) {
        let sum = 0;
        for (const [x, t] of loader) {
            const loss = Dz.softmax_cross_entropy(model.call(x), t);
            model.cleargrads();
            loss.backward();
            optimizer.update();
            sum += loss.data.item() * t.shape[0];
        }
        last = sum / 300;
        if (epoch === 0)
            first = last;
    }
    print(`# spiral: loss ${first.toFixed(4)} after epoch 1, ${last.toFixed(4)} after 150`);
    assert(first > 1 && last < 0.5, `loss ${first} -> ${last}`);
    const [data, label] = Dz.Spiral.new(true).get_arrays().slice(1);
    const acc = Dz.no_grad(() => Dz.accuracy(model.call(data), label).data.item());
    assert(acc > 0.8, `accuracy ${acc}`);
});

// Module level: a class defined in a function keeps that function's
// variables alive as long as its methods are (see throwsFrom).
const SinNet = Dz.Layer.register(class SinNet extends Dz.Layer {
    constructor(hidden, seed) {
        super();
        const generator = Dz.Generator.new(seed);
        this.l1 = new Dz.LinearLayer({out_size: hidden, generator});
        this.l2 = new Dz.LinearLayer({out_size: 1, generator});
    }

    forward(x) {
        return this.l2.call(Dz.sigmoid(this.l1.call(x)));
    }
});

// DeZero's step 44 data: y = sin(2 pi x) + uniform noise. In a function of
// its own: the closure given to map() would keep every variable of the
// function it is written in that some closure uses (the model, in the
// test) alive.
function sinData() {
    const gen = Dz.Generator.new(0);
    const x = Dz.Array.new_uniform([100, 1], gen);
    const noise = Dz.Array.new_uniform([100, 1], gen).toTypedArray();
    const y = x.toTypedArray().map((v, i) => Math.sin(2 * Math.PI * v) + noise[i]);
    return [x, Dz.Array.fromTypedArray(y, [100, 1])];
}

test('sin regression with a JS layer class and Adam, each step in Dz.tidy: the loss falls below 0.1', () => {
    const [x, y] = sinData();
    const model = new SinNet(10, 1);
    const optimizer = new Dz.Adam({alpha: 0.1}).setup(model);
    let loss0 = 0, loss = 0;
    for (let i = 0; i < 800; i++) {
        loss = Dz.tidy(() => {
            const l = Dz.mean_squared_error(model.call(x), y);
            model.cleargrads();
            l.backward();
            optimizer.update();
            return l.data.item();
        });
        if (i === 0)
            loss0 = loss;
        // The data, the parameters and their gradients; nothing grows.
        const live = liveCounts();
        assert(live[0] <= 12 && live[1] <= 8 && live[2] === 0, `step ${i}: live ${live}`);
    }
    print(`# sin: loss ${loss0.toFixed(4)} -> ${loss.toFixed(4)} in 800 Adam steps`);
    // The noise is uniform in [0, 1): its variance, 1/12 = 0.083, is the floor.
    assert(loss0 > 0.5 && loss < 0.1, `loss ${loss0} -> ${loss}`);
});

run();
