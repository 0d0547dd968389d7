// SPDX-License-Identifier: MIT
// Dz.Communicator from GJS under mpirun -np 2 (tests/distributed/mpirun-test.py,
// not a TAP suite: ranks' outputs interleave). A failure exits with status 1,
// which aborts the whole job.
import Dz from 'gi://Dz?version=1.0';
import {test, run, assert, assertThrows, isDzError} from './harness.js';

const F64 = Dz.Dtype.FLOAT64;
const comm = Dz.Communicator.new();
const rank = comm.rank, size = comm.size;

// An MLP whose weights exist (a Linear makes W on its first input).
function mlp(seed) {
    const model = Dz.MLP.new([6, 3], Dz.MlpActivation.SIGMOID, F64, Dz.Generator.new(seed));
    model.call(Dz.Array.new_zeros([1, 4]));
    return model;
}

const params = model => model.list_parameters().map(p => Array.from(p.data.toTypedArray()));

function batch(step, first, count) {
    const xs = [], ts = [];
    for (let i = first; i < first + count; i++) {
        xs.push([0, 1, 2, 3].map(j => Math.sin(i * 4 + j + step)));
        ts.push((i * 7 + step) % 3);
    }
    return [Dz.array(xs), Dz.array(ts, 'int64')];
}

test('rank and size; new Dz.Communicator() initializes too', () => {
    assert(size === 2 && (rank === 0 || rank === 1), `${rank} of ${size}`);
    assert(comm.bucket_size === 1024 * 1024);
    const other = new Dz.Communicator({bucket_size: 4096});
    assert(other.rank === rank && other.size === size && other.bucket_size === 4096);
    other.barrier();
});

test('broadcast_parameters, parameters_agree', () => {
    const model = mlp(10 + rank);
    assert(!comm.parameters_agree(model), 'the ranks start apart');
    comm.broadcast_parameters(model, 1);
    assert(comm.parameters_agree(model));
    assert(JSON.stringify(params(model)) === JSON.stringify(params(mlp(11))));
});

test('two ranks step as one process on both batches (SGD)', () => {
    const model = mlp(3), reference = mlp(3);
    const opt = new Dz.SGD({lr: 0.5}).setup(model);
    const refOpt = new Dz.SGD({lr: 0.5}).setup(reference);
    for (let step = 0; step < 3; step++) {
        const [x, t] = batch(step, rank * 3, 3);
        let loss = Dz.softmax_cross_entropy(model.call(x), t);
        model.cleargrads();
        loss.backward();
        comm.allreduce_gradients(model);
        opt.update();
        const [xa, ta] = batch(step, 0, 6);
        loss = Dz.softmax_cross_entropy(reference.call(xa), ta);
        reference.cleargrads();
        loss.backward();
        refOpt.update();
        assert(comm.parameters_agree(model));
        const a = params(model).flat(), b = params(reference).flat();
        a.forEach((v, i) => assert(Math.abs(v - b[i]) <= 1e-12 + 1e-12 * Math.abs(b[i]), `${v} vs ${b[i]}`));
    }
});

test('allreduce_array sums metrics', () => {
    const sums = comm.allreduce_array(Dz.array([1.5, rank]));
    assert(JSON.stringify(Array.from(sums.toTypedArray())) === JSON.stringify([3, 1]));
    const counts = comm.allreduce_array(Dz.array([rank + 1], 'int64'));
    assert(counts.get_dtype() === Dz.Dtype.INT64 && counts.toTypedArray()[0] === 3n);
    assert(comm.allreduce(2.5) === 5);
    const halves = comm.allreduce([[0.5, rank]], 'float32');
    assert(halves.get_dtype() === Dz.Dtype.FLOAT32 && JSON.stringify(Array.from(halves.toTypedArray())) === '[1,1]');
    comm.barrier();
});

test('layers that differ: an error on every rank', () => {
    const model = rank === 0 ? mlp(1) : Dz.MLP.new([6, 6, 3], Dz.MlpActivation.SIGMOID, F64, null);
    if (rank === 1)
        model.call(Dz.Array.new_zeros([1, 4]));
    assertThrows(() => comm.allreduce_gradients(model), isDzError(Dz.Error.SHAPE_MISMATCH));
});

test('sharded loaders cover the epoch', () => {
    const loader = new Dz.DataLoader({dataset: Dz.Spiral.new(true), batch_size: 7, seed: 4,
        shard_count: size, shard_index: rank});
    let n = 0;
    const sum = [0];
    for (const [x] of loader) {
        n += x.shape[0];
        sum[0] += Array.from(x.toTypedArray()).reduce((a, b) => a + b, 0);
    }
    assert(n === 150, `${n} samples`);
    const all = Dz.Spiral.new(true);
    const [ok, xs] = all.get_item(0);
    assert(ok && xs);
    const total = comm.allreduce_array(Dz.array(sum)).toTypedArray()[0];
    let expected = 0;
    for (let i = 0; i < 300; i++)
        expected += Array.from(all.get_item(i)[1].toTypedArray()).reduce((a, b) => a + b, 0);
    assert(Math.abs(total - expected) < 1e-9, `${total} vs ${expected}`);
});

run();
