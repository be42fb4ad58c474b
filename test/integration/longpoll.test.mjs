// Long-polling (§3.3): held until a message exists after the cursor, batched answers, empty answer
// with the same position after `timeout`, Cache-Control: no-store, malformed cursor = 400.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  METRIC, REJECT, T, cursorPosition, makeCursor, poll, pollOk, scaled, startServer, uniq,
} from './lib/server.mjs';

const BATCH_LIMIT = 4;
let server;
before(async () => {
  server = await startServer({ config: { longpoll: { timeout: '1s', batch_limit: BATCH_LIMIT } } });
});
after(async () => {
  await server?.stop();
});

const env = (ch, p, data) => ({ type: 'message', channel: ch, epoch: p.epoch, offset: p.offset, data });

test('an empty answer with the same position after timeout=1', T(), async () => {
  const ch = uniq('lpt');
  const p = await server.apiPublish(ch, 'x');
  const cursor = makeCursor([[ch, p.epoch, p.offset]]);
  const r = await pollOk(server, { channels: [ch], cursor, timeout: 1 });
  assert.deepEqual(r.json.messages, []);
  assert.deepEqual(cursorPosition(r.json.cursor, ch), { epoch: p.epoch, offset: p.offset });
  assert.ok(r.elapsedMs >= 900, `held for the timeout (${r.elapsedMs} ms)`);
  assert.ok(r.elapsedMs < scaled(4000), `answered soon after the timeout (${r.elapsedMs} ms)`);
  assert.match(r.headers.get('content-type') ?? '', /^application\/json/);
  assert.match(r.headers.get('cache-control') ?? '', /no-store/);
});

test('without a cursor the subscription starts now; re-polling loses nothing in between', T(), async () => {
  const ch = uniq('lpnow');
  await server.apiPublish(ch, 'old'); // before the first poll: not delivered
  const r1 = await pollOk(server, { channels: [ch], timeout: 1 });
  assert.deepEqual(r1.json.messages, []);
  const p = await server.apiPublish(ch, 'between polls');
  const r2 = await pollOk(server, { channels: [ch], cursor: r1.json.cursor, timeout: 5 });
  assert.deepEqual(r2.json.messages, [env(ch, p, 'between polls')]);
});

test('messages published before the poll come back at once, batched, in order', T(), async () => {
  const ch = uniq('lpb');
  const p0 = await server.apiPublish(ch, 0);
  const pubs = [];
  for (let i = 1; i <= 3; i++) pubs.push(await server.apiPublish(ch, i));
  const r = await pollOk(server, { channels: [ch], cursor: makeCursor([[ch, p0.epoch, p0.offset]]),
    timeout: 20 });
  assert.ok(r.elapsedMs < scaled(1500), `immediate answer (${r.elapsedMs} ms)`);
  assert.deepEqual(r.json.messages, pubs.map((p, i) => env(ch, p, i + 1)));
  assert.deepEqual(cursorPosition(r.json.cursor, ch), { epoch: pubs[2].epoch, offset: pubs[2].offset });
  assert.match(r.headers.get('cache-control') ?? '', /no-store/);
});

test('a held poll is answered as soon as a message is published', T(), async () => {
  const ch = uniq('lph');
  const p0 = await server.apiPublish(ch, 0);
  const before = await server.metric(...METRIC.connections('longpoll'));
  const pending = pollOk(server, { channels: [ch], cursor: makeCursor([[ch, p0.epoch, p0.offset]]),
    timeout: 20 });
  await server.waitMetric(METRIC.connections('longpoll'), (v) => v >= before + 1);
  const p1 = await server.apiPublish(ch, 1);
  const r = await pending;
  assert.deepEqual(r.json.messages, [env(ch, p1, 1)]);
  assert.ok(r.elapsedMs < scaled(10000));
});

test(`answers are capped at batch_limit (${BATCH_LIMIT}); the cursor continues from there`, T(), async () => {
  const ch = uniq('lpl');
  const p0 = await server.apiPublish(ch, 0);
  const pubs = [];
  for (let i = 1; i <= BATCH_LIMIT + 2; i++) pubs.push(await server.apiPublish(ch, i));
  const r1 = await pollOk(server, { channels: [ch], cursor: makeCursor([[ch, p0.epoch, p0.offset]]),
    timeout: 5 });
  assert.deepEqual(r1.json.messages.map((m) => m.data), pubs.slice(0, BATCH_LIMIT).map((_, i) => i + 1));
  const r2 = await pollOk(server, { channels: [ch], cursor: r1.json.cursor, timeout: 5 });
  assert.deepEqual(r2.json.messages.map((m) => m.data), [BATCH_LIMIT + 1, BATCH_LIMIT + 2]);
});

test('a malformed cursor is a 400 (never a restart from now), and counted', T(), async () => {
  const ch = uniq('lpbad');
  await server.apiPublish(ch, 'x');
  const bad = ['***', 'not a cursor', Buffer.from('{"a":1}').toString('base64url'),
    Buffer.from('[["x","e"]]').toString('base64url'), makeCursor([[ch, 'e', 1.5]])];
  for (const cursor of bad) {
    const r = await server.expectIncrease(METRIC.rejected(REJECT.badCursor),
      () => poll(server, { channels: [ch], cursor, timeout: 1 }));
    assert.equal(r.status, 400, `cursor ${JSON.stringify(cursor)} -> ${r.status} ${r.text}`);
    assert.equal(r.json?.error?.code, 400, `error body: ${r.text}`);
  }
});

test('a bad channel name or no channel is a 400', T(), async () => {
  const r = await server.expectIncrease(METRIC.rejected(REJECT.badChannel),
    () => poll(server, { query: 'channel=bad%20channel!&timeout=1' }));
  assert.equal(r.status, 400, r.text);
  const r2 = await poll(server, { query: 'timeout=1' });
  assert.equal(r2.status, 400, `no channel: ${r2.status} ${r2.text}`);
});
