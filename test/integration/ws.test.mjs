// WebSocket (§3.1): command replies, error replies, limits, close codes for protocol violations
// (with npm `ws` and with hand-made frames), server pings, compression and the /echo endpoint.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DOC_NS, METRIC, OP, REJECT, RawWs, T, WsClient, mergeConfig, scaled, startServer, uniq,
} from './lib/server.mjs';

const MAX_MESSAGE = 1024;
const MAX_SUBS = 3;
const PING_MS = 300;
let server;
const open = [];
before(async () => {
  server = await startServer({ config: mergeConfig(DOC_NS, {
    websocket: { max_message_size: MAX_MESSAGE, ping_interval: `${PING_MS}ms`, pong_timeout: `${PING_MS}ms`,
      echo_endpoint: true },
    limits: { max_subscriptions_per_connection: MAX_SUBS },
  }) });
});
after(async () => {
  for (const c of open.splice(0)) c.destroy ? c.destroy() : c.close();
  await server?.stop();
});

async function ws(label, opts = {}) {
  const c = await WsClient.connect(server, { label, ...opts });
  open.push(c);
  return c;
}

async function raw(path = '/ws', opts) {
  const r = await RawWs.connect(server, path, opts);
  open.push(r);
  return r;
}

test('ping, subscribe, publish, history, unsubscribe: each answered with its id', T(), async () => {
  const w = await ws('ops');
  const ch = uniq('ops', 'doc');
  const pong = await w.request('ping');
  assert.deepEqual(pong, { type: 'reply', id: pong.id, result: {} });

  const sub = await w.subscribe(ch);
  assert.equal(typeof sub.epoch, 'string');
  assert.equal(sub.offset, 0, 'a fresh channel is at offset 0');
  assert.equal(typeof sub.recovered, 'boolean', 'recovered is a bool (its value without since is unspecified)');

  const pubs = [];
  for (let i = 0; i < 3; i++) pubs.push(await w.call('publish', { channel: ch, data: { i } }));
  assert.deepEqual(pubs.map((p) => p.offset), [1, 2, 3]);
  assert.ok(pubs.every((p) => p.epoch === sub.epoch));
  assert.deepEqual((await w.takeOn(ch, 3)).map((e) => e.data), [{ i: 0 }, { i: 1 }, { i: 2 }],
    'a subscriber receives its own publishes');

  const h = await w.call('history', { channel: ch });
  assert.equal(h.epoch, sub.epoch);
  assert.equal(h.offset, 3);
  assert.deepEqual(h.messages.map((m) => [m.offset, m.data]), [[1, { i: 0 }], [2, { i: 1 }], [3, { i: 2 }]]);
  const hs = await w.call('history', { channel: ch, since: { epoch: sub.epoch, offset: 1 } });
  assert.deepEqual(hs.messages.map((m) => m.offset), [2, 3]);
  const hl = await w.call('history', { channel: ch, limit: 2 });
  assert.ok(hl.messages.length <= 2, `limit respected: ${hl.messages.length}`);

  assert.deepEqual(await w.call('unsubscribe', { channel: ch }), {});
  // After unsubscribing nothing more arrives on ch: a later message on another channel comes first.
  const other = uniq('other');
  await w.subscribe(other);
  await server.apiPublish(ch, 'after unsubscribe');
  await w.request('ping');
  await server.apiPublish(other, 'marker');
  const e = await w.next((x) => x.type === 'message');
  assert.equal(e.channel, other, `no message on ${ch} after unsubscribe: ${JSON.stringify(e)}`);
});

test('bad JSON: error 400, counted, and the connection stays usable', T(), async () => {
  const w = await ws('badjson');
  await server.expectIncrease(METRIC.rejected(REJECT.badJson), async () => {
    w.send('{"op": "ping", "id": 1');
    const reply = await w.next((x) => x.type === 'reply');
    assert.equal(reply.error?.code, 400, JSON.stringify(reply));
  });
  await w.request('ping');
});

