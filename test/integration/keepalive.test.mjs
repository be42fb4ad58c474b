// Keep-alive HTTP connections: answers written as one head + body on a connection that stays
// open between requests, pipelined requests answered in order, and the idle timeout, which
// closes a quiet connection (counted) but never one that keeps asking.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { API_KEY, METRIC, RawConn, T, scaled, startServer, uniq } from './lib/server.mjs';

const IDLE_MS = 600;
let server;

before(async () => {
  server = await startServer({ config: { http: { idle_timeout: `${IDLE_MS}ms` } } });
});

after(async () => {
  await server?.stop();
});

const publishRequest = (host, channel, n) => {
  const body = JSON.stringify({ channel, data: { n } });
  return `POST /api/publish HTTP/1.1\r\nHost: ${host}\r\nX-API-Key: ${API_KEY}\r\n` +
    `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
};

// Splits complete responses (head + Content-Length body) off the front of `text`.
function responses(text) {
  const out = [];
  for (;;) {
    const end = text.indexOf('\r\n\r\n');
    if (end < 0) return out;
    const head = text.slice(0, end);
    const len = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
    if (text.length < end + 4 + len) return out;
    out.push({ status: Number(head.split(' ')[1]), head, body: text.slice(end + 4, end + 4 + len) });
    text = text.slice(end + 4 + len);
  }
}

test('pipelined publishes are answered in order on one connection', T(), async () => {
  const c = await RawConn.connect(server);
  const channel = uniq('pipe');
  let reqs = '';
  for (let n = 1; n <= 5; n++) reqs += publishRequest(server.host, channel, n);
  await c.write(reqs);
  await c.waitFor((d) => responses(d.toString('latin1')).length === 5);
  const got = responses(c.data.toString('latin1'));
  assert.deepEqual(got.map((r) => r.status), [200, 200, 200, 200, 200]);
  assert.deepEqual(got.map((r) => JSON.parse(r.body).offset), [1, 2, 3, 4, 5]);
  assert.match(got[0].head, /^HTTP\/1\.1 200 OK\r\nServer: triplex\r\n/);
  assert.doesNotMatch(got[4].head, /connection: close/i);
  assert.equal(c.closedAt, null, 'the connection stays open');
  c.destroy();
});

test('a quiet keep-alive connection is closed after idle_timeout, and counted', T(), async () => {
  const c = await server.expectIncrease(METRIC.httpIdleCloses(), async () => {
    const conn = await RawConn.connect(server);
    await conn.write(`GET /healthz HTTP/1.1\r\nHost: ${server.host}\r\n\r\n`);
    await conn.waitFor((d) => responses(d.toString('latin1')).length === 1);
    const answered = Date.now();
    await conn.closed;
    conn.quietFor = conn.closedAt - answered;
    return conn;
  });
  assert.equal(responses(c.data.toString('latin1')).length, 1, 'nothing after the answer');
  assert.ok(c.quietFor >= IDLE_MS * 0.8, `closed after ${c.quietFor} ms, not before the timeout`);
  assert.ok(c.quietFor < IDLE_MS + scaled(3000), `closed after ${c.quietFor} ms`);
});

test('a connection that keeps asking outlives many idle timeouts', T(), async () => {
  const c = await RawConn.connect(server);
  const rounds = 8;
  for (let i = 1; i <= rounds; i++) {
    await c.write(`GET /healthz HTTP/1.1\r\nHost: ${server.host}\r\n\r\n`);
    await c.waitFor((d) => responses(d.toString('latin1')).length === i);
    // pacing, not synchronisation: each gap is under the idle timeout, their sum far over it
    await new Promise((r) => setTimeout(r, IDLE_MS / 3));
  }
  assert.equal(c.closedAt, null, `open after ${rounds} requests spread over ${rounds * IDLE_MS / 3} ms`);
  c.destroy();
});

test('a request pipelined behind a held long-poll is answered after the poll', T(), async () => {
  const c = await RawConn.connect(server);
  const channel = uniq('pipe-lp');
  await c.write(`GET /poll?channel=${channel}&timeout=10 HTTP/1.1\r\nHost: ${server.host}\r\n\r\n` +
    `GET /healthz HTTP/1.1\r\nHost: ${server.host}\r\n\r\n`);
  await server.waitMetric(METRIC.connections('longpoll'), (v) => v >= 1);
  await server.apiPublish(channel, { n: 1 });
  await c.waitFor((d) => responses(d.toString('latin1')).length === 2);
  const [poll, health] = responses(c.data.toString('latin1'));
  assert.equal(poll.status, 200);
  assert.equal(JSON.parse(poll.body).messages[0].data.n, 1);
  assert.equal(health.status, 200);
  assert.equal(JSON.parse(health.body).status, 'ok');
  c.destroy();
});

test('a long-poll whose client goes away is released at once', T(), async () => {
  const c = await RawConn.connect(server);
  await c.write(`GET /poll?channel=${uniq('gone')}&timeout=60 HTTP/1.1\r\nHost: ${server.host}\r\n\r\n`);
  await server.waitMetric(METRIC.connections('longpoll'), (v) => v >= 1);
  c.destroy();
  await server.waitMetric(METRIC.connections('longpoll'), (v) => v === 0);
});
