// One publish, every transport: the same envelope (§2) reaches WebSocket, SSE and long-poll
// subscribers; ephemeral publishes carry no offset; broadcast and client publish fan out too.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DOC_NS, METRIC, T, WsClient, cursorPosition, makeCursor, openSse, poll, pollOk, startServer, uniq,
} from './lib/server.mjs';

let server;
const open = [];
before(async () => {
  server = await startServer({ config: DOC_NS });
});
after(async () => {
  for (const c of open.splice(0)) c.close();
  await server?.stop();
});

async function ws(label) {
  const c = await WsClient.connect(server, { label });
  open.push(c);
  return c;
}

async function sse(opts) {
  const s = await openSse(server, opts);
  open.push(s);
  assert.equal(s.status, 200, `SSE status ${s.status}: ${s.body}`);
  // The stream opens with retry + comment; from then on the subscription is live (assumption).
  await s.items.next((i) => i.kind === 'comment', undefined, 'the opening comment');
  return s;
}

/** Waits until the server holds one more pending long-poll than `before`. */
function pollRegistered(before) {
  return server.waitMetric(METRIC.connections('longpoll'), (v) => v >= before + 1);
}

const DATA = { text: 'héllo ✓ "quoted"\nline', n: [1, 2.5, null, true], nested: { a: {} } };

test('one API publish reaches WS, SSE and long-poll with the same epoch, offset and data', T(), async () => {
  const ch = uniq('fan');
  const prime = await server.apiPublish(ch, { prime: true });
  assert.equal(typeof prime.epoch, 'string');
  assert.ok(Number.isInteger(prime.offset) && prime.offset >= 1, `offset ${prime.offset}`);

  const w = await ws('ws-fan');
  const sub = await w.subscribe(ch);
  assert.equal(sub.epoch, prime.epoch);
  assert.equal(sub.offset, prime.offset);
  const s = await sse({ channels: [ch] });
  const lp = pollOk(server, { channels: [ch], cursor: makeCursor([[ch, prime.epoch, prime.offset]]),
    timeout: 10 });

  const pub = await server.apiPublish(ch, DATA);
  assert.equal(pub.epoch, prime.epoch);
  assert.equal(pub.offset, prime.offset + 1);
  const want = { type: 'message', channel: ch, epoch: pub.epoch, offset: pub.offset, data: DATA };

  assert.deepEqual(await w.nextOn(ch), want, 'WebSocket envelope');
  const [ev] = await s.takeOn(ch, 1);
  assert.equal(ev.event, 'message');
  assert.deepEqual(ev.json, want, 'SSE envelope');
  assert.ok(ev.id, 'durable SSE event has an id');
  assert.deepEqual(cursorPosition(ev.id, ch), { epoch: pub.epoch, offset: pub.offset });
  const r = await lp;
  assert.deepEqual(r.json.messages, [want], 'long-poll envelope');
  assert.deepEqual(cursorPosition(r.json.cursor, ch), { epoch: pub.epoch, offset: pub.offset });
});

test('an ephemeral publish reaches every transport without an offset and takes none', T(), async () => {
  const ch = uniq('eph');
  const prime = await server.apiPublish(ch, 'prime');
  const w = await ws('ws-eph');
  await w.subscribe(ch);
  const s = await sse({ channels: [ch] });
  const lpBefore = await server.metric(...METRIC.connections('longpoll'));
  const lp = pollOk(server, { channels: [ch], cursor: makeCursor([[ch, prime.epoch, prime.offset]]),
    timeout: 10 });
  await pollRegistered(lpBefore); // an ephemeral message is never stored: the poll must be waiting

  const res = await server.apiPublish(ch, { typing: 'alice' }, { ephemeral: true });
  assert.equal(res.offset, undefined, `ephemeral publish result has no offset: ${JSON.stringify(res)}`);
  const want = { type: 'message', channel: ch, data: { typing: 'alice' } };
  assert.deepEqual(await w.nextOn(ch), want);
  const [ev] = await s.takeOn(ch, 1);
  assert.deepEqual(ev.json, want);
  assert.equal(ev.id, undefined, 'no id: line on an ephemeral SSE event');
  const r = await lp;
  assert.deepEqual(r.json.messages, [want]);
  assert.deepEqual(cursorPosition(r.json.cursor, ch), { epoch: prime.epoch, offset: prime.offset },
    'an ephemeral message does not move the cursor');

  const next = await server.apiPublish(ch, 'durable');
  assert.equal(next.offset, prime.offset + 1, 'the ephemeral publish consumed no offset');
  assert.equal((await w.nextOn(ch)).offset, next.offset);
  const [ev2] = await s.takeOn(ch, 1);
  assert.ok(ev2.id, 'durable SSE event has an id');
});

test('a long-poll without a cursor is held until a publish arrives', T(), async () => {
  const ch = uniq('hold');
  const before = await server.metric(...METRIC.connections('longpoll'));
  const lp = pollOk(server, { channels: [ch], timeout: 10 });
  await pollRegistered(before);
  const pub = await server.apiPublish(ch, 'wake');
  const r = await lp;
  assert.deepEqual(r.json.messages, [{ type: 'message', channel: ch, epoch: pub.epoch,
    offset: pub.offset, data: 'wake' }]);
});

