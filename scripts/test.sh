#!/usr/bin/env bash
# THE TEST COMMAND: installs what is missing, builds the sanitizer build (build-asan/: ASan +
# UBSan, -Werror) and runs every unit, integration and e2e test with ctest, 2 at a time.
# Exits non-zero when a test fails, when the build fails, or when no test was found.
# Works unattended (CI=true, no stdin) as root on a clean clone.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

bash scripts/install-deps.sh
bash scripts/build.sh sanitize

# halt_on_error: the first report fails the test. detect_leaks: LeakSanitizer works on this
# kind of machine (checked), so leaks fail tests too. Child processes the tests start (fwatchdog
# from build-asan) inherit these.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1:abort_on_error=0:detect_stack_use_after_return=0:check_initialization_order=1:print_summary=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1:print_summary=1}"
if [[ -f "$root/scripts/lsan.supp" ]]; then
    export LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=$root/scripts/lsan.supp:print_suppressions=0}"
fi

log="$(mktemp /tmp/faas-ctest.XXXXXX)"
trap 'rm -f "$log"' EXIT

echo "test: ctest -L 'unit|integration|e2e|swarm' -j2 (ASAN_OPTIONS=$ASAN_OPTIONS)"
rc=0
ctest --test-dir build-asan --output-on-failure -j2 --no-tests=error --timeout 600 \
    -L '^(unit|integration|e2e|swarm)$' </dev/null 2>&1 | tee "$log" || rc=$?

echo
summary="$(grep -E '[0-9]+% tests passed' "$log" | tail -n 1 || true)"
if [[ -n "$summary" ]]; then
    echo "test: $summary"
else
    echo "test: ctest printed no summary"
    [[ $rc -eq 0 ]] && rc=1
fi
if [[ $rc -ne 0 ]]; then
    echo "test: FAILED (ctest exit status $rc)"
fi
exit "$rc"
