// SPDX-License-Identifier: MIT
// The plain typelib loads in GJS and a gradient comes out.
import System from 'system';
import Dz from 'gi://Dz?version=1.0';

const x = Dz.Variable.new_scalar(0.5);
const y = Dz.square(Dz.exp(Dz.square(x)));
y.backward();
const g = x.grad.data.item();
if (Math.abs(g - 3.297442541400256) > 1e-12) {
    printerr(`wrong gradient ${g}`);
    System.exit(1);
}
print(`ok 1 - gradient ${g}`);
print('1..1');
