#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""A small CNN on Fashion-MNIST, DeZero style: ``L.Conv2d`` and
``F.pooling`` with the book's training loop (``import dezero_glib as
dezero``). Reads the images from Debian's dataset-fashion-mnist package.

    scripts/example.sh examples/python/fashion_mnist_cnn.py [--epochs N]
        [--two-convs] [--adam] [--lr LR] [--seed S] [--weights cnn.safetensors]

conv 3x3 16 channels pad 1 -> ReLU -> max-pool 2 [-> conv 3x3 32 -> ReLU
-> max-pool 2] -> linear 10, float32, SGD (lr 0.1) or Adam (0.001). Prints a line per epoch, the
test accuracy, saves the weights, loads them into a fresh model and checks
that it scores the same.
"""

import argparse
import sys
import time

import numpy as np

import dezero_glib as dezero
import dezero_glib.functions as F
import dezero_glib.layers as L
from dezero_glib import DataLoader, optimizers

parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
parser.add_argument("--epochs", type=int, default=3)
parser.add_argument("--batch-size", type=int, default=100)
parser.add_argument("--two-convs", action="store_true")
parser.add_argument("--adam", action="store_true", help="Adam instead of SGD")
parser.add_argument("--lr", type=float, default=None, help="default: SGD 0.1, Adam 0.001")
parser.add_argument("--seed", type=int, default=0,
                    help="seeds NumPy's generator: the initial weights and batch orders")
parser.add_argument("--weights", default="/tmp/dezero-glib-fashion-mnist-cnn.safetensors")
args = parser.parse_args()


class CNN(dezero.Model):
    def __init__(self, two_convs):
        super().__init__()
        self.c1 = L.Conv2d(16, 3, pad=1)
        if two_convs:
            self.c2 = L.Conv2d(32, 3, pad=1)
        self.two_convs = two_convs
        self.fc = L.Linear(10)

    def forward(self, x):
        x = x.reshape(-1, 1, 28, 28)
        h = F.pooling(F.relu(self.c1(x)), 2, 2)
        if self.two_convs:
            h = F.pooling(F.relu(self.c2(h)), 2, 2)
        return self.fc(F.flatten(h))


np.random.seed(args.seed)
try:
    train_set = dezero.datasets.FashionMNIST(train=True)
    test_set = dezero.datasets.FashionMNIST(train=False)
except dezero.core.Dz.NotAvailableError as err:
    sys.exit(f"fashion_mnist_cnn: {err}")
train_loader = DataLoader(train_set, args.batch_size)
test_loader = DataLoader(test_set, 1000, shuffle=False)
model = CNN(args.two_convs)
lr = args.lr if args.lr is not None else (0.001 if args.adam else 0.1)
optimizer = (optimizers.Adam(lr) if args.adam else optimizers.SGD(lr)).setup(model)
print(f"Fashion-MNIST: CNN conv3x3x16{' -> conv3x3x32' if args.two_convs else ''} -> linear 10, "
      f"float32, {'Adam' if args.adam else 'SGD'} lr {lr}, batch {args.batch_size}, "
      f"{args.epochs} epochs")


def accuracy(model):
    correct = 0.0
    with dezero.no_grad():
        for x, t in test_loader:
            correct += float(F.accuracy(model(x), t).data) * len(t)
    return correct / len(test_set)


start = time.perf_counter()
for epoch in range(args.epochs):
    epoch_start = time.perf_counter()
    sum_loss, sum_acc, seen = 0.0, 0.0, 0
    for x, t in train_loader:
        y = model(x)
        loss = F.softmax_cross_entropy(y, t)
        model.cleargrads()
        loss.backward()
        optimizer.update()
        sum_loss += float(loss.data) * len(t)
        sum_acc += float(F.accuracy(y, t).data) * len(t)
        seen += len(t)
    took = time.perf_counter() - epoch_start
    print(f"epoch {epoch + 1}/{args.epochs}  loss {sum_loss / seen:.4f}  "
          f"accuracy {sum_acc / seen:.4f}  {seen / took:.0f} samples/s  {took:.1f} s", flush=True)

acc = accuracy(model)
print(f"test accuracy {acc * 100:.2f}% ({time.perf_counter() - start:.1f} s of training)")
model.save_weights(args.weights)
print(f"weights saved to {args.weights}")

fresh = CNN(args.two_convs)
fresh(np.zeros((1, 784), np.float32))  # draws the weights the file replaces
fresh.load_weights(args.weights)
again = accuracy(fresh)
print(f"reloaded: test accuracy {again * 100:.2f}%{' (the same)' if again == acc else ' (DIFFERENT)'}")
sys.exit(0 if again == acc else 1)
