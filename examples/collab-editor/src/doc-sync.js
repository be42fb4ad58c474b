// Keeps a Yjs document in step with one Triplex channel.
//
// Messages on the channel (the `data` of each envelope):
//   {k:'update',   c, u}      durable: a Yjs update made by client c (batched keystrokes)
//   {k:'snapshot', c, u}      durable: the whole state as one update, published every
//                             SNAPSHOT_EVERY offsets, so the channel's history always holds a
//                             recent full state for late joiners
//   {k:'sync-req', c, sv}     ephemeral: "here is my state vector, send me what I miss"
//   {k:'sync-ans', c, to, u, sv}  ephemeral: the missing part for `to`, and the answerer's state
//                             vector so `to` can push back what the answerer misses
//   {k:'typing',   c, user}   ephemeral, key typing:<user>
// Yjs updates are idempotent and commute, so duplicates and any arrival order are harmless.
//
// Joining (and after every gap or reconnect): read the channel history (a snapshot plus the
// updates after it), then ask the peers for what history no longer holds. Local updates whose
// publish failed are kept and published again until one succeeds.
import * as Y from 'yjs';

export const SNAPSHOT_EVERY = 40; // well under the doc namespace's history_size (100)
const BATCH_MS = 40;
const PUBLISH_TIMEOUT_MS = 5000;
const MAX_MESSAGE_CHARS = 60000; // under the server's default 64 KiB message and body limits

const toB64 = (bytes) => {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
};
const fromB64 = (text) => Uint8Array.from(atob(text), (ch) => ch.charCodeAt(0));

function withTimeout(promise, ms) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => { timer = setTimeout(() => reject(new Error('publish timed out')), ms); }),
  ]).finally(() => clearTimeout(timer));
}

export class DocSync {
  // triplex: a Triplex client; channel: 'doc:...'; hooks: {onStatus(text, synced), onTyping(user),
  // onJoin(env), onLeave(env), onSubscribed()}
  constructor(triplex, channel, hooks = {}) {
    this.t = triplex;
    this.channel = channel;
    this.hooks = hooks;
    this.doc = new Y.Doc();
    this.text = this.doc.getText('text');
    this.id = `${this.doc.clientID.toString(36)}${Math.random().toString(36).slice(2, 6)}`;
    this.outbox = [];          // local updates not yet sent
    this.unsent = [];          // local updates whose publish failed: sent again on the next try
    this.batchTimer = null;
    this.offset = 0;           // last durable offset seen on the channel
    this.epoch = null;
    this.snapshotOffset = 0;   // offset of the newest snapshot seen
    this.sub = null;
    this.closed = false;
    this.gaps = 0;             // gaps seen (history could not cover a resume)
    this.doc.on('update', (update, origin) => {
      if (origin === this) return; // applied from the channel
      this.outbox.push(update);
      if (!this.batchTimer) this.batchTimer = setTimeout(() => this.flush(), BATCH_MS);
    });
    this.retryTimer = setInterval(() => { if (this.unsent.length) this.flush(); }, 1500);
  }

  subscribe(transport) {
    if (this.sub) this.unsubscribe();
    this.transport = transport;
    this.live = false;
    this.hooks.onStatus?.('syncing…', false);
    this.sub = this.t.subscribe(this.channel, {
      transport,
      onMessage: (data, env) => this.onMessage(data, env),
      onJoin: (env) => this.hooks.onJoin?.(env),
      onLeave: (env) => this.hooks.onLeave?.(env),
      onGap: (env) => { this.gaps += 1; this.note(env); this.resync('gap'); },
    });
    this.whenLive(this.sub).then((live) => { if (live) this.resync('subscribe'); });
    return this.sub;
  }

  // The subscription is live once it has a position: from then on every message reaches it, so
  // the history read afterwards leaves no hole. Resolves false if it ended first.
  whenLive(sub) {
    return new Promise((resolve) => {
      const check = () => {
        if (sub !== this.sub || !sub.active) resolve(false);
        else if (sub.position) resolve(true);
        else setTimeout(check, 30);
      };
      check();
    });
  }

  unsubscribe() {
    const sub = this.sub;
    this.sub = null;
    if (!sub) return;
    try {
      (sub.unsubscribe ?? sub.close)?.call(sub);
    } catch { /* already gone */ }
  }

  close() {
    this.closed = true;
    clearInterval(this.retryTimer);
    clearTimeout(this.batchTimer);
    this.unsubscribe();
  }

  note(env) {
    if (env && typeof env.offset === 'number') {
      if (env.epoch && env.epoch !== this.epoch) { this.epoch = env.epoch; this.snapshotOffset = 0; }
      if (env.offset > this.offset || env.epoch) this.offset = env.offset;
      if (this.live) this.hooks.onStatus?.(`live · offset ${this.offset}`, true);
    }
  }

  apply(b64) {
    try {
      Y.applyUpdate(this.doc, fromB64(b64), this);
    } catch (e) {
      console.warn('bad update', e);
    }
  }

