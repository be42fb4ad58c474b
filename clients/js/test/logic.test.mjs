// Unit tests of the client's pure logic (no server): cursors, backoff, tokens, transport choice,
// fallback, dedup and ordering, SSE parsing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  SseParser, TransportMemory, backoffDelay, base64urlDecode, base64urlEncode, chooseTransport,
  classify, decodeCursor, encodeCursor, jwtExpiry, namespaceOf, refreshDelay, tooManyDrops,
  transportChain,
} from '../src/logic.js';

test('cursor: the spec §1 example round-trips and matches Node base64url', () => {
  const entries = [['doc:42', 'Xq3', 17], ['notify#alice', 'Zk1', 3]];
  const json = JSON.stringify(entries);
  const cursor = encodeCursor(entries);
  assert.equal(cursor, Buffer.from(json).toString('base64url'));
  assert.match(cursor, /^[A-Za-z0-9_-]+$/); // URL-safe, no padding
  assert.deepEqual(decodeCursor(cursor), entries);
  // Map and object forms give the same cursor; channels without a position are left out.
  const map = new Map([['doc:42', { epoch: 'Xq3', offset: 17 }], ['x', null],
    ['notify#alice', { epoch: 'Zk1', offset: 3 }]]);
  assert.equal(encodeCursor(map), cursor);
  assert.equal(encodeCursor({ 'doc:42': { epoch: 'Xq3', offset: 17 },
    'notify#alice': { epoch: 'Zk1', offset: 3 } }), cursor);
});

test('cursor: non-ASCII channels, every length mod 3, and malformed input', () => {
  for (let n = 0; n < 10; n++) {
    const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 97 + 200) & 255);
    const enc = base64urlEncode(bytes);
    assert.equal(enc, Buffer.from(bytes).toString('base64url'));
    assert.deepEqual([...base64urlDecode(enc)], [...bytes]);
  }
  const e = [['ch/é+=#@', 'AbCdEfGh', 123456789]];
  assert.deepEqual(decodeCursor(encodeCursor(e)), e);
  assert.throws(() => decodeCursor('not base64!'));
  assert.throws(() => decodeCursor(Buffer.from('{"a":1}').toString('base64url')));
  assert.throws(() => decodeCursor(Buffer.from('[["a","b",-1]]').toString('base64url')));
  assert.throws(() => decodeCursor(Buffer.from('[["a","b"]]').toString('base64url')));
});

test('backoff: full jitter stays within [0, min(max, base*2^attempt))', () => {
  const opts = { base: 500, max: 30000 };
  assert.equal(backoffDelay(0, { ...opts, random: () => 0 }), 0);
  assert.equal(backoffDelay(0, { ...opts, random: () => 0.999999 }), 499);
  assert.equal(backoffDelay(3, { ...opts, random: () => 0.999999 }), 3999);
  assert.equal(backoffDelay(20, { ...opts, random: () => 0.999999 }), 29999);
  assert.equal(backoffDelay(1000, { ...opts, random: () => 0.5 }), 15000);
  for (let attempt = 0; attempt < 12; attempt++) {
    const cap = Math.min(30000, 500 * 2 ** attempt);
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < 500; i++) {
      const d = backoffDelay(attempt, opts);
      assert.ok(d >= 0 && d < cap, `attempt ${attempt}: ${d} outside [0, ${cap})`);
      lo = Math.min(lo, d);
      hi = Math.max(hi, d);
    }
    // Full jitter: the draws spread over the whole range, not around the cap.
    assert.ok(lo < cap * 0.1 && hi > cap * 0.9, `attempt ${attempt}: ${lo}..${hi} of ${cap}`);
  }
});

