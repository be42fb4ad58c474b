// The client against the real server: each forced transport, auto choice, presence, history.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import { EventSource } from 'eventsource';
import { Triplex } from '../src/triplex.js';
import { memoryStorage, record, startServer, uniq, waitFor } from './lib/server.mjs';

const CONFIG = `
[defaults]
client_publish = true
anonymous_publish = true

[namespaces.doc]
transport = "websocket"
presence = true
join_leave = true
client_publish = true
anonymous_publish = true

[namespaces.notify]
transport = "sse"

[namespaces.feed]
transport = "longpoll"

[namespaces.news]
transport = "auto"

[namespaces.chat]
transport = "auto"
presence = true
client_publish = true
anonymous_publish = true
`;

let server;
const clients = [];
before(async () => { server = await startServer(CONFIG); });
after(async () => {
  for (const t of clients) t.close();
  const res = await server.stop();
  assert.deepEqual(res, { code: 0, signal: null }, server.output);
});

function client(opts = {}) {
  const t = new Triplex(server.base, { WebSocket, storage: memoryStorage(), ...opts });
  clients.push(t);
  return t;
}

const cases = [
  ['websocket', {}],
  ['sse', {}], // read with fetch (sees the opening bytes)
  ['sse', { EventSource }], // through an EventSource implementation
  ['longpoll', {}],
];

for (const [transport, extra] of cases) {
  const label = `${transport}${extra.EventSource ? ' (EventSource)' : ''}`;
  test(`forced ${label}: subscribe, publish from the client and the API, in order, once`,
    { timeout: 10000 }, async () => {
      const t = client(extra);
      const ch = uniq('doc');
      const states = [];
      t.on('state', (s) => states.push(s));
      const rec = record(t, ch, { transport });
      await waitFor(() => rec.sub.transport === transport && t.state === 'connected', 5000,
        `${label} connected`);
      const first = await t.publish(ch, { n: 1 });
      assert.equal(first.offset, 1);
      assert.equal(typeof first.epoch, 'string');
      await server.publish(ch, { n: 2 });
      await t.publish(ch, { n: 3 });
      await t.publish(ch, { typing: true }, { ephemeral: true, key: 'me' });
      // Ephemeral messages are not stored: a long-poll between two requests can miss one.
      const want = transport === 'longpoll' ? 3 : 4;
      await waitFor(() => rec.envelopes.filter((e) => e.offset != null).length === 3 &&
        rec.messages.length >= want, 5000, `${want} messages on ${label}`);
      const durable = rec.envelopes.filter((e) => e.offset != null);
      assert.deepEqual(durable.map((e) => e.data.n), [1, 2, 3]);
      assert.deepEqual(durable.map((e) => e.offset), [1, 2, 3]);
      assert.deepEqual(rec.sub.position, { epoch: first.epoch, offset: 3 });
      if (transport !== 'longpoll') {
        assert.ok(rec.envelopes.some((e) => e.offset == null && e.data.typing));
      }
      assert.equal(rec.sub.transport, transport);
      assert.ok(states.some((s) => s.transport === transport && s.state === 'connected'));
      assert.deepEqual(rec.errors, []);

      const h = await t.history(ch, { since: { epoch: first.epoch, offset: 1 } });
      assert.deepEqual(h.messages.map((m) => m.data.n), [2, 3]);
      const p = await t.presence(ch);
      assert.equal(typeof p.clients, 'number');
      assert.ok(Array.isArray(p.members));
      if (transport !== 'longpoll') assert.ok(p.clients >= 1, JSON.stringify(p)); // long-polls are not members
      rec.sub.unsubscribe();
      t.close();
    });
}

test('auto follows the /client-config hint, else presence/publishing → websocket, else SSE',
  { timeout: 10000 }, async () => {
    const t = client();
    const cfg = await t.config();
    assert.equal(cfg.namespaces.doc.transport, 'websocket');
    const recs = {
      websocket: record(t, uniq('doc')),
      sse: record(t, uniq('notify')),
      longpoll: record(t, uniq('feed')),
      newsSse: record(t, uniq('news')), // auto hint, no presence: read-only → SSE
      chatWs: record(t, uniq('chat')), // auto hint, presence: bidirectional → WebSocket
      otherSse: record(t, uniq('zzz')), // undeclared namespace: [defaults] auto → SSE
    };
    const want = { websocket: 'websocket', sse: 'sse', longpoll: 'longpoll', newsSse: 'sse',
      chatWs: 'websocket', otherSse: 'sse' };
    await waitFor(() => Object.entries(want).every(([k, v]) => recs[k].sub.transport === v) &&
      t.state === 'connected', 5000, 'every subscription on its transport');
    for (const r of Object.values(recs)) await server.publish(r.sub.channel, { hello: r.sub.channel });
    await waitFor(() => Object.values(recs).every((r) => r.messages.length === 1), 5000,
      'one message on every transport');
    // A namespace this client publishes to counts as bidirectional.
    const ch = uniq('news');
    await t.publish(ch, { x: 1 }).catch(() => {}); // allowed by [defaults]
    const r = record(t, ch);
    await waitFor(() => r.sub.transport === 'websocket', 5000, 'news on websocket after publishing');
    t.close();
  });

test('presence members, joins and leaves over the WebSocket', { timeout: 10000 }, async () => {
  const ch = uniq('doc');
  const a = client();
  const b = client();
  const ra = record(a, ch);
  await waitFor(() => ra.joins.length >= 1, 5000, 'own join');
  const rb = record(b, ch, { transport: 'sse' });
  await waitFor(() => ra.joins.length >= 2, 5000, 'second join');
  const p = await a.presence(ch);
  assert.equal(p.clients, 2);
  rb.sub.unsubscribe();
  await waitFor(() => ra.leaves.length >= 1, 5000, 'leave');
  a.close();
  b.close();
});

test('a forbidden channel reports onError and the others go on', { timeout: 10000 }, async () => {
  const t = client();
  for (const transport of ['websocket', 'sse', 'longpoll']) {
    const bad = record(t, `notify#alice_${transport}`, { transport }); // user channel, anonymous
    const good = record(t, uniq('doc', transport), { transport });
    await waitFor(() => bad.errors.length === 1, 5000, `onError on ${transport}`);
    assert.equal(bad.errors[0].code, 403);
    await waitFor(() => good.sub.transport === transport && t.state === 'connected', 5000, 'good');
    await server.publish(good.sub.channel, 1);
    await waitFor(() => good.messages.length === 1, 5000, `message on ${transport}`);
  }
  await assert.rejects(t.publish('notify:x', 1).then(() => t.publish('notify#bob', 1)),
    (e) => e.code === 403);
  t.close();
});
