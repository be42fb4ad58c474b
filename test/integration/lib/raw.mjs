// Raw TCP (node:net) for protocol violations no well-behaved client library would commit:
// header floods, slowloris, oversized bodies, unmasked or malformed WebSocket frames.

import net from 'node:net';
import { createHash, randomBytes } from 'node:crypto';
import { Inbox } from './inbox.mjs';
import { WAIT_MS } from './time.mjs';

/** A TCP connection to the server that records everything received and when it closed. */
export class RawConn {
  static connect(server) {
    return new Promise((resolve, reject) => {
      const sock = net.connect({ host: server.host, port: server.port });
      sock.once('connect', () => resolve(new RawConn(sock)));
      sock.once('error', reject);
    });
  }

  constructor(sock) {
    this.sock = sock;
    this.data = Buffer.alloc(0);
    this.error = null;
    this.closedAt = null;
    this.changed = new Inbox('raw-tcp'); // one item per chunk received, ends on close
    this.closed = new Promise((resolve) => {
      sock.on('close', () => {
        this.closedAt = Date.now();
        this.changed.end('closed');
        resolve();
      });
    });
    sock.on('data', (d) => {
      this.data = Buffer.concat([this.data, d]);
      this.changed.push(d.length);
    });
    sock.on('error', (e) => {
      this.error = e; // ECONNRESET / EPIPE are expected outcomes of some tests
    });
  }

  /** Writes, resolving once flushed to the kernel; resolves false if the socket failed. */
  write(bytes) {
    return new Promise((resolve) => {
      if (this.sock.destroyed || this.closedAt) return resolve(false);
      this.sock.write(bytes, (err) => resolve(!err));
    });
  }

  /** Waits until pred(this.data) holds or the connection closes. Returns true if pred held. */
  async waitFor(pred, ms = WAIT_MS) {
    const deadline = Date.now() + ms;
    while (!pred(this.data)) {
      if (this.closedAt) return pred(this.data);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`raw connection: timed out after ${ms} ms; got ` +
        `${JSON.stringify(this.data.toString('latin1').slice(0, 300))}`);
      try {
        await this.changed.next(() => true, left);
      } catch {
        // closed or timed out: the loop re-checks both
      }
    }
    return true;
  }

  /** Waits for a complete HTTP response head, or the close. Returns parseHttpHead() or null. */
  async response(ms = WAIT_MS) {
    await this.waitFor((d) => d.includes('\r\n\r\n'), ms);
    return parseHttpHead(this.data);
  }

  destroy() {
    this.sock.destroy();
  }
}

