// Server-Sent Events (§3.2) on the wire: headers, the opening retry + comment, heartbeats, ids only
// on durable messages, one composite cursor for a multi-channel stream, and bad input.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  METRIC, REJECT, T, cursorPosition, makeCursor, openSse, scaled, startServer, uniq,
} from './lib/server.mjs';

const HEARTBEAT_MS = 200;
const RETRY_MS = 1500;
let server;
const open = [];
before(async () => {
  server = await startServer({ config: { sse: { heartbeat: `${HEARTBEAT_MS}ms`, retry: `${RETRY_MS}ms` } } });
});
after(async () => {
  for (const c of open.splice(0)) c.close();
  await server?.stop();
});

async function sse(opts) {
  const s = await openSse(server, opts);
  open.push(s);
  return s;
}

test('headers, then a retry: line and a comment before any event', T(), async () => {
  const ch = uniq('hdr');
  const s = await sse({ channels: [ch] });
  assert.equal(s.status, 200);
  assert.match(s.headers['content-type'] ?? '', /^text\/event-stream/);
  assert.match(s.headers['cache-control'] ?? '', /no-cache/);
  assert.equal(s.headers['x-accel-buffering'], 'no');
  const first = await s.items.next();
  assert.equal(first.kind, 'retry', `first line is retry: ${JSON.stringify(first)}`);
  assert.equal(first.value, RETRY_MS, 'retry is the configured [sse] retry in ms');
  const second = await s.items.next();
  assert.equal(second.kind, 'comment', `then a comment: ${JSON.stringify(second)}`);
});

test('heartbeat comments arrive within the configured interval', T(), async () => {
  const s = await sse({ channels: [uniq('hb')] });
  await s.items.next((i) => i.kind === 'comment', undefined, 'the opening comment');
  const limit = scaled(HEARTBEAT_MS * 4);
  let last = Date.now();
  for (let n = 0; n < 3; n++) {
    await s.items.next((i) => i.kind === 'comment', limit, `heartbeat ${n + 1} within ${limit} ms`);
    const now = Date.now();
    assert.ok(now - last <= limit, `heartbeat gap ${now - last} ms`);
    last = now;
  }
});

test('id: only on durable messages; the id is a cursor for the stream', T(), async () => {
  const ch = uniq('ids');
  const s = await sse({ channels: [ch] });
  await s.items.next((i) => i.kind === 'comment');
  await server.apiPublish(ch, 'eph', { ephemeral: true });
  const dur = await server.apiPublish(ch, 'dur');
  const [e1, e2] = await s.takeOn(ch, 2);
  assert.equal(e1.json.data, 'eph');
  assert.equal(e1.id, undefined, 'ephemeral event carries no id');
  assert.equal(e1.event, 'message');
  assert.equal(e2.json.data, 'dur');
  assert.deepEqual(cursorPosition(e2.id, ch), { epoch: dur.epoch, offset: dur.offset });
});

test('a multi-channel stream has one composite cursor and resumes every channel at once', T(), async () => {
  const a = uniq('mca');
  const b = uniq('mcb', 'doc');
  const pa0 = await server.apiPublish(a, 'a0');
  const pb0 = await server.apiPublish(b, 'b0');
  const s = await sse({ channels: [a, b] });
  await s.items.next((i) => i.kind === 'comment');
  const pa1 = await server.apiPublish(a, 'a1');
  const pb1 = await server.apiPublish(b, 'b1');
  const pa2 = await server.apiPublish(a, 'a2');
  const evs = await s.items.take(3, (i) => i.kind === 'event');
  assert.deepEqual(evs.map((e) => e.json.data).sort(), ['a1', 'a2', 'b1']);
  const pos = (id) => [cursorPosition(id, a)?.offset, cursorPosition(id, b)?.offset];
  for (const e of evs) assert.equal(pos(e.id).filter((x) => x !== undefined).length, 2,
    `every id covers both channels: ${e.id}`);
  const last = evs.at(-1).id;
  assert.deepEqual(pos(last), [pa2.offset, pb1.offset]);
  assert.ok(pa0.offset < pa1.offset && pb0.offset < pb1.offset);
  await s.close();

  const pa3 = await server.apiPublish(a, 'a3');
  const pb2 = await server.apiPublish(b, 'b2');
  const pb3 = await server.apiPublish(b, 'b3');
  const s2 = await sse({ channels: [a, b], lastEventId: last });
  const got = await s2.items.take(3, (i) => i.kind === 'event');
  assert.deepEqual(got.filter((e) => e.json.channel === a).map((e) => e.json.offset), [pa3.offset]);
  assert.deepEqual(got.filter((e) => e.json.channel === b).map((e) => e.json.offset),
    [pb2.offset, pb3.offset]);
  assert.deepEqual(pos(got.at(-1).id), [pa3.offset, pb3.offset]);
  const pa4 = await server.apiPublish(a, 'a4');
  const [next] = await s2.items.take(1, (i) => i.kind === 'event');
  assert.equal(next.json.offset, pa4.offset, 'nothing replayed twice');
});

test('a bad channel name is a 400', T(), async () => {
  const s = await server.expectIncrease(METRIC.rejected(REJECT.badChannel),
    () => sse({ path: '/sse?channel=bad%20channel!' }));
  assert.equal(s.status, 400);
});

test('a malformed cursor or Last-Event-ID is a 400, never a restart from now', T(), async () => {
  const ch = uniq('badc');
  for (const bad of ['%%%', makeCursor({ not: 'an array' }).slice(0, -1) + '!',
    Buffer.from('not json').toString('base64url'), makeCursor([[ch, 'e', -1]]),
    makeCursor([[ch]])]) {
    const s = await server.expectIncrease(METRIC.rejected(REJECT.badCursor),
      () => sse({ path: `/sse?channel=${ch}&cursor=${encodeURIComponent(bad)}` }));
    assert.equal(s.status, 400, `cursor ${bad}`);
    await s.close();
  }
  const s = await sse({ channels: [ch], lastEventId: 'definitely not a cursor' });
  assert.equal(s.status, 400, 'malformed Last-Event-ID');
});
