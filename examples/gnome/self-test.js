// SPDX-License-Identifier: MIT
// The scripted session of `--self-test OUT.png`, run in the real window:
// errors as toasts (a corrupt file, an MLP of the wrong shape), a training
// started and stopped through app.start / app.stop, then a whole training
// through app.start while a garment is drawn stroke by stroke (each stroke
// point is a prediction from the worker's latest weights) and the frame
// clock's intervals are recorded, a save/open round trip, the memory over
// many predictions, and finally a screenshot of the window in OUT.png and
// the figures in OUT.json, which tests/gnome/check-self-test.js checks.
import GLib from 'gi://GLib';
import Gio from 'gi://Gio';
import Gtk from 'gi://Gtk?version=4.0';
import Graphene from 'gi://Graphene';
import Dz from 'gi://Dz?version=1.0';
import {FrameMonitor} from './frame-monitor.js';

const wait = ms => new Promise(resolve => GLib.timeout_add(GLib.PRIORITY_DEFAULT, ms, () => {
    resolve();
    return GLib.SOURCE_REMOVE;
}));

async function until(condition, what, timeoutMs = 60000) {
    const end = GLib.get_monotonic_time() + timeoutMs * 1000;
    while (!condition()) {
        if (GLib.get_monotonic_time() > end)
            throw new Error(`timed out waiting for ${what}`);
        // eslint-disable-next-line no-await-in-loop
        await wait(10);
    }
}

function check(condition, message) {
    if (!condition)
        throw new Error(`self-test: ${message}`);
}

// Resident memory in KiB, from /proc.
function rssKiB() {
    const [, bytes] = GLib.file_get_contents('/proc/self/status');
    return Number(/VmRSS:\s+(\d+)/.exec(new TextDecoder().decode(bytes))[1]);
}

// The main thread's CPU time and time waiting for a CPU (runnable but
// not running: other threads and processes had the cores), in ms.
function schedstat() {
    const [, bytes] = GLib.file_get_contents('/proc/thread-self/schedstat');
    const [cpu, wait] = new TextDecoder().decode(bytes).trim().split(/\s+/).map(Number);
    return {cpu_ms: cpu / 1e6, wait_ms: wait / 1e6};
}

// A T-shirt in strokes over a unit square: sleeves, then the body filled
// row by row with the thick brush.
function tShirtStrokes() {
    const strokes = [[[0.34, 0.22], [0.16, 0.34], [0.22, 0.46], [0.34, 0.38]],
        [[0.66, 0.22], [0.84, 0.34], [0.78, 0.46], [0.66, 0.38]]];
    for (let y = 0.2; y <= 0.86; y += 0.06)
        strokes.push([[0.33, y], [0.5, y], [0.67, y]]);
    return strokes;
}

function* strokeEvents(size) {
    for (const stroke of tShirtStrokes()) {
        yield ['begin', stroke[0][0] * size, stroke[0][1] * size];
        for (let i = 1; i < stroke.length; i++) {
            // Several motion events per segment, as a mouse gives.
            for (let s = 1; s <= 4; s++) {
                const [x0, y0] = stroke[i - 1], [x1, y1] = stroke[i];
                yield ['extend', (x0 + (x1 - x0) * s / 4) * size, (y0 + (y1 - y0) * s / 4) * size];
            }
        }
    }
}

function bounds(widget, window) {
    const [ok, rect] = widget.compute_bounds(window);
    check(ok, `no bounds for ${widget}`);
    return {x: rect.get_x(), y: rect.get_y(), width: rect.get_width(), height: rect.get_height()};
}

function screenshot(window, path) {
    const width = window.get_width(), height = window.get_height();
    const paintable = new Gtk.WidgetPaintable({widget: window});
    const snapshot = new Gtk.Snapshot();
    paintable.snapshot(snapshot, width, height);
    const node = snapshot.to_node();
    const viewport = new Graphene.Rect().init(0, 0, width, height);
    const texture = window.get_renderer().render_texture(node, viewport);
    GLib.mkdir_with_parents(GLib.path_get_dirname(path), 0o755);
    check(texture.save_to_png(path), `cannot write ${path}`);
    return {width: texture.get_width(), height: texture.get_height()};
}

// Wraps object[name] to time its calls: {calls, mean_ms, max_ms}.
function timeCalls(object, name) {
    const original = object[name];
    const stats = {calls: 0, total_ms: 0, max_ms: 0};
    object[name] = function (...args) {
        const start = GLib.get_monotonic_time();
        try {
            return original.apply(this, args);
        } finally {
            const ms = (GLib.get_monotonic_time() - start) / 1000;
            stats.calls++;
            stats.total_ms += ms;
            stats.max_ms = Math.max(stats.max_ms, ms);
        }
    };
    return stats;
}

