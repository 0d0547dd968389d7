// SPDX-License-Identifier: MIT
// DeZero's step 43 from GJS: a 1-10-1 sigmoid network fitting
// y = sin(2 pi x) + noise, its data as Float64Arrays, each step in Dz.tidy.
import Dz from 'gi://Dz?version=1.0';

const n = 100;
const gen = Dz.Generator.new(0);
const xs = Dz.Array.new_uniform([n, 1], gen).toTypedArray();
const noise = Dz.Array.new_uniform([n, 1], gen).toTypedArray();
const ys = xs.map((v, i) => Math.sin(2 * Math.PI * v) + noise[i]);

const x = Dz.Variable.new(Dz.Array.fromTypedArray(xs, [n, 1]));
const y = Dz.Variable.new(Dz.Array.fromTypedArray(ys, [n, 1]));
x.set_requires_grad(false);
y.set_requires_grad(false);

const params = [
    Dz.Variable.new(Dz.Array.new_randn([1, 10], gen).scale(0.01)),
    Dz.Variable.new(Dz.Array.new_zeros([10])),
    Dz.Variable.new(Dz.Array.new_randn([10, 1], gen).scale(0.01)),
    Dz.Variable.new(Dz.Array.new_zeros([1])),
];
const [W1, b1, W2, b2] = params;
const predict = v => Dz.linear(Dz.sigmoid(Dz.linear(v, W1, b1)), W2, b2);

const lr = 0.2;
const iterations = Number(ARGV[0] ?? 10000);
for (let i = 0; i < iterations; i++) {
    Dz.tidy(() => {
        const loss = Dz.mean_squared_error(y, predict(x));
        params.forEach(p => p.clear_grad());
        loss.backward();
        // The new data and grads belong to objects from outside the block: kept.
        params.forEach(p => p.set_data(p.get_data().sub(p.get_grad().get_data().scale(lr))));
        if (i % 1000 === 0 || i === iterations - 1)
            print(i, `${loss}`);
        return null;
    });
}
