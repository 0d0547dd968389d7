// SPDX-License-Identifier: MIT
// The GJS override (bindings/js/overrides/Dz.js): printing, shape
// properties, and JS exceptions thrown through Dz.tidy, Dz.no_grad,
// Dz.numerical_diff and Dz.gradient_check.
import GLib from 'gi://GLib';
import Dz from 'gi://Dz?version=1.0';
import {test, run, assert, assertClose, assertThrows, isDzError, liveCounts} from './harness.js';

const scalar = v => Dz.Variable.new_scalar(v);
const matrix = () => Dz.Array.new_from_values([1.5, -2.25, 3, 4], [2, 2]);
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

class Marker extends Error {}

// A GJS exception log or a GJS double free (g_closure_unref) is a failure.
GLib.log_set_always_fatal(GLib.LogLevelFlags.LEVEL_CRITICAL | GLib.LogLevelFlags.LEVEL_ERROR);

// SpiderMonkey keeps the first function a hot call site saw: the override
// must not call the caller's closures from JS, or the first closure of such
// a loop, and what it captured, would never be released. First in this
// file, as the first closures a call site sees are the ones it keeps.
test('closures of a hot loop are released', () => {
    for (let i = 0; i < 3000; i++) {
        const x = scalar(i), w = scalar(2);
        Dz.tidy(() => Dz.mul(x, w));
        Dz.no_grad(() => Dz.mul(x, w));
        if (i % 10 === 0) {
            Dz.numerical_diff(v => Dz.mul(v, w), x);
            Dz.gradient_check(v => Dz.mul(v, w), x);
        }
    }
});

// The digits are dz_variable_to_string()'s and dz_array_to_string()'s.
test('a variable prints as Python repr', () => {
    const x = scalar(16);
    const text = x.to_string();
    assert(/^variable\(16\.0*\)$/.test(text), text);
    assert(`${x}` === text && x.toString() === text && String(x) === text && '' + x === text);
    const m = Dz.Variable.new(matrix());
    assert(`${m}` === m.to_string() && `${m}`.includes('\n'), `${m}`);
    assert(`${new Dz.Variable()}` === 'variable(None)');
    for (const key in x)
        assert(!['toString', 'shape', 'ndim', 'size'].includes(key), `${key} is enumerable`);
});

test('an array prints as Python repr', () => {
    const a = Dz.Array.new_from_values([1, 2, 3], [3]);
    assert(`${a}` === `array(${a.to_string()})` && `${a}`.startsWith('array([1'), `${a}`);
    assert(a.toString() === `${a}` && String(a) === `${a}`);
    const m = matrix();
    const lines = m.to_string().split('\n');
    assert(lines.length === 2 && `${m}` === `array(${lines[0]}\n      ${lines[1]})`, `${m}`);
    const s = Dz.Array.new_scalar(0.5);
    assert(`${s}` === `array(${s.to_string()})`);
});

test('variable shape, ndim, size', () => {
    const m = Dz.Variable.new(Dz.Array.new_zeros([2, 3]));
    assert(Array.isArray(m.shape) && same(m.shape, [2, 3]) && m.ndim === 2 && m.size === 6);
    assert(same(Dz.Variable.new(Dz.Array.new_zeros([0])).shape, [0]));
    const empty = new Dz.Variable();
    assert(empty.shape === null && empty.ndim === 0 && empty.size === 0);
    const s = scalar(2);
    assert(same(s.shape, []) && s.ndim === 0 && s.size === 1);
    assert(Dz.live_count(Dz.LiveKind.ARRAY) === 2, 'a scalar\'s shape makes no array');
});

test('array shape, ndim, size', () => {
    const a = Dz.Array.new_zeros([4, 1, 2]);
    assert(same(a.shape, [4, 1, 2]) && a.ndim === 3 && a.size === 8);
    assert(same(Dz.Array.new_scalar(1).shape, []) && Dz.Array.new_scalar(1).ndim === 0);
    assert(same(Dz.Array.new_zeros([3, 0]).shape, [3, 0]) && Dz.Array.new_zeros([3, 0]).size === 0);
});

test('a throw in Dz.tidy reaches the caller, the block is released', () => {
    const marker = new Marker('in tidy');
    const x = scalar(2);
    const caught = assertThrows(() => Dz.tidy(() => {
        Dz.square(Dz.exp(x));
        throw marker;
    }));
    assert(caught === marker, `${caught}`);
    assert(same(liveCounts(), [0, 1, 0]), `live ${liveCounts()}`);
    assert(Dz.tidy(() => Dz.square(x)).data.item() === 4, 'tidy still works');
});

