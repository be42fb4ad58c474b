// [delivery] flush_interval: a worker that flushed less than the interval ago holds its next
// flush until the interval has passed, so messages published meanwhile leave together; nothing
// is lost or reordered, and an idle worker still delivers at once.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { METRIC, T, WsClient, openSse, scaled, startServer, uniq } from './lib/server.mjs';

const INTERVAL_MS = scaled(500);
let server;

before(async () => {
  server = await startServer({ config: { threads: 1, delivery: { flush_interval: `${INTERVAL_MS}ms` },
    defaults: { history_size: 1000 } } });
});

after(async () => {
  await server?.stop();
});

test('messages published right after a flush wait for the interval, then all arrive in order', T(), async () => {
  const ch = uniq('flush');
  const ws = await WsClient.connect(server, { label: 'flush-ws' });
  await ws.subscribe(ch);
  const sse = await openSse(server, { channels: [ch] });
  await sse.items.next((i) => i.kind === 'comment', undefined, 'the opening comment');
  try {
    // Long after any earlier flush: the first message goes out at once.
    await new Promise((r) => setTimeout(r, INTERVAL_MS + 50)); // lets the interval pass, no sync
    const started = Date.now();
    await server.apiPublish(ch, { n: 1 });
    assert.equal((await ws.nextOn(ch)).data.n, 1);
    const firstAfter = Date.now() - started;
    assert.ok(firstAfter < INTERVAL_MS, `first message after ${firstAfter} ms: an idle worker does not wait`);

    const delayed = await server.expectIncrease(METRIC.flushesDelayed(), async () => {
      const sent = Date.now();
      for (let n = 2; n <= 6; n++) await server.apiPublish(ch, { n });
      const got = await ws.takeOn(ch, 5);
      return { got, after: Date.now() - sent };
    });
    assert.deepEqual(delayed.got.map((e) => e.data.n), [2, 3, 4, 5, 6]);
    assert.ok(delayed.after >= INTERVAL_MS * 0.5,
      `messages 2-6 arrived ${delayed.after} ms after their publish: held for the interval`);
    const offsets = [];
    while (offsets.length < 6) {
      const item = await sse.items.next((i) => i.kind === 'event');
      offsets.push(JSON.parse(item.data).data.n);
    }
    assert.deepEqual(offsets, [1, 2, 3, 4, 5, 6], 'SSE gets the same messages, in order');
  } finally {
    ws.close();
    sse.close();
  }
});

test('a backlog of more than one write is not held back by the interval (a long replay)', T(), async () => {
  const ch = uniq('replay');
  const first = await server.apiPublish(ch, { n: 1 });
  for (let n = 2; n <= 300; n++) await server.apiPublish(ch, { n });
  const ws = await WsClient.connect(server, { label: 'replay-ws' });
  try {
    const started = Date.now();
    await ws.subscribe(ch, { epoch: first.epoch, offset: 0 });
    const got = await ws.takeOn(ch, 300, scaled(10000));
    const took = Date.now() - started;
    assert.deepEqual(got.map((e) => e.data.n), Array.from({ length: 300 }, (_, i) => i + 1));
    // 300 messages are 5 writes of at most 64: one interval per write would be ~4 intervals.
    assert.ok(took < INTERVAL_MS * 3, `replay of 300 took ${took} ms (interval ${INTERVAL_MS} ms)`);
  } finally {
    ws.close();
  }
});
