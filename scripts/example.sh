#!/usr/bin/env bash
# Builds dezero-glib and runs one example from the build tree:
#   scripts/example.sh examples/python/step17_memory.py [args]
#   scripts/example.sh examples/js/step17-memory.js [args]
#   scripts/example.sh step17-memory [args]        (a C example)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

scripts/install-deps.sh
[ -d build ] || meson setup build >/dev/null
meson compile -C build >/dev/null

export GI_TYPELIB_PATH="$root/build/dezero-glib${GI_TYPELIB_PATH:+:$GI_TYPELIB_PATH}"
export LD_LIBRARY_PATH="$root/build/dezero-glib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export PYTHONPATH="$root/bindings/python${PYTHONPATH:+:$PYTHONPATH}"
export GJS_PATH="$root/bindings/js${GJS_PATH:+:$GJS_PATH}"

example=${1:?usage: scripts/example.sh EXAMPLE [args]}
shift
case "$example" in
  *.py) exec /usr/bin/python3 "$example" "$@" ;;
  *.js) exec gjs -m "$example" "$@" ;;
  *)    exec "build/examples/$(basename "$example" .c)" "$@" ;;
esac
