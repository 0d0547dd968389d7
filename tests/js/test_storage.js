// SPDX-License-Identifier: MIT
// What outlives a closed scope: bytes taken from an array must keep its
// values, and a variable emptied by a scope must give errors, not crash.
// A crash here would hide the tests after it, so they have a file of their own.
import Dz from 'gi://Dz?version=1.0';
import {test, run, assert, assertThrows, isDzError} from './harness.js';

const n = 1 << 20;
const valuesOf = bytes => new Float64Array(bytes.toArray().buffer);

function checkRamp(values, message) {
    assert(values.length === n, `${message}: ${values.length} values`);
    for (const i of [0, 1, n >> 1, n - 1])
        assert(values[i] === i * 0.5, `${message}: [${i}] is ${values[i]}`);
}

test('get_bytes() outlives the tidy block of its array and the cache trim', () => {
    const ramp = Array.from({length: n}, (_, i) => i * 0.5);
    let bytes;
    // The array made from the bytes is kept; the array they came from is not.
    const view = Dz.tidy(() => {
        const a = Dz.Array.new_from_values(ramp, [n]);
        bytes = a.get_bytes();
        return Dz.Array.new_from_bytes(a.get_bytes(), Dz.Dtype.FLOAT64, [n]);
    });
    checkRamp(valuesOf(bytes), 'after the block');
    Dz.Array.trim_cache();
    // New arrays of the same size would reuse freed storage.
    Dz.tidy(() => {
        Dz.Array.new_full([n], -1);
        Dz.Array.new_full([n], -2);
        return null;
    });
    checkRamp(valuesOf(bytes), 'after trim_cache');
    checkRamp(view.get_values(), 'array made from the bytes');
});

const unary = {
    square: x => Dz.square(x), exp: x => Dz.exp(x), neg: x => Dz.neg(x),
    sin: x => Dz.sin(x), cos: x => Dz.cos(x), tanh: x => Dz.tanh(x), log: x => Dz.log(x),
    pow: x => Dz.pow(x, 2), add_scalar: x => Dz.add_scalar(x, 1), mul_scalar: x => Dz.mul_scalar(x, 2),
};

// GJS logs a CRITICAL for each use of an object that a scope disposed.
test('unary ops on a variable without data throw NO_DATA', () => {
    for (const [name, op] of Object.entries(unary)) {
        assertThrows(() => op(new Dz.Variable()), isDzError(Dz.Error.NO_DATA), `${name}(new Dz.Variable())`);
        let emptied;
        Dz.tidy(() => {
            emptied = Dz.Variable.new(Dz.Array.new_from_values([1, 2], [2]));
            return null;
        });
        assertThrows(() => op(emptied), isDzError(Dz.Error.NO_DATA), `${name} of an emptied variable`);
    }
});

test('backward with create_graph after an input lost its data throws NO_DATA', () => {
    const x = Dz.Variable.new_scalar(3);
    const y = Dz.square(Dz.square(x));
    x.data = null;
    assertThrows(() => y.backward_full(Dz.BackwardFlags.CREATE_GRAPH), isDzError(Dz.Error.NO_DATA));
});

run();
