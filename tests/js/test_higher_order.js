// SPDX-License-Identifier: MIT
// DeZero stages 2-3 from GJS: no_grad, higher-order derivatives, test
// functions, unchain, graph pictures.
import GLib from 'gi://GLib';
import Dz from 'gi://Dz?version=1.0';
import {test, run, assert, assertClose, assertThrows, isDzError} from './harness.js';

const S = v => Dz.Variable.new_scalar(v);
const val = v => v.data.item();
// Small helpers so formulas read like formulas.
const add = (a, b) => Dz.add(a, b), sub = (a, b) => Dz.sub(a, b), mul = (a, b) => Dz.mul(a, b);
const k = (x, c) => Dz.mul_scalar(x, c), p = (x, c) => Dz.pow(x, c), c_ = (x, c) => Dz.add_scalar(x, c);
const gradOf = (y, x, flags = Dz.BackwardFlags.NONE) => Dz.grad(y, [x], flags)[0];

test('no_grad with a callback', () => {
    const x = S(3);
    const y = Dz.no_grad(() => Dz.square(x));
    assert(y.creator === null && val(y) === 9);
    assert(Dz.get_enable_backprop());
});

test('no-grad seed loop records no graph', () => {
    // JS wrappers hold every intermediate until the block ends whatever the
    // mode (C and Python show the one-intermediate peak); what no-grad
    // changes here is that no function, and so no graph, is kept.
    const x = Dz.Variable.new(Dz.Array.new_randn([100000], null));
    for (const [enabled, functions] of [[false, 0], [true, 3]]) {
        const previous = Dz.set_enable_backprop(enabled);
        Dz.live_reset_peak();
        const before = Dz.live_count(Dz.LiveKind.ARRAY);
        const y = Dz.tidy(() => Dz.square(Dz.square(Dz.square(x))));
        Dz.set_enable_backprop(previous);
        assert(Dz.live_count(Dz.LiveKind.FUNCTION) === functions,
            `${Dz.live_count(Dz.LiveKind.FUNCTION)} functions kept with backprop ${enabled}`);
        const created = Dz.live_peak(Dz.LiveKind.ARRAY) - before;
        assert(created === 3, `${created} arrays at once`);
        assert((y.creator === null) === !enabled);
    }
});

const quartic = x => sub(p(x, 4), k(p(x, 2), 2));

test('second derivative of x^4 - 2x^2 at 2 is 44', () => {
    const x = S(2);
    quartic(x).backward_full(Dz.BackwardFlags.CREATE_GRAPH);
    const gx = x.grad;
    assert(val(gx) === 24);
    x.clear_grad();
    gx.backward();
    assert(val(x.grad) === 44);
    x.clear_grad();
    const g1 = gradOf(quartic(x), x, Dz.BackwardFlags.CREATE_GRAPH);
    assert(val(gradOf(g1, x)) === 44 && x.grad === null);
});

test("Newton's method reaches 1 in 7 steps", () => {
    const x = S(2);
    let steps = 0;
    while (steps < 10) {
        const g1 = gradOf(quartic(x), x, Dz.BackwardFlags.CREATE_GRAPH);
        const g2 = gradOf(g1, x);
        x.data = Dz.Array.new_scalar(val(x) - val(g1) / val(g2));
        steps++;
        if (Math.abs(val(x) - 1) < 1e-12)
            break;
    }
    assert(steps === 7, `${steps} steps`);
});

test('double backprop gives 100', () => {
    const x = S(2);
    const y = Dz.square(x);
    y.backward_full(Dz.BackwardFlags.CREATE_GRAPH);
    const gx = x.grad;
    x.clear_grad();
    add(p(gx, 3), y).backward();
    assert(val(x.grad) === 100);
    x.clear_grad();
});

function tanhDerivative(n, x) {
    let poly = [0, 1];
    for (let i = 0; i < n; i++) {
        const next = new Array(poly.length + 2).fill(0);
        poly.forEach((c, j) => {
            if (j === 0)
                return;
            next[j - 1] += j * c;
            next[j + 1] -= j * c;
        });
        poly = next;
    }
    const t = Math.tanh(x);
    return poly.reduce((acc, c, j) => acc + c * t ** j, 0);
}

