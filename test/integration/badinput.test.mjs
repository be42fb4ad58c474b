// Hostile or broken HTTP input: header floods, slowloris, oversized bodies, bad API keys, bad
// channels, unknown paths. Each is refused with the right status and counted, and afterwards the
// server still answers /healthz and an existing WS subscriber still gets every message intact.

import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  API_KEY, METRIC, REJECT, RawConn, T, WsClient, scaled, startServer, uniq,
} from './lib/server.mjs';

const HEADER_TIMEOUT_MS = 500;
const MAX_BODY = 65536;
let server;
let sentinel; // a WS subscriber that must never notice any of this
let sentinelChannel;
let sentinelOffset = 0;
const conns = [];

before(async () => {
  server = await startServer({ config: { http: { header_timeout: `${HEADER_TIMEOUT_MS}ms`,
    max_body_bytes: MAX_BODY, max_header_bytes: 8192 } } });
  sentinel = await WsClient.connect(server, { label: 'sentinel' });
  sentinelChannel = uniq('sentinel');
  sentinelOffset = (await sentinel.subscribe(sentinelChannel)).offset;
});

afterEach(async () => {
  for (const c of conns.splice(0)) c.destroy();
  if (!server) return;
  assert.equal(await server.healthz(), 200, '/healthz still serves');
  const data = { after: 'bad input', n: sentinelOffset + 1, text: 'ünïcode ✓' };
  const p = await server.apiPublish(sentinelChannel, data);
  const e = await sentinel.nextOn(sentinelChannel);
  assert.deepEqual(e, { type: 'message', channel: sentinelChannel, epoch: p.epoch, offset: p.offset, data });
  assert.equal(e.offset, sentinelOffset + 1, 'the sentinel missed nothing');
  sentinelOffset = e.offset;
});

after(async () => {
  sentinel?.close();
  await server?.stop();
});

async function connect() {
  const c = await RawConn.connect(server);
  conns.push(c);
  return c;
}

test('more than 8 KiB of headers: 431', T(), async () => {
  const head = await server.expectIncrease(METRIC.rejected(REJECT.headerTooLarge), async () => {
    const c = await connect();
    let req = `GET /healthz HTTP/1.1\r\nHost: ${server.host}\r\n`;
    for (let i = 0; req.length < 9500; i++) req += `X-Flood-${i}: ${'a'.repeat(80)}\r\n`;
    await c.write(`${req}\r\n`);
    return c.response();
  });
  assert.equal(head?.status, 431);
});

test('slowloris: stalled headers get 408 or a close within header_timeout', T(), async () => {
  const c = await server.expectIncrease(METRIC.rejected(REJECT.headerTimeout), async () => {
    const conn = await connect();
    const started = Date.now();
    await conn.write(`GET /healthz HTTP/1.1\r\nHost: ${server.host}\r\nX-Slow: `);
    const limit = HEADER_TIMEOUT_MS + scaled(2500);
    await conn.waitFor((d) => d.includes('\r\n\r\n'), limit).catch(() => {
      throw new Error(`connection neither answered nor closed within ${limit} ms`);
    });
    conn.elapsed = Date.now() - started;
    return conn;
  });
  const head = c.data.length ? await c.response() : null;
  assert.ok(c.closedAt || head?.status === 408,
    `408 or closed; got ${c.data.toString('latin1').slice(0, 100)}`);
  if (head) assert.equal(head.status, 408);
  assert.ok(c.elapsed >= HEADER_TIMEOUT_MS * 0.8, `not cut before the timeout (${c.elapsed} ms)`);
});

test('slowloris: headers trickled one byte at a time are still cut at header_timeout', T(), async () => {
  const c = await connect();
  const started = Date.now();
  const line = `GET /healthz HTTP/1.1\r\nHost: ${server.host}\r\nX-Trickle: ${'t'.repeat(400)}`;
  let i = 0;
  const trickle = setInterval(() => { // load generation, not synchronisation: one byte per 50 ms
    if (c.closedAt || i >= line.length) return;
    c.sock.write(line[i++]);
  }, 50);
  try {
    const limit = HEADER_TIMEOUT_MS + scaled(2500);
    await c.waitFor((d) => d.includes('\r\n\r\n'), limit).catch(() => {
      throw new Error(`trickling connection still open after ${limit} ms`);
    });
  } finally {
    clearInterval(trickle);
  }
  assert.ok(Date.now() - started < HEADER_TIMEOUT_MS + scaled(2500));
  if (c.data.length) assert.equal((await c.response()).status, 408);
});

// A server that closes right after its 413 while the client is still sending makes the client's
// kernel answer with RST, and the client may lose the 413 (RFC 9112 §9.6). These tests therefore
// stop writing once the server has had enough to decide, then read the answer.