test('many subscribers on every transport get every message once, in order', T(30000), async () => {
  const ch = uniq('many');
  const clients = [await ws('ws-a'), await ws('ws-b'), await ws('ws-c')];
  for (const c of clients) await c.subscribe(ch);
  const s = await sse({ channels: [ch] });
  const pubs = [];
  for (let i = 0; i < 20; i++) pubs.push(await server.apiPublish(ch, { i }));
  for (let i = 1; i < pubs.length; i++) assert.equal(pubs[i].offset, pubs[i - 1].offset + 1);
  const want = pubs.map((p, i) => ({ type: 'message', channel: ch, epoch: p.epoch, offset: p.offset,
    data: { i } }));
  for (const c of clients) assert.deepEqual(await c.takeOn(ch, 20), want, c.label);
  assert.deepEqual((await s.takeOn(ch, 20)).map((e) => e.json), want, 'SSE');
  // And a poll from before the first of them gets them in one batch.
  const r = await pollOk(server, { channels: [ch],
    cursor: makeCursor([[ch, pubs[0].epoch, pubs[0].offset - 1]]), timeout: 5 });
  assert.deepEqual(r.json.messages, want);
});

test('broadcast reaches every listed channel', T(), async () => {
  const a = uniq('bca');
  const b = uniq('bcb');
  const w = await ws('ws-bc');
  await w.subscribe(a);
  await w.subscribe(b);
  const r = await server.api('broadcast', { channels: [a, b], data: { all: 1 } });
  assert.equal(r.status, 200, r.text);
  const ea = await w.nextOn(a);
  const eb = await w.nextOn(b);
  for (const [e, ch] of [[ea, a], [eb, b]]) {
    assert.equal(e.type, 'message');
    assert.equal(e.channel, ch);
    assert.deepEqual(e.data, { all: 1 });
    assert.equal(e.offset, 1, 'first message of a fresh channel has offset 1');
  }
});

test('batch publishes each command in order; a bad one is an error in its place', T(), async () => {
  const a = uniq('bta');
  const b = uniq('btb');
  const w = await ws('ws-batch');
  await w.subscribe(a);
  await w.subscribe(b);
  const before = await server.metric(...METRIC.rejected('bad_channel'));
  const r = await server.api('batch', { commands: [
    { publish: { channel: a, data: { n: 1 } } },
    { publish: { channel: 'not a channel', data: 1 } },
    { publish: { channel: b, data: { n: 2 }, ephemeral: true } },
    { publish: { channel: a, data: { n: 3 } } },
    { unknown: {} },
  ] });
  assert.equal(r.status, 200, r.text);
  const replies = r.json.replies;
  assert.equal(replies.length, 5);
  assert.deepEqual(replies[0].publish.offset, 1);
  assert.equal(replies[1].error.code, 400);
  assert.deepEqual(replies[2], { publish: {} }, 'ephemeral: no position');
  assert.equal(replies[3].publish.offset, 2);
  assert.equal(replies[4].error.code, 404);
  // In publish order: a#1, b (ephemeral), a#2 (the inbox skips what does not match).
  assert.deepEqual((await w.nextOn(a)).data, { n: 1 });
  assert.deepEqual((await w.nextOn(b, undefined, ['message'])).data, { n: 2 });
  const a2 = await w.nextOn(a);
  assert.deepEqual([a2.offset, a2.data.n], [2, 3]);
  assert.ok(await server.metric(...METRIC.rejected('bad_channel')) > before, 'the bad command is counted');
  const empty = await server.api('batch', { commands: [] });
  assert.equal(empty.status, 400);
});

test('client publish over WS in a client_publish namespace fans out; elsewhere it is 403', T(), async () => {
  const ch = uniq('cp', 'doc');
  const reader = await ws('reader');
  const writer = await ws('writer');
  const sub = await reader.subscribe(ch);
  const res = await writer.call('publish', { channel: ch, data: { from: 'writer' } });
  assert.equal(res.offset, sub.offset + 1);
  assert.deepEqual(await reader.nextOn(ch), { type: 'message', channel: ch, epoch: res.epoch,
    offset: res.offset, data: { from: 'writer' } });
  const s = await sse({ channels: [ch], cursor: makeCursor([[ch, res.epoch, res.offset - 1]]) });
  assert.deepEqual((await s.takeOn(ch, 1))[0].json.data, { from: 'writer' });

  const denied = await writer.request('publish', { channel: uniq('plain'), data: 1 });
  assert.equal(denied.error?.code, 403, `publish outside client_publish: ${JSON.stringify(denied)}`);
});

test('a poll on two channels answers with the one that got a message', T(), async () => {
  const a = uniq('lpa');
  const b = uniq('lpb');
  const pa = await server.apiPublish(a, 'a1');
  const pb = await server.apiPublish(b, 'b1');
  const cursor = makeCursor([[a, pa.epoch, pa.offset], [b, pb.epoch, pb.offset]]);
  const lp = poll(server, { channels: [a, b], cursor, timeout: 10 });
  const pb2 = await server.apiPublish(b, 'b2');
  const r = await lp;
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.messages.map((m) => [m.channel, m.offset, m.data]), [[b, pb2.offset, 'b2']]);
  assert.deepEqual(cursorPosition(r.json.cursor, a), { epoch: pa.epoch, offset: pa.offset });
  assert.deepEqual(cursorPosition(r.json.cursor, b), { epoch: pb2.epoch, offset: pb2.offset });
});