test('bad channel names are refused with 400 and counted', T(), async () => {
  const w = await ws('badchan');
  for (const channel of ['bad channel!', '', 'x'.repeat(256), 'tab\there', 'ü']) {
    const reply = await server.expectIncrease(METRIC.rejected(REJECT.badChannel),
      () => w.request('subscribe', { channel }));
    assert.equal(reply.error?.code, 400, `channel ${JSON.stringify(channel)}: ${JSON.stringify(reply)}`);
  }
  const longest = `${uniq('n')}_-.:@/=+`.padEnd(255, 'z');
  const ok = await w.request('subscribe', { channel: longest });
  assert.ok(ok.result, `a 255-byte name of allowed characters is fine: ${JSON.stringify(ok)}`);
});

test('unknown op: 404 with the same id, counted', T(), async () => {
  const w = await ws('unknown');
  const reply = await server.expectIncrease(METRIC.rejected(REJECT.unknownOp),
    () => w.request('frobnicate', { channel: 'x' }));
  assert.equal(reply.error?.code, 404, JSON.stringify(reply));
  assert.equal(typeof reply.error.message, 'string');
});

test(`more than ${MAX_SUBS} subscriptions on one connection: an error reply, counted`, T(), async () => {
  const w = await ws('subs');
  const chans = Array.from({ length: MAX_SUBS }, () => uniq('sub'));
  for (const c of chans) await w.subscribe(c);
  const reply = await server.expectIncrease(METRIC.rejected(REJECT.tooManySubscriptions),
    () => w.request('subscribe', { channel: uniq('extra') }));
  assert.ok([429, 400].includes(reply.error?.code), JSON.stringify(reply));
  await w.call('unsubscribe', { channel: chans[0] });
  await w.subscribe(uniq('again'));
  const p = await server.apiPublish(chans[1], 'still subscribed');
  assert.equal((await w.nextOn(chans[1])).offset, p.offset);
});

test(`a message over max_message_size (${MAX_MESSAGE}) closes with 1009`, T(), async () => {
  const w = await ws('big');
  const close = await server.expectIncrease(METRIC.rejected(REJECT.tooLarge), async () => {
    w.send({ op: 'ping', id: 1, pad: 'x'.repeat(MAX_MESSAGE * 2) });
    return w.waitClosed();
  });
  assert.equal(close.code, 1009);
});

test('a compressed message that inflates over max_message_size closes with 1009', T(), async () => {
  const w = await ws('deflate', { perMessageDeflate: true });
  assert.match(w.ws.extensions, /permessage-deflate/, 'compression negotiated when offered');
  const ch = uniq('defl');
  await w.subscribe(ch);
  const big = 'abc'.repeat(20000); // larger than the inbound limit, but outbound has no such limit
  const p = await server.apiPublish(ch, big);
  assert.deepEqual(await w.nextOn(ch), { type: 'message', channel: ch, epoch: p.epoch,
    offset: p.offset, data: big });
  w.send({ op: 'ping', id: 999, pad: 'z'.repeat(MAX_MESSAGE * 8) }); // deflates to a few bytes
  assert.equal((await w.waitClosed()).code, 1009);
});

test('invalid UTF-8 in a text frame closes with 1007', T(), async () => {
  const w = await ws('utf8');
  const close = await server.expectIncrease(METRIC.rejected(REJECT.badUtf8), async () => {
    w.ws.send(Buffer.from([0x7b, 0x22, 0xc3, 0x28, 0xff, 0x22, 0x7d]), { binary: false });
    return w.waitClosed();
  });
  assert.equal(close.code, 1007);
});

test('an unmasked client frame closes with 1002', T(), async () => {
  const r = await raw();
  const close = await server.expectIncrease(METRIC.rejected(REJECT.badFrame), async () => {
    await r.send({ opcode: OP.text, payload: '{"op":"ping","id":1}', mask: false });
    return r.closeFrame();
  });
  assert.equal(close.code, 1002);
  await r.conn.closed;
});

