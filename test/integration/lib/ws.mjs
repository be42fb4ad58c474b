// A JSON WebSocket client over npm `ws` that speaks the §3.1 commands. Replies are routed to the
// command that asked (by id); every other frame (events, replies without a pending id) goes to
// `events`, an Inbox the tests await.

import WebSocket from 'ws';
import { Inbox } from './inbox.mjs';
import { WAIT_MS as DEFAULT_MS } from './time.mjs';

export class WsClient {
  /**
   * Opens `path` (default /ws) on the server. Options: perMessageDeflate (default false),
   * autoPong (default true), headers, label.
   */
  static async connect(server, { path = '/ws', perMessageDeflate = false, autoPong = true,
    headers = {}, label = 'ws', maxPayload } = {}) {
    const c = new WsClient(label);
    const ws = new WebSocket(`${server.wsBase}${path}`, {
      perMessageDeflate,
      autoPong,
      headers,
      handshakeTimeout: DEFAULT_MS,
      ...(maxPayload ? { maxPayload } : {}),
    });
    c.#attach(ws);
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
      ws.once('unexpected-response', (req, res) => {
        req.destroy();
        reject(new Error(`WebSocket upgrade of ${path} refused: HTTP ${res.statusCode}`));
      });
    });
    return c;
  }

  constructor(label) {
    this.label = label;
    this.events = new Inbox(label);
    this.pings = 0;
    this.nextId = 1;
    this.pending = new Map(); // id -> {resolve, reject, timer}
    this.closeInfo = null;
    this.closed = new Promise((r) => {
      this.resolveClosed = r;
    });
  }

  #attach(ws) {
    this.ws = ws;
    ws.on('message', (data, isBinary) => this.#onMessage(data, isBinary));
    ws.on('ping', () => {
      this.pings += 1;
      this.events.push({ kind: 'ping' });
    });
    ws.on('error', (e) => {
      this.lastError = e;
    });
    ws.on('close', (code, reason) => {
      this.closeInfo = { code, reason: reason.toString() };
      for (const p of this.pending.values()) {
        clearTimeout(p.timer);
        p.reject(new Error(`[${this.label}] closed (${code}) before reply ${p.what}`));
      }
      this.pending.clear();
      this.events.end(`closed ${code}`);
      this.resolveClosed(this.closeInfo);
    });
  }

  #onMessage(data, isBinary) {
    if (isBinary) {
      this.events.push({ kind: 'binary', data });
      return;
    }
    let msg;
    try {
      msg = JSON.parse(data.toString());
    } catch {
      this.events.push({ kind: 'unparseable', text: data.toString() });
      return;
    }
    if (msg && msg.type === 'reply' && this.pending.has(msg.id)) {
      const p = this.pending.get(msg.id);
      this.pending.delete(msg.id);
      clearTimeout(p.timer);
      p.resolve(msg);
      return;
    }
    this.events.push(msg);
  }

  /** Sends any JSON value (or a raw string) as one text frame. */
  send(value) {
    this.ws.send(typeof value === 'string' ? value : JSON.stringify(value));
  }

  /** Sends {op, id, ...fields}; resolves with the whole reply ({type, id, result|error}). */
  request(op, fields = {}, ms = DEFAULT_MS) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const what = `${op}#${id}`;
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`[${this.label}] no reply to ${what} within ${ms} ms`));
      }, ms);
      this.pending.set(id, { resolve, reject, timer, what });
      this.send({ op, id, ...fields });
    });
  }

  /** request() that requires a result and returns it. */
  async call(op, fields = {}, ms) {
    const reply = await this.request(op, fields, ms);
    if (reply.error || !reply.result) {
      throw new Error(`[${this.label}] ${op} ${JSON.stringify(fields)} failed: ${JSON.stringify(reply)}`);
    }
    return reply.result;
  }

  subscribe(channel, since) {
    return this.call('subscribe', since ? { channel, since } : { channel });
  }

  /** Next event matching pred (non-matching ones are skipped). */
  next(pred, ms = DEFAULT_MS, what) {
    return this.events.next(pred, ms, what);
  }

  /** Next event on `channel` (type message or gap by default). */
  nextOn(channel, ms = DEFAULT_MS, types = ['message', 'gap']) {
    return this.events.next((e) => e.channel === channel && types.includes(e.type), ms,
      `an event on ${channel}`);
  }

  /** The next n message/gap events on `channel`, in order. */
  takeOn(channel, n, ms = DEFAULT_MS) {
    return this.events.take(n, (e) => e.channel === channel && (e.type === 'message' ||
      e.type === 'gap'), ms, `events on ${channel}`);
  }

  close(code = 1000) {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) {
      this.ws.close(code);
    }
    return this.closed;
  }

  /** Drops the TCP connection without a closing handshake. */
  terminate() {
    this.ws.terminate();
    return this.closed;
  }

  /** Resolves with {code, reason} once closed; rejects after ms. */
  async waitClosed(ms = DEFAULT_MS) {
    let timer;
    const t = new Promise((_, rej) => {
      timer = setTimeout(() => rej(new Error(`[${this.label}] not closed within ${ms} ms`)), ms);
    });
    try {
      return await Promise.race([this.closed, t]);
    } finally {
      clearTimeout(timer);
    }
  }
}

export { WebSocket };
