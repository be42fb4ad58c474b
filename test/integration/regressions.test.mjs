// Regressions found in review: input that once killed or wedged the server, wrong error codes,
// reads that created channel state, and a drain held up by a client that never reads.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RawConn, T, startServer, uniq } from './lib/server.mjs';

test('a fractional or huge since offset in /api/history is a 400, not a crash', T(), async () => {
  const server = await startServer({});
  try {
    for (const offset of [1.5, 1e20, -1, '3']) {
      const r = await server.api('history', { channel: 'a', since: { epoch: 'x', offset } });
      assert.equal(r.status, 400, `offset ${offset}`);
    }
    assert.equal(await server.healthz(), 200);
  } finally {
    await server.stop();
  }
});

test('error bodies carry the status they are sent with (405, 426)', T(), async () => {
  const server = await startServer({});
  try {
    const r = await server.http('/api/info', { method: 'GET', headers: { 'X-API-Key': 'test-key' } });
    assert.equal(r.status, 405);
    assert.equal(r.json.error.code, 405);
    const c = await RawConn.connect(server);
    await c.write(`GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n\r\n`);
    const head = await c.response();
    assert.equal(head.status, 426);
    assert.match(head.body.toString(), /"code":426/);
    c.destroy();
  } finally {
    await server.stop();
  }
});

test('reading history of unknown channels creates no channel state', T(), async () => {
  const server = await startServer({});
  try {
    const before = await server.metric('triplex_channels');
    for (let i = 0; i < 5; i++) {
      const r = await server.http(`/history?channel=${uniq('ghost')}`);
      assert.equal(r.status, 200);
      assert.deepEqual(r.json.messages, []);
    }
    assert.equal(await server.metric('triplex_channels'), before);
  } finally {
    await server.stop();
  }
});

test('SIGTERM exits 0 even with an SSE reader that never reads nor closes', T(30000), async () => {
  const server = await startServer({ config: { sse: { heartbeat: '50ms' } } });
  const c = await RawConn.connect(server);
  c.sock.pause(); // never reads: its window fills with heartbeats
  await c.write(`GET /sse?channel=${uniq('stuck')} HTTP/1.1\r\nHost: x\r\n\r\n`);
  const w = await RawConn.connect(server);
  await w.write(`GET /sse?channel=${uniq('stuck')} HTTP/1.1\r\nHost: x\r\n\r\n`);
  await w.response(); // this one reads, but never closes after the stream ends
  const started = Date.now();
  const res = await server.stop({ timeoutMs: 20000 });
  assert.equal(res.code, 0);
  assert.ok(Date.now() - started < 15000, 'drain is bounded');
  c.destroy();
  w.destroy();
});

test('a flood of commands is paced, not queued without bound, and every one is answered', T(), async () => {
  const { WsClient } = await import('./lib/server.mjs');
  const server = await startServer({});
  try {
    const c = await WsClient.connect(server);
    const replies = [];
    for (let i = 0; i < 500; i++) replies.push(c.request('history', { channel: 'flood', limit: 10 }));
    const all = await Promise.all(replies);
    assert.equal(all.filter((r) => r.result).length, 500);
    c.close();
  } finally {
    await server.stop();
  }
});

test('client publishes over limits.client_publish_rate get 429 and are counted', T(), async () => {
  const { WsClient, METRIC } = await import('./lib/server.mjs');
  const server = await startServer({ config: {
    limits: { client_publish_rate: 5 },
    namespaces: { open: { client_publish: true, anonymous_publish: true } },
  } });
  try {
    const c = await WsClient.connect(server);
    const channel = uniq('rate', 'open');
    let codes;
    await server.expectIncrease(METRIC.rejected('rate_limited'), async () => {
      const replies = [];
      for (let i = 0; i < 20; i++) replies.push(c.request('publish', { channel, data: i }));
      codes = (await Promise.all(replies)).map((r) => (r.error ? r.error.code : 200));
    });
    assert.ok(codes.filter((x) => x === 200).length >= 5, codes.join());
    assert.ok(codes.filter((x) => x === 429).length >= 10, codes.join());
    // The bucket refills: publishing works again.
    let ok = false;
    for (let i = 0; i < 40 && !ok; i++) {
      ok = !(await c.request('publish', { channel, data: 'again' })).error;
      if (!ok) await new Promise((r) => setTimeout(r, 100)); // time passing, not synchronisation
    }
    assert.ok(ok);
    c.close();
  } finally {
    await server.stop();
  }
});

test('the position of an unknown channel resumes without a gap once it exists', T(), async () => {
  const { openSse, makeCursor } = await import('./lib/server.mjs');
  const server = await startServer({});
  try {
    const channel = uniq('fresh');
    const h = await server.http(`/history?channel=${channel}&limit=0`);
    assert.deepEqual([h.json.epoch, h.json.offset], ['', 0]);
    await server.apiPublish(channel, 1);
    await server.apiPublish(channel, 2);
    const sse = await openSse(server, { channels: [channel],
      cursor: makeCursor([[channel, h.json.epoch, h.json.offset]]) });
    const events = [];
    for (let i = 0; i < 2; i++) events.push(JSON.parse((await sse.nextEvent()).data));
    assert.deepEqual(events.map((e) => [e.type, e.offset]), [['message', 1], ['message', 2]]);
    sse.close();
  } finally {
    await server.stop();
  }
});
