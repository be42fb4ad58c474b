// SIGTERM drains (§6): WS clients get close 1001, SSE streams end, pending long-polls are
// answered, and the process exits 0. Each test has its own server.

import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  METRIC, T, WsClient, openSse, poll, scaled, startServer, uniq, within,
} from './lib/server.mjs';

let server;
afterEach(async () => {
  if (server && server.exit === null) await server.stop({ expectClean: false }).catch(() => {});
  server = null;
});

test('SIGTERM: WS close 1001, SSE ends, pending long-poll answered, exit 0', T(30000), async () => {
  server = await startServer();
  const ch = uniq('bye');
  const w = await WsClient.connect(server, { label: 'ws-drain' });
  await w.subscribe(ch);
  const s = await openSse(server, { channels: [ch] });
  assert.equal(s.status, 200);
  await s.items.next((i) => i.kind === 'comment');
  const lpBefore = await server.metric(...METRIC.connections('longpoll'));
  const lp = poll(server, { channels: [ch], timeout: 20 }).catch((e) => ({ error: e }));
  await server.waitMetric(METRIC.connections('longpoll'), (v) => v >= lpBefore + 1);
  const p = await server.apiPublish(ch, 'last words');
  assert.equal((await w.nextOn(ch)).offset, p.offset);
  assert.equal((await s.takeOn(ch, 1))[0].json.offset, p.offset);

  const started = Date.now();
  const exited = server.stop({ expectClean: false });
  const close = await w.waitClosed(scaled(10000));
  assert.equal(close.code, 1001, `WS close ${JSON.stringify(close)}`);
  await within(s.ended, scaled(10000), 'the SSE stream to end');
  const r = await within(lp, scaled(10000), 'the pending long-poll to be answered');
  assert.ok(!r.error, `long-poll got an HTTP answer, not ${r.error}`);
  assert.ok([200, 503].includes(r.status), `long-poll answered with ${r.status} ${r.text}`);
  if (r.status === 200) assert.ok(Array.isArray(r.json?.messages) && typeof r.json.cursor === 'string', r.text);
  const res = await exited;
  assert.deepEqual(res, { code: 0, signal: null }, `exit status; output:\n${server.logTail()}`);
  assert.ok(Date.now() - started < scaled(10000), 'drained promptly');
});

test('SIGTERM with no clients exits 0 promptly', T(), async () => {
  server = await startServer();
  assert.equal(await server.healthz(), 200);
  const started = Date.now();
  const res = await server.stop({ expectClean: false });
  assert.deepEqual(res, { code: 0, signal: null }, server.logTail());
  assert.ok(Date.now() - started < scaled(5000), `exited in ${Date.now() - started} ms`);
});

test('SIGTERM with an idle keep-alive HTTP connection still exits 0 promptly', T(), async () => {
  server = await startServer();
  // fetch() keeps the connection alive after this answer.
  assert.equal(await server.healthz(), 200);
  await server.apiPublish(uniq('ka'), 1);
  const started = Date.now();
  const res = await server.stop({ expectClean: false });
  assert.deepEqual(res, { code: 0, signal: null }, server.logTail());
  assert.ok(Date.now() - started < scaled(5000), `exited in ${Date.now() - started} ms`);
});
