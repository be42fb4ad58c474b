// The client against the real server when things go wrong: restarts, transport switches, blocked
// or buffered transports, repeated drops, expiring tokens.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import { Triplex } from '../src/triplex.js';
import { memoryStorage, mintToken, record, sleep, startServer, uniq, waitFor } from './lib/server.mjs';

const SECRET = 'js-client-test-secret-0123456789abcdef';
const CONFIG = `
[auth]
jwt_secret = "${SECRET}"
leeway = "0s"

[namespaces.doc]
transport = "websocket"
presence = true
client_publish = true
anonymous_publish = true

[namespaces.sec]
transport = "websocket"
anonymous_subscribe = false
client_publish = true
`;

const FAST = { backoff: { base: 50, max: 400 }, openTimeout: 3000 };
let server;
const clients = [];
before(async () => { server = await startServer(CONFIG); });
after(async () => {
  for (const t of clients) t.close();
  await server.stop();
});

function client(opts = {}) {
  const t = new Triplex(server.base, { WebSocket, storage: memoryStorage(), ...FAST, ...opts });
  clients.push(t);
  return t;
}

const durable = (rec) => rec.envelopes.filter((e) => e.offset != null);

/** A WebSocket that cannot connect (refused) while gate.blocked. */
function gatedWebSocket(gate) {
  return class extends WebSocket {
    constructor(url, ...rest) {
      super(gate.blocked ? 'ws://127.0.0.1:1/ws' : url, ...rest);
    }
  };
}

test('resume after the server is killed and restarted: a gap (new epoch), then live again',
  { timeout: 20000 }, async () => {
    const t = client();
    const recs = ['websocket', 'sse', 'longpoll'].map((tr) => record(t, uniq('doc', tr), { transport: tr }));
    const auto = record(t, uniq('doc', 'auto')); // hint websocket: must not fall back meanwhile
    const all = [...recs, auto];
    await waitFor(() => all.every((r) => r.sub.transport) && t.state === 'connected', 5000, 'connected');
    let oldEpoch;
    for (const r of all) {
      for (let i = 1; i <= 3; i++) oldEpoch = (await server.publish(r.sub.channel, i)).epoch;
    }
    await waitFor(() => all.every((r) => r.messages.length === 3), 5000, '3 messages each');

    const port = server.port;
    await server.stop('SIGKILL');
    await sleep(300);
    server = await startServer(CONFIG, { port });

    await waitFor(() => all.every((r) => r.gaps.length === 1), 10000, 'a gap on every transport');
    for (const r of all) {
      assert.notEqual(r.gaps[0].epoch, oldEpoch, 'the gap is in the new epoch');
      assert.equal(r.gaps[0].offset, 0);
    }
    await waitFor(() => t.state === 'connected', 5000, 'reconnected');
    for (const r of all) {
      for (let i = 4; i <= 5; i++) await server.publish(r.sub.channel, i);
    }
    await waitFor(() => all.every((r) => r.messages.length === 5), 8000, 'live again');
    for (const r of all) {
      assert.deepEqual(r.messages, [1, 2, 3, 4, 5], r.sub.channel);
      assert.deepEqual(r.sub.position, { epoch: r.gaps[0].epoch, offset: 2 });
      assert.deepEqual(r.errors, []);
    }
    assert.equal(auto.sub.transport, 'websocket', 'a server restart is not a transport failure');
    t.close();
  });

