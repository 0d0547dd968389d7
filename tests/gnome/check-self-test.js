// SPDX-License-Identifier: MIT
// Checks what `main.js --self-test OUT.png` wrote: the screenshot has
// content where the widgets are (the plot's curves, the drawn garment, the
// prediction's text), and OUT.json's figures: frame times while the
// training ran, memory over many predictions, the trained model's accuracy,
// the weights' round trip, the error toasts.
//   gjs -m check-self-test.js OUT.png
import GLib from 'gi://GLib';
import GdkPixbuf from 'gi://GdkPixbuf';
import System from 'system';

const CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat',
    'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];
// The target: no frame over 50 ms while the worker trains. A frame can
// only be late for two reasons: work on the main thread, or the main
// thread waiting for a core that other threads and processes hold. The
// self-test measures both; on a machine so loaded that the main thread
// waited for a CPU more than 10 % of the time, the frame limits are
// relaxed (and say so), while the app's own work per call is held to
// 50 ms either way. A main thread that trained itself would block for
// seconds and fail both.
const P99_LIMIT_MS = 50, MAX_LIMIT_MS = 100;
const LOADED_P99_LIMIT_MS = 200, LOADED_MAX_LIMIT_MS = 500;
const WORK_LIMIT_MS = 50;

const png = ARGV[0];
const [, bytes] = GLib.file_get_contents(png.replace(/\.png$/, '') + '.json');
const report = JSON.parse(new TextDecoder().decode(bytes));
const pixbuf = GdkPixbuf.Pixbuf.new_from_file(png);
const width = pixbuf.get_width(), height = pixbuf.get_height();
const stride = pixbuf.get_rowstride(), channels = pixbuf.get_n_channels();
const pixels = pixbuf.get_pixels();
let failures = 0;

function check(condition, message) {
    print(`${condition ? 'ok' : 'FAILED'}: ${message}`);
    failures += !condition;
}

// Counts the pixels of a region (window coordinates) that match.
function count({x, y, width: w, height: h}, match) {
    let n = 0;
    for (let j = Math.max(0, Math.floor(y)); j < Math.min(height, y + h); j++) {
        for (let i = Math.max(0, Math.floor(x)); i < Math.min(width, x + w); i++) {
            const k = j * stride + i * channels;
            n += match(pixels[k], pixels[k + 1], pixels[k + 2]);
        }
    }
    return n;
}
const near = (rgb, tolerance = 40) => (r, g, b) =>
    Math.abs(r - rgb[0]) + Math.abs(g - rgb[1]) + Math.abs(b - rgb[2]) < tolerance;
const all = {x: 0, y: 0, width, height};

check(width >= 800 && height >= 500 && width === report.screenshot.width &&
    height === report.screenshot.height, `screenshot ${width}×${height}`);
const colours = new Set();
count(all, (r, g, b) => colours.add((r << 16) | (g << 8) | b) && false);
check(colours.size > 100, `${colours.size} colours in the screenshot`);

const {plot, canvas, prediction_label: label} = report.bounds;
const loss = count(plot, near([54, 133, 227]));
const testAccuracy = count(plot, near([46, 194, 125]));
check(loss > 150, `${loss} pixels of the loss curve in the plot`);
check(testAccuracy > 20, `${testAccuracy} pixels of the test accuracy in the plot`);
const black = count(canvas, near([0, 0, 0], 30)), white = count(canvas, near([255, 255, 255], 30));
const area = canvas.width * canvas.height;
check(black > 0.3 * area && white > 0.1 * area,
    `canvas: ${(100 * black / area).toFixed(0)} % black, ${(100 * white / area).toFixed(0)} % white garment`);
const ink = count(label, (r, g, b) => r + g + b < 3 * 100);
check(ink > 100, `${ink} text pixels in the prediction label "${report.prediction_label}"`);
check(CLASSES.some(c => report.prediction_label.startsWith(`${c} (`)),
    `the label names a class: "${report.prediction_label}"`);

const frames = report.frames.wall_clock;
const waited = report.main_thread.waiting_for_cpu_ms / (1000 * report.training_seconds);
print(`# frames while training (${report.training_seconds.toFixed(1)} s, load ${report.load_average}): ` +
    `${frames.frames} frames, mean ${frames.mean_ms.toFixed(1)} ms, p99 ${frames.p99_ms.toFixed(1)} ms, ` +
    `max ${frames.max_ms.toFixed(1)} ms; frame clock p99 ${report.frames.frame_clock.p99_ms.toFixed(1)} ms, ` +
    `max ${report.frames.frame_clock.max_ms.toFixed(1)} ms`);
print(`# main thread: ${report.main_thread.cpu_ms.toFixed(0)} ms of CPU, ` +
    `${report.main_thread.waiting_for_cpu_ms.toFixed(0)} ms waiting for a CPU (${(100 * waited).toFixed(0)} %)`);
const loaded = waited > 0.1;
if (loaded)
    print('# the machine is loaded: frame limits relaxed');
const p99Limit = loaded ? LOADED_P99_LIMIT_MS : P99_LIMIT_MS;
const maxLimit = loaded ? LOADED_MAX_LIMIT_MS : MAX_LIMIT_MS;
check(frames.frames >= 30, `${frames.frames} frames recorded during the training`);
check(frames.p99_ms <= p99Limit, `99th percentile frame ${frames.p99_ms.toFixed(1)} ms <= ${p99Limit} ms`);
check(frames.max_ms <= maxLimit, `longest frame ${frames.max_ms.toFixed(1)} ms <= ${maxLimit} ms`);
for (const [name, work] of Object.entries(report.main_thread_work)) {
    check(work.max_ms <= WORK_LIMIT_MS, `${name}: ${work.calls} calls, ` +
        `mean ${(work.total_ms / Math.max(1, work.calls)).toFixed(2)} ms, max ${work.max_ms} ms`);
}
check(report.predictions_during_training >= 10,
    `${report.predictions_during_training} predictions while the worker trained`);
check(report.plot_points >= 5 && report.stopped_after_points >= 1,
    `${report.plot_points} loss points plotted; app.stop stopped after ${report.stopped_after_points}`);
check(report.test_accuracy_200 >= 0.6, `trained model: ${100 * report.test_accuracy_200} % of 200 test images`);
const box = report.drawing_box;
const span = Math.max(box.right - box.left, box.bottom - box.top) + 1;
const centre = [(box.left + box.right + 1) / 2, (box.top + box.bottom + 1) / 2];
check(span >= 26 && span <= 28 && centre.every(c => Math.abs(c - 14) <= 1),
    `the drawing as 28×28: spans ${span} pixels, centred at ${centre}`);
check(report.file_chooser_opened, 'app.open showed the file chooser');
check(report.round_trip_max_diff < 1e-6, `save and open: predictions differ by ${report.round_trip_max_diff}`);
check(/^Cannot open corrupt\.safetensors/.test(report.corrupt_file_toast) &&
    /784-H-10/.test(report.wrong_shape_toast) && /784-H-10/.test(report.bad_bias_toast),
    `toasts: "${report.corrupt_file_toast}", "${report.wrong_shape_toast}", "${report.bad_bias_toast}"`);
const m = report.memory;
const growth = (m.rss_after_kib - m.rss_before_kib) / 1024;
check(growth < 8 && m.live_arrays_after <= m.live_arrays_before,
    `${m.predictions} predictions: RSS ${growth.toFixed(1)} MiB more, live arrays ${m.live_arrays_before} -> ${m.live_arrays_after}`);
System.exit(failures ? 1 : 0);
