// SPDX-License-Identifier: MIT
// NumPy-style tensors from JavaScript: dtypes, typed arrays in and out,
// broadcasting, shapes and axes as JS arrays, indexing.
import GLib from 'gi://GLib';
import Dz from 'gi://Dz?version=1.0';
import {test, run, assert, assertThrows, isDzError} from './harness.js';

const close = (a, b, tol = 1e-12) => a.length === b.length &&
    Array.from(a).every((v, i) => Math.abs(Number(v) - Number(b[i])) <= tol * (1 + Math.abs(Number(b[i]))));

test('typed arrays in and out keep their dtype', () => {
    const f32 = new Float32Array([1.5, -2.25, 3, 4]);
    const a = Dz.Array.fromTypedArray(f32, [2, 2]);
    assert(a.dtype === 'float32', a.dtype);
    assert(a.toTypedArray() instanceof Float32Array);
    assert(close(a.toTypedArray(), f32));
    const f64 = Dz.Array.fromTypedArray(new Float64Array([0.1, 0.2]));
    assert(f64.dtype === 'float64' && f64.toTypedArray()[0] === 0.1);
    const i64 = Dz.array(new BigInt64Array([3n, -1n]));
    assert(i64.dtype === 'int64' && i64.toTypedArray()[1] === -1n);
    assert(i64.toString() === 'array([ 3 -1])', i64.toString());
});

test('Dz.array() reads nested arrays and converts dtypes', () => {
    const a = Dz.array([[1, 2, 3], [4, 5, 6]], 'float32');
    assert(a.shape.join() === '2,3' && a.dtype === 'float32');
    assert(close(a.toTypedArray(), [1, 2, 3, 4, 5, 6]));
    assert(Dz.array(7).shape.length === 0);
    assertThrows(() => Dz.array([[1, 2], [3]]), e => e instanceof GLib.Error, 'ragged');
    assertThrows(() => Dz.array([1], 'float16'), e => e instanceof TypeError, 'unknown dtype');
});

test('a float32 variable stays float32 with a number, and its gradient too', () => {
    const x = Dz.Variable.new(Dz.array([1, 2, 3], 'float32'));
    const y = x.mul(2.5).add(1);
    assert(y.dtype === 'float32', y.dtype);
    y.backward();
    assert(x.get_grad().dtype === 'float32');
    assert(close(x.get_grad().toTypedArray(), [2.5, 2.5, 2.5]));
});

test('operators broadcast as NumPy does and gradients are summed back', () => {
    const x = Dz.Variable.new(Dz.array([[1, 2, 3], [4, 5, 6]]));
    const b = Dz.Variable.new(Dz.array([10, 20, 30]));
    const y = x.add(b).mul(x);
    assert(y.shape.join() === '2,3');
    y.backward();
    assert(b.get_grad().shape.join() === '3');
    assert(close(b.get_grad().toTypedArray(), [5, 7, 9]));
    assertThrows(() => x.add([1, 2]), isDzError(Dz.Error.SHAPE_MISMATCH), 'cannot be broadcast');
});

test('reshape, transpose and T take JS arrays or varargs', () => {
    const x = Dz.Variable.new(Dz.array([[1, 2, 3], [4, 5, 6]]));
    assert(x.reshape(3, 2).shape.join() === '3,2');
    assert(x.reshape([-1]).shape.join() === '6');
    assert(close(x.T.toTypedArray(), [1, 4, 2, 5, 3, 6]));
    assert(x.transpose(1, 0).shape.join() === '3,2');
    const y = x.T.reshape(6).mul(Dz.array([1, 2, 3, 4, 5, 6]));
    y.backward();
    assert(close(x.get_grad().toTypedArray(), [1, 3, 5, 2, 4, 6]));
    assertThrows(() => x.reshape(4, 2), isDzError(Dz.Error.SIZE_MISMATCH), 'reshape to a wrong size');
});

test('every built-in is listed for the shared test table', () => {
    const names = Dz.ops_list();
    for (const name of ['add', 'mul', 'reshape', 'transpose', 'sum_to', 'broadcast_to'])
        assert(names.includes(name), name);
});

run();