export async function runSelfTest(app, window, classifier, pngPath) {
    const report = {gsk_renderer: GLib.getenv('GSK_RENDERER'), load_average: null};
    const tmp = GLib.dir_make_tmp('fashion-trainer-XXXXXX');
    const tmpPath = name => GLib.build_filenamev([tmp, name]);
    // Short toasts: the ones below are gone before the screenshot.
    // (Adw 1.2 crashes when toasts are dismissed in quick succession.)
    window.toastTimeout = 1;
    await until(() => window.get_mapped(), 'the window to map', 10000);
    await wait(200);

    // Errors are toasts, the model stays.
    const description = classifier.description;
    const corrupt = tmpPath('corrupt.safetensors');
    GLib.file_set_contents(corrupt, 'not a safetensors file');
    check(!window.loadWeights(corrupt), 'a corrupt file was loaded');
    report.corrupt_file_toast = window.lastToast.title;
    const small = Dz.MLP.new([5, 3], Dz.MlpActivation.RELU, Dz.Dtype.FLOAT32, null);
    Dz.tidy(() => {
        small.call(Dz.Array.new_zeros([1, 4]).astype(Dz.Dtype.FLOAT32));
        return null;
    });
    const wrongShape = tmpPath('wrong-shape.safetensors');
    small.save_weights(wrongShape);
    check(!window.loadWeights(wrongShape), 'a 4-5-3 MLP was loaded');
    report.wrong_shape_toast = window.lastToast.title;
    // The right names and weights, a bias of the wrong length.
    const badBias = tmpPath('bad-bias.safetensors');
    const names = ['l0.W', 'l0.b', 'l1.W', 'l1.b'];
    Dz.Safetensors.save(badBias, names, [Dz.Array.new_zeros([784, 20]), Dz.Array.new_zeros([7]),
        Dz.Array.new_zeros([20, 10]), Dz.Array.new_zeros([10])], null);
    check(!window.loadWeights(badBias), 'a bias of the wrong length was loaded');
    report.bad_bias_toast = window.lastToast.title;
    check(classifier.description === description, `the model changed: ${classifier.description}`);

    // The file chooser opens (GTK's own dialog without a portal).
    app.activate_action('open', null);
    await wait(300);
    report.file_chooser_opened = window._chooser?.get_visible() ?? false;
    window._chooser?.hide();

    // Start and stop through the actions.
    app.activate_action('start', null);
    check(classifier.running, 'app.start did not start a training');
    check(!app.lookup_action('start').enabled && app.lookup_action('stop').enabled,
        'the actions do not follow the training');
    await until(() => window.plot.nPoints > 0, 'a first step');
    // Paused through the toggle's action: no step arrives (after the one
    // the worker may be in), predictions go on; resumed, steps come again.
    app.change_action_state('pause', GLib.Variant.new_boolean(true));
    check(classifier.paused && app.get_action_state('pause').get_boolean(), 'app.pause did not pause');
    await wait(500);
    const pausedAt = window.plot.nPoints;
    await wait(700);
    report.points_while_paused = window.plot.nPoints - pausedAt;
    check(report.points_while_paused === 0, `${report.points_while_paused} steps while paused`);
    app.change_action_state('pause', GLib.Variant.new_boolean(false));
    await until(() => window.plot.nPoints > pausedAt, 'a step after resuming');
    app.activate_action('stop', null);
    await until(() => !classifier.running, 'the training to stop');
    report.stopped_after_points = window.plot.nPoints;

    // Save and open again: the same predictions.
    const [probe] = classifier.testImage(1);
    const before = classifier.predict(probe);
    const saved = tmpPath('weights.safetensors');
    check(window.saveWeights(saved), 'saving failed');
    check(window.loadWeights(saved), 'opening the saved weights failed');
    const after = classifier.predict(probe);
    report.round_trip_max_diff = Math.max(...before.map((p, i) => Math.abs(p - after[i])));

    // A whole training, a garment drawn meanwhile, frames recorded.
    // What the main thread spends its frames on.
    report.main_thread_work = {
        predict: timeCalls(window, '_predict'),
        plot_draw: timeCalls(window.plot, '_draw'),
        canvas_draw: timeCalls(window.canvas, '_draw'),
        stroke: timeCalls(window.canvas, 'extendStroke'),
    };
    const monitor = new FrameMonitor(window);
    const size = window.canvas.get_width();
    window.canvas.clear();
    const events = strokeEvents(size);
    const predictionsBefore = window.predictions.count;
    const trainStart = GLib.get_monotonic_time();
    const sched0 = schedstat();
    monitor.start();
    app.activate_action('start', null);
    const drawId = window.add_tick_callback(() => {
        const next = events.next();
        if (!next.done) {
            const [kind, x, y] = next.value;
            if (kind === 'begin')
                window.canvas.beginStroke(x, y);
            else
                window.canvas.extendStroke(x, y);
        }
        return GLib.SOURCE_CONTINUE;
    });
    await until(() => !classifier.running, 'the training to end', 600000);
    monitor.stop();
    window.remove_tick_callback(drawId);
    for (let next = events.next(); !next.done; next = events.next()) {
        const [kind, x, y] = next.value;
        if (kind === 'begin')
            window.canvas.beginStroke(x, y);
        else
            window.canvas.extendStroke(x, y);
    }
    report.training_seconds = (GLib.get_monotonic_time() - trainStart) / 1e6;
    const sched1 = schedstat();
    report.main_thread = {cpu_ms: sched1.cpu_ms - sched0.cpu_ms,
        waiting_for_cpu_ms: sched1.wait_ms - sched0.wait_ms};
    for (const stats of Object.values(report.main_thread_work))
        stats.max_ms = +stats.max_ms.toFixed(2);
    report.frames = monitor.statistics;
    report.predictions_during_training = window.predictions.count - predictionsBefore;
    report.prediction_ms = {mean: window.predictions.totalMs / window.predictions.count,
        max: window.predictions.maxMs};
    report.plot_points = window.plot.nPoints;
    report.epochs = classifier.epochsDone;
    report.training_status = window._status.label;
    const [, load] = GLib.file_get_contents('/proc/loadavg');
    report.load_average = new TextDecoder().decode(load).trim();

    // The drawing as the model sees it: its box spans the 28×28 frame.
    const input = window.canvas.input;
    let [left, right, top, bottom] = [28, -1, 28, -1];
    input.forEach((v, k) => {
        if (v > 0.1) {
            left = Math.min(left, k % 28);
            right = Math.max(right, k % 28);
            top = Math.min(top, Math.floor(k / 28));
            bottom = Math.max(bottom, Math.floor(k / 28));
        }
    });
    report.drawing_box = {left, right, top, bottom};

    // The trained model on the first 200 test images, through predict().
    let correct = 0;
    for (let i = 0; i < 200; i++) {
        const [image, label] = classifier.testImage(i);
        const p = classifier.predict(image);
        correct += p.indexOf(Math.max(...p)) === label;
    }
    report.test_accuracy_200 = correct / 200;

    // Memory over many predictions, made from the main loop as the
    // window makes them (20 per 5 ms): flat once warm.
    const drawn = window.canvas.input;
    const predictMany = async count => {
        for (let done = 0; done < count; done += 20) {
            for (let i = 0; i < 20; i++)
                classifier.predict((done + i) % 2 ? drawn : classifier.testImage(done + i)[0]);
            // eslint-disable-next-line no-await-in-loop
            await wait(5);
        }
    };
    await predictMany(2000);
    const rss0 = rssKiB();
    const live0 = Dz.live_count(Dz.LiveKind.ARRAY);
    const n = 10000;
    await predictMany(n);
    report.memory = {predictions: n, rss_before_kib: rss0, rss_after_kib: rssKiB(),
        live_arrays_before: live0, live_arrays_after: Dz.live_count(Dz.LiveKind.ARRAY)};

    // Let the window show the final prediction, then take the picture.
    window._requestPrediction();
    await wait(400);
    report.prediction_label = window.predictionLabel.label;
    report.screenshot = screenshot(window, pngPath);
    report.bounds = {plot: bounds(window.plot, window), canvas: bounds(window.canvas, window),
        prediction_label: bounds(window.predictionLabel, window), bars: bounds(window.bars, window)};
    const jsonPath = pngPath.replace(/\.png$/, '') + '.json';
    GLib.file_set_contents(jsonPath, JSON.stringify(report, null, 2));
    for (const name of ['corrupt.safetensors', 'wrong-shape.safetensors', 'bad-bias.safetensors',
        'weights.safetensors'])
        Gio.File.new_for_path(tmpPath(name)).delete(null);
    Gio.File.new_for_path(tmp).delete(null);
    print(JSON.stringify({frames: report.frames, work: report.main_thread_work,
        main_thread: report.main_thread, load: report.load_average, training_seconds: report.training_seconds,
        memory: report.memory, test_accuracy_200: report.test_accuracy_200}));
}
