// Presence: members while subscribed, join/leave envelopes with first/last per user, cleanup
// when a socket dies without a close frame, the presence endpoints, the member cap.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { T, WsClient, openSse, startServer, uniq, until } from './lib/server.mjs';

let server;

before(async () => {
  server = await startServer({
    config: {
      limits: { max_presence_members: 2 },
      namespaces: { room: { presence: true, join_leave: true } },
    },
  });
});

after(async () => {
  await server?.stop();
});

const clientsOf = async (channel) => (await server.apiOk('presence_stats', { channel })).clients;

test('subscribers are members; join/leave reach the others; a killed socket leaves', T(), async () => {
  const channel = uniq('p', 'room');
  const a = await WsClient.connect(server, { label: 'a' });
  const b = await WsClient.connect(server, { label: 'b' });
  await a.subscribe(channel);
  // A member hears its own join first.
  const aId = (await a.next((e) => e.type === 'join', undefined, 'a joins')).client;
  await b.subscribe(channel);
  const join = await a.next((e) => e.type === 'join' && e.client !== aId, undefined, 'b joins');
  const bId = join.client;
  assert.equal(join.channel, channel);
  assert.equal(join.first, true);
  const members = await a.call('presence', { channel });
  assert.equal(members.clients, 2);
  assert.deepEqual(members.members.map((m) => m.client).sort(), [aId, bId].sort());
  // b's socket dies without a close frame: no zombie stays behind.
  b.terminate();
  const leave = await a.next((e) => e.type === 'leave' && e.client === bId, undefined, 'b leaves');
  assert.equal(leave.last, true);
  await until(() => clientsOf(channel), (n) => n === 1, undefined, 'presence back to 1');
  a.close();
  await until(() => clientsOf(channel), (n) => n === 0, undefined, 'presence empty');
});

test('SSE subscribers are members too, and the HTTP endpoints list them', T(), async () => {
  const channel = uniq('p', 'room');
  const sse = await openSse(server, { channels: [channel] });
  await until(() => clientsOf(channel), (n) => n === 1, undefined, 'the SSE stream joined');
  const viaClient = await server.http(`/presence?channel=${encodeURIComponent(channel)}`);
  assert.equal(viaClient.status, 200);
  assert.equal(viaClient.json.members.length, 1);
  const viaApi = await server.apiOk('presence', { channel });
  assert.equal(viaApi.members[0].client, viaClient.json.members[0].client);
  sse.close();
  await until(() => clientsOf(channel), (n) => n === 0, undefined, 'the SSE member left');
});

test('the member list is capped and says so', T(), async () => {
  const channel = uniq('p', 'room');
  const cs = [];
  for (let i = 0; i < 3; i++) {
    const c = await WsClient.connect(server, { label: `m${i}` });
    await c.subscribe(channel);
    cs.push(c);
  }
  await until(() => clientsOf(channel), (n) => n === 3, undefined, 'three members');
  const p = await server.apiOk('presence', { channel });
  assert.equal(p.members.length, 2);
  assert.equal(p.truncated, true);
  assert.equal(p.clients, 3);
  for (const c of cs) c.close();
});

test('presence is refused where the namespace has it off', T(), async () => {
  const channel = uniq('p');
  const c = await WsClient.connect(server);
  const reply = await c.request('presence', { channel });
  assert.equal(reply.error?.code, 403);
  const r = await server.http(`/presence?channel=${encodeURIComponent(channel)}`);
  assert.equal(r.status, 403);
  c.close();
});
