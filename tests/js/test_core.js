// SPDX-License-Identifier: MIT
// DeZero steps 9-17, gradient checks, Functions written in JS, errors.
import GObject from 'gi://GObject';
import GLib from 'gi://GLib';
import Dz from 'gi://Dz?version=1.0';
import {test, run, assert, assertClose, assertThrows, isDzError} from './harness.js';

const scalar = v => Dz.Variable.new_scalar(v);
const vector = (values, shape = [values.length]) =>
    Dz.Variable.new(Dz.Array.new_from_values(values, shape));
const value = v => v.data.item();
const gradOf = v => v.grad.data.item();

test('square/exp chain', () => {
    const x = scalar(0.5);
    const y = Dz.square(Dz.exp(Dz.square(x)));
    y.backward();
    assertClose(gradOf(x), 3.297442541400256, 1e-12);
    assert(y.grad === null, 'intermediate grads are released');
    const nd = Dz.numerical_diff(v => Dz.square(Dz.exp(Dz.square(v))), scalar(0.5), 1e-4);
    assertClose(nd.item(), 3.2974426293330694, 1e-9);
});

test('properties as attributes', () => {
    const x = new Dz.Variable({data: Dz.Array.new_from_values([1, 2, 3], [3]), name: 'x'});
    assert(x.name === 'x');
    assert(x.creator === null && x.generation === 0);
    const y = Dz.exp(x);
    assert(y.creator.get_name() === 'Exp');
    assert(y.generation === 1);
    assert(x.data.get_shape().join() === '3');
    assert(JSON.stringify(x.data.get_values()) === '[1,2,3]');
    assert(x.to_string() === 'variable([1. 2. 3.])');
    assert(x.get_size() === 3 && x.get_ndim() === 1);
});

test('scalar graphs keep values inline', () => {
    const x = scalar(0.5), one = scalar(1);
    let h = x;
    for (let i = 0; i < 200; i++)
        h = Dz.add(h, one);
    // Variables are live until the GC takes the JS wrappers; arrays never
    // existed.
    assert(Dz.live_count(Dz.LiveKind.ARRAY) === 0, 'no arrays in a scalar graph');
    assert(value(h) === 200.5 && h.get_ndim() === 0 && h.data.get_ndim() === 0);
    assert(Dz.live_count(Dz.LiveKind.ARRAY) === 1, 'the array is made when read');
    h.backward();
    assert(gradOf(x) === 1 && gradOf(one) === 200);
});

test('add(x, x) and clear_grad', () => {
    const x = scalar(3);
    Dz.add(x, x).backward();
    assert(gradOf(x) === 2);
    x.clear_grad();
    assert(x.grad === null);
    Dz.add(Dz.add(x, x), x).backward();
    assert(gradOf(x) === 3);
});

test('no aliasing between gradients', () => {
    const a = scalar(1), b = scalar(2);
    Dz.add(a, b).backward();
    assert(a.grad !== b.grad);
    a.grad.data = Dz.Array.new_scalar(100);
    assert(gradOf(b) === 1);
});

test('diamond graph', () => {
    const x = scalar(2);
    const a = Dz.square(x);
    const y = Dz.add(Dz.square(a), Dz.square(a));
    y.backward();
    assert(value(y) === 32 && gradOf(x) === 64);
});

test('generation order', () => {
    const x = scalar(2);
    const a = Dz.square(x), b = Dz.exp(a), c = Dz.add(x, b);
    assert([x, a, b, c].map(v => v.generation).join() === '0,1,2,3');
    c.backward();
    assertClose(gradOf(x), 1 + Math.exp(4) * 4, 1e-12);
});

test('retain grad flag', () => {
    const x = scalar(0.5);
    const a = Dz.square(x);
    const y = Dz.exp(a);
    y.backward_full(Dz.BackwardFlags.RETAIN_GRAD);
    assert(gradOf(y) === 1);
    assertClose(gradOf(a), Math.exp(0.25), 1e-12);
});

const SumAll = GObject.registerClass(class SumAll extends Dz.Function {
    vfunc_forward(xs) {
        return [xs.slice(1).reduce((acc, x) => acc.add(x), xs[0])];
    }

    vfunc_backward(gys) {
        return this.get_inputs().map(() => gys[0]);
    }
});

const SumDiff = GObject.registerClass(class SumDiff extends Dz.Function {
    vfunc_forward([a, b]) {
        return [a.add(b), a.sub(b)];
    }

    vfunc_backward([gs, gd]) {
        return [Dz.add(gs, gd), Dz.sub(gs, gd)];
    }
});

test('variable-length inputs (JS Function)', () => {
    for (let n = 1; n <= 5; n++) {
        const xs = Array.from({length: n}, (_, i) => scalar(i + 1));
        const [y] = new SumAll().call(xs);
        assert(value(y) === n * (n + 1) / 2);
        Dz.square(y).backward();
        xs.forEach(x => assert(gradOf(x) === n * (n + 1)));
    }
});

