#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""DeZero's spiral classification (steps 48-50): an MLP with 10 hidden
units trained by SGD (lr 1.0, 300 epochs, batches of 30) with the book's
code, only the import line differs. Prints the loss every 30 epochs, the
final loss and accuracy and the time per step, and draws the decision
boundary to a PNG.

    scripts/example.sh examples/python/step48_spiral.py [out.png]
"""

import sys
import time

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import dezero_glib as dezero  # noqa: E402
import dezero_glib.functions as F  # noqa: E402
from dezero_glib import DataLoader, optimizers  # noqa: E402
from dezero_glib.models import MLP  # noqa: E402

png = sys.argv[1] if len(sys.argv) > 1 else "/tmp/dezero-glib-spiral.png"

max_epoch = 300
batch_size = 30
hidden_size = 10
lr = 1.0

train_set = dezero.datasets.Spiral(train=True)
train_loader = DataLoader(train_set, batch_size)
model = MLP((hidden_size, 3))
optimizer = optimizers.SGD(lr).setup(model)

steps = 0
start = time.perf_counter()
for epoch in range(max_epoch):
    sum_loss, sum_acc = 0.0, 0.0
    for x, t in train_loader:
        y = model(x)
        loss = F.softmax_cross_entropy(y, t)
        acc = F.accuracy(y, t)
        model.cleargrads()
        loss.backward()
        optimizer.update()
        sum_loss += float(loss.data) * len(t)
        sum_acc += float(acc.data) * len(t)
        steps += 1
    if (epoch + 1) % 30 == 0:
        print(f"epoch {epoch + 1:3d}, loss {sum_loss / len(train_set):.4f}, "
              f"accuracy {sum_acc / len(train_set):.4f}")
elapsed = time.perf_counter() - start

x, t = train_set.data, train_set.label
with dezero.no_grad():
    accuracy = float(F.accuracy(model(x), t).data)
    final_loss = float(F.softmax_cross_entropy(model(x), t).data)
print(f"final loss {final_loss:.4f}, accuracy {accuracy:.4f} "
      f"({steps} steps in {elapsed:.2f} s, {elapsed / steps * 1e6:.1f} us/step)")

# The decision boundary: the class the model predicts on a grid.
h = 0.005
x_min, x_max = x[:, 0].min() - .1, x[:, 0].max() + .1
y_min, y_max = x[:, 1].min() - .1, x[:, 1].max() + .1
xx, yy = np.meshgrid(np.arange(x_min, x_max, h), np.arange(y_min, y_max, h))
grid = np.c_[xx.ravel(), yy.ravel()].astype(np.float32)
with dezero.no_grad():
    score = model(grid)
Z = np.argmax(score.data, axis=1).reshape(xx.shape)
plt.contourf(xx, yy, Z, alpha=0.6)
for c, (marker, color) in enumerate(zip("ox^", ("orange", "blue", "green"))):
    plt.scatter(x[t == c, 0], x[t == c, 1], s=40, marker=marker, c=color)
plt.title(f"dezero-glib spiral: loss {final_loss:.3f}, accuracy {accuracy:.3f}")
plt.savefig(png, dpi=80)
print(f"decision boundary written to {png}")
