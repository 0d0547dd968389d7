// SPDX-License-Identifier: MIT
// Newton's method on f(x) = x^4 - 2x^2 from x = 2 (DeZero step 33), in GJS.
import Dz from 'gi://Dz?version=1.0';

const f = x => Dz.sub(Dz.pow(x, 4), Dz.mul_scalar(Dz.pow(x, 2), 2));
const x = Dz.Variable.new_scalar(2);

for (let i = 0; i < 10; i++) {
    print(i, `${x}`);
    const done = Dz.tidy(() => {
        const [gx] = Dz.grad(f(x), [x], Dz.BackwardFlags.CREATE_GRAPH);
        const [gx2] = Dz.grad(gx, [x], Dz.BackwardFlags.NONE);
        x.data = Dz.Array.new_scalar(x.data.item() - gx.data.item() / gx2.data.item());
        return null;
    });
    if (Math.abs(x.data.item() - 1) < 1e-12) {
        print(i + 1, `${x}`);
        break;
    }
}
