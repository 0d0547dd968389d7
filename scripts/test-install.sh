#!/usr/bin/env bash
# Installs dezero-glib as the current user into a temporary prefix outside /usr,
# then uses it from C (through pkg-config), Python (with the override) and GJS
# with exactly the environment README.md gives for such a prefix: the block is
# read from README.md, so the two cannot drift apart. Needs no root.
# Exits non-zero on the first failure; scripts/test.sh counts it as one test.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

prefix=$(mktemp -d /tmp/dz-prefix.XXXXXX)
work=$(mktemp -d /tmp/dz-install-test.XXXXXX)
trap 'rm -rf "$prefix" "$work"' EXIT

# A build directory of its own: the prefix is baked into the .pc file, and
# build/ keeps the user's prefix.
if [ -d build-install ]; then
  meson configure build-install --prefix="$prefix" >/dev/null
else
  meson setup build-install --prefix="$prefix" -Dtests=false -Ddocs=false >/dev/null
fi
meson compile -C build-install >/dev/null
meson install -C build-install --no-rebuild --quiet

# The fenced block after the marker line in README.md, run with $prefix set.
readme_env=$(awk '/<!-- install-env -->/ { found = 1; next }
                  found && /^```/ { if (inside) exit; inside = 1; next }
                  inside { print }' README.md)
[ -n "$readme_env" ] || { echo "README.md: no install-env block" >&2; exit 1; }

# Nothing from the caller's environment may help: only README's variables.
unset LD_LIBRARY_PATH GI_TYPELIB_PATH PYTHONPATH PKG_CONFIG_PATH GJS_PATH
eval "$readme_env"

cd "$work"
echo "==> C through pkg-config"
cat > dz-install-test.c <<'C'
#include <dezero-glib.h>

int
main (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DzVariable) x = dz_variable_new_scalar (3.0);
  g_autoptr(DzVariable) y = dz_mul (x, x, &error);

  if (y == NULL || !dz_variable_backward (y, &error))
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  g_print ("%g %g\n", dz_array_item (dz_variable_get_data (y)),
           dz_array_item (dz_variable_get_data (dz_variable_get_grad (x))));
  return 0;
}
C
# shellcheck disable=SC2046 # pkg-config prints several words on purpose
cc -o dz-install-test dz-install-test.c $(pkg-config --cflags --libs dezero-glib-1.0)
[ "$(./dz-install-test)" = "9 6" ]

echo "==> Python with the installed override"
/usr/bin/python3 - "$prefix" <<'PY'
import sys
import gi
gi.require_version('Dz', '1.0')
from gi.repository import Dz
import gi.overrides.Dz as override
prefix = sys.argv[1]
assert override.__file__.startswith(prefix), override.__file__
typelib = gi.Repository.get_default().get_typelib_path('Dz')
assert typelib.startswith(prefix), typelib
y = Dz.Variable(2.0) * 3
assert float(y.data) == 6.0, y
import dezero_glib as dezero
import dezero_glib.functions as F
assert dezero.__file__.startswith(prefix), dezero.__file__
x = dezero.Variable(0.0)
F.sin(x).backward()
assert float(x.grad.data) == 1.0, x.grad
PY

echo "==> GJS"
# A file: `gjs -m /dev/stdin` runs nothing and exits 0.
cat > dz-install-test.js <<'JS'
import Dz from 'gi://Dz?version=1.0';
const x = Dz.Variable.new_scalar(3.0);
const y = Dz.mul(x, x);
y.backward();
if (y.data.item() !== 9 || x.grad.data.item() !== 6)
    throw new Error(`wrong result ${y.data.item()} ${x.grad.data.item()}`);
// The override's toString: without it this is "[object instance wrapper ...]".
if (`${y}` !== 'variable(9.0)')
    throw new Error(`the GJS override is not active: ${y}`);
print('gjs ok');
JS
[ "$(gjs -m dz-install-test.js)" = "gjs ok" ]
echo "install test passed"
