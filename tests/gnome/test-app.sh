#!/bin/sh
# The GTK 4 app's headless test: examples/gnome/main.js --self-test under
# xvfb-run trains on part of Fashion-MNIST through app.start and app.stop,
# writes a screenshot and its figures, and check-self-test.js checks them.
#   test-app.sh SOURCE_ROOT OUTPUT_DIR
# Exit 77 (skipped) without xvfb-run, GTK 4 or libadwaita.
set -eu
root=$1
out=$2

if ! command -v xvfb-run >/dev/null 2>&1 || ! command -v xauth >/dev/null 2>&1; then
  echo "SKIP: xvfb-run or xauth is missing (Debian: apt install xvfb xauth)"
  exit 77
fi
if ! gjs -c "imports.gi.versions.Gtk = '4.0'; imports.gi.versions.Adw = '1'; imports.gi.Gtk; imports.gi.Adw" \
     >/dev/null 2>&1; then
  echo "SKIP: the GTK 4 or libadwaita typelib is missing (Debian: apt install gir1.2-gtk-4.0 gir1.2-adw-1)"
  exit 77
fi

mkdir -p "$out"
shot="$out/fashion-trainer-self-test.png"
rm -f "$shot" "${shot%.png}.json"
# Cairo renders the same pixels on any X server; a virtual one has no GPU.
GSK_RENDERER=cairo GSETTINGS_BACKEND=memory xvfb-run -a -s "-screen 0 1280x800x24" \
  gjs -m "$root/examples/gnome/main.js" --self-test "$shot" --epochs 1 --train-size 20000
gjs -m "$root/tests/gnome/check-self-test.js" "$shot"