test('tokens: exp decoding and when to refresh', () => {
  const b = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const tok = (claims) => `${b({ alg: 'HS256', typ: 'JWT' })}.${b(claims)}.sig`;
  assert.equal(jwtExpiry(tok({ sub: 'a', exp: 1700000000 })), 1700000000);
  assert.equal(jwtExpiry(tok({ sub: 'a', exp: 1700000000.5 })), 1700000000.5);
  assert.equal(jwtExpiry(tok({ sub: 'a' })), null);
  assert.equal(jwtExpiry(tok({ exp: '1700000000' })), null);
  assert.equal(jwtExpiry('a.b'), null);
  assert.equal(jwtExpiry('a.!!!.c'), null);
  assert.equal(jwtExpiry(undefined), null);
  const now = 1_000_000_000_000;
  assert.equal(refreshDelay(null, now), null);
  assert.equal(refreshDelay(now / 1000 + 3600, now), 3600000 - 60000); // at most 60 s early
  assert.equal(refreshDelay(now / 1000 + 8, now), 6000); // a quarter of its life early
  assert.equal(refreshDelay(now / 1000 + 2, now), 1000); // at least 1 s early
  assert.equal(refreshDelay(now / 1000 + 0.5, now), 0);
  assert.equal(refreshDelay(now / 1000 + 2.9, now), 1000); // the server floors a fractional exp
  assert.equal(refreshDelay(now / 1000 - 10, now), 0);
});

test('auto: the namespace hint, else websocket for bidirectional namespaces, else SSE', () => {
  const config = {
    default: { transport: 'auto' },
    namespaces: {
      doc: { transport: 'websocket', presence: true },
      notify: { transport: 'sse', presence: false },
      feed: { transport: 'longpoll', presence: false },
      chat: { transport: 'auto', presence: true },
      news: { transport: 'auto', presence: false },
    },
  };
  assert.equal(namespaceOf('doc:42'), 'doc');
  assert.equal(namespaceOf('notify#alice'), '');
  assert.equal(chooseTransport('doc:42', config), 'websocket');
  assert.equal(chooseTransport('notify:x#alice', config), 'sse');
  assert.equal(chooseTransport('feed:1', config), 'longpoll');
  assert.equal(chooseTransport('chat:lobby', config), 'websocket'); // presence: bidirectional
  assert.equal(chooseTransport('news:today', config), 'sse'); // read-only
  assert.equal(chooseTransport('news:today', config, new Set(['news'])), 'websocket'); // we publish
  assert.equal(chooseTransport('other:1', config), 'sse'); // undeclared: default hint auto
  assert.equal(chooseTransport('other:1', { default: { transport: 'longpoll' } }), 'longpoll');
  assert.equal(chooseTransport('x', null), 'sse');
});

test('fallback: chains, allowed transports, remembered failures, repeated drops', () => {
  const all = ['websocket', 'sse', 'longpoll'];
  assert.deepEqual(transportChain('auto', 'websocket', all), all);
  assert.deepEqual(transportChain('auto', 'sse', all), ['sse', 'longpoll']);
  assert.deepEqual(transportChain('sse', 'sse', all), ['sse']); // forced: no fallback
  assert.deepEqual(transportChain('auto', 'websocket', ['sse', 'longpoll']), ['sse', 'longpoll']);
  assert.deepEqual(transportChain('auto', 'websocket', ['longpoll', 'websocket']),
    ['websocket']);
  // A transport that failed recently is tried last, not dropped.
  assert.deepEqual(transportChain('auto', 'websocket', all, (t) => t === 'websocket'),
    ['sse', 'longpoll', 'websocket']);
  assert.deepEqual(transportChain('auto', 'websocket', all, (t) => t !== 'longpoll'),
    ['longpoll', 'websocket', 'sse']);

  const now = 100000;
  assert.equal(tooManyDrops([now - 1000, now - 500], now), false);
  assert.equal(tooManyDrops([now - 1000, now - 500, now], now), true);
  assert.equal(tooManyDrops([now - 40000, now - 500, now], now), false); // outside the window
  assert.equal(tooManyDrops([1, 2], now, { max: 2, windowMs: Infinity }), true);
});