/** Parses `HTTP/1.1 431 ...\r\nHeaders...\r\n\r\n` at the start of buf; null if absent. */
export function parseHttpHead(buf) {
  const text = buf.toString('latin1');
  const end = text.indexOf('\r\n\r\n');
  if (end < 0) return null;
  const [statusLine, ...lines] = text.slice(0, end).split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
  if (!m) return null;
  const headers = {};
  for (const l of lines) {
    const i = l.indexOf(':');
    if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  return { status: Number(m[1]), headers, body: buf.subarray(end + 4) };
}

// ---------------------------------------------------------------- raw WebSocket

export const OP = { cont: 0, text: 1, binary: 2, close: 8, ping: 9, pong: 10 };
const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** Encodes one frame. Client frames are masked unless mask === false. */
export function encodeFrame({ opcode, payload = Buffer.alloc(0), fin = true, mask = true, rsv = 0 }) {
  const p = Buffer.isBuffer(payload) ? payload : Buffer.from(payload);
  const len = p.length;
  const head = [((fin ? 0x80 : 0) | (rsv << 4) | opcode) & 0xff];
  const m = mask ? 0x80 : 0;
  if (len < 126) head.push(m | len);
  else if (len < 65536) head.push(m | 126, len >> 8, len & 0xff);
  else {
    head.push(m | 127, 0, 0, 0, 0);
    head.push((len >>> 24) & 0xff, (len >>> 16) & 0xff, (len >>> 8) & 0xff, len & 0xff);
  }
  if (!mask) return Buffer.concat([Buffer.from(head), p]);
  const key = randomBytes(4);
  const masked = Buffer.alloc(len);
  for (let i = 0; i < len; i++) masked[i] = p[i] ^ key[i & 3];
  return Buffer.concat([Buffer.from(head), key, masked]);
}

/** A WebSocket spoken frame by frame over RawConn. Server pings are answered unless told not. */
export class RawWs {
  static async connect(server, path = '/ws', { autoPong = true } = {}) {
    const conn = await RawConn.connect(server);
    const key = randomBytes(16).toString('base64');
    await conn.write(`GET ${path} HTTP/1.1\r\nHost: ${server.host}:${server.port}\r\n` +
      'Upgrade: websocket\r\nConnection: Upgrade\r\n' +
      `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
    const head = await conn.response();
    if (!head || head.status !== 101) {
      conn.destroy();
      throw new Error(`raw WS upgrade of ${path} failed: ${conn.data.toString('latin1').slice(0, 200)}`);
    }
    const accept = createHash('sha1').update(key + WS_GUID).digest('base64');
    if (head.headers['sec-websocket-accept'] !== accept) {
      conn.destroy();
      throw new Error(`bad Sec-WebSocket-Accept ${head.headers['sec-websocket-accept']}`);
    }
    return new RawWs(conn, autoPong);
  }

  constructor(conn, autoPong) {
    this.conn = conn;
    this.autoPong = autoPong;
    this.frames = new Inbox('raw-ws');
    this.parsed = conn.data.indexOf('\r\n\r\n') + 4; // bytes of conn.data consumed so far
    this.buf = conn.data.subarray(this.parsed); // received, not yet parsed into frames
    this.unmaskedOk = true;
    conn.sock.on('data', () => this.#pump());
    conn.closed.then(() => this.frames.end('tcp closed'));
    this.#parse();
  }

  #pump() {
    this.buf = Buffer.concat([this.buf, this.conn.data.subarray(this.parsed + this.buf.length)]);
    this.#parse();
  }

  #parse() {
    for (;;) {
      const b = this.buf;
      if (b.length < 2) return;
      let len = b[1] & 0x7f;
      let off = 2;
      if (len === 126) {
        if (b.length < 4) return;
        len = b.readUInt16BE(2);
        off = 4;
      } else if (len === 127) {
        if (b.length < 10) return;
        len = Number(b.readBigUInt64BE(2));
        off = 10;
      }
      const masked = (b[1] & 0x80) !== 0;
      if (masked) this.unmaskedOk = false; // servers must not mask (RFC 6455 §5.1)
      if (masked) off += 4;
      if (b.length < off + len) return;
      let payload = Buffer.from(b.subarray(off, off + len));
      if (masked) {
        const key = b.subarray(off - 4, off);
        payload = payload.map((x, i) => x ^ key[i & 3]);
      }
      const frame = { fin: (b[0] & 0x80) !== 0, rsv: (b[0] >> 4) & 7, opcode: b[0] & 0x0f, payload };
      this.parsed += off + len;
      this.buf = b.subarray(off + len);
      if (frame.opcode === OP.close) {
        frame.code = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
        frame.reason = payload.subarray(2).toString();
      }
      if (frame.opcode === OP.ping && this.autoPong) this.send({ opcode: OP.pong, payload });
      this.frames.push(frame);
    }
  }

  send(frame) {
    return this.conn.write(encodeFrame(frame));
  }

  sendRaw(bytes) {
    return this.conn.write(bytes);
  }

  /** Next frame that is not a server ping (pings are still answered). */
  nextFrame(ms = WAIT_MS) {
    return this.frames.next((f) => f.opcode !== OP.ping, ms, 'a frame');
  }

  /**
   * Waits for the server's close frame; returns {code, reason, tcpClosed}. A close without a close
   * frame resolves with code 1006.
   */
  async closeFrame(ms = WAIT_MS) {
    try {
      const f = await this.frames.next((x) => x.opcode === OP.close, ms, 'a close frame');
      return { code: f.code, reason: f.reason };
    } catch (e) {
      if (this.frames.ended) return { code: 1006, reason: 'no close frame' };
      throw e;
    }
  }

  destroy() {
    this.conn.destroy();
  }
}
