// SPDX-License-Identifier: MIT
// Every built-in against the shared table of cases, through Dz.op_call():
// the twin of tests/ops/test-op-cases.c with the same cases and inputs and
// checks (a)-(c); tests/ops/cases/README.md says what a case means.
import Gio from 'gi://Gio';
import GLib from 'gi://GLib';
import Dz from 'gi://Dz?version=1.0';
import {test, run, assert, AssertionError} from './harness.js';

const EPS = 1e-4;
const SAME_RTOL = 1e-10, SAME_ATOL = 1e-12;
const DTYPES = {float64: Dz.Dtype.FLOAT64, float32: Dz.Dtype.FLOAT32, int64: Dz.Dtype.INT64};

const casesDir = GLib.getenv('DZ_OP_CASES_DIR') ??
    GLib.build_filenamev([GLib.path_get_dirname(GLib.filename_from_uri(import.meta.url)[0]),
        '..', 'ops', 'cases']);

function readJson(path) {
    const [, bytes] = GLib.file_get_contents(path);
    return JSON.parse(new TextDecoder().decode(bytes));
}

// [{op, index, file, c}], each op's cases numbered through the files in name order.
function loadCases() {
    const files = [];
    const children = Gio.File.new_for_path(casesDir).enumerate_children('standard::name',
        Gio.FileQueryInfoFlags.NONE, null);
    for (let info; (info = children.next_file(null)) !== null;) {
        if (info.get_name().endsWith('.json'))
            files.push(info.get_name());
    }
    const counts = new Map(), cases = [];
    for (const file of files.sort()) {
        for (const c of readJson(GLib.build_filenamev([casesDir, file]))) {
            const op = c.op ?? '(no op)';
            const index = counts.get(op) ?? 0;
            counts.set(op, index + 1);
            cases.push({op, index, file, c});
        }
    }
    return cases;
}

// JSON.parse makes 3.0 an integer: it goes as "x", which the registry reads
// as well as "d" for a float parameter.
function variant(value) {
    if (value === null)
        return new GLib.Variant('mv', null);
    if (typeof value === 'boolean')
        return new GLib.Variant('b', value);
    if (typeof value === 'number')
        return new GLib.Variant(Number.isInteger(value) ? 'x' : 'd', value);
    if (typeof value === 'string')
        return new GLib.Variant('s', value);
    if (Array.isArray(value)) {
        return value.every(v => Number.isInteger(v))
            ? new GLib.Variant('ax', value)
            : new GLib.Variant('av', value.map(variant));
    }
    return new GLib.Variant('a{sv}', Object.fromEntries(
        Object.entries(value).filter(([, v]) => v !== null).map(([k, v]) => [k, variant(v)])));
}

const dtypeOf = x => x.dtype ?? (x.domain.startsWith('labels:') ? 'int64' : 'float64');
const isDifferentiable = x => dtypeOf(x) !== 'int64' && x.domain !== 'binary' &&
    !x.domain.startsWith('labels:');
const sizeOf = shape => shape.reduce((a, b) => a * b, 1);

// The same draws, in the same order, as the C driver.
function makeInput(x, gen) {
    const n = sizeOf(x.shape);
    const draw = n === 0 ? [] : x.domain === 'normal' ? gen.draw_normal(n) : gen.draw_uniform(n);
    const u = Array.from(draw);
    let v;
    if (x.domain === 'normal') {
        v = u;
    } else if (x.domain === 'positive') {
        v = u.map(t => 0.5 + 1.5 * t);
    } else if (x.domain === 'unit') {
        v = u.map(t => -0.9 + 1.8 * t);
    } else if (x.domain === 'probability') {
        v = u.map(t => 0.1 + 0.8 * t);
    } else if (x.domain === 'binary') {
        v = u.map(t => t < 0.5 ? 0 : 1);
    } else if (x.domain.startsWith('labels:')) {
        const labels = Number(x.domain.slice('labels:'.length));
        v = u.map(t => Math.floor(t * labels));
    } else if (x.domain === 'distinct') {
        v = u.map((_, k) => 0.1 * (k - Math.floor(n / 2)) + 0.05);
        for (let i = n - 1; i > 0; i--) {
            const j = Math.floor(u[i] * (i + 1));
            [v[i], v[j]] = [v[j], v[i]];
        }
    } else {
        throw new Error(`unknown domain ${x.domain}`);
    }
    const array = Dz.Array.new_from_values(v, x.shape);
    if (dtypeOf(x) === 'float64')
        return array;
    // Checks run in float64: inputs declared float32 keep their rounding.
    const typed = array.astype(DTYPES[dtypeOf(x)]);
    return typed.get_dtype() === Dz.Dtype.FLOAT32 ? typed.astype(Dz.Dtype.FLOAT64) : typed;
}

