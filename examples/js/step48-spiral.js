// SPDX-License-Identifier: MIT
// DeZero's step 48 from GJS: a 2-10-3 sigmoid MLP learns the three arms of
// the spiral dataset with SGD (lr 1.0, 300 epochs, batches of 30).
//
//   scripts/example.sh examples/js/step48-spiral.js [--epochs N] [--png FILE]
//
// --png draws the decision boundary and the points with Cairo.
import Cairo from 'cairo';
import Dz from 'gi://Dz?version=1.0';

function option(name, fallback) {
    const i = ARGV.indexOf(name);
    return i >= 0 && i + 1 < ARGV.length ? ARGV[i + 1] : fallback;
}

const maxEpoch = Number(option('--epochs', 300));
const png = option('--png', null);
const batchSize = 30;
const hiddenSize = 10;
const lr = 1.0;

const trainSet = Dz.Spiral.new(true);
const model = Dz.MLP.new([hiddenSize, 3], Dz.MlpActivation.SIGMOID, Dz.Dtype.FLOAT64, Dz.Generator.new(0));
const optimizer = new Dz.SGD({lr}).setup(model);
const loader = Dz.DataLoader.new(trainSet, batchSize, true, 0);

const start = Date.now();
let groupLoss = 0, groupEpochs = 0;
for (let epoch = 1; epoch <= maxEpoch; epoch++) {
    // One epoch; the objects of each batch are released as the loop moves on.
    let sumLoss = 0;
    for (const [x, t] of loader) {
        const loss = Dz.softmax_cross_entropy(model.call(x), t);
        model.cleargrads();
        loss.backward();
        optimizer.update();
        sumLoss += loss.data.item() * t.shape[0];
    }
    groupLoss += sumLoss / trainSet.length;
    groupEpochs++;
    if (epoch % 30 === 0 || epoch === maxEpoch) {
        print(`epoch ${String(epoch).padStart(3)}: mean loss ${(groupLoss / groupEpochs).toFixed(4)} over epochs ` +
            `${epoch - groupEpochs + 1}-${epoch}, last ${(sumLoss / trainSet.length).toFixed(4)}`);
        groupLoss = groupEpochs = 0;
    }
}
const seconds = (Date.now() - start) / 1000;

const [, data, label] = trainSet.get_arrays();
const [loss, accuracy] = Dz.test_mode(() => Dz.no_grad(() => {
    const y = model.call(data);
    return [Dz.softmax_cross_entropy(y, label).data.item(), Dz.accuracy(y, label).data.item()];
}));
print(`final loss ${loss.toFixed(4)}, accuracy ${(100 * accuracy).toFixed(1)}% on the ${trainSet.length} points ` +
    `(${seconds.toFixed(2)} s, ${(1e6 * seconds / (maxEpoch * loader.length)).toFixed(0)} µs per step)`);

if (png !== null) {
    // The class of each pixel of a grid over [-1, 1]^2, from one batch.
    const size = 400, scale = size / 2.2;
    const grid = new Float64Array(size * size * 2);
    for (let r = 0; r < size; r++) {
        for (let c = 0; c < size; c++) {
            grid[2 * (r * size + c)] = c / scale - 1.1;
            grid[2 * (r * size + c) + 1] = 1.1 - r / scale;
        }
    }
    const scores = Dz.no_grad(() => model.call(Dz.Array.fromTypedArray(grid, [size * size, 2])).data.toTypedArray());
    const colors = [[0.55, 0.7, 1.0], [1.0, 0.7, 0.55], [0.6, 0.9, 0.6]];
    const dark = [[0.1, 0.2, 0.7], [0.7, 0.2, 0.05], [0.05, 0.5, 0.1]];
    const surface = new Cairo.ImageSurface(Cairo.Format.RGB24, size, size);
    const cr = new Cairo.Context(surface);
    for (let r = 0; r < size; r++) {
        for (let c = 0; c < size; c++) {
            const k = r * size + c;
            let best = 0;
            for (let j = 1; j < 3; j++) {
                if (scores[3 * k + j] > scores[3 * k + best])
                    best = j;
            }
            cr.setSourceRGB(...colors[best]);
            cr.rectangle(c, r, 1, 1);
            cr.fill();
        }
    }
    const points = data.toTypedArray();
    const labels = label.toTypedArray();
    for (let i = 0; i < labels.length; i++) {
        cr.setSourceRGB(...dark[Number(labels[i])]);
        cr.arc((points[2 * i] + 1.1) * scale, (1.1 - points[2 * i + 1]) * scale, 3, 0, 2 * Math.PI);
        cr.fill();
    }
    surface.writeToPNG(png);
    cr.$dispose();
    print(`decision boundary written to ${png}`);
}
