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
    assert(`${a}` === 'array([[ 1.5  -2.25]\n       [ 3.    4.  ]], dtype=float32)', `${a}`);
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

test('reductions take an axis, a list of axes or null', () => {
    const x = Dz.Variable.new(Dz.array([[1, 2, 3], [4, 5, 6]], 'float32'));
    assert(x.sum().toTypedArray()[0] === 21);
    assert(close(x.sum(0).toTypedArray(), [5, 7, 9]));
    assert(x.sum(-1, true).shape.join() === '2,1');
    assert(close(Dz.mean(x, [0, 1]).toTypedArray(), [3.5]));
    assert(close(x.max(1).toTypedArray(), [3, 6]) && x.max(1).dtype === 'float32');
    const y = x.sum(1).mul(Dz.array([1, 10], 'float32')).sum();
    y.backward();
    assert(close(x.get_grad().toTypedArray(), [1, 1, 1, 10, 10, 10]));
    assertThrows(() => x.sum(2), isDzError(Dz.Error.INVALID_AXIS), 'axis 2 of a matrix');
});

test('matmul, linear and a softmax cross-entropy step', () => {
    const x = Dz.Variable.new(Dz.array([[1, 2], [3, 4], [5, 6]]));
    const W = Dz.Variable.new(Dz.array([[1, 0, -1], [0.5, 1, 2]]));
    const b = Dz.Variable.new(Dz.array([0.1, 0.2, 0.3]));
    const y = Dz.linear(x, W, b);
    assert(close(y.toTypedArray(), x.matmul(W).add(b).toTypedArray()));
    const t = Dz.Variable.new(Dz.array(new BigInt64Array([0n, 2n, 1n])));
    const loss = Dz.softmax_cross_entropy(y, t);
    assert(loss.shape.length === 0 && loss.toTypedArray()[0] > 0);
    loss.backward();
    assert(W.get_grad().shape.join() === '2,3' && b.get_grad().shape.join() === '3');
    assert(Dz.accuracy(y, t).get_creator() === null);
    x.set_requires_grad(false);
    x.clear_grad();
    W.clear_grad();
    Dz.linear(x, W, b).sum().backward();
    assert(x.get_grad() === null && W.get_grad().shape.join() === '2,3');
});

test('getItem follows NumPy indexing', () => {
    const x = Dz.Variable.new(Dz.array([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]]));
    assert(close(x.getItem(1).toTypedArray(), [4, 5, 6, 7]));
    assert(close(x.getItem(-1, Dz.slice(null, null, -2)).toTypedArray(), [11, 9]));
    assert(x.getItem(null, '...', 0).shape.join() === '1,3');
    const picked = x.getItem([0, 2, 2], [1, 3, 3]);
    assert(close(picked.toTypedArray(), [1, 11, 11]));
    picked.sum().backward();
    assert(close(x.get_grad().toTypedArray(), [0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2]));
    assertThrows(() => x.getItem(3), isDzError(Dz.Error.INDEX_OUT_OF_RANGE), 'row 3 of 3');
});

test('a Hessian-vector product through linear and tanh', () => {
    const x = Dz.array([[0.5, -1, 2], [1.5, 0.25, -0.5]]);
    const v = Dz.array([[1, 0, -1], [0.5, 2, 1], [-1, 1, 0]]);
    const loss = W => Dz.tanh(Dz.linear(Dz.Variable.new(x), W, null)).sum();
    const gradAt = values => {
        const W = Dz.Variable.new(values);
        return Dz.grad(loss(W), [W], Dz.BackwardFlags.NONE)[0].get_data();
    };
    const W = Dz.Variable.new(Dz.array([[0.1, 0.2, -0.3], [0.4, -0.5, 0.6], [0.7, 0.8, -0.9]]));
    const [g] = Dz.grad(loss(W), [W], Dz.BackwardFlags.CREATE_GRAPH);
    const [hv] = Dz.grad(g.mul(v).sum(), [W], Dz.BackwardFlags.NONE);
    const eps = 1e-5;
    const plus = gradAt(W.get_data().add(v.scale(eps)));
    const minus = gradAt(W.get_data().sub(v.scale(eps)));
    const numerical = plus.sub(minus).scale(1 / (2 * eps));
    assert(hv.get_data().allclose(numerical, 1e-5, 1e-7), `${hv} vs ${numerical}`);
});

test('every built-in is listed for the shared test table', () => {
    const names = Dz.ops_list();
    for (const name of ['add', 'mul', 'reshape', 'transpose', 'sum_to', 'broadcast_to'])
        assert(names.includes(name), name);
});

run();
