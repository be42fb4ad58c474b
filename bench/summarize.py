#!/usr/bin/env python3
"""bench/summarize.py RESULTS.jsonl [FLOOR.jsonl]: the table of bench/compare.sh.

Reads the JSON lines compare.sh wrote ({"server", "threads", "scenario", "rep", "run": <the
loadgen's JSON line>}), takes the median over repetitions of each metric, and prints one
Markdown table: Triplex, nchan, the ratio Triplex/nchan, the issue-4 target and whether it is
met. Then the loss/duplicate totals, the load generator's own CPU, and the machine's floor
(`triplex_loadgen --floor`) when given. Standard library only.
"""
import json
import statistics
import sys
from collections import defaultdict


def load(path):
    groups = defaultdict(list)  # (scenario, transport, threads, server) -> [run]
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            rec = json.loads(line)
            run = rec["run"]
            groups[(rec["scenario"], run["transport"], rec["threads"], rec["server"])].append(run)
    return groups


def median(runs, key):
    vals = [r[key] for r in runs if r.get(key) is not None and r[key] >= 0]
    return statistics.median(vals) if vals else None


def fmt(v, unit=""):
    if v is None:
        return "n/a"
    if abs(v) >= 100:
        return f"{v:,.0f}{unit}"
    return f"{v:.2f}{unit}"


# scenario -> list of (metric label, key, target description, check(triplex, nchan, transport))
METRICS = {
    "a": [
        ("latency p50 (us)", "lat_us_p50", "< 1000 us (ws, sse)",
         lambda t, n, tr: None if tr == "lp" else t < 1000),
        ("latency p99 (us)", "lat_us_p99", "<= nchan", lambda t, n, tr: t <= n),
    ],
    "b": [
        ("deliveries/s", "deliveries_per_s", "", None),
        ("server CPU ns/delivery", "server_ns_per_delivery", "<= 0.5x nchan (ws, sse), <= 1x (lp)",
         lambda t, n, tr: t <= (1.0 if tr == "lp" else 0.5) * n),
        ("latency p99 (us)", "lat_us_p99", "", None),
    ],
    "c": [
        ("accepted publishes/s", "pub_per_s", ">= 2x nchan", lambda t, n, tr: t >= 2 * n),
        ("server CPU ns/publish", "server_ns_per_publish", "", None),
    ],
    "e": [
        ("deliveries/s", "deliveries_per_s", "", None),
        ("server CPU ns/delivery", "server_ns_per_delivery", "", None),
        ("latency p50 (us)", "lat_us_p50", "", None),
        ("latency p99 (us)", "lat_us_p99", "", None),
    ],
    "f": [
        ("accepted publishes/s", "pub_per_s", ">= 2x nchan", lambda t, n, tr: t >= 2 * n),
        ("server CPU ns/publish", "server_ns_per_publish", "", None),
    ],
    "d": [
        ("server RSS bytes/conn", "rss_per_conn_bytes", "<= 4096 B",
         lambda t, n, tr: t <= 4096),
    ],
}
TITLES = {
    "a": "a: subs x 50 msg/s",
    "b": "b: closed-loop fan-out",
    "c": "c: one channel per sub",
    "d": "d: idle connections",
    "e": "e: b, Triplex flush_interval",
    "f": "f: c, Triplex /api/batch",
}

# Scenarios Triplex runs alone, compared with nchan's runs of another scenario.
NCHAN_OF = {"e": "b", "f": "c"}


def main():
    groups = load(sys.argv[1])
    keys = sorted({(s, tr, th) for (s, tr, th, _) in groups})
    print("| scenario | transport | threads | metric | Triplex | nchan | Triplex/nchan | target | met |")
    print("|---|---|---|---|---|---|---|---|---|")
    for scenario, transport, threads in keys:
        tx = groups.get((scenario, transport, threads, "triplex"), [])
        nc = groups.get((NCHAN_OF.get(scenario, scenario), transport, threads, "nchan"), [])
        for label, key, target, check in METRICS.get(scenario, []):
            t, n = median(tx, key), median(nc, key)
            ratio = t / n if t is not None and n else None
            met = ""
            if check and t is not None and n is not None:
                ok = check(t, n, transport)
                met = "" if ok is None else ("yes" if ok else "**no**")
            print(f"| {TITLES[scenario]} | {transport} | {threads} | {label} | {fmt(t)} | {fmt(n)} "
                  f"| {fmt(ratio, 'x')} | {target} | {met} |")
    print()
    print("| server | runs | lost | duplicates | disconnects | subscribers failed | publish errors |")
    print("|---|---|---|---|---|---|---|")
    for server in ("triplex", "nchan"):
        runs = [r for (s, tr, th, sv), rs in groups.items() if sv == server for r in rs]
        total = lambda k: sum(r.get(k, 0) for r in runs)
        print(f"| {server} | {len(runs)} | {total('lost')} | {total('duplicates')} "
              f"| {total('disconnects')} | {total('subs_failed')} | {total('pub_errors')} |")
    print()
    print("| load generator (median per run) | server | CPU util of its threads | ns/delivery | server ns/delivery | warnings |")
    print("|---|---|---|---|---|---|")
    for scenario, transport, threads in keys:
        if scenario not in ("a", "b", "c", "e", "f"):
            continue
        for server in ("triplex", "nchan"):
            runs = groups.get((scenario, transport, threads, server), [])
            if not runs:
                continue
            warns = sorted({r["warning"] for r in runs if r.get("warning")})
            print(f"| {scenario} {transport} t{threads} | {server} | {fmt(100 * (median(runs, 'loadgen_util') or 0), '%')} "
                  f"| {fmt(median(runs, 'loadgen_ns_per_delivery'))} "
                  f"| {fmt(median(runs, 'server_ns_per_delivery'))} | {'; '.join(warns)} |")

    if len(sys.argv) > 2:
        print_floor(sys.argv[2])


def print_floor(path):
    print()
    print("| machine floor: messages per send() | deliveries/s | writer ns/delivery | writer ns/send() | reader ns/delivery |")
    print("|---|---|---|---|---|")
    with open(path) as f:
        for line in f:
            if not line.startswith("{"):
                continue
            r = json.loads(line)
            print(f"| {r['batch']} ({r['conns']} connections) | {fmt(r['deliveries_per_s'])} "
                  f"| {fmt(r['writer_ns_per_delivery'])} | {fmt(r['writer_ns_per_send'])} "
                  f"| {fmt(r['reader_ns_per_delivery'])} |")


if __name__ == "__main__":
    main()
