#!/usr/bin/env bash
# The README's first command: install what is missing, build the server and the collaborative
# editor demo, and start Triplex on http://127.0.0.1:8080/ with the in-memory broker and the
# development config (examples/dev.toml), which serves the demo.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --demo
scripts/build.sh build -DTRIPLEX_BENCH=OFF
examples/collab-editor/build.sh
echo "open http://127.0.0.1:8080/ in two browser windows, pick a name in each, and type"
exec build/triplex --config examples/dev.toml "$@"