for (const [name, frame] of [
  ['reserved bits without an extension', { opcode: OP.text, payload: '{}', rsv: 4 }],
  ['a reserved opcode', { opcode: 3, payload: 'x' }],
  ['a ping over 125 bytes', { opcode: OP.ping, payload: 'p'.repeat(126) }],
  ['a fragmented ping', { opcode: OP.ping, payload: 'p', fin: false }],
  ['a continuation with nothing to continue', { opcode: OP.cont, payload: 'x' }],
]) {
  test(`${name} closes with 1002`, T(), async () => {
    const r = await raw();
    await r.send(frame);
    assert.equal((await r.closeFrame()).code, 1002);
  });
}

test('raw: a ping is answered with a pong carrying its payload; fragments reassemble around it', T(), async () => {
  const r = await raw();
  await r.send({ opcode: OP.ping, payload: 'hello' });
  const pong = await r.frames.next((f) => f.opcode === OP.pong, undefined, 'a pong');
  assert.equal(pong.payload.toString(), 'hello');
  assert.ok(r.unmaskedOk, 'server frames are not masked');
  const cmd = Buffer.from(JSON.stringify({ op: 'ping', id: 42 }));
  await r.send({ opcode: OP.text, payload: cmd.subarray(0, 5), fin: false });
  await r.send({ opcode: OP.ping, payload: 'mid' });
  await r.send({ opcode: OP.cont, payload: cmd.subarray(5, 9), fin: false });
  await r.send({ opcode: OP.cont, payload: cmd.subarray(9), fin: true });
  const f = await r.frames.next((x) => x.opcode === OP.text, undefined, 'the reply');
  assert.deepEqual(JSON.parse(f.payload.toString()), { type: 'reply', id: 42, result: {} });
  await r.send({ opcode: OP.close, payload: Buffer.from([0x03, 0xe8]) });
  assert.equal((await r.closeFrame()).code, 1000, 'close handshake echoes 1000');
  await r.conn.closed;
});

test('server pings are answered by ws automatically and keep the connection open', T(), async () => {
  const w = await ws('pinged');
  await w.next((e) => e.kind === 'ping', scaled(PING_MS * 10), 'a server ping');
  await w.next((e) => e.kind === 'ping', scaled(PING_MS * 10), 'a second server ping');
  assert.equal(w.closeInfo, null);
  await w.request('ping');
});

test('a client that never answers pings is disconnected', T(), async () => {
  const w = await ws('deaf', { autoPong: false });
  await w.next((e) => e.kind === 'ping', scaled(PING_MS * 10), 'a server ping');
  const close = await w.waitClosed(scaled(PING_MS * 20));
  assert.notEqual(close.code, 1000, `closed for not answering: ${JSON.stringify(close)}`);
});

test('a clean client close gets close 1000 back', T(), async () => {
  const w = await ws('bye');
  await w.subscribe(uniq('bye'));
  const close = await w.close(1000);
  assert.equal(close.code, 1000);
});

test('/echo returns text and binary messages unchanged (ws client)', T(), async () => {
  const w = await ws('echo', { path: '/echo' });
  w.ws.send('héllo ✓');
  const t = await w.next((x) => x.kind === 'unparseable'); // not JSON: kept as text
  assert.equal(t.text, 'héllo ✓');
  const bin = Buffer.from([0, 1, 2, 255, 254, 0]);
  w.ws.send(bin);
  const b = await w.next((x) => x.kind === 'binary');
  assert.deepEqual(Buffer.from(b.data), bin);
});

test('/echo: a fragmented text message with an interleaved ping (raw frames)', T(), async () => {
  const r = await raw('/echo');
  await r.send({ opcode: OP.text, payload: 'frag', fin: false });
  await r.send({ opcode: OP.ping, payload: 'p1' });
  await r.send({ opcode: OP.cont, payload: 'mented', fin: true });
  const pong = await r.frames.next((f) => f.opcode === OP.pong);
  assert.equal(pong.payload.toString(), 'p1');
  const f = await r.frames.next((x) => x.opcode === OP.text);
  assert.equal(f.payload.toString(), 'fragmented');
});
