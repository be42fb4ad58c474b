#!/usr/bin/env bash
# bench/compare.sh: Triplex against nginx+nchan on loopback, side by side, with the same load
# generator (bench/loadgen, built as triplex_loadgen) and the scenarios of issue 4:
#   a  N subscribers x 50 msg/s on one channel: publish->deliver latency, per transport
#   b  N subscribers on one channel, closed-loop fan-out: deliveries/s and server CPU per
#      delivered message, per transport
#   c  N subscribers each on its own channel (WebSocket), closed-loop: accepted publishes/s
#   d  N idle WebSocket and SSE connections: server RSS per connection
#   e  b again, Triplex only, with [delivery] flush_interval = --flush-interval (compared with
#      nchan's runs of b): what trading a little latency for fewer writes buys
#   f  c again, Triplex only, publishing --batch messages per request with POST /api/batch
#      (nchan has no batch publish; compared with nchan's runs of c)
# Triplex runs with --threads T against nginx with T worker processes, for each T of --threads.
# Every run starts fresh servers (so memory and caches do not carry over), alternates which
# server goes first, and appends one JSON line to results.jsonl; bench/summarize.py prints the
# table of medians and ratios at the end.
#
# Installs nginx and libnginx-mod-nchan with apt-get when missing, builds the Release binaries
# when missing, uses only loopback and ports chosen at run time, and stops every process it
# started, by PID. Run as root (apt-get). `--quick` is a small smoke run (200 connections, 2 s).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
build="$root/build-bench"
triplex_bin=""
reps=3
duration=3
hold=2
threads_list="1 2"
scenarios="a b c d e f"
flush_ms=10
batch_f=32 closed_f=8
subs_a=1000 subs_b=1000 subs_c=5000 conns_d=10000
rate_a=50
closed_b=8 window_b=64
closed_c=16 window_c=4096
lg_threads=1
budget=0
out=""
api_key="bench-$$-$RANDOM"

