// Connection limit: over [limits] max_connections a new connection is closed at once and
// counted, and the connections already open keep working. Every request here goes over a raw
// socket with `Connection: close`, so no pooled keep-alive connection occupies a slot.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  RawConn, T, metricValue, parseMetrics, scaled, startServer, within,
} from './lib/server.mjs';

let server;

before(async () => {
  server = await startServer({ config: { limits: { max_connections: 2 } } });
});

after(async () => {
  await server?.stop();
});

async function request(path) {
  const c = await RawConn.connect(server);
  await c.write(`GET ${path} HTTP/1.1\r\nHost: ${server.host}\r\nConnection: close\r\n\r\n`);
  await within(c.closed, scaled(3000), `${path} answered`);
  return c.data.toString('latin1');
}

async function refusedCount() {
  const text = await request('/metrics');
  if (!text.startsWith('HTTP/1.1 200')) return null; // refused itself: the slot is not free yet
  const body = text.slice(text.indexOf('\r\n\r\n') + 4);
  return metricValue(parseMetrics(body).samples, 'triplex_rejected_total',
    { reason: 'too_many_connections' }) ?? 0;
}

// A connection that the server serves (kept alive), retried while the slot of a connection
// that just closed is not yet free on the server side.
async function holdSlot() {
  for (let i = 0; i < 50; i++) {
    const c = await RawConn.connect(server);
    await c.write(`GET /healthz HTTP/1.1\r\nHost: ${server.host}\r\n\r\n`);
    const head = await c.response().catch(() => null);
    if (head?.status === 200) {
      c.data = Buffer.alloc(0);
      return c;
    }
    c.destroy();
  }
  throw new Error('no slot became free');
}

test('over max_connections a new connection is refused and counted', T(), async () => {
  const before = await refusedCount();
  const held = [await holdSlot(), await holdSlot()];
  // Both slots taken: the next connection is closed without a byte.
  const extra = await RawConn.connect(server);
  await within(extra.closed, scaled(3000), 'the refused connection closes');
  assert.equal(extra.data.length, 0, 'nothing is sent on a refused connection');
  // A held connection still works.
  await held[0].write(`GET /healthz HTTP/1.1\r\nHost: ${server.host}\r\nConnection: close\r\n\r\n`);
  const head = await held[0].response();
  assert.equal(head?.status, 200);
  held[1].destroy();
  await within(held[0].closed, scaled(3000), 'the held connection closes after its answer');
  // Slots free again: the refusal was counted (and any refused /metrics attempt on the way).
  let after = null;
  for (let i = 0; i < 50 && after === null; i++) after = await refusedCount();
  assert.ok(after >= before + 1, `refusals counted: ${before} -> ${after}`);
});