test('multiple outputs (JS Function)', () => {
    const a = scalar(5), b = scalar(3);
    const f = new SumDiff();
    const [s, d] = f.call([a, b]);
    assert(value(s) === 8 && value(d) === 2);
    assert(f.get_name() === 'SumDiff' && f.get_n_outputs() === 2);
    Dz.add(Dz.square(s), Dz.mul_scalar(d, 3)).backward();
    assert(gradOf(a) === 19 && gradOf(b) === 13);
});

const Sigmoid = GObject.registerClass(class Sigmoid extends Dz.Function {
    vfunc_forward([x]) {
        return [x.neg().exp().add_scalar(1).pow(-1)];
    }

    vfunc_backward([gy]) {
        const y = this.get_output(0);
        return [Dz.mul(gy, Dz.mul(y, Dz.add_scalar(Dz.neg(y), 1)))];
    }
});

test('JS Function is gradient-checked', () => {
    const x = Dz.Variable.new(Dz.Array.new_randn([3, 2], Dz.Generator.new(3)));
    assert(Dz.gradient_check(v => Dz.exp(new Sigmoid().call_unary(Dz.sin(v))), x, 1e-4, 1e-4, 1e-5));
    assert(x.grad === null);
});

// Arrow functions: GJS 1.74 aborts when an introspected function itself is
// passed where a callback is expected.
const builtins = {
    square: x => Dz.square(x), exp: x => Dz.exp(x), neg: x => Dz.neg(x),
    sin: x => Dz.sin(x), cos: x => Dz.cos(x), tanh: x => Dz.tanh(x),
    log: x => Dz.log(Dz.add_scalar(Dz.square(x), 0.5)),
    pow3: x => Dz.pow(x, 3),
    add_scalar: x => Dz.add_scalar(x, 2.5),
    mul_scalar: x => Dz.mul_scalar(x, -1.5),
    add: x => Dz.add(x, Dz.add_scalar(Dz.square(x), 1)),
    sub: x => Dz.sub(x, Dz.add_scalar(Dz.square(x), 1)),
    mul: x => Dz.mul(x, Dz.add_scalar(Dz.square(x), 1)),
    div: x => Dz.div(x, Dz.add_scalar(Dz.square(x), 1)),
};

for (const [name, f] of Object.entries(builtins)) {
    test(`gradient check ${name}`, () => {
        for (const shape of [[], [5], [3, 4]]) {
            const x = Dz.Variable.new(Dz.Array.new_randn(shape, Dz.Generator.new(shape.length + 11)));
            assert(Dz.gradient_check(f, x, 1e-4, 1e-4, 1e-5), `${name} ${shape}`);
        }
    });
}

test('wrong backward is caught', () => {
    const WrongSin = GObject.registerClass(class WrongSin extends Dz.Function {
        vfunc_forward([x]) {
            return [x.sin()];
        }

        vfunc_backward([gy]) {
            return [Dz.mul(gy, Dz.sin(this.get_input(0)))];
        }
    });
    assertThrows(() => Dz.gradient_check(v => new WrongSin().call_unary(v), vector([0.3, 1.2]), 1e-4, 1e-4, 1e-5),
        isDzError(Dz.Error.GRADIENT_MISMATCH));
});

test('shape mismatch raises GLib.Error', () => {
    const e = assertThrows(() => Dz.add(vector([1, 2, 3]), vector([1, 2])), isDzError(Dz.Error.SHAPE_MISMATCH));
    assert(e.message.includes('(3,) and (2,)'), e.message);
    assertThrows(() => Dz.Array.new_from_values([1, 2, 3], [2, 2]), isDzError(Dz.Error.SIZE_MISMATCH));
    assertThrows(() => Dz.Array.new_zeros([2 ** 50]), isDzError(Dz.Error.TOO_LARGE));
    assertThrows(() => Dz.mul(scalar(1), Dz.Variable.new(null)), isDzError(Dz.Error.NO_DATA));
});

test('wrong argument types throw', () => {
    assertThrows(() => Dz.square('x'), e => e instanceof TypeError || e instanceof Error);
    assertThrows(() => Dz.Variable.new(scalar(1)), e => e instanceof Error);
});

const Throwing = GObject.registerClass({
    Properties: {},
}, class Throwing extends Dz.Function {
    vfunc_forward([x]) {
        if (this._where === 'forward')
            throw new RangeError('thrown in forward');
        return [x.square()];
    }

    vfunc_backward(gys) {
        throw new RangeError('thrown in backward');
    }
});

test('JS exception in forward reaches the caller', () => {
    const f = new Throwing();
    f._where = 'forward';
    const e = assertThrows(() => f.call_unary(scalar(1)));
    assert(`${e.message}`.includes('thrown in forward'), `${e}`);
});

test('JS exception in backward reaches the caller, graph intact', () => {
    const x = scalar(2);
    const y = Dz.square(new Throwing().call_unary(x));
    const e = assertThrows(() => y.backward());
    assert(`${e.message}`.includes('thrown in backward'), `${e}`);
    Dz.exp(x).backward();
    assertClose(gradOf(x), Math.exp(2), 1e-12);
});

