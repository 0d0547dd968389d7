// SPDX-License-Identifier: MIT
// The benchmark cases from GJS ("gjs"), one JSON line out:
//   gjs -m runner.js CASE ARGS...   (the cases and arguments of bench-dz,
//                                    and mlp of bench-tensor)
// Each seed-loop iteration and MLP step runs in Dz.tidy, the documented
// GJS idiom.
import GLib from 'gi://GLib';
import System from 'system';
import Dz from 'gi://Dz?version=1.0';

function rssKiB(field) {
    const [, status] = GLib.file_get_contents('/proc/self/status');
    const m = new RegExp(`${field}\\s+(\\d+)`).exec(new TextDecoder().decode(status));
    return m ? Number(m[1]) : -1;
}
// Microseconds: GJS 1.74 has no finer clock. Phases of an MLP step are
// summed over thousands of steps, so the rounding averages out.
const now = () => GLib.get_monotonic_time() / 1e6;
const live = () => [Dz.LiveKind.ARRAY, Dz.LiveKind.VARIABLE, Dz.LiveKind.FUNCTION].map(k => Dz.live_count(k));

const cases = {
    seed(iterations, size, backward) {
        const data = Dz.Array.new_randn([size], Dz.Generator.new(0));
        const baseline = rssKiB('VmRSS:');
        let forward = 0, backwardS = 0;
        for (let i = 0; i < iterations; i++) {
            Dz.tidy(() => {
                const t1 = now();
                const x = Dz.Variable.new(data);
                const y = Dz.square(Dz.square(Dz.square(x)));
                const t2 = now();
                forward += t2 - t1;
                if (backward) {
                    y.backward();
                    backwardS += now() - t2;
                }
                return null;
            });
        }
        return [backward ? 'seed-fwd-bwd' : 'seed-fwd', forward, backwardS, baseline, {}];
    },
    chain(n) {
        const x = Dz.Variable.new_scalar(1), one = Dz.Variable.new_scalar(1);
        const baseline = rssKiB('VmRSS:');
        let t0 = now();
        let h = x;
        for (let i = 0; i < n; i++)
            h = Dz.add(h, one);
        const forward = now() - t0;
        const grown = rssKiB('VmRSS:') - baseline;
        t0 = now();
        h.backward();
        return ['chain', forward, now() - t0, baseline, {nodes: n, graph_kib: grown}];
    },
    ladder(diamonds) {
        let h = Dz.Variable.new_scalar(0);
        const baseline = rssKiB('VmRSS:');
        let t0 = now();
        for (let i = 0; i < diamonds; i++) {
            const a = Dz.add_scalar(h, 1);
            h = Dz.add(Dz.mul_scalar(a, 0.5), Dz.mul_scalar(a, 0.5));
        }
        const forward = now() - t0;
        t0 = now();
        h.backward();
        return ['ladder', forward, now() - t0, baseline, {nodes: 4 * diamonds}];
    },
    fan(n) {
        const x = Dz.Variable.new_scalar(0.5);
        const baseline = rssKiB('VmRSS:');
        let t0 = now();
        let s = Dz.square(x);
        for (let i = 1; i < n; i++)
            s = Dz.add(s, Dz.square(x));
        const forward = now() - t0;
        t0 = now();
        s.backward();
        return ['fan', forward, now() - t0, baseline, {nodes: 2 * n - 1}];
    },
    elementwise(size, repeats) {
        const a = Dz.Array.new_randn([size], Dz.Generator.new(1));
        const baseline = rssKiB('VmRSS:');
        let t = {exp: 0, square: 0, add: 0};
        // One untimed repeat first, as in every implementation.
        for (let r = -1; r < repeats; r++) {
            if (r === 0)
                t = {exp: 0, square: 0, add: 0};
            for (const [name, op] of [['exp', () => a.exp()], ['square', () => a.square()], ['add', () => a.add(a)]]) {
                const t0 = now();
                const out = op();
                t[name] += now() - t0;
                out.run_dispose();
            }
        }
        a.run_dispose();
        return ['elementwise', t.exp + t.square + t.add, 0, baseline,
            {exp_s: t.exp / repeats, square_s: t.square / repeats, add_s: t.add / repeats}];
    },
    // One SGD step of an nIn-hidden-nOut MLP, as bench-tensor.c's mlp.
    mlp(nIn, hidden, nOut, batch, dtype, act, budget) {
        const dt = dtype === 'f32' ? Dz.Dtype.FLOAT32 : Dz.Dtype.FLOAT64;
        const gen = Dz.Generator.new(2);
        const random = (shape, scale) => Dz.Array.new_randn(shape, gen).scale(scale).astype(dt);
        const labels = Array.from({length: batch}, (_, i) => i % nOut);
        const x = Dz.Variable.new(random([batch, nIn], 1));
        x.set_requires_grad(false);  // data, as torch's x
        const t = Dz.Variable.new(Dz.Array.new_from_values(labels, [batch]).astype(Dz.Dtype.INT64));
        const params = [
            Dz.Variable.new(random([nIn, hidden], Math.sqrt(1 / nIn))),
            Dz.Variable.new(Dz.Array.new_full_typed(dt, [hidden], 0)),
            Dz.Variable.new(random([hidden, nOut], Math.sqrt(1 / hidden))),
            Dz.Variable.new(Dz.Array.new_full_typed(dt, [nOut], 0)),
        ];
        const [W1, b1, W2, b2] = params;
        const activation = act === 'relu' ? Dz.relu : Dz.sigmoid;
        const lr = 1.0;
        const baseline = rssKiB('VmRSS:');
        const forward = () => Dz.softmax_cross_entropy(Dz.linear(activation(Dz.linear(x, W1, b1)), W2, b2), t);
        const lossValue = () => Dz.tidy(() => forward()).get_data().item();
        // The scope's closing (the step's graph going) is part of the step,
        // in every runner: the update phase ends after it.
        const step = () => {
            let t1, t2;
            const t0 = now();
            Dz.tidy(() => {
                const loss = forward();
                t1 = now();
                for (const p of params)
                    p.clear_grad();
                loss.backward();
                t2 = now();
                for (const p of params)
                    p.set_data(p.get_data().sub(p.get_grad().get_data().scale(lr)));
                return null;
            });
            return [t1 - t0, t2 - t1, now() - t2];
        };
        const firstLoss = lossValue();
        for (let i = 0; i < 3; i++)
            step();
        const sums = [0, 0, 0];
        let n = 0;
        const start = now();
        while (n < 3 || now() - start < budget) {
            step().forEach((v, i) => (sums[i] += v));
            n++;
        }
        return ['mlp', sums[0] / n, sums[1] / n, baseline,
            {iterations: n, update_s: sums[2] / n, first_loss: firstLoss, last_loss: lossValue()}];
    },
};

// As Python's runner does gc.collect(): the graph's wrappers go, and GJS
// releases their objects from toggle references on the main context.
function collect() {
    for (let i = 0; i < 5; i++) {
        System.gc();
        while (GLib.MainContext.default().iteration(false))
            ;
    }
}

const [name, ...args] = ARGV;
const [kase, forward, backward, baseline, extra] = cases[name](...args.map(a => isNaN(a) ? a : Number(a)));
collect();
print(JSON.stringify({impl: 'gjs', case: kase, forward_s: forward, backward_s: backward,
    peak_rss_kib: rssKiB('VmHWM:'), baseline_rss_kib: baseline, live: live(), ...extra}));
System.exit(0);
