// SPDX-License-Identifier: MIT
// Convolutions and pooling from GJS: DeZero's signatures (a number or a
// pair), values against plain loops, gradients against numerical
// differentiation, the layers, errors, and nothing left live.
import GLib from 'gi://GLib';
import Dz from 'gi://Dz?version=1.0';
import {test, run, assert, assertClose, assertThrows, isDzError} from './harness.js';

GLib.log_set_always_fatal(GLib.LogLevelFlags.LEVEL_CRITICAL | GLib.LogLevelFlags.LEVEL_ERROR);

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
const randn = (shape, seed) => Dz.Array.new_randn(shape, Dz.Generator.new(seed));
const values = v => Array.from((v instanceof Dz.Variable ? v.data : v).toTypedArray());

// The convolution by its definition, on flat JS arrays.
function referenceConv(x, xs, W, ws, [sh, sw], [ph, pw]) {
    const [N, C, H, Wd] = xs, [OC, , KH, KW] = ws;
    const OH = Math.floor((H + 2 * ph - KH) / sh) + 1, OW = Math.floor((Wd + 2 * pw - KW) / sw) + 1;
    const y = [];
    for (let n = 0; n < N; n++)
        for (let o = 0; o < OC; o++)
            for (let i = 0; i < OH; i++)
                for (let j = 0; j < OW; j++) {
                    let sum = 0;
                    for (let c = 0; c < C; c++)
                        for (let p = 0; p < KH; p++)
                            for (let q = 0; q < KW; q++) {
                                const r = i * sh + p - ph, s = j * sw + q - pw;
                                if (r >= 0 && r < H && s >= 0 && s < Wd)
                                    sum += W[((o * C + c) * KH + p) * KW + q] * x[((n * C + c) * H + r) * Wd + s];
                            }
                    y.push(sum);
                }
    return [y, [N, OC, OH, OW]];
}

test('Dz.conv2d takes numbers or pairs and equals its definition', () => {
    const xs = [2, 3, 6, 5], ws = [4, 3, 3, 2];
    const x = randn(xs, 1), W = randn(ws, 2);
    for (const [stride, pad] of [[1, 0], [2, 1], [[2, 1], [1, 0]]]) {
        const y = Dz.conv2d(x, W, null, stride, pad);
        const pair = v => Array.isArray(v) ? v : [v, v];
        const [expected, shape] = referenceConv(values(x), xs, values(W), ws, pair(stride), pair(pad));
        assert(same(y.shape, shape), `shape ${y.shape} for ${stride} ${pad}`);
        values(y).forEach((v, i) => assertClose(v, expected[i], 1e-12));
    }
});

test('pooling and average pooling against loops; im2col and col2im shapes', () => {
    const x = Dz.Array.fromTypedArray(Float64Array.from({length: 2 * 5 * 5}, (_, i) => Math.sin(i)), [1, 2, 5, 5]);
    const xv = values(x);
    const m = Dz.pooling(x, 2, 2), a = Dz.average_pooling(x, [3, 3], 1, 1);
    assert(same(m.shape, [1, 2, 2, 2]) && same(a.shape, [1, 2, 5, 5]));
    const at = (c, r, s) => (r < 0 || s < 0 || r >= 5 || s >= 5 ? 0 : xv[(c * 5 + r) * 5 + s]);
    values(m).forEach((v, k) => {
        const c = Math.floor(k / 4), i = Math.floor(k / 2) % 2, j = k % 2;
        assertClose(v, Math.max(at(c, 2 * i, 2 * j), at(c, 2 * i, 2 * j + 1),
            at(c, 2 * i + 1, 2 * j), at(c, 2 * i + 1, 2 * j + 1)), 1e-15);
    });
    values(a).forEach((v, k) => {
        const c = Math.floor(k / 25), i = Math.floor(k / 5) % 5, j = k % 5;
        let sum = 0;
        for (let p = -1; p <= 1; p++)
            for (let q = -1; q <= 1; q++)
                sum += at(c, i + p, j + q);
        assertClose(v, sum / 9, 1e-14);
    });
    const col = Dz.im2col(x, 3, 1, 1);
    assert(same(col.shape, [25, 18]), `${col.shape}`);
    assert(same(Dz.im2col(x, 3, 2, 0, false).shape, [1, 2, 3, 3, 2, 2]));
    const back = Dz.col2im(col, [1, 2, 5, 5], 3, 1, 1);
    assert(same(back.shape, [1, 2, 5, 5]));
    // Each pixel appears in as many patches as the windows over it (9 inside).
    assertClose(values(back)[2 * 5 + 2], 9 * xv[2 * 5 + 2], 1e-12);
});

