#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""DeZero's step 60: an LSTM (hidden 100) and a linear layer learn the
noisy sine wave by truncated backpropagation through time (30 steps) with
Adam for 100 epochs, with the book's code; only the import lines differ.
Prints each epoch's loss and the time, and draws the prediction on a
cosine against the cosine to a PNG.

    scripts/example.sh examples/python/lstm_sin.py [out.png] [epochs]
"""

import sys
import time

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import dezero_glib as dezero  # noqa: E402
import dezero_glib.functions as F  # noqa: E402
import dezero_glib.layers as L  # noqa: E402
from dezero_glib import Model, SeqDataLoader  # noqa: E402

png = sys.argv[1] if len(sys.argv) > 1 else "/tmp/dezero-glib-lstm-sin.png"
max_epoch = int(sys.argv[2]) if len(sys.argv) > 2 else 100
batch_size = 30
hidden_size = 100
bptt_length = 30

np.random.seed(0)
train_set = dezero.datasets.SinCurve(train=True)
dataloader = SeqDataLoader(train_set, batch_size=batch_size)
seqlen = len(train_set)


class BetterRNN(Model):
    def __init__(self, hidden_size, out_size):
        super().__init__()
        self.rnn = L.LSTM(hidden_size)
        self.fc = L.Linear(out_size)

    def reset_state(self):
        self.rnn.reset_state()

    def forward(self, x):
        y = self.rnn(x)
        y = self.fc(y)
        return y


model = BetterRNN(hidden_size, 1)
optimizer = dezero.optimizers.Adam().setup(model)

start = time.perf_counter()
for epoch in range(max_epoch):
    model.reset_state()
    loss, count = 0, 0

    for x, t in dataloader:
        y = model(x)
        loss += F.mean_squared_error(y, t)
        count += 1

        if count % bptt_length == 0 or count == seqlen:
            model.cleargrads()
            loss.backward()
            loss.unchain_backward()
            optimizer.update()
    avg_loss = float(loss.data) / count
    print('| epoch %d | loss %f' % (epoch + 1, avg_loss))
elapsed = time.perf_counter() - start
print(f"time {elapsed:.2f} s, {elapsed / max_epoch * 1e3:.1f} ms per epoch")

xs = np.cos(np.linspace(0, 4 * np.pi, 1000))
model.reset_state()
pred_list = []
with dezero.no_grad():
    for x in xs:
        x = np.array(x).reshape(1, 1)
        y = model(x)
        pred_list.append(float(y.data))
print(f"cosine, one step ahead: mean squared error "
      f"{np.mean((np.array(pred_list[:-1]) - xs[1:]) ** 2):.5f}")

plt.plot(np.arange(len(xs)), xs, label='y=cos(x)')
plt.plot(np.arange(len(xs)), pred_list, label='predict')
plt.xlabel('x')
plt.ylabel('y')
plt.legend()
plt.savefig(png)
print(f"wrote {png}")
