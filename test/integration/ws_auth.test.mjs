// JWT auth over WebSocket (spec §3.1, §5): token on the upgrade or via `connect`, `refresh`
// before expiry, close 1008 at expiry without one, permissions per op, presence per user
// (first/last across tabs), and /api/disconnect.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { METRIC, T, WsClient, openSse, scaled, startServer, uniq, until } from './lib/server.mjs';
import { mintHs256, nowPlus } from './lib/jwt.mjs';

const SECRET = 'a-test-secret-of-at-least-32-bytes!!';
let server;

before(async () => {
  server = await startServer({
    config: {
      auth: { jwt_secret: SECRET, leeway: '0s' },
      namespaces: {
        private: { anonymous_subscribe: false, presence: true, join_leave: true,
          client_publish: true },
      },
    },
  });
});

after(async () => {
  await server?.stop();
});

const token = (claims, ttl = 300) => mintHs256(SECRET, { exp: nowPlus(ttl), ...claims });
const withToken = (tok, label) => WsClient.connect(server, { path: `/ws?token=${tok}`, label });

test('a bad token on the upgrade is refused with 401 and counted', T(), async () => {
  await server.expectIncrease(METRIC.rejected('bad_token'), async () => {
    await assert.rejects(withToken('garbage.token.here'), /HTTP 401/);
  });
});

test('anonymous until connect: then the token rules apply', T(), async () => {
  const c = await WsClient.connect(server, { label: 'anon' });
  const ch = uniq('x', 'private');
  assert.equal((await c.request('subscribe', { channel: ch })).error?.code, 403);
  assert.equal((await c.request('connect', { token: 'nope' })).error?.code, 401);
  const hello = await c.call('connect', { token: token({ sub: 'alice' }) });
  assert.equal(hello.user, 'alice');
  assert.match(hello.client, /^[0-9a-f]{16}$/);
  await c.subscribe(ch);
  assert.equal((await c.request('connect', { token: token({ sub: 'alice' }) })).error?.code, 400);
  c.close();
});

test('publish and history follow the claims', T(), async () => {
  const ch = uniq('x', 'private');
  const c = await withToken(token({ sub: 'bob', channels: ['private:*'], publish: [] }), 'bob');
  assert.equal((await c.request('publish', { channel: ch, data: 1 })).error?.code, 403);
  const d = await withToken(token({ sub: 'bob', publish: ['private:*'] }), 'bob2');
  const p = await d.call('publish', { channel: ch, data: { ok: true } });
  assert.equal(p.offset, 1);
  const h = await c.call('history', { channel: ch });
  assert.equal(h.messages.length, 1);
  const carol = await withToken(token({ sub: 'carol', channels: ['private:other-*'] }), 'carol');
  assert.equal((await carol.request('history', { channel: ch })).error?.code, 403);
  for (const x of [c, d, carol]) x.close();
});

test('an expiring token closes the connection with 1008 unless refreshed', T(), async () => {
  const ch = uniq('x', 'private');
  const exp = nowPlus(2);
  const dies = await withToken(mintHs256(SECRET, { sub: 'dan', exp }), 'dies');
  const lives = await withToken(mintHs256(SECRET, { sub: 'dan', exp }), 'lives');
  await dies.subscribe(ch);
  await lives.subscribe(ch);
  const r = await lives.call('refresh', { token: token({ sub: 'dan' }) });
  assert.ok(r.expires > exp);
  assert.equal((await lives.request('refresh', { token: token({ sub: 'eve' }) })).error?.code, 403);
  const closed = await server.expectIncrease(METRIC.rejected('token_expired'),
    () => dies.waitClosed(scaled(6000)));
  assert.equal(closed.code, 1008);
  // The refreshed connection outlives the first token and still gets messages.
  await until(async () => Date.now(), (t) => t > exp * 1000 + 500, scaled(5000), 'the old expiry');
  const p = await server.apiPublish(ch, { after: 'expiry' });
  const e = await lives.nextOn(ch);
  assert.equal(e.offset, p.offset);
  lives.close();
});

