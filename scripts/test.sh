#!/usr/bin/env bash
# Runs the whole test suite: C, Python and GJS suites; the C suites again
# under valgrind memcheck and in an ASan+UBSan build. Installs what it needs.
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

# The docs are built too: gi-docgen's fatal warnings catch broken annotations.
[ -d build ] || meson setup build -Ddocs=true >/dev/null
meson compile -C build >/dev/null

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
