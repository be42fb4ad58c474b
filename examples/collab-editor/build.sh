#!/usr/bin/env bash
# Builds the collaborative editor demo into examples/collab-editor/dist/ (served by triplex via
# static_dir): installs the npm devDependencies (Yjs, esbuild) from package-lock.json, bundles
# src/app.js with Yjs into dist/app.js, and copies the page, its style and the JS client library
# (clients/js/src, served as /client/triplex.js). Nothing is downloaded at run time.
set -euo pipefail
cd "$(dirname "$0")"
root=$(cd ../.. && pwd)
client="$root/clients/js/src"

if [ ! -d node_modules/yjs ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
if [ ! -f "$client/triplex.js" ]; then
  echo "build.sh: $client/triplex.js is missing (the JS client library)" >&2
  exit 1
fi

rm -rf dist
mkdir -p dist/client
node_modules/.bin/esbuild src/app.js --bundle --format=esm --target=es2020 --minify \
  --external:/client/triplex.js --outfile=dist/app.js --log-level=warning
cp src/index.html src/style.css dist/
cp -R "$client/." dist/client/
echo "collab-editor built into $(pwd)/dist"