test('presence counts users across their connections, with info from the token', T(), async () => {
  const ch = uniq('room', 'private');
  const watcher = await withToken(token({ sub: 'zed' }), 'watcher');
  await watcher.subscribe(ch);
  const tab1 = await withToken(token({ sub: 'alice', info: { name: 'Alice' } }), 'tab1');
  await tab1.subscribe(ch);
  const j1 = await watcher.next((e) => e.type === 'join' && e.user === 'alice', undefined, 'join 1');
  assert.equal(j1.first, true);
  assert.deepEqual(j1.info, { name: 'Alice' });
  const tab2 = await withToken(token({ sub: 'alice', info: { name: 'Alice' } }), 'tab2');
  await tab2.subscribe(ch);
  const j2 = await watcher.next((e) => e.type === 'join' && e.user === 'alice', undefined, 'join 2');
  assert.equal(j2.first, false);
  const stats = await server.apiOk('presence_stats', { channel: ch });
  assert.deepEqual(stats, { clients: 3, users: 2 });
  tab1.close();
  const l1 = await watcher.next((e) => e.type === 'leave' && e.user === 'alice', undefined, 'leave 1');
  assert.equal(l1.last, false);
  tab2.terminate();
  const l2 = await watcher.next((e) => e.type === 'leave' && e.user === 'alice', undefined, 'leave 2');
  assert.equal(l2.last, true);
  watcher.close();
});

test('/api/disconnect closes every connection of a user', T(), async () => {
  const ch = uniq('x', 'private');
  const a1 = await withToken(token({ sub: 'mallory' }), 'm1');
  const a2 = await withToken(token({ sub: 'mallory' }), 'm2');
  const other = await withToken(token({ sub: 'trent' }), 'other');
  const sse = await openSse(server, { path: `/sse?channel=${encodeURIComponent(ch)}&token=${token({ sub: 'mallory' })}` });
  assert.equal(sse.status, 200);
  const r = await server.apiOk('disconnect', { user: 'mallory' });
  assert.equal(r.disconnected, 3);
  assert.equal((await a1.waitClosed()).code, 1008);
  assert.equal((await a2.waitClosed()).code, 1008);
  await sse.ended;
  assert.deepEqual(await other.call('ping'), {});
  other.close();
});

test('a refresh or connect whose token no longer allows a subscribed channel is refused', T(), async () => {
  const doc = uniq('doc', 'private');
  const other = uniq('other', 'private');
  const c = await withToken(token({ sub: 'fay', channels: [doc, other] }), 'narrowing');
  await c.subscribe(doc);
  await c.subscribe(other);
  const narrower = token({ sub: 'fay', channels: [doc] });
  const refused = await server.expectIncrease(METRIC.rejected('forbidden'),
    () => c.request('refresh', { token: narrower }));
  assert.equal(refused.error?.code, 403);
  assert.match(refused.error.message, new RegExp(other));
  // Still subscribed under the old token: messages of both channels arrive.
  const p = await server.apiPublish(other, { still: true });
  assert.equal((await c.nextOn(other)).offset, p.offset);
  // After unsubscribing, the same narrower token is accepted, and the other channel is gone.
  await c.call('unsubscribe', { channel: other });
  assert.ok((await c.call('refresh', { token: narrower })).expires);
  assert.equal((await c.request('subscribe', { channel: other })).error?.code, 403);
  c.close();

  // connect: an anonymous connection subscribed to a public channel, then a token without it.
  const pub = uniq('pub');
  const anon = await WsClient.connect(server, { label: 'anon-narrowing' });
  await anon.subscribe(pub);
  const r = await anon.request('connect', { token: token({ sub: 'gus', channels: [doc] }) });
  assert.equal(r.error?.code, 403);
  assert.equal((await anon.call('connect', { token: token({ sub: 'gus' }) })).user, 'gus');
  anon.close();
});
