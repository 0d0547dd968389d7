#!/usr/bin/env bash
# Builds dezero-glib and runs the benchmark harness against NumPy-DeZero and
# PyTorch (installs Debian's python3-torch for that). Writes bench/results.md
# and bench/results.png.   Usage: scripts/bench.sh [--rounds N] [--quick] [--only graph|tensor]
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh python3-torch
[ -d build ] || meson setup build >/dev/null
meson compile -C build >/dev/null
exec /usr/bin/python3 bench/run.py "$@"
