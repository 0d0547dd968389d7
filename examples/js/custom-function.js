// SPDX-License-Identifier: MIT
// A Function written in JavaScript, with DzArray math for its forward pass,
// checked against numerical differentiation.
import GObject from 'gi://GObject';
import Dz from 'gi://Dz?version=1.0';

const Sigmoid = GObject.registerClass(class Sigmoid extends Dz.Function {
    vfunc_forward([x]) {
        return [x.neg().exp().add_scalar(1).pow(-1)];
    }

    vfunc_backward([gy]) {
        const y = this.get_output(0);
        return [Dz.mul(gy, Dz.mul(y, Dz.add_scalar(Dz.neg(y), 1)))];
    }
});

const sigmoid = x => new Sigmoid().call_unary(x);

const x = new Dz.Variable({data: Dz.Array.new_from_values([-2, -1, 0, 1, 2], [5]), name: 'x'});
const y = sigmoid(Dz.add_scalar(Dz.mul_scalar(x, 2), 1));
y.backward();
print(`y      = ${y}`);
print(`dy/dx  = ${x.grad}`);
const probe = Dz.Variable.new(Dz.Array.new_randn([3, 2], null));
print(`gradient check: ${Dz.gradient_check(v => sigmoid(Dz.square(v)), probe)}`);  // eps, rtol, atol as DeZero's
