// A long-poll whose client goes away is dropped at once (its subscriptions released), not held
// until its timeout.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { METRIC, RawConn, T, startServer, uniq, until } from './lib/server.mjs';

let server;

before(async () => {
  server = await startServer({});
});

after(async () => {
  await server?.stop();
});

test('a held poll is abandoned when its client disconnects', T(), async () => {
  const channel = uniq('lp');
  const c = await RawConn.connect(server);
  await c.write(`GET /poll?channel=${encodeURIComponent(channel)}&timeout=60 HTTP/1.1\r\n` +
    `Host: ${server.host}\r\n\r\n`);
  await until(() => server.metric(...METRIC.connections('longpoll')), (n) => n === 1,
    undefined, 'the poll is held');
  const subs = await server.apiOk('channels', {});
  assert.ok(subs.channels.some((x) => x.channel === channel), 'the poll subscribes');
  c.destroy();
  await until(() => server.metric(...METRIC.connections('longpoll')), (n) => n === 0,
    undefined, 'the poll is dropped long before its 60 s timeout');
  const after = await server.apiOk('channels', {});
  assert.ok(!after.channels.some((x) => x.channel === channel), 'its subscription is released');
});
