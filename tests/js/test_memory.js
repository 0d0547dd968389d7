// SPDX-License-Identifier: MIT
// The step-17 loop in GJS, kept bounded with Dz.tidy and no explicit GC.
import GLib from 'gi://GLib';
import Dz from 'gi://Dz?version=1.0';
import {test, run, assert, liveCounts} from './harness.js';

function peakRssMiB() {
    const [, status] = GLib.file_get_contents('/proc/self/status');
    return Number(/VmHWM:\s+(\d+)/.exec(new TextDecoder().decode(status))[1]) / 1024;
}

test('seed loop with Dz.tidy: bounded, nothing live after each iteration', () => {
    const gen = Dz.Generator.new(0);
    for (let i = 0; i < 1000; i++) {
        Dz.tidy(() => {
            const x = Dz.Variable.new(Dz.Array.new_randn([100000], gen));
            const y = Dz.square(Dz.square(Dz.square(x)));
            y.backward();
            assert(x.grad.get_size() === 100000);
            return null;
        });
        const live = liveCounts();
        assert(live.every(n => n === 0), `iteration ${i}: live ${live}`);
    }
    const peak = peakRssMiB();
    print(`# peak RSS ${peak.toFixed(1)} MiB`);
    assert(peak < 100, `peak RSS ${peak} MiB`);
});

// GJS 1.74 skips callbacks from C while an incremental collection is
// sweeping, which a loop allocating this fast reaches after some 30,000 to
// 70,000 blocks (Dz.tidy then threw `undefined` on every later call).
test('a long loop of Dz.tidy blocks allocating fast: every block runs', () => {
    let junk = [], ran = 0;
    const n = 100000;
    for (let i = 0; i < n; i++) {
        const value = Dz.tidy(() => {
            junk.push(new Array(784).fill(i));
            if (junk.length > 200)
                junk = [];
            Dz.Array.new_zeros([1, 10]);
            ran++;
            return i;
        });
        assert(value === i, `block ${i} returned ${value}`);
    }
    assert(ran === n, `${ran} of ${n} blocks ran`);
});

test('tidy keeps what it returns, and its graph', () => {
    const x = Dz.Variable.new_scalar(2);
    const y = Dz.tidy(() => {
        const unused = Dz.exp(x);
        return Dz.square(Dz.square(x));
    });
    assert(y.data.item() === 16);
    y.backward();
    assert(x.grad.data.item() === 32);
});

test('scope keeps a parameter created outside it', () => {
    const w = Dz.Variable.new_scalar(3);
    for (let step = 0; step < 3; step++) {
        const scope = Dz.Scope.new();
        w.clear_grad();
        Dz.square(w).backward();
        w.data = w.data.add(w.grad.data.scale(-0.25));
        scope.close();
        assert(w.data.item() === 3 / 2 ** (step + 1), `step ${step}: ${w.data.item()}`);
    }
});

run();