  onMessage(data, env = {}) {
    if (!data || typeof data !== 'object') return;
    this.note(env);
    switch (data.k) {
      case 'update':
        if (data.c !== this.id) this.apply(data.u);
        break;
      case 'snapshot':
        if (typeof env.offset === 'number') this.snapshotOffset = Math.max(this.snapshotOffset, env.offset);
        if (data.c !== this.id) this.apply(data.u);
        break;
      case 'sync-req':
        if (data.c !== this.id) this.answer(data);
        break;
      case 'sync-ans':
        if (data.to === this.id) this.onAnswer(data);
        break;
      case 'typing':
        if (data.c !== this.id) this.hooks.onTyping?.(data.user);
        break;
      default:
    }
  }

  // Read what the channel's history holds, then ask the peers for the rest.
  async resync(why) {
    const sub = this.sub;
    try {
      const h = await this.t.history(this.channel, { limit: 1000 });
      if (sub !== this.sub) return;
      for (const env of h.messages ?? []) this.onMessage(env.data, env);
      if (h.epoch && h.epoch !== this.epoch) { this.epoch = h.epoch; this.snapshotOffset = 0; }
      if (typeof h.offset === 'number') this.offset = h.offset;
      for (const env of h.messages ?? [])
        if (env.data?.k === 'snapshot' && env.epoch === this.epoch) this.snapshotOffset = Math.max(this.snapshotOffset, env.offset);
    } catch (e) {
      console.warn(`history after ${why} failed`, e);
    }
    this.request();
    this.flush();
    this.maybeSnapshot(why === 'gap');
    this.live = true;
    this.hooks.onStatus?.(`live · offset ${this.offset}`, true);
    this.hooks.onSubscribed?.();
  }

  request() {
    this.send({ k: 'sync-req', c: this.id, sv: toB64(Y.encodeStateVector(this.doc)) },
      { ephemeral: true, key: `sync-req:${this.id}` }).catch(() => {});
  }

  answer(req) {
    let diff;
    try {
      diff = Y.encodeStateAsUpdate(this.doc, fromB64(req.sv));
    } catch { return; }
    this.send({ k: 'sync-ans', c: this.id, to: req.c, u: toB64(diff), sv: toB64(Y.encodeStateVector(this.doc)) },
      { ephemeral: true, key: `sync-ans:${this.id}:${req.c}` }).catch(() => {});
  }

  onAnswer(ans) {
    this.apply(ans.u);
    // Push back what the answerer lacks (edits made here while disconnected), durably.
    let back;
    try {
      back = Y.encodeStateAsUpdate(this.doc, fromB64(ans.sv));
    } catch { return; }
    if (hasContent(back)) {
      this.outbox.push(back);
      this.flush();
    }
  }

  typing(user) {
    this.send({ k: 'typing', c: this.id, user }, { ephemeral: true, key: `typing:${user}` }).catch(() => {});
  }

  send(data, opts) {
    // One message must fit websocket.max_message_size and http.max_body_bytes (64 KiB by
    // default); a larger one would be refused (or close the WebSocket with 1009) on every retry.
    const size = JSON.stringify(data).length;
    if (size > MAX_MESSAGE_CHARS) {
      this.hooks.onStatus?.(`not sent: ${data.k} of ${size} bytes is over the message limit`, false);
      return Promise.reject(new Error(`${data.k} too large (${size} bytes)`));
    }
    return withTimeout(Promise.resolve().then(() => this.t.publish(this.channel, data, opts)), PUBLISH_TIMEOUT_MS);
  }

  async flush() {
    clearTimeout(this.batchTimer);
    this.batchTimer = null;
    if (this.closed || this.flushing) return;
    const updates = [...this.unsent, ...this.outbox];
    if (!updates.length) return;
    this.unsent = [];
    this.outbox = [];
    this.flushing = true;
    const merged = Y.mergeUpdates(updates);
    try {
      const r = await this.send({ k: 'update', c: this.id, u: toB64(merged) });
      if (r && typeof r.offset === 'number') this.note(r);
      this.maybeSnapshot(false);
    } catch (e) {
      this.unsent.push(merged);
      this.hooks.onStatus?.('offline: edits kept, will resend', false);
    } finally {
      this.flushing = false;
    }
    if (this.outbox.length && !this.batchTimer) this.batchTimer = setTimeout(() => this.flush(), BATCH_MS);
  }

  maybeSnapshot(force) {
    if (this.text.length === 0 && !force) return;
    if (!force && this.offset - this.snapshotOffset < SNAPSHOT_EVERY) return;
    if (force && this.text.length === 0) return;
    this.snapshotOffset = this.offset + 1; // claim it now so this client sends one at a time
    this.send({ k: 'snapshot', c: this.id, u: toB64(Y.encodeStateAsUpdate(this.doc)) })
      .then((r) => { if (r && typeof r.offset === 'number') { this.note(r); this.snapshotOffset = r.offset; } })
      .catch(() => { this.snapshotOffset = 0; });
  }
}

// An update that carries no struct and no deletion is 2 bytes (two zero varints).
function hasContent(update) {
  return update.length > 2;
}
