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

const {GObject} = imports.gi;

// Python's repr: `variable([1. 2.])`, `array([[1. 2.]\n       [3. 4.]])`.
function variableToString() {
    return this.to_string();
}

function arrayToString() {
    return `array(${this.to_string().replace(/\n/g, '\n      ')})`;
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
    let returned = false, value, exception;
    const id = runner.connect('run', () => {
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
    if (!returned)
        throw exception;
    return value;
}

for (let i = 0; i < 50; i++)
    callFromC(() => null, []);

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
        try {
            const result = callFromC(func, []);
            keepAll(scope, result);
            return result;
        } finally {
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
}