const valuesOf = array => Array.from(array.astype(Dz.Dtype.FLOAT64).get_values());

function unravel(flat, shape) {
    const index = [];
    for (let d = shape.length - 1; d >= 0; d--) {
        index.unshift(flat % shape[d]);
        flat = Math.floor(flat / shape[d]);
    }
    return index;
}

// Fails unless actual has expected's shape and |actual - expected| <= atol +
// rtol |expected| everywhere, naming the worst element.
function checkClose(where, check, actual, expected, rtol, atol) {
    const [a, e] = [valuesOf(actual), valuesOf(expected)];
    const [as, es] = [actual.get_shape(), expected.get_shape()];
    if (as.join() !== es.join())
        throw new AssertionError(`${where}, check ${check}: shape (${as}), expected (${es})`);
    let off = 0, worst = 0, worstExcess = -Infinity;
    for (let i = 0; i < e.length; i++) {
        let excess = Math.abs(a[i] - e[i]) - (atol + rtol * Math.abs(e[i]));
        if (!(excess <= 0))
            off++;
        if (Number.isNaN(excess))
            excess = Infinity;
        if (excess > worstExcess)
            [worst, worstExcess] = [i, excess];
    }
    if (off > 0) {
        throw new AssertionError(`${where}, check ${check}: ${off} of ${e.length} elements off ` +
            `(rtol ${rtol}, atol ${atol}); worst [${unravel(worst, es)}]: ${a[worst]}, ` +
            `expected ${e[worst]}`);
    }
}

// sum(op(xs with x as input i) * w), for Dz.numerical_diff().
function probe(op, params, xs, i, w) {
    return x => {
        const inputs = xs.slice();
        inputs[i] = x;
        return Dz.mul(Dz.op_call(op, inputs, params), w);
    };
}

// Loops, not map() or forEach() with closures: the first closure that makes
// a call site inside a builtin hot stays alive with all it captures (see
// bindings/js/overrides/Dz.js), and here that would be a case's variables.
function runCase({op, index, file, c}) {
    const where = `${op} #${index} (${file}: ${JSON.stringify(c)})`;
    const params = variant(c.params ?? {});
    const rtol = c.rtol ?? 1e-4, atol = c.atol ?? 1e-5;
    const gen = Dz.Generator.new(index);
    const xs = [], diff = [];
    for (let i = 0; i < c.inputs.length; i++) {
        xs.push(Dz.Variable.new(makeInput(c.inputs[i], gen)));
        if (isDifferentiable(c.inputs[i]))
            diff.push(i);
    }

    const y = Dz.op_call(op, xs, params);
    if (c.no_grad) {
        assert(y.get_creator() === null, `${where}, check no_grad: the output has a creator`);
        return;
    }
    const w = Dz.Variable.new(Dz.Array.new_randn(y.get_data().get_shape(), gen));

    // (a) the ordinary backward pass, (b) the recorded one
    Dz.mul(y, w).backward();
    const grads = [], wrt = [];
    for (const i of diff) {
        const grad = xs[i].get_grad();
        grads.push(grad ? grad.get_data() : Dz.Array.new_zeros_like(xs[i].get_data()));
        wrt.push(xs[i]);
    }
    for (const x of xs)
        x.clear_grad();
    const recorded = Dz.grad(Dz.mul(y, w), wrt, Dz.BackwardFlags.CREATE_GRAPH);
    for (let k = 0; k < diff.length; k++) {
        checkClose(where, `create_graph against backward, gradient of input ${diff[k]}`,
            recorded[k].get_data(), grads[k], SAME_RTOL, SAME_ATOL);
    }

    // (c) numerical differentiation
    for (let k = 0; k < diff.length; k++) {
        const numerical = Dz.numerical_diff(probe(op, params, xs, diff[k], w), xs[diff[k]], EPS);
        checkClose(where, `backward against numerical, gradient of input ${diff[k]}`,
            grads[k], numerical, rtol, atol);
    }
}

const cases = loadCases();
for (const entry of cases) {
    if ('skip_js' in entry.c)
        continue;
    test(`op-cases/${entry.op}/${entry.index}`, () => runCase(entry));
}

test('op-cases/coverage', () => {
    const covered = new Set(cases.map(({op}) => op));
    const missing = Dz.ops_list().filter(name => !covered.has(name));
    assert(missing.length === 0,
        `built-ins without a case in tests/ops/cases/*.json: ${missing.join(' ')}`);
});

run();
