// Pure logic of the Triplex client: no I/O, no timers, so it is unit-tested on its own.

/** The transports, best first. */
export const TRANSPORTS = ['websocket', 'sse', 'longpoll'];

// ---------------------------------------------------------------- base64url / cursors (spec §1)

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** base64url without padding of bytes (Uint8Array). */
export function base64urlEncode(bytes) {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    out += B64[n >> 18] + B64[(n >> 12) & 63] + B64[(n >> 6) & 63] + B64[n & 63];
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i] << 16;
    out += B64[n >> 18] + B64[(n >> 12) & 63];
  } else if (rest === 2) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8);
    out += B64[n >> 18] + B64[(n >> 12) & 63] + B64[(n >> 6) & 63];
  }
  return out;
}

/** Bytes of an unpadded (or padded) base64url or base64 string; throws on bad input. */
export function base64urlDecode(text) {
  const s = String(text).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
  if (s.length % 4 === 1) throw new Error('bad base64url length');
  const out = new Uint8Array(Math.floor((s.length * 3) / 4));
  let acc = 0;
  let bits = 0;
  let j = 0;
  for (const ch of s) {
    const v = B64.indexOf(ch);
    if (v < 0) throw new Error(`bad base64url character ${JSON.stringify(ch)}`);
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[j++] = (acc >> bits) & 255;
    }
  }
  return out.subarray(0, j);
}

/**
 * Cursor of spec §1 from positions: `entries` is [[channel, epoch, offset], ...] or a Map /
 * object of channel -> {epoch, offset}. Channels without a position are left out.
 */
export function encodeCursor(entries) {
  let list = entries;
  if (entries instanceof Map) list = [...entries].map(([c, p]) => p && [c, p.epoch, p.offset]);
  else if (!Array.isArray(entries)) {
    list = Object.entries(entries).map(([c, p]) => p && [c, p.epoch, p.offset]);
  }
  list = list.filter(Boolean);
  return base64urlEncode(new TextEncoder().encode(JSON.stringify(list)));
}

/** [[channel, epoch, offset], ...] of a cursor; throws on a malformed one. */
export function decodeCursor(cursor) {
  const list = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(base64urlDecode(cursor)));
  if (!Array.isArray(list)) throw new Error('cursor: expected an array');
  for (const e of list) {
    if (!Array.isArray(e) || e.length !== 3 || typeof e[0] !== 'string' ||
        typeof e[1] !== 'string' || !Number.isSafeInteger(e[2]) || e[2] < 0) {
      throw new Error('cursor: expected [channel, epoch, offset] entries');
    }
  }
  return list;
}

// ---------------------------------------------------------------- backoff

/**
 * Exponential backoff with full jitter: a delay drawn uniformly in [0, min(max, base * 2^attempt)).
 * `attempt` counts failures so far, from 0.
 */
export function backoffDelay(attempt, { base = 500, max = 30000, random = Math.random } = {}) {
  const cap = Math.min(max, base * 2 ** Math.min(Math.max(attempt, 0), 30));
  return Math.floor(random() * cap);
}

// ---------------------------------------------------------------- tokens

/** `exp` (seconds since 1970) of a JWT, or null when it has none or cannot be read. */
export function jwtExpiry(token) {
  if (typeof token !== 'string') return null;
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  try {
    const claims = JSON.parse(new TextDecoder().decode(base64urlDecode(parts[1])));
    return typeof claims?.exp === 'number' && Number.isFinite(claims.exp) ? claims.exp : null;
  } catch {
    return null;
  }
}

/**
 * Milliseconds from now until a token expiring at `exp` (seconds) should be refreshed: a quarter of
 * its remaining life before expiry, at least 1 s and at most 60 s before it; 0 when already due;
 * null when it never expires. A fractional `exp` counts as the whole second below it, as the
 * server rounds it (to the strict side).
 */
export function refreshDelay(exp, nowMs = Date.now()) {
  if (exp == null) return null;
  const left = Math.floor(exp) * 1000 - nowMs;
  const margin = Math.min(60000, Math.max(1000, left / 4));
  return Math.max(0, Math.floor(left - margin));
}

// ---------------------------------------------------------------- choosing the transport

/** The namespace of a channel: the part before the first ':', or '' for the default one. */
export function namespaceOf(channel) {
  const i = channel.indexOf(':');
  return i < 0 ? '' : channel.slice(0, i);
}

/**
 * The preferred transport of an `auto` subscription (docs/client.md, "Choosing the transport"):
 * 1. the namespace's hint from GET /client-config when it is not `auto`, else the default hint;
 * 2. else WebSocket when the namespace is bidirectional: it has presence, or this client published
 *    to it;
 * 3. else SSE (a read-only, low-frequency stream).
 */
