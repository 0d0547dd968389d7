#!/usr/bin/env bash
# Installs what is missing, builds dezero-glib and runs Fashion Trainer, the
# GTK 4 app of examples/gnome, from the build tree:
#   scripts/app.sh [--epochs N] [--hidden N] [--train-size N]
#   scripts/app.sh --self-test OUT.png     (writes OUT.png and OUT.json, quits)
# Without a display (or with --self-test and no DISPLAY) it runs under xvfb-run.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

. scripts/build-env.sh

if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  export GSK_RENDERER="${GSK_RENDERER:-cairo}"
  # No session bus under xvfb-run: settings (the file chooser's) stay in memory.
  export GSETTINGS_BACKEND="${GSETTINGS_BACKEND:-memory}"
  exec xvfb-run -a -s "-screen 0 1280x800x24" gjs -m examples/gnome/main.js "$@"
fi
exec gjs -m examples/gnome/main.js "$@"
