// permessage-deflate (RFC 7692, spec §3.1): subscribers with and without compression receive the
// same envelopes; a large event goes out as one compressed frame (RSV1) and a small one plain;
// replies stay uncompressed; the negotiation answer; corrupt compressed data closes with 1002;
// `websocket.compression = false` turns the extension off.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import zlib from 'node:zlib';
import {
  DOC_NS, METRIC, OP, REJECT, RawConn, RawWs, T, WsClient, mergeConfig, startServer, uniq,
} from './lib/server.mjs';

const DEFLATE_RESPONSE = 'permessage-deflate; server_no_context_takeover; client_no_context_takeover';
const TAIL = Buffer.from([0x00, 0x00, 0xff, 0xff]);

let server;
let plainServer; // websocket.compression = false
const open = [];
before(async () => {
  server = await startServer({ config: DOC_NS });
  plainServer = await startServer({ config: mergeConfig(DOC_NS, { websocket: { compression: false } }) });
});
after(async () => {
  for (const c of open.splice(0)) c.destroy ? c.destroy() : c.close();
  await server?.stop();
  await plainServer?.stop();
});

async function ws(label, opts = {}, srv = server) {
  const c = await WsClient.connect(srv, { label, ...opts });
  open.push(c);
  return c;
}

/** A raw WebSocket upgrade that offers `extensions`; resolves with {ws: RawWs, extensions}. */
async function rawWithOffer(extensions, srv = server) {
  const conn = await RawConn.connect(srv);
  open.push(conn);
  const key = randomBytes(16).toString('base64');
  await conn.write(`GET /ws HTTP/1.1\r\nHost: ${srv.host}:${srv.port}\r\n` +
    'Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n' +
    `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Extensions: ${extensions}\r\n\r\n`);
  const head = await conn.response();
  assert.equal(head?.status, 101, conn.data.toString('latin1').slice(0, 200));
  const accept = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`)
    .digest('base64');
  assert.equal(head.headers['sec-websocket-accept'], accept);
  return { ws: new RawWs(conn, true), extensions: head.headers['sec-websocket-extensions'] };
}

/** RFC 7692 7.2.2: append the tail, inflate. */
function inflateMessage(payload) {
  return zlib.inflateRawSync(Buffer.concat([payload, TAIL]),
    { finishFlush: zlib.constants.Z_SYNC_FLUSH }).toString();
}

/** RFC 7692 7.2.1: deflate with a sync flush, strip the tail. */
function deflateMessage(text) {
  const out = zlib.deflateRawSync(Buffer.from(text), { finishFlush: zlib.constants.Z_SYNC_FLUSH });
  assert.deepEqual(out.subarray(out.length - 4), TAIL);
  return out.subarray(0, out.length - 4);
}

test('subscribers with and without deflate get the same envelopes; big events compressed once', T(), async () => {
  const ch = uniq('big', 'doc');
  const withDeflate = await ws('deflate', { perMessageDeflate: true });
  const without = await ws('plain');
  assert.match(withDeflate.ws.extensions, /permessage-deflate/);
  assert.equal(without.ws.extensions, '');
  const raw = await rawWithOffer('permessage-deflate; client_max_window_bits');
  assert.equal(raw.extensions, DEFLATE_RESPONSE);
  for (const c of [withDeflate, without]) await c.subscribe(ch);
  await raw.ws.send({ opcode: OP.text, payload: JSON.stringify({ op: 'subscribe', id: 1, channel: ch }) });
  const reply = await raw.ws.nextFrame();
  assert.equal(reply.rsv, 0, 'replies are not compressed');
  assert.equal(JSON.parse(reply.payload).id, 1);

  const big = { text: 'lorem ipsum dolor sit amet '.repeat(400), n: [1, 2, 3] };
  const small = { tiny: true };
  await server.apiPublish(ch, big);
  await server.apiPublish(ch, small);
  const a = await withDeflate.takeOn(ch, 2);
  const b = await without.takeOn(ch, 2);
  assert.deepEqual(a, b, 'the same envelopes on both connections');
  assert.deepEqual(a.map((e) => e.data), [big, small]);

  const bigFrame = await raw.ws.nextFrame();
  assert.equal(bigFrame.rsv, 4, 'a large event is sent compressed (RSV1)');
  assert.ok(bigFrame.payload.length < 1000, `compressed to ${bigFrame.payload.length} bytes`);
  assert.deepEqual(JSON.parse(inflateMessage(bigFrame.payload)), a[0]);
  const smallFrame = await raw.ws.nextFrame();
  assert.equal(smallFrame.rsv, 0, 'an event under the threshold is sent plain');
  assert.deepEqual(JSON.parse(smallFrame.payload.toString()), a[1]);

  // A compressed command is understood too.
  await raw.ws.send({ opcode: OP.text, rsv: 4, payload: deflateMessage('{"op":"ping","id":2}') });
  const pong = await raw.ws.nextFrame();
  assert.deepEqual(JSON.parse(pong.payload), { type: 'reply', id: 2, result: {} });
});

test('negotiation: the first acceptable offer wins; declined offers mean no extension', T(), async () => {
  const first = await rawWithOffer('permessage-deflate; server_max_window_bits=10, ' +
    'permessage-deflate; server_max_window_bits=15; client_max_window_bits');
  assert.equal(first.extensions, `${DEFLATE_RESPONSE}; server_max_window_bits=15`);
  const none = await rawWithOffer('permessage-deflate; server_max_window_bits=12, x-unknown');
  assert.equal(none.extensions, undefined);
  // Without the extension, RSV1 is a protocol error.
  await none.ws.send({ opcode: OP.text, rsv: 4, payload: deflateMessage('{"op":"ping"}') });
  assert.equal((await none.ws.closeFrame()).code, 1002);
});

test('corrupt compressed data closes with 1002', T(), async () => {
  const { ws: r } = await rawWithOffer('permessage-deflate');
  const close = await server.expectIncrease(METRIC.rejected(REJECT.badFrame), async () => {
    await r.send({ opcode: OP.text, rsv: 4, payload: Buffer.from([0x07, 0xff, 0x00]) });
    return r.closeFrame();
  });
  assert.equal(close.code, 1002);
});

test('compressed text that inflates to invalid UTF-8 closes with 1007', T(), async () => {
  const { ws: r } = await rawWithOffer('permessage-deflate');
  const bad = zlib.deflateRawSync(Buffer.from([0x7b, 0xc3, 0x28, 0x7d]),
    { finishFlush: zlib.constants.Z_SYNC_FLUSH });
  await r.send({ opcode: OP.text, rsv: 4, payload: bad.subarray(0, bad.length - 4) });
  assert.equal((await r.closeFrame()).code, 1007);
});

test('websocket.compression = false: the offer is ignored', T(), async () => {
  const c = await ws('off', { perMessageDeflate: true }, plainServer);
  assert.equal(c.ws.extensions, '');
  const ch = uniq('off');
  await c.subscribe(ch);
  const data = 'x'.repeat(5000);
  await plainServer.apiPublish(ch, data);
  assert.equal((await c.nextOn(ch)).data, data);
});
