#!/usr/bin/env bash
# Builds the libFuzzer targets of test/fuzz with clang and runs each for N seconds (default 20)
# from its seed corpus. Usage: scripts/fuzz.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DTRIPLEX_FUZZ=ON -DTRIPLEX_BENCH=OFF \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
targets=$(cd test/fuzz && ls ./*_fuzz.cpp | sed 's|^\./||; s|\.cpp$||')
ninja -C build-fuzz -j"$(nproc)" $targets
for t in $targets; do
  name=${t%_fuzz}
  work=$(mktemp -d)
  cp -r "test/fuzz/corpus/$name/." "$work/" 2>/dev/null || true
  echo "fuzzing $t for ${seconds}s"
  "build-fuzz/$t" -max_total_time="$seconds" -print_final_stats=1 "$work" 2>&1 | tail -3
  rm -rf "$work"
done
