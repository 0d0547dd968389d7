#!/usr/bin/env bash
# Installs the Debian 12 packages dezero-glib needs, only those missing.
# Usage: scripts/install-deps.sh [extra-package...]
set -euo pipefail

packages=(
  build-essential pkg-config meson ninja-build
  libglib2.0-dev gobject-introspection libgirepository1.0-dev
  python3-gi python3-numpy python3-pytest gjs
  gir1.2-gtk-4.0 gir1.2-adw-1 xvfb xauth
  libopenblas-dev libjson-glib-dev dataset-fashion-mnist
  valgrind libclang-rt-14-dev gi-docgen graphviz python3-matplotlib
  libopenmpi-dev openmpi-bin
  "$@"
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "Installing: ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
