// SPDX-License-Identifier: MIT
// The GJS override of Dz-1.0: JavaScript idioms on top of the typelib.
//
// GJS runs `_init` of overrides/<Namespace>.js, found in every `gjs-1.0`
// directory of $XDG_DATA_DIRS (by default /usr/local/share and /usr/share)
// and in every directory of $GJS_PATH, the first time the namespace is
// imported, with `this` set to the namespace. So a plain
// `import Dz from 'gi://Dz?version=1.0'` (or `imports.gi.Dz`) gets it.
// GJS loads it as a legacy script: no import or export statements here.

/* exported _init */

const {GLib, GObject} = imports.gi;

// The typed array of each dtype, by DzDtype value.
const TYPED = [Float64Array, Float32Array, BigInt64Array];

// Python's repr: `variable([1. 2.])`, `array([[1. 2.]\n       [3. 4.]])`.
function variableToString() {
    return this.to_string();
}

function arrayToString() {
    // NumPy names the dtype in a repr unless it is a default one.
    const dtype = this.get_dtype() === 1 /* Dz.Dtype.FLOAT32 */ ? ', dtype=float32' : '';
    return `array(${this.to_string().replace(/\n/g, '\n      ')}${dtype})`;
}

function defineMethod(prototype, name, method) {
    Object.defineProperty(prototype, name, {
        value: method,
        writable: true,
        configurable: true,
        enumerable: false,
    });
}

function defineGetters(prototype, getters) {
    for (const [name, get] of Object.entries(getters)) {
        Object.defineProperty(prototype, name, {
            get,
            configurable: true,
            enumerable: false,
        });
    }
}

// Calls a function of the caller's and returns or throws what it does.
//
// It is never called from a JS call site: SpiderMonkey's first stub at a
// site holds the exact function object it saw, so the first closure that
// made a site hot, and everything it captured, stays alive until the JIT
// code is dropped (System.gc() from JS keeps it), once more for each copy
// of the site inlined into a hot caller. So a loop of Dz.tidy blocks would
// keep one block's objects forever. GObject runs signal handlers from C,
// where no copy of the site is made, and the one site is warmed up below
// with a closure that captures nothing. (A C callback such as dz_no_grad()
// would do, but GJS 1.74 frees the callback of an introspected function
// twice when the function is called again from inside it.)
const Runner = GObject.registerClass({
    GTypeName: 'DzGjsRunner',
    Signals: {'run': {}},
}, class Runner extends GObject.Object {});

// One per nesting depth: an emission runs every handler connected.
const runners = [];
let depth = 0;

function callFromC(func, args) {
    const runner = runners[depth] ??= new Runner();
    let ran = false, returned = false, value, exception;
    const id = runner.connect('run', () => {
        ran = true;
        try {
            value = func(...args);
            returned = true;
        } catch (e) {
            exception = e;
        }
    });
    depth++;
    try {
        runner.emit('run');
    } finally {
        depth--;
        runner.disconnect(id);
    }
    // GJS 1.74 skips a handler (with a critical "during the sweeping phase
    // of GC") while an incremental collection is sweeping, and until the
    // main loop runs its next slice every callback from C is skipped, so a
    // loop of Dz.tidy blocks that allocates fast fails from then on. A
    // full collection ends the sweep; the function is called from here.
    if (!ran) {
        imports.system.gc();
        return func(...args);
    }
    if (!returned)
        throw exception;
    return value;
}

for (let i = 0; i < 50; i++)
    callFromC(() => null, []);

// The scopes this override opened and has not closed yet, innermost last:
// Dz.tidy's and those of loops over a Dz.DataLoader. Dz.keep() spares a
// value from all of them.
const openScopes = [];

