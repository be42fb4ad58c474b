// `gap` (§2): a resume position that history can no longer serve (trimmed, or another epoch)
// yields a gap envelope naming the last lost position, then what history still holds. Resume
// never skips silently. history_size = 5 here.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  T, WsClient, cursorPosition, makeCursor, openSse, pollOk, startServer, uniq,
} from './lib/server.mjs';

const HISTORY = 5;
let server;
const open = [];
before(async () => {
  server = await startServer({ config: { defaults: { history_size: HISTORY } } });
});
after(async () => {
  for (const c of open.splice(0)) c.close();
  await server?.stop();
});

async function publishN(ch, n) {
  const out = [];
  for (let i = 0; i < n; i++) out.push(await server.apiPublish(ch, { i }));
  return out;
}

/** Checks [gap, ...5 messages]: gap at the last lost offset, then the tail of history in order. */
function assertGapThenTail(events, ch, pubs) {
  const [gap, ...msgs] = events;
  const tail = pubs.slice(-HISTORY);
  assert.equal(gap.type, 'gap', `first event is a gap: ${JSON.stringify(gap)}`);
  assert.equal(gap.channel, ch);
  assert.equal(gap.epoch, tail[0].epoch);
  assert.equal(gap.offset, tail[0].offset - 1, 'gap names the last lost offset');
  assert.deepEqual(msgs.map((m) => [m.type, m.offset, m.data]),
    tail.map((p) => ['message', p.offset, { i: pubs.indexOf(p) }]));
}

test('WS: missing 8 with history 5 gives a gap, then the 5 still in history', T(), async () => {
  const ch = uniq('gws');
  const [first] = await publishN(ch, 1);
  const w = await WsClient.connect(server, { label: 'gap-ws' });
  open.push(w);
  const missedPubs = await publishN(ch, 8);
  const res = await w.subscribe(ch, { epoch: first.epoch, offset: first.offset });
  assert.equal(res.recovered, false, `recovered must be false on a gap: ${JSON.stringify(res)}`);
  assertGapThenTail(await w.takeOn(ch, 1 + HISTORY), ch, missedPubs);
  const [live] = await publishN(ch, 1);
  assert.equal((await w.nextOn(ch)).offset, live.offset);
});

test('WS: a wrong epoch gives a gap with the real epoch, and delivery continues after it', T(), async () => {
  const ch = uniq('gep');
  const pubs = await publishN(ch, 3);
  const w = await WsClient.connect(server, { label: 'gap-epoch' });
  open.push(w);
  const res = await w.subscribe(ch, { epoch: 'not-the-epoch', offset: 2 });
  assert.equal(res.recovered, false);
  const gap = await w.nextOn(ch);
  assert.equal(gap.type, 'gap', JSON.stringify(gap));
  assert.equal(gap.epoch, pubs[0].epoch);
  assert.ok(Number.isInteger(gap.offset) && gap.offset >= 0 && gap.offset <= pubs[2].offset,
    `gap offset ${gap.offset}`);
  // Whatever follows the gap continues right after it, up to the top.
  const rest = gap.offset < pubs[2].offset ? await w.takeOn(ch, pubs[2].offset - gap.offset) : [];
  assert.deepEqual(rest.map((m) => m.offset),
    Array.from({ length: pubs[2].offset - gap.offset }, (_, i) => gap.offset + 1 + i));
  const [live] = await publishN(ch, 1);
  const e = await w.nextOn(ch);
  assert.equal(e.type, 'message');
  assert.equal(e.offset, live.offset);
});

test('SSE: a cursor behind the history gives a gap event, then the 5 in history', T(), async () => {
  const ch = uniq('gsse');
  const [first] = await publishN(ch, 1);
  const pubs = await publishN(ch, 8);
  const s = await openSse(server, { channels: [ch],
    cursor: makeCursor([[ch, first.epoch, first.offset]]) });
  open.push(s);
  assert.equal(s.status, 200);
  const events = await s.takeOn(ch, 1 + HISTORY);
  assert.equal(events[0].event, 'gap', 'SSE event: gap');
  assert.ok(events.slice(1).every((e) => e.event === 'message'));
  assertGapThenTail(events.map((e) => e.json), ch, pubs);
  assert.deepEqual(cursorPosition(events.at(-1).id, ch),
    { epoch: pubs.at(-1).epoch, offset: pubs.at(-1).offset });
});

test('SSE: a wrong epoch in Last-Event-ID gives a gap', T(), async () => {
  const ch = uniq('gsse2');
  const [p] = await publishN(ch, 1);
  const s = await openSse(server, { channels: [ch], lastEventId: makeCursor([[ch, 'bogus', 1]]) });
  open.push(s);
  assert.equal(s.status, 200);
  const ev = await s.nextEvent((e) => e.json?.channel === ch);
  assert.equal(ev.event, 'gap');
  assert.equal(ev.json.epoch, p.epoch);
});

test('long-poll: a cursor behind the history answers [gap, ...5 in history]', T(), async () => {
  const ch = uniq('glp');
  const [first] = await publishN(ch, 1);
  const pubs = await publishN(ch, 8);
  const r = await pollOk(server, { channels: [ch], cursor: makeCursor([[ch, first.epoch, first.offset]]),
    timeout: 5 });
  assertGapThenTail(r.json.messages, ch, pubs);
  assert.deepEqual(cursorPosition(r.json.cursor, ch),
    { epoch: pubs.at(-1).epoch, offset: pubs.at(-1).offset });
  // The returned cursor is current: a wrong epoch in a cursor is a gap too.
  const r2 = await pollOk(server, { channels: [ch], cursor: makeCursor([[ch, 'bogus', 3]]), timeout: 5 });
  assert.equal(r2.json.messages[0]?.type, 'gap', r2.text);
  assert.equal(r2.json.messages[0].epoch, pubs[0].epoch);
});

test('history keeps only the last history_size messages', T(), async () => {
  const ch = uniq('ghist');
  const pubs = await publishN(ch, 8);
  const h = await server.apiOk('history', { channel: ch });
  assert.equal(h.epoch, pubs[0].epoch);
  assert.equal(h.offset, pubs.at(-1).offset);
  assert.deepEqual(h.messages.map((m) => m.offset), pubs.slice(-HISTORY).map((p) => p.offset));
});
