#!/usr/bin/env bash
# bench/profile.sh: where the Triplex server spends its time per delivered message. Starts
# build/triplex (--threads 1, or --threads N) on a loopback port chosen at run time, drives it with
# triplex_loadgen (closed loop), and while the load runs:
#   - perf stat counts the server's syscalls (sendmsg, recvmsg, epoll_wait, ...) per delivery;
#   - perf record samples it (cpu-clock, call graphs when the build keeps frame pointers:
#     configure with -DCMAKE_CXX_FLAGS="-fno-omit-frame-pointer -g").
# Prints the loadgen's result line, kernel/user split, the top symbols, and (with call graphs)
# the callers of malloc. Stops the server it started, by PID. Needs linux-perf.
#
#   bench/profile.sh [--build DIR] [--transport ws|sse|lp] [--subs N] [--channels one|each]
#                    [--closed K] [--window W] [--seconds S] [--threads N] [--out DIR]
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
build="$here/../build-bench"
loadgen=""
transport=ws subs=200 channels=one closed=8 window=64 seconds=4 out="" threads=1
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build="$2"; shift 2 ;;
    --loadgen) loadgen="$2"; shift 2 ;;
    --transport) transport="$2"; shift 2 ;;
    --subs) subs="$2"; shift 2 ;;
    --channels) channels="$2"; shift 2 ;;
    --closed) closed="$2"; shift 2 ;;
    --window) window="$2"; shift 2 ;;
    --seconds) seconds="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "profile.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
[ -n "$loadgen" ] || loadgen="$build/triplex_loadgen"
[ -x "$loadgen" ] || loadgen="$here/../build-bench/triplex_loadgen"
command -v perf >/dev/null || { echo "profile.sh: perf is missing (apt-get install linux-perf)" >&2; exit 1; }
[ -n "$out" ] || out="$(mktemp -d /tmp/triplex-profile.XXXXXX)"
mkdir -p "$out"

key="profile-$$"
"$build/triplex" --listen 127.0.0.1:0 --api-key "$key" --threads "$threads" >"$out/triplex.out" 2>&1 &
server=$!
lg=""
cleanup() {
  [ -n "$lg" ] && kill "$lg" 2>/dev/null || true
  kill "$server" 2>/dev/null || true
  wait 2>/dev/null || true
}
trap cleanup EXIT
port=""
for _ in $(seq 100); do
  port="$(sed -n 's/^triplex listening on http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$out/triplex.out")"
  [ -n "$port" ] && break
  sleep 0.05
done
[ -n "$port" ] || { cat "$out/triplex.out" >&2; exit 1; }

"$loadgen" --target "127.0.0.1:$port" --api-key "$key" --transport "$transport" --subs "$subs" \
  --channels "$channels" --closed "$closed" --window "$window" --duration $((seconds * 2 + 2)) \
  --settle 1 --server-pid "$server" --label "profile-$transport" >"$out/loadgen.out" 2>&1 &
lg=$!
sleep 2
perf stat -x, -e 'syscalls:sys_enter_sendmsg,syscalls:sys_enter_writev,syscalls:sys_enter_write,syscalls:sys_enter_recvmsg,syscalls:sys_enter_recvfrom,syscalls:sys_enter_read,syscalls:sys_enter_epoll_wait,syscalls:sys_enter_epoll_ctl,syscalls:sys_enter_futex' \
  -p "$server" -o "$out/syscalls.csv" -- sleep "$seconds" || true
perf record -e cpu-clock -F 1999 -g -p "$server" -o "$out/perf.data" -- sleep "$seconds" \
  2>"$out/perf-record.err" || true
wait "$lg" || true
lg=""

head -1 "$out/loadgen.out"
json="$(grep '^{' "$out/loadgen.out" || true)"
per_s="$(echo "$json" | python3 -c 'import json,sys; print(json.load(sys.stdin)["deliveries_per_s"])' 2>/dev/null || echo 0)"
echo
echo "server syscalls per delivered message (deliveries/s = $per_s):"
python3 - "$out/syscalls.csv" "$per_s" "$seconds" <<'EOF'
import sys
path, per_s, secs = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
for line in open(path):
    parts = line.strip().split(",")
    if len(parts) < 3 or not parts[0].replace(".", "").isdigit():
        continue
    n, name = float(parts[0]), parts[2].split(":")[-1].replace("sys_enter_", "")
    if n == 0:
        continue
    print(f"  {name:12s} {n / secs:12.0f}/s  {n / secs / per_s if per_s else 0:8.3f} per delivery")
EOF
echo
echo "kernel / user split:"
perf report -i "$out/perf.data" --no-children --sort dso --stdio 2>/dev/null | grep -E '^ +[0-9]' | head -8
echo
echo "top symbols (self time):"
perf report -i "$out/perf.data" --no-children --sort sym --stdio -g none 2>/dev/null |
  grep -E '^ +[0-9]' | head -40 | cut -c1-160
echo
echo "callers of malloc (needs a frame-pointer build):"
perf report -i "$out/perf.data" --children --sort sym --stdio -g caller,0.5,callee,function,percent \
  -S malloc,_int_malloc --percent-limit 0.5 2>/dev/null | grep -E '[0-9]+\.[0-9]+%' | head -40 | cut -c1-200
echo
echo "raw data in $out"