function _init() {
    const Dz = this;

    defineMethod(Dz.Variable.prototype, 'toString', variableToString);
    defineMethod(Dz.Array.prototype, 'toString', arrayToString);

    defineGetters(Dz.Variable.prototype, {
        // null without data, as DeZero's None. A 0-d value always has one
        // element, so ndim 0 with size 0 means no data; asking that way
        // avoids get_data(), which makes an array for an inline scalar.
        shape() {
            if (this.get_ndim() > 0)
                return this.get_shape();
            return this.get_size() === 0 ? null : [];
        },
        ndim() {
            return this.get_ndim();
        },
        size() {
            return this.get_size();
        },
    });
    defineGetters(Dz.Array.prototype, {
        shape() {
            return this.get_shape();
        },
        ndim() {
            return this.get_ndim();
        },
        size() {
            return this.get_size();
        },
    });

    tensorIdioms(Dz);

    const isDzObject = value =>
        value instanceof Dz.Array || value instanceof Dz.Variable || value instanceof Dz.Function;

    // What tf.tidy keeps: a Dz object, or the ones inside arrays and plain
    // objects, at any depth.
    function keepAll(scope, value, seen = new Set()) {
        if (isDzObject(value)) {
            scope.keep(value);
        } else if (value !== null && typeof value === 'object' && !seen.has(value) &&
                   (Array.isArray(value) || Object.getPrototypeOf(value) === Object.prototype)) {
            seen.add(value);
            Object.values(value).forEach(v => keepAll(scope, v, seen));
        }
    }

    // GJS would log an exception thrown in the callback of dz_tidy() or
    // dz_no_grad() and hand C a NULL, and could return only a GObject: the
    // same steps, done here, let any value and any exception through.
    Dz.tidy = function tidy(func) {
        const scope = Dz.Scope.new();
        openScopes.push(scope);
        try {
            const result = callFromC(func, []);
            keepAll(scope, result);
            return result;
        } finally {
            openScopes.splice(openScopes.lastIndexOf(scope), 1);
            scope.close();
        }
    };

    Dz.no_grad = function no_grad(func) {
        const previous = Dz.set_enable_backprop(false);
        try {
            return callFromC(func, []);
        } finally {
            Dz.set_enable_backprop(previous);
        }
    };

    // The differentiated function is called by C: an exception thrown in it
    // is parked and thrown again, the same object, once C gives up with its
    // generic error. Calling it through callFromC() also lets an
    // introspected function itself be passed (`Dz.numerical_diff(Dz.square,
    // x)`), which GJS 1.74 refuses as a callback with an abort.
    const running = new Set();
    function callingBack(name, cFunction, func, ...args) {
        if (running.has(cFunction))
            throw new Error(`Dz.${name}() cannot be called inside Dz.${name}() in GJS 1.74 (it frees the callback twice)`);
        let thrown = false, exception;
        const callback = x => {
            try {
                const y = callFromC(func, [x]);
                if (!(y instanceof Dz.Variable))
                    throw new TypeError(`the function must return a Dz.Variable, not ${y === null ? 'null' : typeof y}`);
                return y;
            } catch (e) {
                if (!thrown) {
                    thrown = true;
                    exception = e;
                }
                return null;
            }
        };
        running.add(cFunction);
        try {
            return cFunction(callback, ...args);
        } catch (e) {
            throw thrown ? exception : e;
        } finally {
            running.delete(cFunction);
        }
    }

    const cNumericalDiff = Dz.numerical_diff;
    const cGradientCheck = Dz.gradient_check;

    // DeZero's defaults: eps 1e-4, rtol 1e-4, atol 1e-5.
    Dz.numerical_diff = function numerical_diff(func, x, eps = 1e-4) {
        return callingBack('numerical_diff', cNumericalDiff, func, x, eps);
    };

    Dz.gradient_check = function gradient_check(func, x, eps = 1e-4, rtol = 1e-4, atol = 1e-5) {
        return callingBack('gradient_check', cGradientCheck, func, x, eps, rtol, atol);
    };

    nnIdioms(Dz, keepAll);
    convIdioms(Dz);
}