test('a throw in nested Dz.tidy reaches the outer caller', () => {
    const marker = new Marker('inner');
    const caught = assertThrows(() => Dz.tidy(() => {
        scalar(1);
        return Dz.tidy(() => {
            scalar(2);
            throw marker;
        });
    }));
    assert(caught === marker);
    assert(same(liveCounts(), [0, 0, 0]), `live ${liveCounts()}`);
});

test('Dz.tidy returns what the block returns and keeps its objects', () => {
    const x = scalar(3);
    assert(Dz.tidy(() => 42) === 42 && Dz.tidy(() => 'text') === 'text');
    assert(Dz.tidy(() => undefined) === undefined && Dz.tidy(() => null) === null);
    const [a, {b, rest: [c]}] = Dz.tidy(() => {
        Dz.exp(x);
        return [Dz.square(x), {b: Dz.neg(x), rest: [Dz.Array.new_scalar(7)]}];
    });
    assert(a.data.item() === 9 && b.data.item() === -3 && c.item() === 7);
    a.backward();
    assert(x.grad.data.item() === 6);
});

test('nested Dz.tidy and Dz.no_grad', () => {
    const x = scalar(2);
    const y = Dz.tidy(() => Dz.no_grad(() => Dz.tidy(() => Dz.no_grad(() => Dz.square(x)))));
    assert(y.data.item() === 4 && y.creator === null);
    const z = Dz.no_grad(() => Dz.tidy(() => Dz.exp(x)));
    assert(z.creator === null && Dz.get_enable_backprop());
});

test('a throw in Dz.no_grad reaches the caller, backprop restored', () => {
    const marker = new Marker('in no_grad');
    const caught = assertThrows(() => Dz.no_grad(() => {
        assert(!Dz.get_enable_backprop());
        throw marker;
    }));
    assert(caught === marker);
    assert(Dz.get_enable_backprop());
    assert(Dz.no_grad(() => Dz.square(scalar(3))).creator === null);
    assert(Dz.no_grad(() => 5) === 5);
});

test('a throw in Dz.numerical_diff reaches the caller', () => {
    const marker = new Marker('in numerical_diff');
    let calls = 0;
    const caught = assertThrows(() => Dz.numerical_diff(v => {
        if (++calls === 2)
            throw marker;
        return Dz.square(v);
    }, Dz.Variable.new(Dz.Array.new_zeros([3])), 1e-4));
    assert(caught === marker && calls === 2, `${caught} after ${calls} calls`);
    assert(Dz.get_enable_backprop(), 'backprop is back on');
});

test('a throw in Dz.gradient_check reaches the caller', () => {
    const marker = new Marker('in gradient_check');
    const caught = assertThrows(() => Dz.gradient_check(() => {
        throw marker;
    }, scalar(1), 1e-4, 1e-4, 1e-5));
    assert(caught === marker);
    // Thrown after the numerical pass, when the analytic one calls again.
    let calls = 0;
    const late = assertThrows(() => Dz.gradient_check(v => {
        if (++calls === 3)
            throw marker;
        return Dz.sin(v);
    }, scalar(1)));
    assert(late === marker && calls === 3, `${late} after ${calls} calls`);
});

test('numerical_diff inside itself throws', () => {
    const x = scalar(1);
    const nested = outer => v => {
        outer(Dz.square, v);
        return Dz.square(v);
    };
    assertThrows(() => Dz.numerical_diff(nested(Dz.numerical_diff), x),
        e => e.message.includes('inside Dz.numerical_diff()'));
    assertThrows(() => Dz.gradient_check(nested(Dz.gradient_check), x),
        e => e.message.includes('inside Dz.gradient_check()'));
    // Different functions nest.
    assert(Dz.gradient_check(nested(Dz.numerical_diff), x));
});

test('non-JS errors still come from the C call', () => {
    assertThrows(() => Dz.numerical_diff(v => Dz.square(v), scalar(1), -1), isDzError(Dz.Error.INVALID_ARGUMENT));
    assertThrows(() => Dz.gradient_check(v => Dz.exp(v), new Dz.Variable()), isDzError(Dz.Error.NO_DATA));
});

test('a callback returning no variable throws TypeError', () => {
    for (const bad of [() => 1, () => null, () => Dz.Array.new_scalar(1)]) {
        assertThrows(() => Dz.numerical_diff(bad, scalar(1)), e => e instanceof TypeError);
        assertThrows(() => Dz.gradient_check(bad, scalar(1)), e => e instanceof TypeError);
    }
});

test('introspected functions as callbacks, DeZero defaults', () => {
    assertClose(Dz.numerical_diff(Dz.square, scalar(3)).item(), 6, 1e-8);
    assertClose(Dz.numerical_diff(Dz.exp, scalar(1), 1e-6).item(), Math.E, 1e-8);
    assert(Dz.gradient_check(Dz.tanh, Dz.Variable.new(Dz.Array.new_randn([3, 2], Dz.Generator.new(1)))));
});

run();