test('resume across transports: websocket → sse → longpoll → websocket, publishing meanwhile',
  { timeout: 20000 }, async () => {
    const t = client();
    const ch = uniq('doc');
    const r = record(t, ch, { transport: 'websocket' });
    await waitFor(() => t.state === 'connected', 5000, 'websocket');
    let n = 0;
    const publishSome = async (k) => { for (let i = 0; i < k; i++) await server.publish(ch, ++n); };
    await publishSome(3);
    await waitFor(() => r.messages.length === 3, 5000, 'first 3');
    for (const tr of ['sse', 'longpoll', 'websocket', 'sse']) {
      const switching = r.sub.setTransport(tr);
      await publishSome(3); // while the switch is under way
      await switching;
      await waitFor(() => r.sub.transport === tr && t.state === 'connected', 5000, `on ${tr}`);
      await publishSome(2);
      await waitFor(() => r.messages.length === n, 5000, `${n} messages after switching to ${tr}`);
    }
    await t.publish(ch, ++n); // over POST /publish (the websocket is gone)
    await waitFor(() => r.messages.length === n, 5000, 'the last one');
    assert.deepEqual(r.messages, Array.from({ length: n }, (_, i) => i + 1));
    assert.deepEqual(durable(r).map((e) => e.offset), r.messages);
    assert.deepEqual(r.gaps, []);
    t.close();
  });

test('fallback: websocket refused → SSE (+ POST /publish); remembered for the next client',
  { timeout: 15000 }, async () => {
    const storage = memoryStorage();
    const gate = { blocked: true };
    const t = client({ WebSocket: gatedWebSocket(gate), storage });
    const fallbacks = [];
    t.on('fallback', (f) => fallbacks.push(f));
    const ch = uniq('doc');
    const r = record(t, ch); // auto; the doc hint says websocket
    await waitFor(() => r.sub.transport === 'sse' && t.state === 'connected', 8000, 'on sse');
    assert.equal(fallbacks[0].transport, 'websocket');
    await t.publish(ch, 1);
    await server.publish(ch, 2);
    await waitFor(() => r.messages.length === 2, 5000, 'two messages over sse');
    assert.deepEqual(r.messages, [1, 2]);
    assert.match([...storage.map.values()].join(), /websocket/);

    // A new client on the same origin and storage starts on SSE at once, even with a working
    // WebSocket, and goes back to the WebSocket after retryBetterAfter.
    const t2 = client({ storage, retryBetterAfter: 1500 });
    const r2 = record(t2, uniq('doc'));
    await waitFor(() => r2.sub.transport === 'sse', 5000, 'remembered: sse first');
    await server.publish(r2.sub.channel, 'a');
    await waitFor(() => r2.messages.length === 1, 5000, 'a over sse');
    await waitFor(() => r2.sub.transport === 'websocket' && t2.state === 'connected', 6000,
      'back on the websocket');
    await server.publish(r2.sub.channel, 'b');
    await waitFor(() => r2.messages.length === 2, 5000, 'b over websocket');
    assert.deepEqual(r2.messages, ['a', 'b']);
    assert.doesNotMatch([...storage.map.values()].join(), /websocket/, 'websocket works again');
    t.close();
    t2.close();
  });

test('fallback: websocket and SSE both blocked → long-poll, nothing lost', { timeout: 15000 }, async () => {
  const blockedFetch = (url, init) => (String(url).includes('/sse?')
    ? Promise.reject(new TypeError('blocked by test')) : fetch(url, init));
  const t = client({ WebSocket: gatedWebSocket({ blocked: true }), fetch: blockedFetch });
  const ch = uniq('doc');
  const first = await server.publish(ch, 1);
  // Resume from before message 1; message 2 is published while the client looks for a transport.
  const r = record(t, ch, { since: { epoch: first.epoch, offset: 0 } });
  await server.publish(ch, 2);
  await waitFor(() => r.sub.transport === 'longpoll', 8000, 'on long-poll');
  await t.publish(ch, 3);
  await server.publish(ch, 4);
  await waitFor(() => r.messages.length === 4, 5000, 'four messages');
  assert.deepEqual(r.messages, [1, 2, 3, 4]);
  assert.deepEqual(r.sub.position, { epoch: first.epoch, offset: 4 });
  t.close();
});