// NumPy-style idioms for arrays and variables: typed arrays in and out
// without a per-element loop, dtypes by name, shapes and axes as JS arrays,
// x.T, x.reshape(...), x.sum(axis), x.getItem(...) and the operators as
// methods.
function tensorIdioms(Dz) {
    const dtypeOf = name => {
        if (typeof name === 'number')
            return name;
        const [ok, dtype] = Dz.dtype_from_name(name);
        if (!ok)
            throw new TypeError(`unknown dtype ${name}: float64, float32 or int64`);
        return dtype;
    };

    // A typed array's bytes as GBytes: one copy, as a block.
    const bytesOf = typed => new GLib.Bytes(new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength));

    // Dz.Array.fromTypedArray(new Float32Array([...]), [2, 3])
    Dz.Array.fromTypedArray = function fromTypedArray(typed, shape = [typed.length]) {
        const dtype = TYPED.findIndex(T => typed instanceof T);
        if (dtype < 0)
            throw new TypeError('expected a Float64Array, Float32Array or BigInt64Array');
        return Dz.Array.new_from_bytes(bytesOf(typed), dtype, shape);
    };

    // Dz.array([[1, 2], [3, 4]], 'float32'): from nested JS arrays, typed
    // arrays or numbers.
    Dz.array = function array(values, dtype = undefined) {
        if (values instanceof Dz.Array)
            return dtype === undefined ? values : values.astype(dtypeOf(dtype));
        if (ArrayBuffer.isView(values)) {
            const a = Dz.Array.fromTypedArray(values);
            return dtype === undefined ? a : a.astype(dtypeOf(dtype));
        }
        const shape = [];
        for (let v = values; Array.isArray(v); v = v[0])
            shape.push(v.length);
        const flat = shape.length ? values.flat(shape.length - 1) : [values];
        if (flat.some(v => typeof v !== 'number'))
            throw new TypeError('Dz.array() takes numbers in nested arrays of one shape');
        const a = Dz.Array.new_from_values(flat, shape);
        return dtype === undefined ? a : a.astype(dtypeOf(dtype));
    };

    defineMethod(Dz.Array.prototype, 'toTypedArray', function toTypedArray() {
        const T = TYPED[this.get_dtype()];
        const bytes = this.get_bytes().toArray();
        // toArray() gives a fresh buffer; its start is aligned for any type.
        return new T(bytes.buffer, bytes.byteOffset, this.get_size());
    });

    defineGetters(Dz.Array.prototype, {
        dtype() {
            return Dz.dtype_get_name(this.get_dtype());
        },
    });

    const asVariable = x => {
        if (x instanceof Dz.Variable)
            return x;
        return Dz.Variable.new(x instanceof Dz.Array ? x : Dz.array(x));
    };
    Dz.asVariable = asVariable;

    // An axis argument: a number, an array of numbers, or null/undefined
    // for every axis.
    const axesOf = axis => axis === null || axis === undefined ? null
        : Array.isArray(axis) ? axis : [axis];

    const proto = Dz.Variable.prototype;
    defineGetters(proto, {
        dtype() {
            return Dz.dtype_get_name(this.get_dtype());
        },
        T() {
            return Dz.transpose(this, null);
        },
    });

    const shapeArgs = args => args.length === 1 && Array.isArray(args[0]) ? args[0] : args;
    defineMethod(proto, 'reshape', function reshape(...shape) {
        return Dz.reshape(this, shapeArgs(shape));
    });
    defineMethod(proto, 'transpose', function transpose(...axes) {
        const list = shapeArgs(axes);
        return Dz.transpose(this, list.length ? list : null);
    });
    defineMethod(proto, 'toTypedArray', function toTypedArray() {
        return this.get_data().toTypedArray();
    });

    // Operators as methods: a number keeps the variable's dtype, anything
    // else is broadcast with NumPy's rules.
    const binary = (vectorOp, scalarOp) => function (other) {
        if (typeof other === 'number' && scalarOp)
            return scalarOp(this, other);
        return vectorOp(this, asVariable(other));
    };
    defineMethod(proto, 'add', binary((a, b) => Dz.add(a, b), (a, c) => Dz.add_scalar(a, c)));
    defineMethod(proto, 'sub', binary((a, b) => Dz.sub(a, b), (a, c) => Dz.add_scalar(a, -c)));
    defineMethod(proto, 'mul', binary((a, b) => Dz.mul(a, b), (a, c) => Dz.mul_scalar(a, c)));
    defineMethod(proto, 'div', binary((a, b) => Dz.div(a, b), (a, c) => Dz.mul_scalar(a, 1 / c)));
    defineMethod(proto, 'pow', function pow(exponent) {
        return Dz.pow(this, exponent);
    });
    defineMethod(proto, 'neg', function neg() {
        return Dz.neg(this);
    });

    // Functions added later by families not built in this library version
    // are skipped, so that the override loads on any typelib.
    const has = name => typeof Dz[name] === 'function';
    if (has('matmul')) {
        defineMethod(proto, 'matmul', function matmul(other) {
            return Dz.matmul(this, asVariable(other));
        });
    }
    for (const name of ['sum', 'mean', 'max', 'min']) {
        if (!has(name))
            continue;
        const cFunction = Dz[name];
        Dz[name] = (x, axis = null, keepdims = false) => cFunction(asVariable(x), axesOf(axis), keepdims);
        defineMethod(proto, name, function (axis = null, keepdims = false) {
            return Dz[name](this, axis, keepdims);
        });
    }
    if (has('get_item')) {
        // x.getItem(0, Dz.slice(1, null, 2), null, '...', [0, 2]): numbers,
        // slices, null for a new axis, '...' and arrays of indices, as
        // NumPy's x[0, 1::2, None, ..., [0, 2]].
        defineMethod(proto, 'getItem', function getItem(...items) {
            return Dz.get_item(this, Dz.index(...items));
        });
    }
    if (has('Index')) {
        // GJS 1.74 reads 64-bit constants as 0; -2^63 is exact in a double.
        const NONE = -(2 ** 63);
        Dz.slice = (start = null, stop = null, step = null) => ({
            __dzSlice: true,
            start: start ?? NONE,
            stop: stop ?? NONE,
            step: step ?? 1,
        });
        Dz.index = function index(...items) {
            const result = Dz.Index.new();
            for (const item of items) {
                if (typeof item === 'number')
                    result.add_int(item);
                else if (item === null)
                    result.add_newaxis();
                else if (item === '...')
                    result.add_ellipsis();
                else if (item?.__dzSlice)
                    result.add_slice(item.start, item.stop, item.step);
                else if (Array.isArray(item) || ArrayBuffer.isView(item) || item instanceof Dz.Array)
                    result.add_array(Dz.array(item, 'int64'));
                else
                    throw new TypeError(`cannot index with ${item}`);
            }
            return result;
        };
    }
}

