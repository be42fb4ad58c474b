// A second, strict WebSocket implementation against the server: Debian's python3-websockets
// (py/ws_strict_client.py) subscribes and checks an envelope on /ws, and exercises /echo with
// text, binary, fragmented and 64 KiB messages, with and without permessage-deflate.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { API_KEY, T, scaled, startServer, uniq } from './lib/server.mjs';

// Debian's interpreter, which has python3-websockets; not the first python3 on PATH.
const PYTHON = process.env.TRIPLEX_PYTHON || '/usr/bin/python3';
const SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'py', 'ws_strict_client.py');

let server;
before(async () => {
  server = await startServer({ config: { websocket: { echo_endpoint: true,
    max_message_size: 131072 } } });
});
after(async () => {
  await server?.stop();
});

function runPy(args) {
  return new Promise((resolve) => {
    execFile(PYTHON, [SCRIPT, ...args], { timeout: scaled(40000), env: { ...process.env,
      TRIPLEX_PY_TIMEOUT: String(10 * Number(process.env.TRIPLEX_TIME_SCALE || 1)) } },
    (err, stdout, stderr) => resolve({ code: err ? (err.code ?? err.signal) : 0, stdout, stderr }));
  });
}

test('python websockets is available', T(), async () => {
  assert.ok(existsSync(PYTHON), `${PYTHON} missing (apt-get install python3-websockets)`);
  const r = await runPy(['--help']);
  assert.equal(r.code, 0, `python3-websockets not importable by ${PYTHON}: ${r.stderr}`);
});

test('strict client: subscribe, receive one envelope, close 1000', T(45000), async () => {
  const r = await runPy(['subscribe', '--port', String(server.port), '--api-key', API_KEY,
    '--channel', uniq('py')]);
  assert.equal(r.code, 0, `${r.stderr}${r.stdout}\n--- server ---\n${server.logTail(2000)}`);
});

test('strict client: /echo text, binary, fragmented and 64 KiB, with and without deflate', T(45000), async () => {
  const r = await runPy(['echo', '--port', String(server.port)]);
  assert.equal(r.code, 0, `${r.stderr}${r.stdout}\n--- server ---\n${server.logTail(2000)}`);
});
