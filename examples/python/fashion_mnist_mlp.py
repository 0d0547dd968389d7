#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""A 784-1000-10 MLP on Fashion-MNIST, DeZero style (steps 51-53): the
book's training loop with ``import dezero_glib as dezero``. Reads the
images from Debian's dataset-fashion-mnist package.

    scripts/example.sh examples/python/fashion_mnist_mlp.py [--epochs N]
        [--activation sigmoid|relu] [--optimizer sgd|adam] [--lr LR]
        [--seed S] [--png curves.png] [--weights mlp.safetensors]

Prints a line per epoch (loss, accuracy, samples/s, ETA), the test
accuracy, draws the loss/accuracy curves, saves the weights, loads them
into a fresh model and checks that it scores the same.
"""

import argparse
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

parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
parser.add_argument("--epochs", type=int, default=5)
parser.add_argument("--batch-size", type=int, default=100)
parser.add_argument("--hidden", type=int, default=1000)
parser.add_argument("--activation", choices=("sigmoid", "relu"), default="sigmoid")
parser.add_argument("--optimizer", choices=("sgd", "adam"), default="sgd")
parser.add_argument("--lr", type=float, default=None,
                    help="default: 1.0 for SGD with sigmoid, 0.1 with ReLU; 0.001 for Adam")
parser.add_argument("--seed", type=int, default=0,
                    help="seeds NumPy's generator: the initial weights and batch orders")
parser.add_argument("--png", default="/tmp/dezero-glib-fashion-mnist.png")
parser.add_argument("--weights", default="/tmp/dezero-glib-fashion-mnist.safetensors")
args = parser.parse_args()

np.random.seed(args.seed)
try:
    train_set = dezero.datasets.FashionMNIST(train=True)
    test_set = dezero.datasets.FashionMNIST(train=False)
except dezero.core.Dz.NotAvailableError as err:
    sys.exit(f"fashion_mnist_mlp: {err}")
train_loader = DataLoader(train_set, args.batch_size)
test_loader = DataLoader(test_set, args.batch_size, shuffle=False)

activation = F.relu if args.activation == "relu" else F.sigmoid
lr = args.lr
if lr is None:
    lr = 0.001 if args.optimizer == "adam" else (0.1 if args.activation == "relu" else 1.0)
model = MLP((args.hidden, 10), activation=activation)
optimizer = (optimizers.Adam(lr) if args.optimizer == "adam" else optimizers.SGD(lr)).setup(model)
print(f"Fashion-MNIST: {len(train_set)} training and {len(test_set)} test images; "
      f"MLP 784-{args.hidden}-10 {args.activation}, {args.optimizer} lr {lr}, "
      f"batch {args.batch_size}, {args.epochs} epochs")


def evaluate(model):
    sum_loss, sum_acc = 0.0, 0.0
    with dezero.no_grad():
        for x, t in test_loader:
            y = model(x)
            sum_loss += float(F.softmax_cross_entropy(y, t).data) * len(t)
            sum_acc += float(F.accuracy(y, t).data) * len(t)
    return sum_loss / len(test_set), sum_acc / len(test_set)


tty = sys.stdout.isatty()
history = []
start = time.perf_counter()
for epoch in range(args.epochs):
    epoch_start = time.perf_counter()
    sum_loss, sum_acc, seen = 0.0, 0.0, 0
    for i, (x, t) in enumerate(train_loader):
        y = model(x)
        loss = F.softmax_cross_entropy(y, t)
        acc = F.accuracy(y, t)
        model.cleargrads()
        loss.backward()
        optimizer.update()
        sum_loss += float(loss.data) * len(t)
        sum_acc += float(acc.data) * len(t)
        seen += len(t)
        if tty and i % 20 == 0:
            rate = seen / (time.perf_counter() - epoch_start)
            print(f"\repoch {epoch + 1}/{args.epochs} {seen:5d}/{len(train_set)} "
                  f"loss {sum_loss / seen:.4f} acc {sum_acc / seen:.4f} {rate:7.0f} samples/s",
                  end="", flush=True)
    now = time.perf_counter()
    test_loss, test_acc = evaluate(model)
    history.append((sum_loss / seen, sum_acc / seen, test_loss, test_acc))
    rate = seen / (now - epoch_start)
    eta = (time.perf_counter() - start) / (epoch + 1) * (args.epochs - epoch - 1)
    print(f"\repoch {epoch + 1}/{args.epochs}  loss {sum_loss / seen:.4f}  "
          f"accuracy {sum_acc / seen:.4f}  test {test_acc:.4f}  {rate:6.0f} samples/s  "
          f"{now - epoch_start:5.2f} s  ETA {eta:4.0f} s" + " " * 8)

test_loss, test_acc = history[-1][2:]
print(f"test accuracy {test_acc:.4f} (loss {test_loss:.4f}), "
      f"{time.perf_counter() - start:.1f} s in all")

epochs = range(1, args.epochs + 1)
fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(10, 4))
ax_loss.plot(epochs, [h[0] for h in history], "o-", label="train")
ax_loss.plot(epochs, [h[2] for h in history], "s-", label="test")
ax_loss.set(xlabel="epoch", ylabel="loss", title="loss")
ax_acc.plot(epochs, [h[1] for h in history], "o-", label="train")
ax_acc.plot(epochs, [h[3] for h in history], "s-", label="test")
ax_acc.set(xlabel="epoch", ylabel="accuracy", title="accuracy")
for ax in (ax_loss, ax_acc):
    ax.set_xticks(list(epochs))
    ax.legend()
    ax.grid(True)
fig.tight_layout()
fig.savefig(args.png, dpi=80)
print(f"curves written to {args.png}")

model.save_weights(args.weights)
fresh = MLP((args.hidden, 10), activation=activation)
fresh.load_weights(args.weights)
_, fresh_acc = evaluate(fresh)
print(f"weights saved to {args.weights}; a fresh model loaded from them scores "
      f"{fresh_acc:.4f} ({'the same' if fresh_acc == test_acc else 'DIFFERENT'})")
if fresh_acc != test_acc:
    sys.exit(1)
