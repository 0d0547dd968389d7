#!/usr/bin/env bash
# Runs the whole test suite: C, Python and GJS suites; the C suites again
# under valgrind memcheck and in an ASan+UBSan build; the API reference (built
# and `gi-docgen check`ed) and an install into a user prefix
# (scripts/test-install.sh). Installs the Debian packages it needs.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh

passed=0
failed=0
count_results () {
  # One JSON object per test in meson's log.
  local counts
  counts=$(/usr/bin/python3 - "$1" <<'PY'
import json, sys
ok = bad = 0
try:
    with open(sys.argv[1]) as log:
        for line in log:
            result = json.loads(line)["result"]
            ok += result in ("OK", "EXPECTEDFAIL", "SKIP")
            bad += result not in ("OK", "EXPECTEDFAIL", "SKIP")
except FileNotFoundError:
    bad = 1
print(ok, bad)
PY
)
  passed=$((passed + ${counts% *}))
  failed=$((failed + ${counts#* }))
}

run () {
  echo "==> $*"
  "$@" || true
}

# One pass or failure per command, for checks that are not meson tests.
check () {
  echo "==> $*"
  if "$@"; then
    passed=$((passed + 1))
  else
    echo "FAILED: $*"
    failed=$((failed + 1))
  fi
}

# The API reference is built every time, also in a build/ that scripts/demo.sh
# set up without it: gi-docgen's fatal warnings catch broken annotations.
if [ -d build ]; then
  meson configure build -Ddocs=true >/dev/null
else
  meson setup build -Ddocs=true >/dev/null
fi
meson compile -C build >/dev/null

# Every public symbol documented: any warning of `gi-docgen check` fails, and
# so does a hole that only shows in the generated pages (a class member without
# a description, an array whose element type gi-docgen could not name).
api_reference_check () {
  local out status=0 holes
  out=$(gi-docgen check build/dezero-glib/Dz-1.0.gir 2>&1) || status=$?
  grep -E 'WARNING|ERROR|CRITICAL' <<<"$out" || true
  holes=$(grep -lE 'No description available|An array of&nbsp;<code>None' \
            build/docs/dezero-glib-1.0/*.html || true)
  [ -z "$holes" ] || echo "pages with holes:" $holes
  [ "$status" -eq 0 ] && ! grep -qE 'WARNING|ERROR|CRITICAL' <<<"$out" && [ -z "$holes" ]
}
check api_reference_check
check scripts/test-install.sh

run meson test -C build --print-errorlogs
count_results build/meson-logs/testlog.json

run meson test -C build --setup valgrind --suite c --print-errorlogs
count_results build/meson-logs/testlog-valgrind.json

[ -d build-asan ] || meson setup build-asan -Db_sanitize=address,undefined -Db_lundef=false \
  -Dintrospection=false >/dev/null
meson compile -C build-asan >/dev/null
run meson test -C build-asan --suite c --print-errorlogs
count_results build-asan/meson-logs/testlog.json

echo "${passed} passed, ${failed} failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