usage() {
  cat <<EOF
usage: bench/compare.sh [options]
  --reps N          repetitions per scenario and server (default $reps)
  --duration S      seconds of publishing per run in a, b, c (default $duration)
  --hold S          seconds idle connections are held in d (default $hold)
  --threads "1 2"   Triplex threads = nginx workers to compare (default "$threads_list")
  --scenarios "a b c d e f"
  --batch N         messages per /api/batch request in scenario f (default $batch_f)
  --flush-interval MS   Triplex's [delivery] flush_interval in scenario e (default $flush_ms)
  --subs-a N --subs-b N --subs-c N --conns-d N   sizes (default $subs_a $subs_b $subs_c $conns_d)
  --lg-threads N    load generator threads (default $lg_threads)
  --build DIR       build directory with triplex and triplex_loadgen (default build-bench)
  --triplex PATH    the triplex binary to measure (default DIR/triplex), e.g. one built from
                    a clean \`git archive\` of the commit under test
  --out DIR         keep results here (default: a new temporary directory)
  --budget S        start no new run after S seconds (0 = no limit); the table shows what ran
  --quick           reps 1, 2 s, 200 connections: a smoke run
EOF
}

while [ $# -gt 0 ]; do
  case "$1" in
    --reps) reps="$2"; shift 2 ;;
    --duration) duration="$2"; shift 2 ;;
    --hold) hold="$2"; shift 2 ;;
    --threads) threads_list="$2"; shift 2 ;;
    --scenarios) scenarios="$2"; shift 2 ;;
    --flush-interval) flush_ms="$2"; shift 2 ;;
    --batch) batch_f="$2"; shift 2 ;;
    --subs-a) subs_a="$2"; shift 2 ;;
    --subs-b) subs_b="$2"; shift 2 ;;
    --subs-c) subs_c="$2"; shift 2 ;;
    --conns-d) conns_d="$2"; shift 2 ;;
    --lg-threads) lg_threads="$2"; shift 2 ;;
    --build) build="$2"; shift 2 ;;
    --triplex) triplex_bin="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --budget) budget="$2"; shift 2 ;;
    --quick) reps=1 duration=2 hold=1 subs_a=200 subs_b=200 subs_c=200 conns_d=200; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "compare.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
done

log() { echo "compare.sh: $*" >&2; }

# ---- prerequisites ------------------------------------------------------------------------
install_nchan() {
  if dpkg -s nginx libnginx-mod-nchan >/dev/null 2>&1; then return; fi
  log "installing nginx and libnginx-mod-nchan"
  # Keep the package scripts from starting a system nginx on port 80.
  local made_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    made_policy=1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx libnginx-mod-nchan >/dev/null
  if [ "$made_policy" = 1 ]; then rm -f /usr/sbin/policy-rc.d; fi
}

build_binaries() {
  if [ -x "$build/triplex" ] && [ -x "$build/triplex_loadgen" ]; then return; fi
  log "building Release binaries in $build (one job)"
  # -Wno-error=restrict: GCC 12 at -O3 reports a false -Wrestrict inside std::string in
  # src/server/server.cpp (see docs/benchmarks.md).
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_CXX_FLAGS="-Wno-error=restrict" >/dev/null
  ninja -C "$build" -j1 triplex triplex_loadgen >/dev/null
}

install_nchan
build_binaries
[ -n "$triplex_bin" ] || triplex_bin="$build/triplex"
# Servers and load generator may hold up to the hard open-files limit (20,000 here).
ulimit -n "$(ulimit -Hn)"
nchan_module="$(ls /usr/lib/nginx/modules/ngx_nchan_module.so)"

tmp="$(mktemp -d /tmp/triplex-compare.XXXXXX)"
[ -n "$out" ] || out="$tmp"
mkdir -p "$out"
results="$out/results.jsonl"
: >"$results"

# ---- process control: everything started is recorded and stopped by PID -----------------
started_pids=()
stop_pid() {
  local pid="$1" sig="${2:-TERM}"
  if kill -0 "$pid" 2>/dev/null; then
    kill -s "$sig" "$pid" 2>/dev/null || true
    for _ in $(seq 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
}
cleanup() {
  for pid in "${started_pids[@]}"; do stop_pid "$pid"; done
  rm -rf "$tmp/nginx"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Starts Triplex with $1 threads (and the config file $triplex_config, when set); sets
# server_pids, server_port, server_main_pid.
triplex_config=""
start_triplex() {
  local threads="$1" log_file="$tmp/triplex.out"
  local config_args=()
  [ -n "$triplex_config" ] && config_args=(--config "$triplex_config")
  : >"$log_file"
  "$triplex_bin" "${config_args[@]}" --listen 127.0.0.1:0 --api-key "$api_key" \
    --threads "$threads" >"$log_file" 2>&1 &
  server_main_pid=$!
  started_pids+=("$server_main_pid")
  server_port=""
  for _ in $(seq 100); do
    server_port="$(sed -n 's/^triplex listening on http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$log_file")"
    [ -n "$server_port" ] && break
    sleep 0.05
  done
  [ -n "$server_port" ] || { log "triplex did not start:"; cat "$log_file" >&2; exit 1; }
  server_pids="$server_main_pid"
}

# Starts nginx+nchan with $1 workers; sets server_pids (the workers), server_port.
start_nchan() {
  local workers="$1" dir="$tmp/nginx"
  rm -rf "$dir"
  mkdir -p "$dir"
  server_port="$(free_port)"
  cat >"$dir/nginx.conf" <<EOF
worker_processes $workers;
daemon off;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
worker_rlimit_nofile 20000;
load_module $nchan_module;
events { worker_connections 20000; }
http {
  access_log off;
  client_body_temp_path $dir/body;
  proxy_temp_path $dir/proxy;
  fastcgi_temp_path $dir/fastcgi;
  uwsgi_temp_path $dir/uwsgi;
  scgi_temp_path $dir/scgi;
  keepalive_requests 100000000;
  keepalive_timeout 300s;
  nchan_max_reserved_memory 512M;
  nchan_message_buffer_length 100;   # like Triplex's history_size default
  nchan_message_timeout 5m;          # like Triplex's history_ttl default
  server {
    listen 127.0.0.1:$server_port;
    location ~ ^/pub/(\w+)\$ {
      nchan_publisher;
      nchan_channel_id \$1;
    }
    location ~ ^/sub/(\w+)\$ {
      nchan_subscriber websocket eventsource longpoll;
      nchan_channel_id \$1;
      nchan_subscriber_first_message newest;
      nchan_longpoll_multipart_response on;   # batch like Triplex's long-poll
    }
  }
}
EOF
  nginx -p "$dir" -c "$dir/nginx.conf" >"$dir/stdout" 2>&1 &
  server_main_pid=$!
  started_pids+=("$server_main_pid")
  server_pids=""
  for _ in $(seq 100); do
    local kids
    kids="$(pgrep -P "$server_main_pid" | paste -sd, || true)"
    if [ -n "$kids" ] && [ "$(echo "$kids" | tr ',' '\n' | wc -l)" -ge "$workers" ] &&
       python3 -c "import socket; socket.create_connection(('127.0.0.1', $server_port), 1)" 2>/dev/null; then
      server_pids="$kids"
      break
    fi
    sleep 0.05
  done
  [ -n "$server_pids" ] || { log "nginx did not start:"; cat "$dir/stdout" "$dir/error.log" >&2; exit 1; }
}

stop_server() {
  stop_pid "$server_main_pid" "${1:-TERM}"
  local keep=()
  for pid in "${started_pids[@]}"; do [ "$pid" = "$server_main_pid" ] || keep+=("$pid"); done
  started_pids=("${keep[@]}")
}

source_ips="127.0.0.2,127.0.0.3,127.0.0.4,127.0.0.5,127.0.0.6,127.0.0.7,127.0.0.8,127.0.0.9"

# run_one SERVER THREADS SCENARIO REP TRANSPORT LOADGEN-ARGS...
run_one() {
  local server="$1" threads="$2" scenario="$3" rep="$4" transport="$5"
  shift 5
  if [ "$budget" -gt 0 ] && [ $(( $(date +%s) - start_time )) -ge "$budget" ]; then
    log "budget of $budget s spent: skipping $server $scenario $transport t$threads rep $rep"
    return
  fi
  if [ "$server" = triplex ]; then start_triplex "$threads"; else start_nchan "$threads"; fi
  local preset_args=(--preset "$server")
  [ "$server" = triplex ] && preset_args+=(--api-key "$api_key")
  local line
  line="$(timeout 300 "$build/triplex_loadgen" --target "127.0.0.1:$server_port" "${preset_args[@]}" \
           --transport "$transport" --server-pid "$server_pids" --threads "$lg_threads" \
           --label "$server-$scenario-$transport-t$threads" --stragglers 3 "$@" 2>"$tmp/loadgen.err" |
          tee -a "$out/human.log" | grep '^{' || true)"
  stop_server TERM
  if [ -z "$line" ]; then
    log "run failed: $server $scenario $transport t$threads rep $rep"
    cat "$tmp/loadgen.err" >&2
    return
  fi
  grep -v '^$' "$tmp/loadgen.err" >&2 || true
  printf '{"server":"%s","threads":%s,"scenario":"%s","rep":%s,"run":%s}\n' \
    "$server" "$threads" "$scenario" "$rep" "$line" >>"$results"
  echo "$line" | python3 -c '
import json, sys
r = json.load(sys.stdin)
print("  %-34s deliv/s=%-9.0f pub/s=%-8.0f p50=%-7.0fus p99=%-7.0fus srv=%-6.0fns/deliv rss/conn=%-6.0f lost=%d dup=%d lg=%.0f%%" % (
  r["label"], r["deliveries_per_s"], r["pub_per_s"], r["lat_us_p50"], r["lat_us_p99"],
  r["server_ns_per_delivery"], r["rss_per_conn_bytes"], r["lost"], r["duplicates"],
  100 * r["loadgen_util"]))' >&2
}

# Runs one repetition of a scenario on both servers; odd repetitions start with Triplex.
run_pair() {
  local rep="$1" threads="$2" scenario="$3" transport="$4"
  shift 4
  if [ $((rep % 2)) = 1 ]; then
    run_one triplex "$threads" "$scenario" "$rep" "$transport" "$@"
    run_one nchan "$threads" "$scenario" "$rep" "$transport" "$@"
  else
    run_one nchan "$threads" "$scenario" "$rep" "$transport" "$@"
    run_one triplex "$threads" "$scenario" "$rep" "$transport" "$@"
  fi
}

"$build/triplex_loadgen" --self-test >/dev/null || { log "loadgen self-test failed"; exit 1; }
start_time=$(date +%s)
log "results in $out; machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-)"
log "triplex: $triplex_bin; nginx: $(nginx -v 2>&1 | cut -d/ -f2); nchan: $(dpkg-query -W -f='${Version}' libnginx-mod-nchan)"
log "machine floor: a writer that only calls send() on $subs_b loopback connections"
"$build/triplex_loadgen" --floor "$subs_b" >"$out/floor.jsonl"
# Repetitions outermost: if --budget cuts the run short, every cell still has a median.
for rep in $(seq "$reps"); do
  for threads in $threads_list; do
    for scenario in $scenarios; do
      case "$scenario" in
        a) for t in ws sse lp; do
             run_pair "$rep" "$threads" a "$t" --subs "$subs_a" --rate "$rate_a" \
               --duration "$duration"
           done ;;
        b) for t in ws sse lp; do
             run_pair "$rep" "$threads" b "$t" --subs "$subs_b" --closed "$closed_b" \
               --window "$window_b" --duration "$duration"
           done ;;
        c) run_pair "$rep" "$threads" c ws --subs "$subs_c" --channels each \
             --closed "$closed_c" --window "$window_c" --duration "$duration" \
             --source-ips "$source_ips" ;;
        e) printf '[delivery]\nflush_interval = "%sms"\n' "$flush_ms" >"$tmp/flush.toml"
           triplex_config="$tmp/flush.toml"
           for t in ws sse lp; do
             run_one triplex "$threads" e "$rep" "$t" --subs "$subs_b" --closed "$closed_b" \
               --window "$window_b" --duration "$duration"
           done
           triplex_config="" ;;
        f) run_one triplex "$threads" f "$rep" ws --subs "$subs_c" --channels each \
             --closed "$closed_f" --batch "$batch_f" --window "$window_c" --duration "$duration" \
             --source-ips "$source_ips" ;;
        d) for t in ws sse; do
             run_pair "$rep" "$threads" d "$t" --subs "$conns_d" --duration "$hold" --settle 1 \
               --source-ips "$source_ips"
           done ;;
        *) log "unknown scenario $scenario"; exit 2 ;;
      esac
    done
  done
done
log "all runs done in $(( $(date +%s) - start_time )) s"
python3 "$here/summarize.py" "$results" "$out/floor.jsonl"