test('gradients of conv2d, deconv2d and the poolings agree with numerical differentiation', () => {
    const Wv = Array.from(randn([3, 2, 3, 3], 4).toTypedArray());
    const weights = () => Dz.Array.fromTypedArray(Float64Array.from(Wv), [3, 2, 3, 3]);
    const x = Dz.Variable.new(randn([2, 2, 5, 4], 3));
    assert(Dz.gradient_check(v => Dz.sum(Dz.tanh(Dz.conv2d(v, weights(), null, [2, 1], 1)), null, false), x));
    const g = Dz.Variable.new(randn([1, 3, 3, 3], 5));
    assert(Dz.gradient_check(v => Dz.sum(Dz.tanh(Dz.deconv2d(v, weights(), null, 2, 1, [6, 5])), null, false), g));
    assert(Dz.gradient_check(v => Dz.sum(Dz.tanh(Dz.average_pooling(v, 2, 1, 1)), null, false), x));
    const distinct = Dz.Variable.new(Dz.Array.fromTypedArray(
        Float64Array.from({length: 18}, (_, i) => ((i * 7) % 18 - 9) * 0.1 + 0.05), [1, 2, 3, 3]));
    assert(Dz.gradient_check(v => Dz.sum(Dz.tanh(Dz.pooling(v, 2, 1)), null, false), distinct));
});

test('Dz.Conv2dLayer and Dz.Deconv2dLayer infer their channels and train', () => {
    const conv = Dz.Conv2dLayer.new(0, 4, 3, 3, 1, 1, 1, 1, false, Dz.Dtype.FLOAT32, Dz.Generator.new(1));
    const deconv = new Dz.Deconv2dLayer({out_channels: 2, kernel_h: 2, kernel_w: 2, stride_h: 2, stride_w: 2});
    const x = randn([2, 3, 4, 4], 2).astype(Dz.Dtype.FLOAT32);
    assert(conv.get_parameter('W').data === null);
    const h = conv.call(x);
    assert(same(h.shape, [2, 4, 4, 4]) && h.dtype === 'float32');
    assert(conv.in_channels === 3 && same(conv.get_parameter('W').shape, [4, 3, 3, 3]));
    const y = deconv.call(h);
    assert(same(y.shape, [2, 2, 8, 8]) && same(deconv.get_parameter('W').shape, [4, 2, 2, 2]));

    const t = Dz.Array.fromTypedArray(new BigInt64Array([0n, 1n]), [2]);
    const fc = Dz.LinearLayer.new(2, false, Dz.Dtype.FLOAT32, Dz.Generator.new(3));
    const sgd = Dz.SGD.new(0.1);
    let first = 0, last = 0;
    for (let step = 0; step < 15; step++) {
        last = Dz.tidy(() => {
            const z = Dz.pooling(Dz.relu(conv.call(x)), 2, 2);
            const loss = Dz.softmax_cross_entropy(fc.call(Dz.flatten(z)), Dz.Variable.new(t));
            if (step === 0)
                sgd.set_parameters([...conv.list_parameters(), ...fc.list_parameters()]);
            conv.cleargrads();
            fc.cleargrads();
            loss.backward();
            sgd.update();
            return loss.data.item();
        });
        if (step === 0)
            first = last;
    }
    assert(last < first * 0.5, `loss ${first} -> ${last}`);
});

test('shape errors are Dz errors that name the shapes; wrong arguments throw', () => {
    const x = randn([2, 3, 5, 5], 1);
    const e1 = assertThrows(() => Dz.conv2d(x, randn([4, 2, 3, 3], 2)), isDzError(Dz.Error.SHAPE_MISMATCH));
    assert(e1.message.includes('has 3 channels but W of shape (4, 2, 3, 3) takes 2'), e1.message);
    const e2 = assertThrows(() => Dz.pooling(x, 6), isDzError(Dz.Error.SHAPE_MISMATCH));
    assert(e2.message.includes('larger than the padded input'), e2.message);
    assertThrows(() => Dz.conv2d(x, randn([4, 3, 3, 3], 2), null, 0), isDzError(Dz.Error.INVALID_ARGUMENT));
    assertThrows(() => Dz.average_pooling(randn([3, 5, 5], 1), 2), isDzError(Dz.Error.SHAPE_MISMATCH));
    // The C functions' spelt-out pairs would shift: refused.
    assertThrows(() => Dz.conv2d(x, randn([4, 3, 3, 3], 2), null, 1, 1, 0, 0), e => e instanceof TypeError);
    assertThrows(() => Dz.im2col(x, [1, 2, 3]), e => e instanceof TypeError);
});

run();
