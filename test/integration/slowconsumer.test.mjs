// Slow consumers (STYLE habit 7, §3.1 close 4008): a WS client that stops reading while durable
// messages pile up past outbound_queue_bytes is closed with 4008 and counted; a normal subscriber
// on the same channel keeps receiving every message, in order.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { METRIC, T, WsClient, startServer, uniq } from './lib/server.mjs';

const QUEUE_BYTES = 65536;
let server;
const open = [];
before(async () => {
  server = await startServer({ config: { limits: { outbound_queue_bytes: QUEUE_BYTES } } });
});
after(async () => {
  for (const c of open.splice(0)) c.terminate();
  await server?.stop();
});

test('a WS client that stops reading is closed with 4008; others get everything in order', T(60000), async () => {
  const ch = uniq('slow');
  const slow = await WsClient.connect(server, { label: 'slow' });
  const fast = await WsClient.connect(server, { label: 'fast' });
  open.push(slow, fast);
  await slow.subscribe(ch);
  await fast.subscribe(ch);
  const closesBefore = await server.metric(...METRIC.slowConsumerCloses('ws'));

  slow.ws._socket.pause(); // stop reading: the kernel buffers fill, then the server's queue
  const payload = 'x'.repeat(16 * 1024);
  const pubs = [];
  const received = [];
  let closes = closesBefore;
  // Kernel socket buffers on loopback hold a few MB (tcp_wmem max is 4 MB by default); publish
  // in batches until the server reports the forced close, bounded at 12 MB.
  for (let batch = 0; batch < 24 && closes === closesBefore; batch++) {
    for (let i = 0; i < 32; i++) pubs.push(await server.apiPublish(ch, { seq: pubs.length, payload }));
    // Keep the normal subscriber drained so it is never the slow one.
    received.push(...fast.events.drain().filter((e) => e.channel === ch));
    closes = await server.metric(...METRIC.slowConsumerCloses('ws'));
  }

  slow.ws._socket.resume(); // read what the kernel holds: the close frame comes after it
  const close = await slow.waitClosed();
  assert.equal(close.code, 4008, `close code ${JSON.stringify(close)} after ${pubs.length} ` +
    `messages of ${payload.length} bytes`);
  // Counted when decided or when closed: either way it has increased by now.
  await server.waitMetric(METRIC.slowConsumerCloses('ws'), (v) => v > closesBefore);
  // What the slow client did get is a gapless prefix, so it can resume from its position.
  const got = slow.events.drain().filter((e) => e.type === 'message');
  assert.deepEqual(got.map((e) => e.offset), got.map((_, i) => pubs[0].offset + i));

  const rest = await fast.takeOn(ch, pubs.length - received.length, 30000);
  const all = [...received, ...rest];
  assert.equal(all.length, pubs.length);
  all.forEach((e, i) => {
    assert.equal(e.offset, pubs[i].offset, `fast subscriber message ${i}`);
    assert.equal(e.data.seq, i);
  });
  assert.equal(fast.closeInfo, null, 'the normal subscriber is still connected');
});