test('fallback: a buffering proxy (SSE opens but no byte arrives) → long-poll', { timeout: 15000 }, async () => {
  const silent = [];
  const bufferingFetch = (url, init) => {
    if (!String(url).includes('/sse?')) return fetch(url, init);
    // 200 text/event-stream whose body never yields a byte, like a proxy holding the stream.
    let ctl;
    const body = new ReadableStream({ start(c) { ctl = c; } });
    silent.push(ctl);
    init?.signal?.addEventListener('abort', () => { try { ctl.error(new Error('aborted')); } catch {} });
    return Promise.resolve(new Response(body, { status: 200, headers: { 'Content-Type': 'text/event-stream' } }));
  };
  const t = client({ WebSocket: gatedWebSocket({ blocked: true }), fetch: bufferingFetch, openTimeout: 1000 });
  const ch = uniq('doc');
  const r = record(t, ch);
  await waitFor(() => r.sub.transport === 'longpoll', 8000, 'on long-poll');
  assert.ok(silent.length >= 1, 'SSE was tried');
  await server.publish(ch, 'x');
  await waitFor(() => r.messages.length === 1, 5000, 'message over long-poll');
  t.close();
});

test('fallback: repeated drops of the websocket → SSE', { timeout: 15000 }, async () => {
  class DroppingWebSocket extends WebSocket {
    constructor(...a) {
      super(...a);
      this.addEventListener('open', () => setTimeout(() => this.terminate(), 150));
    }
  }
  const t = client({ WebSocket: DroppingWebSocket });
  const ch = uniq('doc');
  const r = record(t, ch);
  await waitFor(() => r.sub.transport === 'sse' && t.state === 'connected', 10000, 'on sse after drops');
  for (let i = 1; i <= 3; i++) await server.publish(ch, i);
  await waitFor(() => r.messages.length === 3, 5000, 'messages after the drops');
  assert.deepEqual(r.messages, [1, 2, 3]);
  t.close();
});

test('token refresh with getToken before expiry, on every transport', { timeout: 20000 }, async () => {
  let calls = 0;
  const getToken = async () => {
    calls += 1;
    return mintToken(SECRET, { sub: 'alice', ttl: 3.5, publish: ['sec:*'] });
  };
  const t = client({ getToken });
  const wsStates = [];
  t.on('state', (s) => { if (s.transport === 'websocket') wsStates.push(s.state); });
  const recs = ['websocket', 'sse', 'longpoll'].map((tr) => record(t, uniq('sec', tr), { transport: tr }));
  await waitFor(() => recs.every((r) => r.sub.transport) && t.state === 'connected', 5000, 'connected');
  // Publish for longer than two token lifetimes.
  const until = Date.now() + 6000;
  let n = 0;
  while (Date.now() < until) {
    n += 1;
    for (const r of recs) await server.publish(r.sub.channel, n);
    await t.publish(recs[0].sub.channel, -n); // the client's own token must still be good
    await sleep(300);
  }
  await waitFor(() => recs.every((r) => durable(r).length === (r === recs[0] ? 2 * n : n)), 5000,
    'every message');
  for (const r of recs) {
    const got = r === recs[0] ? r.messages.filter((x) => x > 0) : r.messages;
    assert.deepEqual(got, Array.from({ length: n }, (_, i) => i + 1), r.sub.transport);
    assert.deepEqual(r.errors, [], r.sub.transport);
    assert.deepEqual(r.gaps, []);
  }
  assert.ok(calls >= 3, `getToken called ${calls} times`);
  // The websocket was refreshed in band: it never dropped (no 1008 at the first token's expiry).
  assert.deepEqual(wsStates.filter((s) => s !== 'connecting').slice(0, 2), ['connected']);
  assert.equal(wsStates.lastIndexOf('connecting'), wsStates.indexOf('connecting'));
  t.close();
});

test('without getToken an expiring token ends the websocket with 1008 and onError', { timeout: 10000 },
  async () => {
    const t = client({ token: mintToken(SECRET, { sub: 'bob', ttl: 1.2 }) });
    const r = record(t, uniq('sec'), { transport: 'websocket' });
    await waitFor(() => t.state === 'connected', 5000, 'connected');
    await waitFor(() => r.errors.length >= 1, 5000, 'onError after expiry');
    assert.match(String(r.errors[0].message), /1008|expired|401/);
    t.close();
  });
