// SPDX-License-Identifier: MIT
// DeZero's step 60 from GJS: an LSTM (hidden 100) and a linear layer learn
// the noisy sine wave by truncated backpropagation through time (30 steps)
// with Adam, then predict a cosine one step ahead.
//
//   scripts/example.sh examples/js/lstm-sin.js [--epochs N]
//
// A loop over a loader releases what each batch made once it moves on;
// the LSTM's state and the running loss go on to the next batch, so they
// are kept with Dz.keep.
import Dz from 'gi://Dz?version=1.0';

function option(name, fallback) {
    const i = ARGV.indexOf(name);
    return i >= 0 && i + 1 < ARGV.length ? ARGV[i + 1] : fallback;
}

const maxEpoch = Number(option('--epochs', 100));
const bpttLength = 30;
const F64 = Dz.Dtype.FLOAT64;
const generator = Dz.Generator.new(0);

const trainSet = Dz.SinCurve.new(true, generator);
const loader = Dz.DataLoader.new_sequential(trainSet, 30);
const lstm = Dz.LSTMLayer.new(100, 0, F64, generator);
const model = Dz.Sequential.new([lstm, Dz.LinearLayer.new(1, false, F64, generator)]);
const optimizer = new Dz.Adam({}).setup(model);

const start = Date.now();
for (let epoch = 1; epoch <= maxEpoch; epoch++) {
    lstm.reset_state();
    let loss = null, count = 0;
    for (const [x, t] of loader) {
        const l = Dz.mean_squared_error(model.call(x), t);
        loss = loss === null ? l : Dz.add(loss, l);
        count++;
        if (count % bpttLength === 0) {
            model.cleargrads();
            loss.backward();
            loss.unchain_backward();
            optimizer.update();
        }
        Dz.keep([loss, lstm.get_h(), lstm.get_c()]);
    }
    if (epoch % 10 === 0 || epoch === 1)
        print(`| epoch ${epoch} | loss ${(loss.data.item() / count).toFixed(6)}`);
}
print(`time ${((Date.now() - start) / 1000).toFixed(2)} s`);

// The cosine over two periods, one value at a time.
lstm.reset_state();
const n = 1000;
let sum = 0;
Dz.no_grad(() => {
    for (let i = 0; i + 1 < n; i++) {
        const x = Dz.Array.new_from_values([Math.cos(4 * Math.PI * i / (n - 1))], [1, 1]);
        const y = Dz.tidy(() => {
            const value = model.call(x).data.item();
            Dz.keep([lstm.get_h(), lstm.get_c()]);
            return value;
        });
        sum += (y - Math.cos(4 * Math.PI * (i + 1) / (n - 1))) ** 2;
    }
});
print(`cosine, one step ahead: mean squared error ${(sum / (n - 1)).toFixed(5)}`);
