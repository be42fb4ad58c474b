// JWT auth and permissions on the HTTP transports (spec §5): tokens from Bearer or token=,
// anonymous rules per namespace, user channels, channels/publish claims, expiry, refusal codes
// and counters. (WebSocket auth is covered in ws_auth.test.mjs.)

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { API_KEY, METRIC, T, openSse, scaled, startServer, uniq, within } from './lib/server.mjs';
import { mintHs256, mintNone, nowPlus } from './lib/jwt.mjs';

const SECRET = 'a-test-secret-of-at-least-32-bytes!!';
let server;

before(async () => {
  server = await startServer({
    config: {
      auth: { jwt_secret: SECRET, leeway: '0s' },
      namespaces: {
        private: { anonymous_subscribe: false },
        doc: { client_publish: true },
        open: { client_publish: true, anonymous_publish: true },
      },
    },
  });
});

after(async () => {
  await server?.stop();
});

const token = (claims) => mintHs256(SECRET, { exp: nowPlus(300), ...claims });
const q = (channel, tok) => `/history?channel=${encodeURIComponent(channel)}${tok ? `&token=${tok}` : ''}`;
const bearer = (tok) => ({ headers: { Authorization: `Bearer ${tok}` } });

test('anonymous clients are refused where the namespace says so, allowed elsewhere', T(), async () => {
  assert.equal((await server.http(q(uniq('x', 'private')))).status, 403);
  assert.equal((await server.http(q(uniq('x')))).status, 200);
  assert.equal((await server.http(q(uniq('x', 'private')), bearer(token({ sub: 'alice' })))).status, 200);
});

test('bad tokens are 401 and counted by reason', T(), async () => {
  const ch = uniq('x');
  const cases = [
    ['bad_token', 'not.a.token'],
    ['bad_token', mintHs256('another-secret-of-32-bytes-length!!', { sub: 'a' })],
    ['bad_token', mintNone({ sub: 'a' })],
    ['bad_token', token({ sub: 'a' }).slice(0, -3) + 'AAA'],
    ['token_expired', mintHs256(SECRET, { sub: 'a', exp: nowPlus(-60) })],
    ['bad_token', API_KEY],
  ];
  for (const [reason, tok] of cases) {
    const r = await server.expectIncrease(METRIC.rejected(reason), () => server.http(q(ch, tok)));
    assert.equal(r.status, 401, `${reason}: ${tok.slice(0, 30)}`);
    assert.equal(r.json?.error?.code, 401);
  }
});

test('a token does not open the server API', T(), async () => {
  const r = await server.api('info', {}, { key: token({ sub: 'admin' }) });
  assert.equal(r.status, 401);
});

test('user channels admit only the users they list', T(), async () => {
  const ch = `notify#alice,bob`;
  assert.equal((await server.http(q(ch, token({ sub: 'alice' })))).status, 200);
  assert.equal((await server.http(q(ch, token({ sub: 'bob' })))).status, 200);
  assert.equal((await server.http(q(ch, token({ sub: 'eve' })))).status, 403);
  assert.equal((await server.http(q(ch))).status, 403);
  // SSE and long-poll apply the same rule.
  const sse = await openSse(server, { channels: ['notify#alice'], path: `/sse?channel=notify%23alice&token=${token({ sub: 'eve' })}` });
  assert.equal(sse.status, 403);
  sse.close();
  const lp = await server.http(`/poll?channel=notify%23alice&timeout=0&token=${token({ sub: 'eve' })}`);
  assert.equal(lp.status, 403);
});

test('a channels claim limits what the holder may read', T(), async () => {
  const tok = token({ sub: 'carol', channels: ['private:team-*'] });
  assert.equal((await server.http(q(uniq('x', 'private').replace('private:', 'private:team-'), tok))).status, 200);
  assert.equal((await server.http(q(uniq('x', 'private'), tok))).status, 403);
});

test('client publish: a publish claim or anonymous_publish, and client_publish', T(), async () => {
  const post = (channel, tok) => server.http('/publish', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(tok ? { Authorization: `Bearer ${tok}` } : {}) },
    body: JSON.stringify({ channel, data: { hi: 1 } }),
  });
  assert.equal((await post(uniq('p', 'doc'), token({ sub: 'a', publish: ['doc:*'] }))).status, 200);
  assert.equal((await post(uniq('p', 'doc'), token({ sub: 'a' }))).status, 403, 'no publish claim');
  assert.equal((await post(uniq('p', 'doc'))).status, 403, 'anonymous');
  assert.equal((await post(uniq('p', 'open'))).status, 200, 'anonymous_publish');
  assert.equal((await post(uniq('p'), token({ sub: 'a', publish: ['*'] }))).status, 403,
    'client_publish off');
});

test('long-poll checks the token on every poll', T(), async () => {
  const ch = uniq('lp', 'private');
  const ok = await server.http(`/poll?channel=${encodeURIComponent(ch)}&timeout=0&token=${token({ sub: 'a' })}`);
  assert.equal(ok.status, 200);
  const first = ok.json;
  const expired = mintHs256(SECRET, { sub: 'a', exp: nowPlus(-1) });
  const r = await server.http(`/poll?channel=${encodeURIComponent(ch)}&cursor=${first.cursor}&timeout=0&token=${expired}`);
  assert.equal(r.status, 401);
});

test('an SSE stream ends when its token expires', T(), async () => {
  const ch = uniq('sse', 'private');
  const tok = mintHs256(SECRET, { sub: 'a', exp: nowPlus(2) });
  const sse = await openSse(server, { path: `/sse?channel=${encodeURIComponent(ch)}&token=${tok}` });
  assert.equal(sse.status, 200);
  await server.expectIncrease(METRIC.rejected('token_expired'),
    () => within(sse.ended, scaled(6000), 'the stream ends at expiry'));
});