// ---------------------------------------------------------------------------
// Neural networks (issue 11): layers, optimizers, datasets, loaders, weights.
//
// What DeZero's steps 44-54 look like from GJS (Dz.Model.register works
// the same for a class extending Dz.Model):
//
//   const Net = Dz.Layer.register(class Net extends Dz.Layer {
//       constructor(hidden, out) {
//           super();
//           this.l1 = new Dz.LinearLayer({out_size: hidden});  // registered as "l1"
//           this.l2 = new Dz.LinearLayer({out_size: out});
//       }
//       forward(x) {
//           return this.l2.call(Dz.sigmoid(this.l1.call(x)));
//       }
//   });
//   const optimizer = new Dz.SGD({lr: 1.0}).setup(model);  // setup() returns the optimizer
//   for (const [x, t] of loader) {           // one epoch, memory released per batch
//       const loss = Dz.softmax_cross_entropy(model.call(x), t);
//       model.cleargrads();
//       loss.backward();
//       optimizer.update();
//       sum += loss.data.item() * t.shape[0]; // numbers, not variables, outlive a batch
//   }
//   model.save_weights(path);
//
// Library errors are GLib.Error in Dz.Error; an exception thrown by a JS
// forward() comes out of layer.call() as the same object.
// DeZero's signatures for the convolutions: kernel, stride and pad as a
// number or a [height, width] pair, the defaults of DeZero's functions.
// More arguments than these take (the C functions' pairs spelt out, which
// would shift silently) throw.
function convIdioms(Dz) {
    const pair = (value, name) => {
        const p = Array.isArray(value) ? value : [value, value];
        if (p.length !== 2 || !p.every(Number.isInteger))
            throw new TypeError(`${name} must be an integer or a pair of integers, not ${value}`);
        return p;
    };
    const variable = x => x === null || x === undefined ? null : Dz.asVariable(x);
    const arity = (name, args, max) => {
        if (args.length > max)
            throw new TypeError(`Dz.${name}() takes at most ${max} arguments, not ${args.length}`);
    };
    const c = {};
    for (const name of ['im2col', 'col2im', 'conv2d', 'deconv2d', 'pooling', 'average_pooling'])
        c[name] = Dz[name];

    Dz.im2col = function im2col(x, kernelSize, stride = 1, pad = 0, toMatrix = true, ...rest) {
        arity('im2col', [x, kernelSize, stride, pad, toMatrix, ...rest], 5);
        return c.im2col(variable(x), ...pair(kernelSize, 'kernelSize'), ...pair(stride, 'stride'),
            ...pair(pad, 'pad'), toMatrix);
    };
    Dz.col2im = function col2im(x, inputShape, kernelSize, stride = 1, pad = 0, toMatrix = true, ...rest) {
        arity('col2im', [x, inputShape, kernelSize, stride, pad, toMatrix, ...rest], 6);
        return c.col2im(variable(x), inputShape, ...pair(kernelSize, 'kernelSize'),
            ...pair(stride, 'stride'), ...pair(pad, 'pad'), toMatrix);
    };
    Dz.conv2d = function conv2d(x, W, b = null, stride = 1, pad = 0, ...rest) {
        arity('conv2d', [x, W, b, stride, pad, ...rest], 5);
        return c.conv2d(variable(x), variable(W), variable(b), ...pair(stride, 'stride'),
            ...pair(pad, 'pad'));
    };
    Dz.deconv2d = function deconv2d(x, W, b = null, stride = 1, pad = 0, outsize = null, ...rest) {
        arity('deconv2d', [x, W, b, stride, pad, outsize, ...rest], 6);
        const out = outsize === null ? [0, 0] : pair(outsize, 'outsize');
        if (outsize !== null && Math.min(...out) < 1)
            throw new RangeError(`outsize must be positive, not ${outsize}`);
        return c.deconv2d(variable(x), variable(W), variable(b), ...pair(stride, 'stride'),
            ...pair(pad, 'pad'), ...out);
    };
    for (const name of ['pooling', 'average_pooling']) {
        Dz[name] = function (x, kernelSize, stride = 1, pad = 0, ...rest) {
            arity(name, [x, kernelSize, stride, pad, ...rest], 4);
            return c[name](variable(x), ...pair(kernelSize, 'kernelSize'), ...pair(stride, 'stride'),
                ...pair(pad, 'pad'));
        };
    }
}

