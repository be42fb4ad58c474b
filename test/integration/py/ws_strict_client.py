#!/usr/bin/python3
"""A second, independent WebSocket client for Triplex: Debian's python3-websockets.

Run with Debian's /usr/bin/python3 (which has `import websockets`), not a pyenv python.

  ws_strict_client.py subscribe --port P --api-key K --channel C
      connects to /ws, subscribes to C, publishes one message through POST /api/publish,
      checks that exactly that envelope arrives, and closes cleanly (close code 1000).
  ws_strict_client.py echo --port P
      on /echo: a text message, a binary message, a fragmented text message and a 64 KiB
      message come back unchanged; once without and once with permessage-deflate.

Exit status 0 on success; otherwise 1 with the reason on stderr.
"""

import argparse
import asyncio
import json
import os
import sys
import urllib.request

import websockets

TIMEOUT_S = float(os.environ.get("TRIPLEX_PY_TIMEOUT", "10"))


class CheckFailed(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise CheckFailed(msg)


def api_publish(port, api_key, channel, data):
    body = json.dumps({"channel": channel, "data": data}).encode()
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/publish",
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "X-API-Key": api_key},
    )
    with urllib.request.urlopen(req, timeout=TIMEOUT_S) as resp:
        check(resp.status == 200, f"/api/publish status {resp.status}")
        result = json.loads(resp.read())
    # The answer may be the result itself or wrapped as {"result": ...}.
    if isinstance(result, dict) and "result" in result and "epoch" not in result:
        result = result["result"]
    return result


async def recv_json(ws, want):
    """Receives frames until one satisfies want(obj); each frame must be one JSON object."""
    while True:
        raw = await asyncio.wait_for(ws.recv(), TIMEOUT_S)
        check(isinstance(raw, str), f"expected a text frame, got {type(raw).__name__}")
        obj = json.loads(raw)
        check(isinstance(obj, dict), f"frame is not a JSON object: {raw[:200]}")
        if want(obj):
            return obj


async def run_subscribe(args):
    uri = f"ws://127.0.0.1:{args.port}/ws"
    data = {"from": "python-websockets", "text": "h\u00e9llo \u2713", "n": [1, 2, 3]}
    async with websockets.connect(uri, open_timeout=TIMEOUT_S, close_timeout=TIMEOUT_S) as ws:
        await ws.send(json.dumps({"op": "subscribe", "id": 1, "channel": args.channel}))
        reply = await recv_json(ws, lambda o: o.get("type") == "reply" and o.get("id") == 1)
        check("result" in reply, f"subscribe failed: {reply}")
        result = reply["result"]
        check(isinstance(result.get("epoch"), str), f"subscribe result epoch: {result}")
        check(isinstance(result.get("offset"), int), f"subscribe result offset: {result}")

        loop = asyncio.get_running_loop()
        pub = await loop.run_in_executor(
            None, api_publish, args.port, args.api_key, args.channel, data)
        msg = await recv_json(ws, lambda o: o.get("type") != "reply")
        want = {"type": "message", "channel": args.channel, "epoch": pub["epoch"],
                "offset": pub["offset"], "data": data}
        check(msg == want, f"envelope {msg!r} != {want!r}")
        check(pub["offset"] == result["offset"] + 1, f"offset {pub['offset']} after {result}")

        await ws.send(json.dumps({"op": "ping", "id": 2}))
        pong = await recv_json(ws, lambda o: o.get("id") == 2)
        check(pong == {"type": "reply", "id": 2, "result": {}}, f"ping reply {pong}")
        await ws.close(code=1000)
    check(ws.close_code == 1000, f"close code {ws.close_code} (reason {ws.close_reason!r})")


async def echo_once(port, compression):
    uri = f"ws://127.0.0.1:{port}/echo"
    async with websockets.connect(uri, open_timeout=TIMEOUT_S, close_timeout=TIMEOUT_S,
                                  compression=compression, max_size=1 << 20) as ws:
        cases = [
            ("text", "h\u00e9llo \u2713 echo"),
            ("binary", bytes(range(256)) * 4),
            ("fragmented text", ["frag", "men", "ted \u2713"]),
            ("64 KiB text", "".join(chr(0x41 + (i * 7) % 26) for i in range(65536))),
            ("64 KiB binary", os.urandom(65536)),
        ]
        for name, payload in cases:
            await ws.send(payload)
            got = await asyncio.wait_for(ws.recv(), TIMEOUT_S)
            want = "".join(payload) if isinstance(payload, list) else payload
            check(type(got) is type(want), f"{name} ({compression}): got {type(got).__name__}")
            check(got == want, f"{name} ({compression}): echo differs ({len(got)} vs {len(want)})")
        await ws.close(code=1000)
    check(ws.close_code == 1000, f"echo close code {ws.close_code}")


async def run_echo(args):
    await echo_once(args.port, None)
    await echo_once(args.port, "deflate")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("subscribe")
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--api-key", required=True)
    s.add_argument("--channel", required=True)
    e = sub.add_parser("echo")
    e.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    run = run_subscribe if args.cmd == "subscribe" else run_echo
    try:
        asyncio.run(asyncio.wait_for(run(args), TIMEOUT_S * 3))
    except CheckFailed as exc:
        print(f"ws_strict_client {args.cmd}: FAILED: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # any other failure is a failure too, with its type
        print(f"ws_strict_client {args.cmd}: ERROR: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    print(f"ws_strict_client {args.cmd}: ok (websockets {websockets.__version__})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
