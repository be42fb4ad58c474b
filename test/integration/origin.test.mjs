// Origin checks (spec §3, allowed_origins) on every client endpoint, and CORS for browsers:
// same-origin and listed origins pass with Access-Control-Allow-Origin; others get 403 and
// are counted; requests without Origin (not from a page) pass.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { RawConn, T, WebSocket, startServer, uniq, scaled, within } from './lib/server.mjs';

const ALLOWED = 'https://app.example';
const EVIL = 'https://evil.example';
let server;

before(async () => {
  server = await startServer({
    config: {
      allowed_origins: [ALLOWED],
      namespaces: { doc: { client_publish: true, anonymous_publish: true, presence: true } },
    },
  });
});

after(async () => {
  await server?.stop();
});

// One GET or POST over a raw socket, so the Origin header is exactly what we send.
async function raw(method, path, origin, body = '') {
  const c = await RawConn.connect(server);
  let req = `${method} ${path} HTTP/1.1\r\nHost: ${server.host}:${server.port}\r\nConnection: close\r\n`;
  if (origin) req += `Origin: ${origin}\r\n`;
  if (body) req += `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n`;
  await c.write(`${req}\r\n${body}`);
  const head = await c.response();
  c.destroy();
  return head;
}

const ch = () => encodeURIComponent(uniq('o', 'doc'));
const endpoints = () => [
  ['GET', `/sse?channel=${ch()}`],
  ['GET', `/poll?channel=${ch()}&timeout=0`],
  ['GET', `/history?channel=${ch()}`],
  ['GET', `/presence?channel=${ch()}`],
  ['POST', '/publish', JSON.stringify({ channel: uniq('o', 'doc'), data: 1 })],
];

test('a foreign origin gets 403 on every HTTP client endpoint, and is counted', T(), async () => {
  for (const [method, path, body] of endpoints()) {
    const head = await server.expectIncrease(['triplex_rejected_total', { reason: 'bad_origin' }],
      () => raw(method, path, EVIL, body));
    assert.equal(head?.status, 403, `${method} ${path}`);
  }
});

test('listed and same origins pass with CORS headers; no Origin passes without', T(), async () => {
  const same = `http://${server.host}:${server.port}`;
  for (const [method, path, body] of endpoints()) {
    for (const origin of [ALLOWED, same]) {
      const head = await raw(method, path, origin, body);
      assert.equal(head?.status, 200, `${method} ${path} from ${origin}`);
      assert.equal(head.headers['access-control-allow-origin'], origin);
    }
    const head = await raw(method, path, null, body);
    assert.equal(head?.status, 200);
    assert.equal(head.headers['access-control-allow-origin'], undefined);
  }
});

test('a CORS preflight is answered for listed origins only', T(), async () => {
  const ok = await raw('OPTIONS', '/publish', ALLOWED);
  assert.equal(ok?.status, 204);
  assert.match(ok.headers['access-control-allow-methods'], /POST/);
  assert.match(ok.headers['access-control-allow-headers'], /Authorization/);
  assert.equal((await raw('OPTIONS', '/publish', EVIL))?.status, 403);
});

test('a WebSocket upgrade from a foreign origin is refused; a listed one connects', T(), async () => {
  const url = `ws://${server.host}:${server.port}/ws`;
  const refused = new WebSocket(url, { origin: EVIL });
  const status = await within(new Promise((resolve) => {
    refused.on('unexpected-response', (_req, res) => resolve(res.statusCode));
    refused.on('open', () => resolve('open'));
    refused.on('error', () => {});
  }), scaled(5000), 'the refused upgrade');
  assert.equal(status, 403);
  const ok = new WebSocket(url, { origin: ALLOWED });
  await within(new Promise((resolve, reject) => {
    ok.on('open', resolve);
    ok.on('error', reject);
  }), scaled(5000), 'the allowed upgrade');
  ok.close();
});
