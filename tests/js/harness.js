// SPDX-License-Identifier: MIT
// A small TAP harness: test(name, fn), then run(). Exit status decides.
import GLib from 'gi://GLib';
import System from 'system';
import Dz from 'gi://Dz?version=1.0';

const tests = [];

export function test(name, fn) {
    tests.push({name, fn});
}

export class AssertionError extends Error {}

export function assert(cond, message = 'assertion failed') {
    if (!cond)
        throw new AssertionError(message);
}

export function assertClose(actual, expected, tol = 1e-9, message = '') {
    assert(Math.abs(actual - expected) <= tol * Math.max(1, Math.abs(expected)),
        `${message} expected ${expected}, got ${actual}`);
}

export function assertThrows(fn, check, message = 'expected an exception') {
    try {
        fn();
    } catch (e) {
        if (check && !check(e))
            throw new AssertionError(`${message}: wrong exception ${e}`);
        return e;
    }
    throw new AssertionError(message);
}

export function isDzError(code) {
    return e => e instanceof GLib.Error && e.matches(Dz.error_quark(), code);
}

export function liveCounts() {
    return [Dz.LiveKind.ARRAY, Dz.LiveKind.VARIABLE, Dz.LiveKind.FUNCTION].map(k => Dz.live_count(k));
}

// Collects garbage until wrappers are gone: GJS releases GObjects from
// toggle references on the main context.
export function collect() {
    for (let i = 0; i < 5; i++) {
        System.gc();
        while (GLib.MainContext.default().iteration(false))
            ;
    }
}

export function run() {
    let failed = 0;
    print(`1..${tests.length}`);
    tests.forEach(({name, fn}, i) => {
        try {
            fn();
            collect();
            const live = liveCounts();
            assert(live.every(n => n === 0), `objects left behind: ${live}`);
            print(`ok ${i + 1} - ${name}`);
        } catch (e) {
            failed++;
            print(`not ok ${i + 1} - ${name}`);
            for (const line of `${e}\n${e.stack ?? ''}`.split('\n'))
                print(`# ${line}`);
        }
    });
    System.exit(failed ? 1 : 0);
}
