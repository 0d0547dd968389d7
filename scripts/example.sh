#!/usr/bin/env bash
# Builds dezero-glib and runs one example from the build tree:
#   scripts/example.sh examples/python/step17_memory.py [args]
#   scripts/example.sh examples/js/step17-memory.js [args]
#   scripts/example.sh step17-memory [args]        (a C example)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

. scripts/build-env.sh

example=${1:?usage: scripts/example.sh EXAMPLE [args]}
shift
case "$example" in
  *.py) exec /usr/bin/python3 "$example" "$@" ;;
  *.js) exec gjs -m "$example" "$@" ;;
  *)    exec "build/examples/$(basename "$example" .c)" "$@" ;;
esac