test(`a body over max_body_bytes (${MAX_BODY}) is a 413 (Content-Length)`, T(), async () => {
  const size = MAX_BODY * 2;
  const head = await server.expectIncrease(METRIC.rejected(REJECT.tooLarge), async () => {
    const c = await connect();
    await c.write(`POST /api/publish HTTP/1.1\r\nHost: ${server.host}\r\nX-API-Key: ${API_KEY}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${size}\r\n\r\n`);
    // The Content-Length alone is enough to refuse; a server that reads the body first gets it
    // after this bounded wait.
    const early = await c.waitFor((d) => d.includes('\r\n\r\n'), scaled(1000)).catch(() => false);
    if (!early && !c.closedAt) {
      for (let sent = 0; sent < size && !c.closedAt && !c.data.length; sent += 8192) {
        if (!(await c.write(Buffer.alloc(8192, 0x20)))) break;
      }
    }
    return c.response();
  });
  assert.equal(head?.status, 413);
});

test('a chunked body over max_body_bytes is a 413', T(), async () => {
  const head = await server.expectIncrease(METRIC.rejected(REJECT.tooLarge), async () => {
    const c = await connect();
    const chunk = (n) => Buffer.concat([Buffer.from(`${n.toString(16)}\r\n`), Buffer.alloc(n, 0x20),
      Buffer.from('\r\n')]);
    // Just over the limit, in one write, and no final chunk: the server must decide on this.
    const chunks = [...Array.from({ length: MAX_BODY / 8192 }, () => chunk(8192)), chunk(16)];
    await c.write(Buffer.concat([Buffer.from(`POST /api/publish HTTP/1.1\r\nHost: ${server.host}\r\n` +
      `X-API-Key: ${API_KEY}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`),
    ...chunks]));
    return c.response();
  });
  assert.equal(head?.status, 413);
});

test('a wrong or missing API key is a 401 with an error body', T(), async () => {
  const ch = uniq('key');
  for (const key of ['wrong-key', null, '']) {
    const r = await server.expectIncrease(METRIC.rejected(REJECT.badApiKey),
      () => server.api('publish', { channel: ch, data: 1 }, { key }));
    assert.equal(r.status, 401, `key ${JSON.stringify(key)}: ${r.text}`);
    assert.equal(r.json?.error?.code, 401, r.text);
  }
  const h = await server.apiOk('history', { channel: ch });
  assert.equal(h.messages.length, 0, 'nothing was published');
});

test('an invalid channel in /api/publish is a 400 with an error body', T(), async () => {
  for (const channel of ['bad channel!', '', 'x'.repeat(256), 'a\u0000b']) {
    const r = await server.expectIncrease(METRIC.rejected(REJECT.badChannel),
      () => server.api('publish', { channel, data: 1 }));
    assert.equal(r.status, 400, `channel ${JSON.stringify(channel)}: ${r.text}`);
    assert.equal(r.json?.error?.code, 400, r.text);
    assert.equal(typeof r.json.error.message, 'string');
  }
});

test('malformed JSON or a wrong shape in /api/publish is a 400', T(), async () => {
  const r = await server.expectIncrease(METRIC.rejected(REJECT.badJson),
    () => server.api('publish', null, { raw: '{"channel": "x", "data": ' }));
  assert.equal(r.status, 400, r.text);
  assert.equal(r.json?.error?.code, 400);
  for (const body of [{ data: 1 }, { channel: 42, data: 1 }, [1, 2]]) {
    const r2 = await server.api('publish', body);
    assert.equal(r2.status, 400, `${JSON.stringify(body)}: ${r2.status} ${r2.text}`);
  }
});

test('unknown paths and API methods are 404', T(), async () => {
  assert.equal((await server.http('/no/such/path')).status, 404);
  const r = await server.api('no_such_method', {});
  assert.equal(r.status, 404, r.text);
  assert.equal(r.json?.error?.code, 404);
});

test('garbage instead of HTTP gets a 400 or a close, and nothing else breaks', T(), async () => {
  const c = await connect();
  await c.write('HELLO THERE\r\n\r\n');
  await c.waitFor((d) => d.includes('\r\n\r\n'), scaled(3000));
  if (c.data.length) assert.equal((await c.response())?.status, 400);
  const c2 = await connect();
  await c2.write(Buffer.from([0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00, 0x00, 0xa1, 0x03, 0x03]));
  await c2.write('\r\n\r\n');
  await c2.waitFor((d) => d.includes('\r\n\r\n'), scaled(3000)).catch(() => {
    c2.destroy(); // a TLS hello that is just left to time out is acceptable too
  });
});

test('a WebSocket upgrade with a bad version or no key is refused without breaking anything', T(), async () => {
  const c = await connect();
  await c.write(`GET /ws HTTP/1.1\r\nHost: ${server.host}\r\nUpgrade: websocket\r\n` +
    'Connection: Upgrade\r\nSec-WebSocket-Version: 7\r\n\r\n');
  const head = await c.response();
  assert.ok(head && head.status >= 400 && head.status < 500, `status ${head?.status}`);
});
