# Sourced (not run) by scripts/example.sh and scripts/app.sh, from the
# source root: installs the Debian packages that are missing, builds
# dezero-glib, and points C, Python and GJS at the build tree.
scripts/install-deps.sh
[ -d build ] || meson setup build >/dev/null
meson compile -C build >/dev/null

export GI_TYPELIB_PATH="$PWD/build/dezero-glib${GI_TYPELIB_PATH:+:$GI_TYPELIB_PATH}"
export LD_LIBRARY_PATH="$PWD/build/dezero-glib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export PYTHONPATH="$PWD/bindings/python${PYTHONPATH:+:$PYTHONPATH}"
export GJS_PATH="$PWD/bindings/js${GJS_PATH:+:$GJS_PATH}"
