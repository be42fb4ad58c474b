#!/usr/bin/env bash
# Installs what building and testing Triplex needs, from Debian 12 packages only, and only what
# is missing (so a second run is quick and needs no network). Run as root (or with sudo).
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config
  libboost1.81-dev libboost-json1.81-dev libssl-dev zlib1g-dev
  libtomlplusplus-dev libcli11-dev libgtest-dev libbenchmark-dev
)
if [ "${1:-}" = "--test" ]; then
  # Tests also need: clang + libFuzzer runtime, clang-format, a strict Python WebSocket client,
  # Node.js for the npm `ws` / `eventsource` clients, and Chromium for the browser tests
  # (driven by npm playwright-core, which downloads no browser of its own).
  packages+=(clang libclang-rt-14-dev clang-format python3-websockets chromium)
  command -v node >/dev/null 2>&1 || packages+=(nodejs npm)
fi
if [ "${1:-}" = "--demo" ] || [ "${1:-}" = "--test" ]; then
  # The collab-editor demo is bundled with esbuild from npm.
  command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
