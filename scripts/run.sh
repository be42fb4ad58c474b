#!/usr/bin/env bash
# The README's first command: install what is missing, build, and start Triplex on
# http://127.0.0.1:8080/ with the in-memory broker and the development config.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh build -DTRIPLEX_BENCH=OFF
exec build/triplex --config examples/dev.toml "$@"
