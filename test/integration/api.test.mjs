// Server API (§4) and operations (§6): publish/history answers, /api/channels with subscriber
// counts, /api/info, /healthz, and /metrics as valid Prometheus text with per-transport gauges.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  METRIC, T, WsClient, openSse, parseMetrics, startServer, uniq, until,
} from './lib/server.mjs';

let server;
const open = [];
before(async () => {
  server = await startServer();
});
after(async () => {
  for (const c of open.splice(0)) c.close();
  await server?.stop();
});

/**
 * Subscriber count of `name` in an /api/channels answer. Accepts a list of {channel|name, count}
 * objects or a map name -> count|{count}; the count field may be subscribers, num_clients, clients
 * or count. (The exact shape is the server's; this is the one place to align it.)
 */
function subscriberCount(result, name) {
  const list = result?.channels ?? result;
  let entry;
  if (Array.isArray(list)) entry = list.find((e) => e?.channel === name || e?.name === name);
  else if (list && typeof list === 'object') entry = list[name];
  if (entry === undefined) return undefined;
  if (typeof entry === 'number') return entry;
  for (const k of ['subscribers', 'num_subscribers', 'num_clients', 'clients', 'count']) {
    if (typeof entry[k] === 'number') return entry[k];
  }
  throw new Error(`no subscriber count in ${JSON.stringify(entry)}`);
}

test('/healthz is 200', T(), async () => {
  assert.equal(await server.healthz(), 200);
});

test('publish answers epoch and offset; history returns the messages', T(), async () => {
  const ch = uniq('api');
  const p1 = await server.apiPublish(ch, { a: 1 });
  const p2 = await server.apiPublish(ch, { a: 2 });
  assert.equal(p1.offset, 1);
  assert.equal(p2.offset, 2);
  assert.equal(p1.epoch, p2.epoch);
  const h = await server.apiOk('history', { channel: ch });
  assert.equal(h.epoch, p1.epoch);
  assert.equal(h.offset, 2);
  assert.deepEqual(h.messages.map((m) => [m.offset, m.data]), [[1, { a: 1 }], [2, { a: 2 }]]);
  const hs = await server.apiOk('history', { channel: ch, since: { epoch: p1.epoch, offset: 1 } });
  assert.deepEqual(hs.messages.map((m) => m.offset), [2]);
  const r = await server.api('publish', { channel: ch, data: 1 }, { key: 'nope' });
  assert.equal(r.status, 401);
});

test('/api/channels lists active channels with subscriber counts', T(), async () => {
  const ch = uniq('chan');
  const lone = uniq('lone');
  const a = await WsClient.connect(server, { label: 'a' });
  const b = await WsClient.connect(server, { label: 'b' });
  open.push(a, b);
  await a.subscribe(ch);
  await b.subscribe(ch);
  await a.subscribe(lone);
  const s = await openSse(server, { channels: [ch] });
  open.push(s);
  await s.items.next((i) => i.kind === 'comment');
  const res = await server.apiOk('channels', {});
  assert.equal(subscriberCount(res, ch), 3, `channels answer: ${JSON.stringify(res).slice(0, 500)}`);
  assert.equal(subscriberCount(res, lone), 1);
  await b.close();
  await s.close();
  // Unsubscribing is asynchronous on the server side: wait (bounded) for the count to drop.
  const n = await until(async () => subscriberCount(await server.apiOk('channels', {}), ch),
    (v) => v === 1, undefined, 'subscriber count back to 1').catch((e) => e.message);
  assert.equal(n, 1, 'counts follow disconnects');
});

test('/api/info has node id, version, uptime and connections per transport', T(), async () => {
  const w = await WsClient.connect(server, { label: 'info' });
  open.push(w);
  const info = await server.apiOk('info', {});
  const text = JSON.stringify(info);
  const node = info.node ?? info.node_id ?? info.id ?? info.name;
  assert.equal(typeof node, 'string', `node id in ${text}`);
  assert.ok(node.length > 0);
  assert.equal(typeof info.version, 'string', `version in ${text}`);
  const uptime = info.uptime ?? info.uptime_seconds ?? info.uptime_ms;
  assert.equal(typeof uptime, 'number', `uptime in ${text}`);
  assert.ok(uptime >= 0);
  const conns = info.connections;
  assert.ok(conns && typeof conns === 'object', `connections in ${text}`);
  for (const t of ['ws', 'sse', 'longpoll']) assert.equal(typeof conns[t], 'number', `connections.${t} in ${text}`);
  assert.ok(conns.ws >= 1, 'our WS connection is counted');
});

test('/metrics is valid Prometheus text with connection gauges per transport', T(), async () => {
  const r = await server.http('/metrics');
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type') ?? '', /^text\/plain/);
  const { samples, types, errors } = parseMetrics(r.text);
  assert.deepEqual(errors, [], 'every line parses');
  assert.ok(samples.length > 0);
  assert.ok(samples.every((s) => s.name.startsWith('triplex_') || s.name.startsWith('process_')),
    'metrics are prefixed');
  assert.ok(types.size > 0, 'TYPE lines present');
  const [gauge] = METRIC.connections('ws');
  assert.equal(types.get(gauge), 'gauge', `${gauge} is a gauge`);

  const before = await server.metric(...METRIC.connections('ws'));
  const w = await WsClient.connect(server, { label: 'gauge' });
  await server.waitMetric(METRIC.connections('ws'), (v) => v === before + 1);
  await w.close();
  await server.waitMetric(METRIC.connections('ws'), (v) => v === before);

  const sseBefore = await server.metric(...METRIC.connections('sse'));
  const s = await openSse(server, { channels: [uniq('g')] });
  await server.waitMetric(METRIC.connections('sse'), (v) => v === sseBefore + 1);
  await s.close();
  await server.waitMetric(METRIC.connections('sse'), (v) => v === sseBefore);
});