test('memory: failed transports are remembered per origin for a while', () => {
  const store = new Map();
  const storage = { getItem: (k) => store.get(k) ?? null, setItem: (k, v) => store.set(k, v) };
  let now = 1000;
  const a = new TransportMemory(storage, 'http://a:1', 60000, () => now);
  const b = new TransportMemory(storage, 'http://b:1', 60000, () => now);
  a.markBad('websocket');
  assert.equal(a.isBad('websocket'), true);
  assert.equal(a.isBad('sse'), false);
  assert.equal(b.isBad('websocket'), false); // another origin
  // A new client on the same origin (a page reload) sees it.
  assert.equal(new TransportMemory(storage, 'http://a:1', 60000, () => now).isBad('websocket'), true);
  now += 60001;
  assert.equal(a.isBad('websocket'), false); // retried after rememberFor
  a.markBad('sse');
  a.markGood('sse');
  assert.equal(a.isBad('sse'), false);
  // Without storage, or with a throwing one, it still works in memory.
  const m = new TransportMemory(null, 'x', 1000, () => now);
  m.markBad('sse');
  assert.equal(m.isBad('sse'), true);
  const broken = { getItem() { throw new Error('no'); }, setItem() { throw new Error('no'); } };
  const k = new TransportMemory(broken, 'x', 1000, () => now);
  k.markBad('websocket');
  assert.equal(k.isBad('websocket'), true);
});

test('dedup and ordering: each durable message once, gaps move the position', () => {
  const pos = (epoch, offset) => ({ epoch, offset });
  const msg = (epoch, offset) => ({ type: 'message', channel: 'c', epoch, offset, data: offset });
  assert.equal(classify(null, msg('E', 1)), 'deliver');
  assert.equal(classify(pos('E', 5), msg('E', 6)), 'deliver');
  assert.equal(classify(pos('E', 5), msg('E', 5)), 'duplicate');
  assert.equal(classify(pos('E', 5), msg('E', 2)), 'duplicate');
  assert.equal(classify(pos('E', 5), msg('F', 1)), 'deliver'); // another epoch
  assert.equal(classify(pos('E', 5), { type: 'message', channel: 'c', data: 1 }), 'ephemeral');
  assert.equal(classify(pos('E', 5), { type: 'gap', epoch: 'F', offset: 0 }), 'gap');
  assert.equal(classify(pos('E', 5), { type: 'gap', epoch: 'E', offset: 9 }), 'gap');
  assert.equal(classify(pos('E', 5), { type: 'gap', epoch: 'E', offset: 5 }), 'stale-gap');
  assert.equal(classify(null, { type: 'join' }), 'presence');

  // A stream replayed twice across a transport switch, with overlap: delivered once, in order.
  let position = null;
  const got = [];
  const feed = (env) => {
    const k = classify(position, env);
    if (k === 'deliver') { position = pos(env.epoch, env.offset); got.push(env.offset); }
    if (k === 'gap') position = pos(env.epoch, env.offset);
  };
  for (const o of [1, 2, 3, 4]) feed(msg('E', o));
  for (const o of [2, 3, 4, 5, 6]) feed(msg('E', o)); // the new transport replays from 1
  feed({ type: 'gap', channel: 'c', epoch: 'N', offset: 0 }); // server restarted
  for (const o of [1, 2]) feed(msg('N', o));
  feed(msg('N', 2));
  assert.deepEqual(got, [1, 2, 3, 4, 5, 6, 1, 2]);
  assert.deepEqual(position, pos('N', 2));
});

test('SSE parser: fields, comments, CRLF, chunks split anywhere', () => {
  const text = 'retry: 2000\r\n: triplex\r\n\r\nid: abc\nevent: message\ndata: {"a":1}\n\n' +
    ':\n\nevent: join\ndata: x\ndata: y\n\ndata:z\r\n\r\n';
  const want = [
    { type: 'message', data: '{"a":1}', id: 'abc' },
    { type: 'join', data: 'x\ny', id: undefined },
    { type: 'message', data: 'z', id: undefined },
  ];
  assert.deepEqual(new SseParser().feed(text), want);
  for (let cut = 1; cut < text.length; cut++) {
    const p = new SseParser();
    const got = [...p.feed(text.slice(0, cut)), ...p.feed(text.slice(cut))];
    assert.deepEqual(got, want, `split at ${cut}`);
  }
});
