// Resume after a disconnect on every transport, and across transports (§1 cursor, §3): a client
// that comes back with its position gets exactly the messages it missed, in order, once.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { EventSource } from 'eventsource';
import {
  DOC_NS, Inbox, T, WAIT_MS, WsClient, cursorPosition, makeCursor, mergeConfig, openSse, pollOk,
  startServer, uniq,
} from './lib/server.mjs';

let server;
const open = [];
before(async () => {
  server = await startServer({ config: mergeConfig(DOC_NS, { sse: { retry: '200ms' } }) });
});
after(async () => {
  for (const c of open.splice(0)) c.close();
  await server?.stop();
});

async function ws(label) {
  const c = await WsClient.connect(server, { label });
  open.push(c);
  return c;
}

async function sse(opts) {
  const s = await openSse(server, opts);
  open.push(s);
  assert.equal(s.status, 200, `SSE status ${s.status}: ${s.body}`);
  await s.items.next((i) => i.kind === 'comment', undefined, 'the opening comment');
  return s;
}

/** Publishes n messages with data {tag, i}; returns their results. */
async function publishN(ch, n, tag) {
  const out = [];
  for (let i = 0; i < n; i++) out.push(await server.apiPublish(ch, { tag, i }));
  return out;
}

const env = (ch, p, data) => ({ type: 'message', channel: ch, epoch: p.epoch, offset: p.offset, data });

/** Asserts `got` is exactly the `missed` publishes, in order. */
function assertExactly(got, ch, missed, tag) {
  assert.deepEqual(got, missed.map((p, i) => env(ch, p, { tag, i })));
}

test('WS: resubscribe with since gets exactly the missed messages, then live ones', T(), async () => {
  const ch = uniq('rws');
  const a = await ws('ws-1');
  await a.subscribe(ch);
  const [first] = await publishN(ch, 1, 'first');
  const seen = await a.nextOn(ch);
  assert.equal(seen.offset, first.offset);
  await a.close();

  const missed = await publishN(ch, 3, 'missed');
  const b = await ws('ws-2');
  const res = await b.subscribe(ch, { epoch: seen.epoch, offset: seen.offset });
  assert.equal(res.recovered, true, `subscribe result ${JSON.stringify(res)}`);
  assert.equal(res.epoch, seen.epoch);
  assertExactly(await b.takeOn(ch, 3), ch, missed, 'missed');
  const [live] = await publishN(ch, 1, 'live');
  assert.deepEqual(await b.nextOn(ch), env(ch, live, { tag: 'live', i: 0 }), 'no duplicate before live');
});

test('WS: resubscribe from the current top recovers nothing and loses nothing', T(), async () => {
  const ch = uniq('rtop');
  const [p] = await publishN(ch, 1, 'x');
  const w = await ws('ws-top');
  const res = await w.subscribe(ch, { epoch: p.epoch, offset: p.offset });
  assert.equal(res.recovered, true);
  assert.equal(res.offset, p.offset);
  const [next] = await publishN(ch, 1, 'next');
  assert.deepEqual(await w.nextOn(ch), env(ch, next, { tag: 'next', i: 0 }));
});

for (const how of ['Last-Event-ID', 'cursor']) {
  test(`SSE: reconnect with ${how} gets exactly the missed messages`, T(), async () => {
    const ch = uniq('rsse');
    const s1 = await sse({ channels: [ch] });
    const [first] = await publishN(ch, 1, 'first');
    const [ev] = await s1.takeOn(ch, 1);
    assert.equal(ev.json.offset, first.offset);
    assert.ok(ev.id, 'durable event has an id');
    await s1.close();

    const missed = await publishN(ch, 3, 'missed');
    const s2 = await sse(how === 'cursor' ? { channels: [ch], cursor: ev.id }
      : { channels: [ch], lastEventId: ev.id });
    const got = await s2.takeOn(ch, 3);
    assertExactly(got.map((e) => e.json), ch, missed, 'missed');
    assert.deepEqual(cursorPosition(got[2].id, ch), { epoch: missed[2].epoch, offset: missed[2].offset });
    const [live] = await publishN(ch, 1, 'live');
    assert.deepEqual((await s2.takeOn(ch, 1))[0].json, env(ch, live, { tag: 'live', i: 0 }));
  });
}

test('long-poll: the returned cursor resumes exactly after what was delivered', T(), async () => {
  const ch = uniq('rlp');
  const [first] = await publishN(ch, 1, 'first');
  const r1 = await pollOk(server, { channels: [ch],
    cursor: makeCursor([[ch, first.epoch, first.offset - 1]]), timeout: 5 });
  assert.deepEqual(r1.json.messages, [env(ch, first, { tag: 'first', i: 0 })]);
  const missed = await publishN(ch, 3, 'missed');
  const r2 = await pollOk(server, { channels: [ch], cursor: r1.json.cursor, timeout: 5 });
  assertExactly(r2.json.messages, ch, missed, 'missed');
  const [live] = await publishN(ch, 1, 'live');
  const r3 = await pollOk(server, { channels: [ch], cursor: r2.json.cursor, timeout: 5 });
  assert.deepEqual(r3.json.messages, [env(ch, live, { tag: 'live', i: 0 })]);
});

