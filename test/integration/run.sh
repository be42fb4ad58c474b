#!/usr/bin/env bash
# Runs the integration suite against the real binary (TRIPLEX_BIN, default ../../build/triplex).
# Usage: ./run.sh [test files...]   (default: every *.test.mjs, one file at a time)
set -euo pipefail
cd "$(dirname "$0")"
[ -d node_modules/ws ] && [ -d node_modules/eventsource ] || npm ci --no-audit --no-fund
if [ $# -eq 0 ]; then set -- *.test.mjs; fi
exec node --test --test-concurrency=1 --test-timeout=60000 "$@"
