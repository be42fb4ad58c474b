#!/usr/bin/env bash
# The README's second command: install what is missing, build, and run every test: unit and
# integration tests, the JS client's tests, the browser tests of the collab-editor demo (Debian's
# chromium), then unit and integration tests again under AddressSanitizer +
# UndefinedBehaviorSanitizer, then each fuzz target briefly. Exits non-zero on the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

step() { printf '\n=== %s ===\n' "$*"; }

step "dependencies"
scripts/install-deps.sh --test
(cd test/integration && npm ci --no-audit --no-fund --loglevel=error)

step "format check"
git ls-files -- '*.cpp' '*.hpp' | xargs clang-format --dry-run -Werror

run_suite() {  # $1 = build dir
  (cd "$1" && ctest --output-on-failure -j"$(nproc)")
  (cd test/integration && TRIPLEX_BIN="$root/$1/triplex" node --test --test-concurrency=1 ./*.test.mjs)
}

step "build"
scripts/build.sh build
step "unit + integration tests"
run_suite build

if [ -f clients/js/package.json ]; then
  step "JS client tests"
  (cd clients/js && npm ci --no-audit --no-fund --loglevel=error && TRIPLEX_BIN="$root/build/triplex" npm test)
fi

step "browser tests (collab-editor demo in chromium)"
examples/collab-editor/build.sh
(cd test/browser && npm ci --no-audit --no-fund --loglevel=error &&
  TRIPLEX_BIN="$root/build/triplex" node --test --test-concurrency=1 ./*.test.mjs)

step "build with ASan + UBSan"
scripts/build.sh build-asan -DTRIPLEX_SANITIZE=ON -DTRIPLEX_BENCH=OFF
step "unit + integration tests under ASan + UBSan"
# Sanitized binaries are slower: the integration suite stretches its deadlines.
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
  TRIPLEX_TIME_SCALE=2 run_suite build-asan

step "fuzz (each target briefly)"
scripts/fuzz.sh "${FUZZ_SECONDS:-20}"

echo
echo "all tests passed"