test('tanh derivatives up to the 6th match the closed forms', () => {
    const points = [-1.5, -0.3, 0, 0.4, 1.1];
    const x = Dz.Variable.new(Dz.Array.new_from_values(points, [points.length]));
    Dz.tanh(x).backward_full(Dz.BackwardFlags.CREATE_GRAPH);
    for (let n = 1; n <= 6; n++) {
        const gx = x.grad;
        gx.data.get_values().forEach((g, i) =>
            assertClose(g, tanhDerivative(n, points[i]), 1e-9, `n=${n} x=${points[i]}`));
        x.clear_grad();
        if (n < 6)
            gx.backward_full(Dz.BackwardFlags.CREATE_GRAPH);
    }
});

const goldstein = (x, y) => mul(
    c_(mul(p(c_(add(x, y), 1), 2),
        add(add(add(add(c_(k(x, -14), 19), k(p(x, 2), 3)), k(y, -14)), k(mul(x, y), 6)), k(p(y, 2), 3))), 1),
    c_(mul(p(sub(k(x, 2), k(y, 3)), 2),
        add(add(add(add(c_(k(x, -32), 18), k(p(x, 2), 12)), k(y, 48)), k(mul(x, y), -36)), k(p(y, 2), 27))), 30));

test('sphere, matyas, goldstein gradients at (1, 1)', () => {
    const cases = [
        [(x, y) => add(p(x, 2), p(y, 2)), [2, 2]],
        [(x, y) => sub(k(add(p(x, 2), p(y, 2)), 0.26), k(mul(x, y), 0.48)), [0.04, 0.04]],
        [goldstein, [-5376, 8064]],
    ];
    for (const [f, [gx, gy]] of cases) {
        const x = S(1), y = S(1);
        f(x, y).backward();
        assertClose(val(x.grad), gx, 1e-12);
        assertClose(val(y.grad), gy, 1e-12);
    }
});

test('Rosenbrock gradient descent', () => {
    const x0 = S(0), x1 = S(2);
    for (let i = 0; i < 10000; i++) {
        Dz.tidy(() => {
            const y = add(k(p(sub(x1, p(x0, 2)), 2), 100), p(c_(k(x0, -1), 1), 2));
            x0.clear_grad();
            x1.clear_grad();
            y.backward();
            x0.data = Dz.Array.new_scalar(val(x0) - 0.001 * val(x0.grad));
            x1.data = Dz.Array.new_scalar(val(x1) - 0.001 * val(x1.grad));
            return null;
        });
    }
    assertClose(val(x0), 0.99449844, 1e-7);
    assertClose(val(x1), 0.98900505, 1e-7);
});

test('unchain_backward', () => {
    const x = S(0.5);
    const a = Dz.sin(x), b = Dz.exp(a), y = Dz.square(b);
    y.unchain_backward();
    assert(y.creator !== null && b.creator === null && a.creator === null);
    y.backward();
    assert(b.grad !== null && x.grad === null);
});

test('DOT text and rendering', () => {
    const x = new Dz.Variable({data: Dz.Array.new_scalar(1), name: 'x'});
    const z = Dz.tanh(x);
    const dot = z.to_dot(true);
    assert(dot.includes('[label="x: () float64", color=orange, style=filled]'), dot);
    assert(dot.includes('[label="Tanh", color=lightblue, style=filled, shape=box]'), dot);
    const dir = GLib.dir_make_tmp('dz-js-XXXXXX');
    const png = GLib.build_filenamev([dir, 'tanh.png']);
    if (GLib.find_program_in_path('dot')) {
        z.plot_dot_graph(true, png);
        const [, bytes] = GLib.file_get_contents(png);
        assert(bytes[0] === 0x89 && bytes[1] === 0x50, 'PNG signature');
        GLib.unlink(png);
    }
    assertThrows(() => z.plot_dot_graph(true, GLib.build_filenamev([dir, 'noext'])),
        isDzError(Dz.Error.INVALID_ARGUMENT));
    GLib.rmdir(dir);
});

run();