test('cross-transport: a WS position as an SSE cursor, then SSE id as a poll cursor, then back to WS', T(), async () => {
  const ch = uniq('xt');
  const w = await ws('ws-x');
  await w.subscribe(ch);
  await publishN(ch, 1, 'first');
  const seen = await w.nextOn(ch);
  await w.close();

  const missed1 = await publishN(ch, 3, 'm1');
  const s = await sse({ channels: [ch], cursor: makeCursor([[ch, seen.epoch, seen.offset]]) });
  const got1 = await s.takeOn(ch, 3);
  assertExactly(got1.map((e) => e.json), ch, missed1, 'm1');
  await s.close();

  const missed2 = await publishN(ch, 3, 'm2');
  const r = await pollOk(server, { channels: [ch], cursor: got1[2].id, timeout: 5 });
  assertExactly(r.json.messages, ch, missed2, 'm2');

  const missed3 = await publishN(ch, 3, 'm3');
  const w2 = await ws('ws-x2');
  const pos = cursorPosition(r.json.cursor, ch);
  const res = await w2.subscribe(ch, pos);
  assert.equal(res.recovered, true);
  assertExactly(await w2.takeOn(ch, 3), ch, missed3, 'm3');
});

test('eventsource client: reconnects on its own with Last-Event-ID and misses nothing', T(), async () => {
  const ch = uniq('esrc');
  await publishN(ch, 1, 'prime'); // the channel has a position before the stream opens
  const requests = []; // headers of every request the client made
  let dropFirst; // ends the first stream, as if a proxy closed the connection
  let gate; // holds the reconnect until the missed messages are published
  const reconnectGate = new Promise((r) => {
    gate = r;
  });
  const customFetch = async (url, init) => {
    requests.push(new Headers(init.headers));
    if (requests.length > 1) {
      await reconnectGate;
      return fetch(url, init);
    }
    const real = await fetch(url, init);
    const reader = real.body.getReader();
    let ctrl;
    const body = new ReadableStream({
      start(c) {
        ctrl = c;
      },
      async pull(c) {
        const { done, value } = await reader.read().catch(() => ({ done: true }));
        try {
          if (done) c.close();
          else c.enqueue(value);
        } catch {
          // already closed by dropFirst
        }
      },
      cancel() {
        return reader.cancel().catch(() => {});
      },
    });
    dropFirst = () => {
      reader.cancel().catch(() => {}); // closes the TCP connection to the server
      try {
        ctrl.close(); // the client sees a clean end of stream and reconnects
      } catch {
        // already closed
      }
    };
    return new Response(body, { status: real.status, headers: real.headers });
  };
  const url = server.url(`/sse?channel=${encodeURIComponent(ch)}`);
  const es = new EventSource(url, { fetch: customFetch });
  open.push(es);
  const got = new Inbox('eventsource');
  es.addEventListener('message', (e) => got.push({ id: e.lastEventId, json: JSON.parse(e.data) }));
  es.addEventListener('error', () => got.push({ error: true }));
  await new Promise((resolve, reject) => {
    es.addEventListener('open', resolve, { once: true });
    setTimeout(() => reject(new Error('eventsource did not open')), WAIT_MS).unref();
  });

  const [first] = await publishN(ch, 1, 'first');
  const e1 = await got.next((x) => x.json, WAIT_MS, 'the first message');
  assert.deepEqual(e1.json, env(ch, first, { tag: 'first', i: 0 }));

  dropFirst();
  await got.next((x) => x.error, WAIT_MS, 'the error event of the dropped connection');
  const missed = await publishN(ch, 3, 'missed');
  gate();
  const after3 = await got.take(3, (x) => x.json, WAIT_MS, 'replayed messages');
  assertExactly(after3.map((x) => x.json), ch, missed, 'missed');
  assert.equal(requests.length, 2, 'one reconnect');
  assert.equal(requests[1].get('last-event-id'), e1.id, 'the reconnect carried Last-Event-ID');
  const [live] = await publishN(ch, 1, 'live');
  assert.deepEqual((await got.next((x) => x.json)).json, env(ch, live, { tag: 'live', i: 0 }));
  es.close();
});

test('SSE: close and reopen a new EventSource with the last id as cursor', T(), async () => {
  const ch = uniq('esre');
  await publishN(ch, 1, 'prime');
  const base = server.url(`/sse?channel=${encodeURIComponent(ch)}`);
  const open1 = (url) => new Promise((resolve, reject) => {
    const es = new EventSource(url);
    open.push(es);
    const inbox = new Inbox('es');
    es.addEventListener('message', (e) => inbox.push({ id: e.lastEventId, json: JSON.parse(e.data) }));
    es.addEventListener('open', () => resolve({ es, inbox }), { once: true });
    setTimeout(() => reject(new Error(`eventsource ${url} did not open`)), WAIT_MS).unref();
  });
  const a = await open1(base);
  const [first] = await publishN(ch, 1, 'first');
  const e1 = await a.inbox.next();
  assert.equal(e1.json.offset, first.offset);
  a.es.close();
  const missed = await publishN(ch, 2, 'missed');
  const b = await open1(`${base}&cursor=${encodeURIComponent(e1.id)}`);
  assertExactly((await b.inbox.take(2)).map((x) => x.json), ch, missed, 'missed');
  b.es.close();
});
