// SPDX-License-Identifier: MIT
// DeZero step 17 from GJS: 1000 x square(square(square(randn(100000)))).
// Dz.tidy releases each iteration's arrays at once; without it, memory
// grows until the JS garbage collector happens to run (run with --naive).
import GLib from 'gi://GLib';
import System from 'system';
import Dz from 'gi://Dz?version=1.0';

const naive = ARGV.includes('--naive');
const backward = ARGV.includes('--backward');
const iterations = 1000, size = 100000;

function peakRssMiB() {
    const [, status] = GLib.file_get_contents('/proc/self/status');
    return Number(/VmHWM:\s+(\d+)/.exec(new TextDecoder().decode(status))[1]) / 1024;
}

const gen = Dz.Generator.new(0);
const baseline = peakRssMiB();
const start = GLib.get_monotonic_time();
for (let i = 0; i < iterations; i++) {
    const body = () => {
        const x = Dz.Variable.new(Dz.Array.new_randn([size], gen));
        const y = Dz.square(Dz.square(Dz.square(x)));
        if (backward)
            y.backward();
        return null;
    };
    if (naive)
        body();
    else
        Dz.tidy(body);
}
const elapsed = (GLib.get_monotonic_time() - start) / 1e6;
const live = [Dz.LiveKind.ARRAY, Dz.LiveKind.VARIABLE, Dz.LiveKind.FUNCTION].map(k => Dz.live_count(k));

print(`DeZero step 17 (GJS${naive ? ', no tidy' : ', Dz.tidy'}): ${iterations} x square^3(randn(${size}))${backward ? ' + backward' : ''}`);
print(`  time          ${elapsed.toFixed(3)} s (${(1e3 * elapsed / iterations).toFixed(3)} ms per iteration)`);
print(`  peak RSS      ${peakRssMiB().toFixed(1)} MiB (${baseline.toFixed(1)} MiB at start)`);
print(`  live objects  ${live[0]} arrays, ${live[1]} variables, ${live[2]} functions`);
System.exit(0);