export function chooseTransport(channel, config, published = new Set()) {
  const ns = namespaceOf(channel);
  const nsConf = config?.namespaces?.[ns];
  const hint = nsConf?.transport ?? config?.default?.transport ?? 'auto';
  if (TRANSPORTS.includes(hint)) return hint;
  if (nsConf?.presence || published.has(ns)) return 'websocket';
  return 'sse';
}

/**
 * The transports a subscription may use, best first. A forced transport is the only one. For
 * `auto`, the allowed transports (in their order) starting at the preferred one; transports the
 * memory says failed recently are moved to the end (tried last, never dropped).
 */
export function transportChain(requested, preferred, allowed = TRANSPORTS, isBad = () => false) {
  if (requested && requested !== 'auto') return [requested];
  const order = allowed.filter((t) => TRANSPORTS.includes(t));
  const start = order.indexOf(preferred);
  const chain = start < 0 ? order : order.slice(start);
  if (chain.length === 0) return order.length ? order : ['longpoll'];
  const good = chain.filter((t) => !isBad(t));
  return [...good, ...chain.filter((t) => isBad(t))];
}

/**
 * Whether a transport whose connection dropped at the times `drops` (ms, newest last) should be
 * given up: `max` drops within `windowMs` of `now`.
 */
export function tooManyDrops(drops, now, { max = 3, windowMs = 30000 } = {}) {
  return drops.filter((t) => now - t <= windowMs).length >= max;
}

// ---------------------------------------------------------------- ordering and dedup

/**
 * What to do with an envelope for a subscription at `position` ({epoch, offset} or null):
 * - 'ephemeral': a message without offset; deliver, position unchanged
 * - 'deliver': a durable message after the position; deliver, position becomes its own
 * - 'duplicate': a durable message at or before the position in the same epoch; drop it
 * - 'gap': a gap past the position (or in another epoch); report it, position becomes the gap's
 * - 'stale-gap': a gap at or before the position in the same epoch; nothing was lost, ignore it
 * - 'presence': join / leave
 */
export function classify(position, env) {
  if (env.type === 'join' || env.type === 'leave') return 'presence';
  if (env.type === 'gap') {
    if (position && position.epoch === env.epoch && env.offset <= position.offset) return 'stale-gap';
    return 'gap';
  }
  if (env.offset == null) return 'ephemeral';
  if (position && position.epoch === env.epoch && env.offset <= position.offset) return 'duplicate';
  return 'deliver';
}

// ---------------------------------------------------------------- remembering transports

/**
 * Which transports failed recently, per origin, in `storage` ({getItem, setItem}; may be null):
 * key `triplex:transports:<origin>`, value {"<transport>": <until ms>}.
 */
export class TransportMemory {
  constructor(storage, origin, rememberFor = 10 * 60 * 1000, now = () => Date.now()) {
    this.storage = storage;
    this.key = `triplex:transports:${origin}`;
    this.rememberFor = rememberFor;
    this.now = now;
    this.local = {};
  }

  #read() {
    try {
      const s = this.storage?.getItem(this.key);
      if (s) return JSON.parse(s) ?? {};
    } catch { /* storage unavailable or corrupt: use the in-memory copy */ }
    return { ...this.local };
  }

  #write(v) {
    this.local = v;
    try {
      this.storage?.setItem(this.key, JSON.stringify(v));
    } catch { /* quota, privacy mode: in-memory only */ }
  }

  isBad(transport) {
    const until = this.#read()[transport];
    return typeof until === 'number' && until > this.now();
  }

  markBad(transport) {
    this.#write({ ...this.#read(), [transport]: this.now() + this.rememberFor });
  }

  markGood(transport) {
    const v = this.#read();
    if (transport in v) {
      delete v[transport];
      this.#write(v);
    }
  }
}

/** Parses an SSE stream incrementally (WHATWG rules). feed(text) returns the complete events. */
export class SseParser {
  constructor() {
    this.buf = '';
    this.reset();
  }

  reset() {
    this.data = [];
    this.event = '';
    this.id = undefined;
  }

  feed(text) {
    this.buf += text;
    const events = [];
    for (;;) {
      const m = /\r\n|\r|\n/.exec(this.buf);
      if (!m) break;
      // A lone \r at the end may be the first half of \r\n: wait for more.
      if (m[0] === '\r' && m.index === this.buf.length - 1) break;
      const line = this.buf.slice(0, m.index);
      this.buf = this.buf.slice(m.index + m[0].length);
      if (line === '') {
        if (this.data.length) {
          events.push({ type: this.event || 'message', data: this.data.join('\n'), id: this.id });
        }
        this.reset();
        continue;
      }
      if (line.startsWith(':')) continue;
      const c = line.indexOf(':');
      const field = c < 0 ? line : line.slice(0, c);
      let value = c < 0 ? '' : line.slice(c + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'data') this.data.push(value);
      else if (field === 'event') this.event = value;
      else if (field === 'id') this.id = value;
    }
    return events;
  }
}