const Garbage = GObject.registerClass(class Garbage extends Dz.Function {
    vfunc_forward(xs) {
        return this._kind === 'forward-empty' ? [] : [xs[0]];
    }

    vfunc_backward(gys) {
        if (this._kind === 'backward-count')
            return [gys[0], gys[0]];
        return [Dz.Variable.new(Dz.Array.new_zeros([7]))];
    }
});

test('garbage from JS vfuncs becomes an error', () => {
    const make = kind => {
        const f = new Garbage();
        f._kind = kind;
        return f;
    };
    assertThrows(() => make('forward-empty').call_unary(scalar(1)), isDzError(Dz.Error.WRONG_COUNT));
    assertThrows(() => make('backward-count').call_unary(vector([1, 2, 3])).backward(),
        isDzError(Dz.Error.WRONG_COUNT));
    assertThrows(() => make('backward-shape').call_unary(vector([1, 2, 3])).backward(),
        isDzError(Dz.Error.SHAPE_MISMATCH));
});

test('function reused', () => {
    const f = new Sigmoid();
    f.call_unary(scalar(0));
    assertThrows(() => f.call_unary(scalar(0)), isDzError(Dz.Error.FUNCTION_REUSED));
});

test('no-grad mode', () => {
    const previous = Dz.set_enable_backprop(false);
    try {
        const y = Dz.square(scalar(3));
        assert(y.creator === null);
    } finally {
        Dz.set_enable_backprop(previous);
    }
    assert(Dz.get_enable_backprop());
});

test('array API surface', () => {
    const a = Dz.Array.new_from_values([1, 4, 9], [3]);
    const b = Dz.Array.new_full([3], 2);
    const close = (arr, expect) => arr.get_values().forEach((v, i) => assertClose(v, expect[i], 1e-12));
    assert(a.get_value(1) === 4 && a.get_size() === 3 && a.get_ndim() === 1);
    assert(a.shape_to_string() === '(3,)' && a.to_string() === '[1. 4. 9.]');
    assert(a.same_shape(b) && !a.same_shape(Dz.Array.new_zeros([2])));
    close(a.add(b), [3, 6, 11]);
    close(a.sub(b), [-1, 2, 7]);
    close(a.mul(b), [2, 8, 18]);
    close(a.div(b), [0.5, 2, 4.5]);
    close(a.neg(), [-1, -4, -9]);
    close(a.square(), [1, 16, 81]);
    close(a.exp(), [1, 4, 9].map(Math.exp));
    close(a.log(), [1, 4, 9].map(Math.log));
    close(a.sin(), [1, 4, 9].map(Math.sin));
    close(a.cos(), [1, 4, 9].map(Math.cos));
    close(a.tanh(), [1, 4, 9].map(Math.tanh));
    close(a.pow(0.5), [1, 2, 3]);
    close(a.scale(2), [2, 8, 18]);
    close(a.add_scalar(1), [2, 5, 10]);
    assert(a.sum() === 14);
    assert(a.allclose(Dz.Array.new_from_values([1, 4, 9 + 1e-9], [3]), 1e-6, 0));
    close(a.new_zeros_like(), [0, 0, 0]);
    close(a.new_ones_like(), [1, 1, 1]);
    assert(Dz.Array.new_scalar(5).item() === 5);
    const u = Dz.Array.new_uniform([1000], Dz.Generator.new(3)).get_values();
    assert(u.every(v => v >= 0 && v < 1));
    const g = Dz.Generator.new(9);
    const first = g.next_normal();
    g.set_seed(9);
    assert(g.next_normal() === first && g.next_uniform() < 1);
    assert(Dz.Generator.get_default() instanceof Dz.Generator);
    // bytes.get_size() leaks the GBytes in GJS 1.74; toArray() does not.
    const bytes = a.get_bytes();
    assert(bytes.toArray().length === 24);
    const fromBytes = Dz.Array.new_from_bytes(bytes, Dz.Dtype.FLOAT64, [3]);
    close(fromBytes, [1, 4, 9]);
    Dz.Array.new_ones([1 << 20]).run_dispose();
    Dz.Array.trim_cache();
    assertThrows(() => a.add(Dz.Array.new_zeros([2])), isDzError(Dz.Error.SHAPE_MISMATCH));
});

test('variable accessors, scope and live peaks', () => {
    const x = new Dz.Variable({data: Dz.Array.new_from_values([1, 2, 3, 4, 5, 6], [2, 3])});
    assert(x.get_shape().join() === '2,3' && x.get_ndim() === 2 && x.get_size() === 6);
    x.name = 'x';
    assert(x.get_name() === 'x');
    x.grad = Dz.Variable.new_scalar(1);
    x.clear_grad();
    assert(x.grad === null);
    const scope = Dz.Scope.new();
    assert(scope.is_open());
    const kept = scope.keep(Dz.exp(x));
    scope.close();
    assert(!scope.is_open() && kept.data.get_size() === 6);
    Dz.live_reset_peak();
    assert(Dz.live_peak(Dz.LiveKind.VARIABLE) >= 2);
});

run();
