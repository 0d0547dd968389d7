// SPDX-License-Identifier: MIT
// Loads the weights the C example examples/fashion-mnist-mlp.c trained and
// saved (one safetensors file for C, Python and GJS) into the same model, a
// 784-1000-10 ReLU MLP, and classifies the Fashion-MNIST test images:
//
//   scripts/example.sh fashion-mnist-mlp                 # trains, writes the file
//   scripts/example.sh examples/js/classify-fashion-mnist.js [WEIGHTS]
//
// WEIGHTS defaults to /tmp/fashion-mnist-mlp.safetensors. The images come
// from Debian's dataset-fashion-mnist package.
import GLib from 'gi://GLib';
import System from 'system';
import Dz from 'gi://Dz?version=1.0';

const CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat',
    'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

const path = ARGV[0] ?? '/tmp/fashion-mnist-mlp.safetensors';
if (!GLib.file_test(path, GLib.FileTest.EXISTS)) {
    printerr(`${path} does not exist: train and save the model first with\n` +
        `  scripts/example.sh fashion-mnist-mlp ${path}`);
    System.exit(1);
}

// The model as the C example builds it (its parameters "l0.W", "l0.b",
// "l1.W", "l1.b"), in the dtype the file holds.
let dtype, model;
try {
    dtype = Dz.Safetensors.load(path).get_array('l0.W').get_dtype();
    model = Dz.MLP.new([1000, 10], Dz.MlpActivation.RELU, dtype, null);
    model.load_weights(path);
} catch (e) {
    if (!(e instanceof GLib.Error))
        throw e;
    printerr(`Cannot load the weights: ${e.message}`);
    System.exit(1);
}
print(`Loaded ${model.list_parameter_names().join(', ')} (${Dz.dtype_get_name(dtype)}) from ${path}`);

// Images as float32 rows of 784 values in [0, 1], as the C example trained on.
const test = Dz.FashionMNIST.new(false);
if (dtype !== Dz.Dtype.FLOAT32)
    test.set_transform(Dz.AstypeTransform.new(dtype));

// The index of the largest value of each row of an (N, k) array.
function argmaxRows(scores) {
    const values = scores.toTypedArray();
    const [n, k] = scores.shape;
    const best = new Int32Array(n);
    for (let i = 0; i < n; i++) {
        for (let j = 1; j < k; j++) {
            if (values[i * k + j] > values[i * k + best[i]])
                best[i] = j;
        }
    }
    return best;
}

// Image i of a batch, 28x28, in 14 lines of text, two pixel rows per line.
function sketch(batch, i) {
    const pixels = batch.subarray(i * 784, (i + 1) * 784);
    const shades = ' .:-=+*#%@';
    const lines = [];
    for (let r = 0; r < 28; r += 2) {
        let line = '';
        for (let c = 0; c < 28; c++) {
            const v = (pixels[r * 28 + c] + pixels[(r + 1) * 28 + c]) / 2;
            line += shades[Math.min(shades.length - 1, Math.floor(v * shades.length))];
        }
        lines.push(`    ${line}`);
    }
    return lines.join('\n');
}

const start = GLib.get_monotonic_time();
let correct = 0, seen = 0, shown = 0;
// Inference only: no graph, no dropout.
Dz.test_mode(() => Dz.no_grad(() => {
    for (const [x, t] of Dz.DataLoader.new(test, 1000, false, 0)) {
        const probabilities = Dz.softmax(model.call(x), 1).data;
        const predicted = argmaxRows(probabilities);
        const p = probabilities.toTypedArray();
        const labels = t.toTypedArray();
        for (let i = 0; i < predicted.length; i++) {
            const label = Number(labels[i]);
            const ok = predicted[i] === label;
            correct += ok;
            if (shown < 6) {
                print(`test image ${seen + i}: ${CLASSES[predicted[i]]} (${(100 * p[i * 10 + predicted[i]]).toFixed(1)}%)` +
                    `, label ${CLASSES[label]}${ok ? '' : '  <- wrong'}`);
                if (shown < 2)
                    print(sketch(x.toTypedArray(), i));
                shown++;
            }
        }
        seen += predicted.length;
    }
}));
const seconds = (GLib.get_monotonic_time() - start) / 1e6;
print(`Test accuracy: ${(100 * correct / seen).toFixed(2)}% (${correct} of ${seen} images, ` +
    `${(seen / seconds).toFixed(0)} images/s)`);
