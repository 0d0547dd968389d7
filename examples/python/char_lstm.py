#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""A character-level LSTM on fortune(6) cookies: EmbedID (64) -> LSTM
(256) -> Linear over the characters, trained by truncated BPTT (35 steps)
on 32 parallel streams of the text with Adam, then asked to write. Uses
Debian's fortunes package (/usr/share/games/fortunes).

    scripts/example.sh examples/python/char_lstm.py [FILE] [STEPS]

FILE is a fortune file (default: computers), STEPS the training steps
(default 15000, about two minutes). Prints the loss (per character, in
nats) every 500 steps, then 600 sampled characters.
"""

import sys
import time

import numpy as np

import dezero_glib as dezero
import dezero_glib.functions as F
import dezero_glib.layers as L
from dezero_glib import Model, SeqDataLoader

name = sys.argv[1] if len(sys.argv) > 1 else "computers"
max_steps = int(sys.argv[2]) if len(sys.argv) > 2 else 15000
path = name if "/" in name else f"/usr/share/games/fortunes/{name}"
with open(path, encoding="utf-8", errors="replace") as f:
    text = f.read().replace("\n%\n", "\n\n")

chars = sorted(set(text))
char_to_id = {c: i for i, c in enumerate(chars)}
ids = np.array([char_to_id[c] for c in text], dtype=np.int64)
print(f"{path}: {len(text)} characters, {len(chars)} distinct")


class Text(dezero.Dataset):
    def prepare(self):
        self.data, self.label = ids[:-1], ids[1:]


class CharRNN(Model):
    def __init__(self, vocab, embed=64, hidden=256):
        super().__init__()
        self.embed = L.EmbedID(vocab, embed)
        self.rnn = L.LSTM(hidden)
        self.fc = L.Linear(vocab)

    def reset_state(self):
        self.rnn.reset_state()

    def forward(self, x):
        return self.fc(self.rnn(self.embed(x)))


np.random.seed(0)
batch_size, bptt_length = 32, 35
loader = SeqDataLoader(Text(), batch_size=batch_size)
model = CharRNN(len(chars))
optimizer = dezero.optimizers.Adam(alpha=0.002).setup(model)
optimizer.add_hook(dezero.optimizers.ClipGrad(5.0))

start = time.perf_counter()
step, loss, count, window = 0, 0, 0, []
while step < max_steps:
    model.reset_state()
    for x, t in loader:
        loss += F.softmax_cross_entropy(model(x), t)
        count += 1
        step += 1
        if count % bptt_length == 0:
            model.cleargrads()
            loss.backward()
            loss.unchain_backward()
            optimizer.update()
            window.append(float(loss.data) / bptt_length)
            loss = 0
        if step % 500 == 0:
            print(f"step {step}: loss {np.mean(window):.3f} "
                  f"({time.perf_counter() - start:.0f} s)", flush=True)
            window = []
        if step >= max_steps:
            break

# Writing: feed a prompt, then sample each next character from the softmax
# (temperature 0.7) and feed it back.
rng = np.random.default_rng(1)
model.reset_state()
out = list("The computer ")
with dezero.no_grad(), dezero.test_mode():
    for c in out[:-1]:
        model(np.array([char_to_id[c]]))
    x = np.array([char_to_id[out[-1]]])
    for _ in range(600):
        logits = model(x).data[0] / 0.7
        p = np.exp(logits - logits.max())
        c = rng.choice(len(chars), p=p / p.sum())
        out.append(chars[c])
        x = np.array([c])
print("".join(out))