function nnIdioms(Dz, keepAll) {
    if (typeof Dz.Layer !== 'function')
        return;

    // Data handed in as an array becomes a variable whose gradient nobody
    // could read, so backward computes none: the first layer of an MLP
    // saves a third of its matrix products.
    const asInput = x => {
        if (x instanceof Dz.Variable)
            return x;
        const v = Dz.Variable.new(x instanceof Dz.Array ? x : Dz.array(x));
        v.set_requires_grad(false);
        return v;
    };
    Dz.asInput = asInput;

    for (const name of ['mean_squared_error', 'softmax_cross_entropy', 'sigmoid_cross_entropy', 'accuracy']) {
        const cFunction = Dz[name];
        if (typeof cFunction === 'function')
            Dz[name] = (a, b) => cFunction(asInput(a), asInput(b));
    }

    if (typeof Dz.dropout === 'function') {
        const cDropout = Dz.dropout;
        Dz.dropout = (x, ratio = 0.5, generator = null) => cDropout(asInput(x), ratio, generator);
    }

    // DeZero's defaults, and arrays taken where variables are: the ids
    // and running averages take no gradient (averages given as arrays are
    // not updated: give variables to read the update).
    if (typeof Dz.embed_id === 'function') {
        const cEmbedId = Dz.embed_id;
        Dz.embed_id = (ids, W) => cEmbedId(asInput(ids), Dz.asVariable(W));
    }
    if (typeof Dz.batch_norm === 'function') {
        const cBatchNorm = Dz.batch_norm;
        Dz.batch_norm = (x, gamma, beta, mean = null, variance = null, decay = 0.9, eps = 2e-5) =>
            cBatchNorm(asInput(x), Dz.asVariable(gamma), Dz.asVariable(beta),
                mean === null ? null : asInput(mean), variance === null ? null : asInput(variance),
                decay, eps);
    }

    // DeZero's `with test_mode():` as a block, like Dz.no_grad.
    if (typeof Dz.set_train === 'function') {
        Dz.test_mode = function test_mode(func) {
            const previous = Dz.set_train(false);
            try {
                return callFromC(func, []);
            } finally {
                Dz.set_train(previous);
            }
        };
    }

    // Spares a value (a Dz object, or the ones in an array or plain object)
    // from every scope of Dz.tidy and of loader loops now open.
    Dz.keep = function keep(value) {
        for (const scope of openScopes)
            keepAll(scope, value);
        return value;
    };

    // The exception a JS forward() threw, until the layer.call() that ran
    // it throws it again: in between, C only sees a GError.
    let parked = null;

    const isInputList = args => args.length === 1 && Array.isArray(args[0]) && args[0].length > 0 &&
        args[0].every(v => v instanceof Dz.Variable || v instanceof Dz.Array);

    // layer.call(x), layer.call(x0, x1) or layer.call([x0, x1]): arrays are
    // taken as data; one output comes back as a variable, several as a JS
    // array.
    // An introspected method, once looked up, is a writable but
    // non-configurable property: replaced by assignment.
    const cCall = Dz.Layer.prototype.call;
    Dz.Layer.prototype.call = function call(...args) {
        const inputs = (isInputList(args) ? args[0] : args).map(asInput);
        parked = null;
        let outputs;
        try {
            outputs = cCall.call(this, inputs);
        } catch (e) {
            const thrown = parked ?? e;
            parked = null;
            throw thrown;
        }
        return outputs.length === 1 ? outputs[0] : outputs;
    };

    // DeZero's model.plot(*inputs, to_file=path): model.plot(x, path) or
    // model.plot([x0, x1], path).
    if (typeof Dz.Model === 'function') {
        const cPlot = Dz.Model.prototype.plot;
        Dz.Model.prototype.plot = function plot(inputs, path) {
            const list = isInputList([inputs]) ? inputs : [inputs];
            return cPlot.call(this, list.map(asInput), path);
        };
    }

    defineMethod(Dz.Layer.prototype, 'params', function params() {
        return this.list_parameters();
    });

    // vfunc_forward of a class registered with Dz.Layer.register(): runs
    // its forward(...inputs), which returns a variable or an array of them.
    function forwardFromJS(inputs) {
        try {
            const result = this.forward(...inputs);
            const outputs = Array.isArray(result) ? [...result] : [result];
            // A loop, not a closure: a closure passed to a built-in keeps
            // what it captured (here the layer) alive, see callFromC().
            for (let i = 0; i < outputs.length; i++) {
                const y = outputs[i];
                if (y instanceof Dz.Array)
                    outputs[i] = Dz.Variable.new(y);
                else if (!(y instanceof Dz.Variable))
                    throw new TypeError(`${this.constructor.name}.forward() returned ${y === null ? 'null' : typeof y} as output ${i}, not a Dz.Variable`);
            }
            return outputs;
        } catch (e) {
            parked = e;
            // GJS hands a GLib.Error to C as it is, anything else as a
            // GError of its own domain.
            throw e;
        }
    }

    // Registers what the constructor assigned, in assignment order, as
    // DeZero's Layer.__setattr__ does: a Dz.Parameter as a parameter, a
    // Dz.Layer as a sub-layer, under the property's name.
    function registerAttributes(layer) {
        for (const [name, value] of Object.entries(layer)) {
            if (name.includes('.') || name === '')
                continue;
            if (value instanceof Dz.Parameter)
                layer.add_parameter(name, value);
            else if (value instanceof Dz.Layer && value !== layer)
                layer.add_layer(name, value);
        }
    }

    // Dz.Layer.register([meta,] class extends Dz.Layer {...}): as
    // GObject.registerClass, plus a forward(...inputs) method standing for
    // vfunc_forward(inputs), and the parameters and layers the constructor
    // assigns to properties registered under their names. Assignments
    // after construction are plain properties: use add_layer() then.
    Dz.Layer.register = function register(meta, klass) {
        if (klass === undefined)
            [meta, klass] = [{}, meta];
        const proto = klass.prototype;
        if (!Object.prototype.hasOwnProperty.call(proto, 'vfunc_forward') && typeof proto.forward === 'function')
            defineMethod(proto, 'vfunc_forward', forwardFromJS);
        const registered = GObject.registerClass(meta, klass);
        return new Proxy(registered, {
            construct(target, args, newTarget) {
                const layer = Reflect.construct(target, args, newTarget);
                registerAttributes(layer);
                return layer;
            },
        });
    };

    defineGetters(Dz.Dataset.prototype, {
        length() {
            return this.get_length();
        },
    });

    // GJS cannot run JavaScript outside the main thread: a training whose
    // model (or a sub-layer), optimizer, datasets or transforms are classes
    // written here runs on the main context in slices (use-thread unset).
    // A class registered by JavaScript is one the typelibs do not know.
    if (Dz.Trainer) {
        const {GIRepository} = imports.gi;
        const repository = GIRepository.Repository.get_default();
        const isJsObject = object =>
            object !== null && repository.find_by_gtype(object.constructor.$gtype) === null;
        const layers = function* (layer, seen = new Set()) {
            if (seen.has(layer))
                return;
            seen.add(layer);
            yield layer;
            for (const child of layer.list_layers())
                yield* layers(child, seen);
        };
        const needsMainThread = trainer => {
            const objects = [...layers(trainer.model), trainer.optimizer];
            for (const loader of [trainer.train_loader, trainer.test_loader]) {
                const dataset = loader?.get_dataset();
                if (dataset)
                    objects.push(dataset, dataset.get_transform(), dataset.get_target_transform());
            }
            return objects.some(isJsObject);
        };
        const cTrainAsync = Dz.Trainer.prototype.train_async;
        Dz.Trainer.prototype.train_async = function train_async(...args) {
            if (this.use_thread && needsMainThread(this))
                this.use_thread = false;
            return cTrainAsync.apply(this, args);
        };
    }

    // dataset.at(i): [x, t] of sample i, counting from the end when negative.
    defineMethod(Dz.Dataset.prototype, 'at', function at(index) {
        const n = this.get_length();
        const i = index < 0 ? index + n : index;
        if (!Number.isInteger(i) || i < 0) {
            throw new GLib.Error(Dz.error_quark(), Dz.Error.INDEX_OUT_OF_RANGE,
                `Index ${index} is out of range for a dataset of ${n} samples`);
        }
        const [, x, t] = this.get_item(i);
        return [x, t];
    });

    defineMethod(Dz.Dataset.prototype, Symbol.iterator, function* samples() {
        const n = this.get_length();
        for (let i = 0; i < n; i++)
            yield this.at(i);
    });

    defineGetters(Dz.DataLoader.prototype, {
        length() {
            return this.get_n_batches();
        },
    });

    // One epoch: `for (const [x, t] of loader)` runs next() until the epoch
    // ends (the loader then starts the next one), and a loop left early
    // resets the loader, so the next loop is a whole epoch again. Each
    // batch runs in a scope, as in Dz.tidy: the batch, and what the loop
    // body made that no parameter or kept value holds, is released when
    // the loop moves on. Without that, GJS would hold every batch until
    // the garbage collector runs, which it does not for large arrays.
    // Leaving early (break, a throw, `const [[x, t]] = loader`) keeps the
    // batch at hand. Loops may nest, not interleave; an iterator driven by
    // hand must be run to its end or given return(), or its scope would
    // stay open, holding everything made after it.
    defineMethod(Dz.DataLoader.prototype, Symbol.iterator, function* batches() {
        let finished = false;
        try {
            for (;;) {
                const scope = Dz.Scope.new();
                openScopes.push(scope);
                let batch = null;
                try {
                    const [more, x, t] = this.next();
                    if (!more) {
                        finished = true;
                        return;
                    }
                    batch = [x, t];
                    yield batch;
                    batch = null;
                } finally {
                    if (batch !== null)
                        keepAll(scope, batch);
                    openScopes.splice(openScopes.lastIndexOf(scope), 1);
                    scope.close();
                }
            }
        } finally {
            if (!finished)
                this.reset();
        }
    });

    // `new Dz.Communicator()` joins the MPI job as Dz.Communicator.new()
    // does (GInitable: GJS does not call init() by itself), throwing a
    // GLib.Error when it cannot.
    const communicatorInit = Dz.Communicator.prototype._init;
    Dz.Communicator.prototype._init = function _init(...args) {
        communicatorInit.apply(this, args);
        this.init(null);
    };

    // comm.allreduce(value): the sum over the ranks of a number (a number
    // back) or of what Dz.array() takes (a Dz.Array back), as in Python.
    defineMethod(Dz.Communicator.prototype, 'allreduce', function allreduce(value, dtype = undefined) {
        const sums = this.allreduce_array(Dz.array(value, dtype));
        return typeof value === 'number' ? sums.item() : sums;
    });
}
