#!/usr/bin/env bash
# Builds dezero-glib and runs the step-17 memory demo.
# Usage: scripts/demo.sh [step17-memory options, e.g. --backward]
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
[ -d build ] || meson setup build >/dev/null
meson compile -C build >/dev/null
exec build/examples/step17-memory "$@"
