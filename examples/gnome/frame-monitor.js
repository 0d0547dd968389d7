// SPDX-License-Identifier: MIT
// FrameMonitor: while recording, a tick callback keeps the widget's frame
// clock running and records the interval between consecutive frames, by
// the clock's frame time and by the wall clock when the tick ran. A
// frame longer than one refresh (16.7 ms at 60 Hz) is one the main thread
// delivered late.

import GLib from 'gi://GLib';

function percentile(sorted, q) {
    if (sorted.length === 0)
        return NaN;
    return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

function summary(intervals) {
    const sorted = Float64Array.from(intervals).sort();
    const mean = sorted.reduce((a, b) => a + b, 0) / (sorted.length || 1);
    return {
        frames: sorted.length,
        mean_ms: mean,
        p50_ms: percentile(sorted, 0.5),
        p99_ms: percentile(sorted, 0.99),
        max_ms: sorted.length ? sorted[sorted.length - 1] : NaN,
        over_50ms: sorted.filter(v => v > 50).length,
    };
}

export class FrameMonitor {
    constructor(widget) {
        this._widget = widget;
        this._id = 0;
    }

    start() {
        this.stop();
        this._frameTimes = [];
        this._wallTimes = [];
        this._id = this._widget.add_tick_callback((_w, clock) => {
            this._frameTimes.push(clock.get_frame_time());
            this._wallTimes.push(GLib.get_monotonic_time());
            return GLib.SOURCE_CONTINUE;
        });
    }

    stop() {
        if (this._id) {
            this._widget.remove_tick_callback(this._id);
            this._id = 0;
        }
    }

    // {frame_clock: {...}, wall_clock: {...}}: intervals in milliseconds.
    get statistics() {
        const deltas = times => times.slice(1).map((t, i) => (t - times[i]) / 1000);
        return {
            frame_clock: summary(deltas(this._frameTimes ?? [])),
            wall_clock: summary(deltas(this._wallTimes ?? [])),
        };
    }
}
