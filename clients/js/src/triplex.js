// Triplex JavaScript client: WebSocket, SSE and long-poll with fallback and lossless resume.
// Zero runtime dependencies; an ES module for browsers and Node 20. See docs/client.md.

import {
  TRANSPORTS, TransportMemory, SseParser, backoffDelay, chooseTransport, classify, encodeCursor,
  jwtExpiry, namespaceOf, refreshDelay, tooManyDrops, transportChain,
} from './logic.js';

export {
  encodeCursor, decodeCursor, backoffDelay, jwtExpiry, chooseTransport, transportChain, classify,
} from './logic.js';

const DEFAULTS = {
  transports: TRANSPORTS,
  openTimeout: 5000, // ms: handshake, first reply (WS) or first bytes (SSE) after opening
  backoff: { base: 500, max: 30000 },
  maxDrops: 3, // drops within dropWindow that make an auto subscription fall back
  dropWindow: 30000,
  rememberFor: 10 * 60 * 1000, // how long a failed transport is skipped on this origin
  retryBetterAfter: 60000, // ms on a fallback transport before trying the better one again
  pollTimeout: 25, // seconds, long-poll `timeout`
  requestTimeout: 10000, // ms for publish / presence / history
};

/** An error with the server's code (HTTP-like: 400, 401, 403, 404, 413, 429, 503). */
export class TriplexError extends Error {
  constructor(code, message) {
    super(message);
    this.name = 'TriplexError';
    this.code = code;
  }
}

const noop = () => {};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ================================================================ Subscription

class Subscription {
  constructor(client, channel, opts) {
    this._client = client;
    this.channel = channel;
    this.requested = opts.transport ?? 'auto';
    this.position = opts.since ? { epoch: opts.since.epoch, offset: opts.since.offset } : null;
    this.transport = null;
    this.active = true;
    this._cb = {
      message: opts.onMessage ?? noop,
      join: opts.onJoin ?? noop,
      leave: opts.onLeave ?? noop,
      gap: opts.onGap ?? noop,
      error: opts.onError ?? noop,
      position: opts.onPosition ?? noop, // internal: the start position learnt from the server
    };
    this._chain = [];
    this._carrier = null;
    this._betterTimer = null;
  }

  unsubscribe() {
    this._client._unsubscribe(this);
  }

  /** Forces a transport ('websocket' | 'sse' | 'longpoll') or goes back to 'auto'. */
  setTransport(transport) {
    return this._client._retarget(this, transport);
  }

  _call(name, ...args) {
    try {
      this._cb[name](...args);
    } catch (e) {
      setTimeout(() => { throw e; }); // an app bug must not break delivery
    }
  }

  _error(err) {
    this._call('error', err);
  }

  /** Routes one envelope: dedup by epoch/offset, in order (docs/client.md). */
  _handle(env) {
    if (!this.active) return;
    switch (classify(this.position, env)) {
      case 'deliver':
        this.position = { epoch: env.epoch, offset: env.offset };
        this._call('message', env.data, env);
        break;
      case 'ephemeral':
        this._call('message', env.data, env);
        break;
      case 'gap':
        this.position = { epoch: env.epoch, offset: env.offset };
        this._call('gap', env);
        break;
      case 'presence':
        this._call(env.type, env);
        break;
      default: // duplicate, stale gap
        break;
    }
  }
}

// ================================================================ carriers (one per transport)

const TOKEN_FAILED = Symbol('token failed');

class Carrier {
  /**
   * The token for an (re)open of generation `gen` (undefined when the client has none), or
   * TOKEN_FAILED after getToken failed (a retry is then scheduled).
   */
  async _token(gen) {
    try {
      return await this.client._tokenNow();
    } catch (e) {
      this.client._tokenError(e);
      if (gen === this.gen) this._retry();
      return TOKEN_FAILED;
    }
  }

  constructor(client, name) {
    this.client = client;
    this.name = name;
    this.subs = new Map(); // channel -> Subscription
    this.state = 'disconnected';
    this.attempt = 0;
    this.drops = [];
    this.timer = null;
  }

  _setState(state) {
    if (this.state === state) return;
    this.state = state;
    this.client._emit('state', { state, transport: this.name });
  }

  _route(env) {
    if (!env || typeof env !== 'object' || env.type === 'reply') return;
    this.subs.get(env.channel)?._handle(env);
  }

  /** A connection that had opened ended by itself: reconnect, or give up on this transport. */
  _dropped(why) {
    const now = Date.now();
    this.drops.push(now);
    this.drops = this.drops.filter((t) => now - t <= this.client.opts.dropWindow);
    if (tooManyDrops(this.drops, now, { max: this.client.opts.maxDrops,
      windowMs: this.client.opts.dropWindow })) {
      this.drops = [];
      this._failed(`dropped ${this.client.opts.maxDrops} times: ${why}`);
    } else {
      this._retry();
    }
  }

  /**
   * The transport does not work here: auto subscriptions move on, the rest retry later. When the
   * server does not answer plain HTTP either (GET /healthz), it is down, not the transport: retry.
   */
  async _failed(why) {
    this._teardown();
    const gen = this.gen;
    this._setState('connecting');
    const reachable = await this.client._reachable();
    if (gen !== this.gen || this.client._closed) return;
    if (reachable) this.client._carrierFailed(this, why);
    if (this.subs.size) this._retry();
    else this._setState('disconnected');
  }

  _retry(delay) {
    this._teardown();
    if (this.client._closed || !this.subs.size) {
      this._setState('disconnected');
      return;
    }
    this._setState('connecting');
    const d = delay ?? backoffDelay(this.attempt, this.client.opts.backoff);
    this.attempt += 1;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this._open(), d);
  }

  close() {
    clearTimeout(this.timer);
    this._teardown();
    this._setState('disconnected');
  }
}

// ---------------------------------------------------------------- WebSocket

class WsCarrier extends Carrier {
  constructor(client) {
    super(client, 'websocket');
    this.ws = null;
    this.ready = false; // open and answering
    this.nextId = 1;
    this.pending = new Map(); // id -> {resolve, reject, timer}
    this.gen = 0;
  }

  add(sub) {
    this.subs.set(sub.channel, sub);
    sub._carrier = this;
    sub.transport = this.name;
    if (this.ws && this.ws.readyState === 1) this._subscribe(sub);
    else if (!this.ws && this.state !== 'connecting') this._open();
  }

  remove(sub) {
    if (this.subs.get(sub.channel) !== sub) return;
    this.subs.delete(sub.channel);
    if (this.ws && this.ws.readyState === 1) this._send({ op: 'unsubscribe', channel: sub.channel });
    if (!this.subs.size) {
      clearTimeout(this.idleTimer);
      this.idleTimer = setTimeout(() => { if (!this.subs.size) this.close(); }, 1000);
    }
  }

  get open() {
    return this.ready && this.ws?.readyState === 1;
  }

  _send(obj) {
    try {
      this.ws.send(JSON.stringify(obj));
    } catch { /* closing: the close handler resumes */ }
  }

  request(op, fields, timeoutMs = this.client.opts.requestTimeout) {
    return new Promise((resolve, reject) => {
      if (!this.ws || this.ws.readyState !== 1) {
        reject(new TriplexError(0, 'websocket not open'));
        return;
      }
      const id = this.nextId++;
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new TriplexError(0, `${op}: no reply within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      this._send({ op, id, ...fields });
    });
  }

  _subscribe(sub) {
    const fields = { channel: sub.channel };
    if (sub.position) fields.since = sub.position;
    const ws = this.ws;
    this.request('subscribe', fields).then((res) => {
      if (this.ws !== ws) return;
      if (this.subs.get(sub.channel) === sub && !sub.position && res && res.epoch != null) {
        sub.position = { epoch: res.epoch, offset: res.offset };
        sub._call('position', sub.position);
      }
    }, (err) => {
      if (this.ws !== ws || err.code === 0) return; // the connection ended: resubscribed on reopen
      if (this.subs.get(sub.channel) !== sub) return;
      if (err.code === 401 && this.client._getToken && !sub._authRetried) {
        sub._authRetried = true; // once per connection: a fresh token, then subscribe again
        this.client._refreshToken().then(() => {
          if (this.ws === ws && this.subs.get(sub.channel) === sub) this._subscribe(sub);
        }, (e) => this.client._tokenError(e));
        return;
      }
      {
        this.subs.delete(sub.channel);
        this.client._subFailed(sub, err);
      }
    });
  }

  async _open() {
    clearTimeout(this.timer);
    if (this.client._closed || !this.subs.size) return;
    const gen = ++this.gen;
    this._setState('connecting');
    const WS = this.client._WebSocket;
    if (!WS) {
      this._failed('no WebSocket implementation');
      return;
    }
    const token = await this._token(gen);
    if (token === TOKEN_FAILED || gen !== this.gen || this.client._closed) return;
    let ws;
    try {
      ws = new WS(this.client._wsUrl());
    } catch (e) {
      this._failed(`websocket: ${e?.message ?? e}`);
      return;
    }
    this.ws = ws;
    this.ready = false;
    this.nextId = 1;
    let opened = false;
    this.handshakeTimer = setTimeout(() => {
      if (this.ws === ws && !opened) this._kill(ws, () => this._failed('websocket handshake timeout'));
    }, this.client.opts.openTimeout);
    ws.onopen = () => {
      if (this.ws !== ws) return;
      opened = true;
      clearTimeout(this.handshakeTimer);
      if (token) {
        this.request('connect', { token }).catch((err) => {
          if (err.code === 401 || err.code === 403) this.client._authProblem(err);
        });
      }
      // Nothing within openTimeout after opening: something in the middle holds our frames.
      this.firstReplyTimer = setTimeout(() => {
        if (this.ws === ws && !this.ready) this._kill(ws, () => this._failed('websocket silent after open'));
      }, this.client.opts.openTimeout);
      for (const sub of this.subs.values()) this._subscribe(sub);
    };
    ws.onmessage = (ev) => {
      if (this.ws !== ws) return;
      if (!this.ready) {
        this.ready = true; // the server answers through whatever is in the middle
        this.attempt = 0;
        clearTimeout(this.firstReplyTimer);
        for (const s of this.subs.values()) s._authRetried = false;
        this._setState('connected');
        this.client._memory.markGood(this.name);
      }
      let msg;
      try {
        msg = JSON.parse(typeof ev.data === 'string' ? ev.data : String(ev.data));
      } catch {
        return;
      }
      if (msg.type === 'reply') {
        const p = this.pending.get(msg.id);
        if (!p) return;
        this.pending.delete(msg.id);
        clearTimeout(p.timer);
        if (msg.error) p.reject(new TriplexError(msg.error.code, msg.error.message));
        else p.resolve(msg.result ?? {});
        return;
      }
      this._route(msg);
    };
    ws.onerror = () => {}; // close follows
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      this._closed(ws, opened, ev?.code ?? 1006, ev?.reason ?? '');
    };
  }

  _kill(ws, then) {
    this.ws = null;
    try { ws.close(); } catch { /* already closed */ }
    this._rejectPending();
    then();
  }

  _rejectPending() {
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new TriplexError(0, 'connection closed'));
    }
    this.pending.clear();
  }

  _closed(ws, opened, code, reason) {
    this.ws = null;
    this.ready = false;
    clearTimeout(this.handshakeTimer);
    clearTimeout(this.firstReplyTimer);
    this._rejectPending();
    if (this.client._closed || !this.subs.size) {
      this._setState('disconnected');
      return;
    }
    if (!opened) {
      this._failed(`websocket handshake failed (${code})`);
      return;
    }
    this._setState('connecting');
    if (code === 1008) {
      // Auth or policy: get a fresh token (when we can), then reconnect.
      this.client._authProblem(new TriplexError(401, `websocket closed 1008 ${reason}`));
      this._retry();
    } else if (code === 1001) {
      this._retry(backoffDelay(0, this.client.opts.backoff)); // server shutdown: soon, elsewhere
    } else {
      this._dropped(`websocket closed ${code}`);
    }
  }

  onToken(token) {
    if (this.ws && this.ws.readyState === 1 && token) {
      this.request('refresh', { token }).catch(() => { /* a 1008 close follows if it mattered */ });
    }
  }

  _teardown() {
    clearTimeout(this.handshakeTimer);
    clearTimeout(this.firstReplyTimer);
    const ws = this.ws;
    this.ws = null;
    this.ready = false;
    this.gen += 1;
    if (ws) {
      try { ws.close(1000); } catch { /* ignore */ }
    }
    this._rejectPending();
  }
}

// ---------------------------------------------------------------- HTTP carriers (SSE, long-poll)

class HttpCarrier extends Carrier {
  add(sub) {
    this.subs.set(sub.channel, sub);
    sub._carrier = this;
    sub.transport = this.name;
    this._restartSoon();
  }

  remove(sub) {
    if (this.subs.get(sub.channel) !== sub) return;
    this.subs.delete(sub.channel);
    this._restartSoon();
  }

  /** Reopens with the current channel set on the next turn (adds and removes are batched). */
  _restartSoon() {
    if (this.restartQueued) return;
    this.restartQueued = true;
    setTimeout(() => {
      this.restartQueued = false;
      if (!this.subs.size) {
        this.close();
        return;
      }
      if (this.timer && this.state === 'connecting' && !this.abort) return; // a retry is scheduled
      this._teardown();
      this._open();
    }, 0);
  }

  /** Query string for the current channels, positions and token. */
  _query(token, extra = {}) {
    const q = new URLSearchParams();
    for (const c of this.subs.keys()) q.append('channel', c);
    const positions = [...this.subs.values()].filter((s) => s.position)
      .map((s) => [s.channel, s.position.epoch, s.position.offset]);
    if (positions.length) q.set('cursor', encodeCursor(positions));
    for (const [k, v] of Object.entries(extra)) q.set(k, String(v));
    if (token) q.set('token', token);
    return q.toString();
  }

  /** A refused stream (400/401/403): find the channels at fault, or refresh the token. */
  async _refused(status, text) {
    if (status === 401) {
      this.client._authProblem(new TriplexError(401, text));
      this._retry();
      return;
    }
    const bad = await this.client._checkChannels([...this.subs.values()]);
    if (!bad.length) {
      this._failed(`${this.name} refused: ${status} ${text}`);
      return;
    }
    this._retry(0);
  }

  onToken() {}

  _teardown() {
    this.gen = (this.gen ?? 0) + 1;
    clearTimeout(this.firstBytesTimer);
    if (this.abort) {
      try { this.abort.abort(); } catch { /* ignore */ }
    }
    this.abort = null;
    if (this.es) {
      this.es.close();
      this.es = null;
    }
  }
}

class SseCarrier extends HttpCarrier {
  constructor(client) {
    super(client, 'sse');
  }

  onToken() {
    // The stream carries the token of its request: reopen with the new one and the cursor.
    if (this.subs.size && (this.abort || this.es)) {
      this._teardown();
      this._open();
    }
  }

  async _open() {
    clearTimeout(this.timer);
    this.timer = null;
    if (this.client._closed || !this.subs.size) return;
    this._teardown();
    const gen = this.gen;
    this._setState('connecting');
    const token = await this._token(gen);
    if (token === TOKEN_FAILED || gen !== this.gen) return;
    const url = `${this.client.url}/sse?${this._query(token)}`;
    if (this.client._sseMode === 'eventsource') this._openEventSource(url, gen);
    else this._openFetch(url, gen);
  }

  _opened() {
    clearTimeout(this.firstBytesTimer);
    this.attempt = 0;
    this._setState('connected');
    this.client._memory.markGood(this.name);
  }

  _onEvent(data) {
    let env;
    try {
      env = JSON.parse(data);
    } catch {
      return;
    }
    this._route(env);
  }

  async _openFetch(url, gen) {
    const abort = new AbortController();
    this.abort = abort;
    let gotBytes = false;
    this.firstBytesTimer = setTimeout(() => {
      if (gen === this.gen && !gotBytes) this._failed('sse: no bytes after opening (buffering proxy?)');
    }, this.client.opts.openTimeout);
    let res;
    try {
      res = await this.client._fetch(url, {
        headers: { Accept: 'text/event-stream' },
        signal: abort.signal,
        cache: 'no-store',
      });
    } catch (e) {
      if (gen === this.gen) this._failed(`sse: ${e?.message ?? e}`);
      return;
    }
    if (gen !== this.gen) return;
    if (!res.ok) {
      clearTimeout(this.firstBytesTimer);
      const text = await res.text().catch(() => '');
      if (gen !== this.gen) return;
      if ([400, 401, 403].includes(res.status)) this._refused(res.status, text);
      else this._failed(`sse: HTTP ${res.status}`);
      return;
    }
    if (!res.body?.getReader) {
      this.client._sseMode = 'eventsource';
      this._failed('sse: fetch has no streaming body');
      return;
    }
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    const parser = new SseParser();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (gen !== this.gen) {
          reader.cancel().catch(noop);
          return;
        }
        if (done) break;
        if (!gotBytes && value?.length) {
          gotBytes = true; // the `retry:` line and `: triplex` comment come first
          this._opened();
        }
        for (const ev of parser.feed(decoder.decode(value, { stream: true }))) this._onEvent(ev.data);
      }
    } catch (e) {
      if (gen !== this.gen) return;
    }
    if (gen !== this.gen) return;
    if (!gotBytes) this._failed('sse: stream ended before any byte');
    else this._dropped('sse stream ended');
  }

  _openEventSource(url, gen) {
    const ES = this.client._EventSource;
    if (!ES) {
      this._failed('no EventSource implementation');
      return;
    }
    let es;
    try {
      es = new ES(url);
    } catch (e) {
      this._failed(`sse: ${e?.message ?? e}`);
      return;
    }
    this.es = es;
    let opened = false;
    // EventSource shows no comments: the open event (response headers) is what we can see.
    this.firstBytesTimer = setTimeout(() => {
      if (gen === this.gen && !opened) this._failed('sse: not open in time');
    }, this.client.opts.openTimeout);
    es.onopen = () => {
      if (gen !== this.gen) return;
      opened = true;
      this._opened();
    };
    const onEv = (ev) => { if (gen === this.gen) this._onEvent(ev.data); };
    for (const type of ['message', 'join', 'leave', 'gap']) es.addEventListener(type, onEv);
    es.onerror = () => {
      if (gen !== this.gen) return;
      es.close();
      this.es = null;
      if (!opened) this._failed('sse: EventSource failed to open');
      else this._dropped('sse: EventSource error');
    };
  }
}

class PollCarrier extends HttpCarrier {
  constructor(client) {
    super(client, 'longpoll');
  }

  async _open() {
    clearTimeout(this.timer);
    this.timer = null;
    if (this.client._closed || !this.subs.size) return;
    this._teardown();
    const gen = this.gen;
    this._setState('connecting');
    for (;;) {
      if (gen !== this.gen || this.client._closed || !this.subs.size) return;
      const token = await this._token(gen);
      if (token === TOKEN_FAILED || gen !== this.gen) return;
      const abort = new AbortController();
      this.abort = abort;
      const timeout = this.client.opts.pollTimeout;
      const url = `${this.client.url}/poll?${this._query(token, { timeout })}`;
      const watchdog = setTimeout(() => abort.abort(), timeout * 1000 + this.client.opts.openTimeout);
      // A poll is held until there is something to say: it counts as connected once issued,
      // unless the previous one failed (then once one answers).
      if (this.attempt === 0) this._setState('connected');
      let res;
      let body;
      try {
        res = await this.client._fetch(url, { signal: abort.signal, cache: 'no-store' });
        body = res.ok ? await res.json() : await res.text();
      } catch (e) {
        clearTimeout(watchdog);
        if (gen !== this.gen) return;
        this._failed(`longpoll: ${e?.message ?? e}`);
        return;
      }
      clearTimeout(watchdog);
      if (gen !== this.gen) return;
      if (!res.ok) {
        if ([400, 401, 403].includes(res.status)) this._refused(res.status, body);
        else this._failed(`longpoll: HTTP ${res.status}`);
        return;
      }
      this.attempt = 0;
      this._setState('connected');
      this.client._memory.markGood(this.name);
      for (const env of body?.messages ?? []) this._route(env);
    }
  }
}

// ================================================================ the client

export class Triplex {
  /**
   * @param {string} url base URL of the server, e.g. http://127.0.0.1:8080
   * @param {object} options see triplex.d.ts and docs/client.md
   */
  constructor(url, options = {}) {
    this.url = String(url).replace(/\/+$/, '');
    this.opts = { ...DEFAULTS, ...options, backoff: { ...DEFAULTS.backoff, ...options.backoff } };
    this._WebSocket = options.WebSocket ?? globalThis.WebSocket;
    this._EventSource = options.EventSource ?? globalThis.EventSource;
    const f = options.fetch ?? globalThis.fetch;
    this._fetch = f ? (...a) => f(...a) : null;
    // SSE reads the stream with fetch (so it sees the opening bytes and heartbeats), unless an
    // EventSource is passed explicitly or fetch cannot stream.
    this._sseMode = options.sse ?? (options.EventSource || !this._fetch ? 'eventsource' : 'fetch');
    this.transports = (this.opts.transports ?? TRANSPORTS).filter((t) => TRANSPORTS.includes(t));
    this._token = options.token ?? null;
    this._getToken = options.getToken ?? null;
    this._tokenPromise = null;
    this._refreshTimer = null;
    let storage = options.storage;
    if (storage === undefined) {
      try { storage = globalThis.localStorage ?? null; } catch { storage = null; }
    }
    let origin = this.url;
    try { origin = new URL(this.url).origin; } catch { /* keep the URL */ }
    this._memory = new TransportMemory(storage, origin, this.opts.rememberFor);
    this._subs = new Map();
    this._listeners = new Map();
    this._published = new Set();
    this._closed = false;
    this._configPromise = null;
    this._carriers = {
      websocket: new WsCarrier(this),
      sse: new SseCarrier(this),
      longpoll: new PollCarrier(this),
    };
    if (this._token) this._scheduleRefresh();
  }

  // -------------------------------------------------------------- events

  on(event, fn) {
    if (!this._listeners.has(event)) this._listeners.set(event, new Set());
    this._listeners.get(event).add(fn);
    return this;
  }

  off(event, fn) {
    this._listeners.get(event)?.delete(fn);
    return this;
  }

  _emit(event, value) {
    for (const fn of this._listeners.get(event) ?? []) {
      try { fn(value); } catch (e) { setTimeout(() => { throw e; }); }
    }
  }

  /** Overall state: connected when every transport in use is connected. */
  get state() {
    const used = Object.values(this._carriers).filter((c) => c.subs.size);
    if (!used.length) return 'disconnected';
    if (used.every((c) => c.state === 'connected')) return 'connected';
    return 'connecting';
  }

  // -------------------------------------------------------------- config and tokens

  /** GET /client-config, once (retried after a failure). */
  config() {
    if (!this._configPromise) {
      this._configPromise = this._http('GET', '/client-config', null, { auth: false })
        .catch(() => {
          setTimeout(() => { this._configPromise = null; }, 5000);
          return { default: { transport: 'auto' }, namespaces: {} };
        });
    }
    return this._configPromise;
  }

  /** The token to use now; fetches one through getToken when there is none or it is due. */
  async _tokenNow() {
    if (!this._getToken) return this._token;
    const exp = jwtExpiry(this._token);
    if (!this._token || (exp != null && refreshDelay(exp) === 0)) await this._refreshToken();
    return this._token;
  }

  _refreshToken() {
    if (!this._getToken) return Promise.resolve(this._token);
    if (!this._tokenPromise) {
      this._tokenPromise = (async () => {
        try {
          const t = await this._getToken();
          if (this._closed) return t;
          const changed = t !== this._token;
          this._token = t;
          this._scheduleRefresh();
          if (changed) for (const c of Object.values(this._carriers)) c.onToken(t);
          return t;
        } finally {
          this._tokenPromise = null;
        }
      })();
    }
    return this._tokenPromise;
  }

  _scheduleRefresh() {
    clearTimeout(this._refreshTimer);
    if (!this._getToken || this._closed) return;
    const d = refreshDelay(jwtExpiry(this._token));
    if (d == null) return;
    this._refreshTimer = setTimeout(() => {
      this._refreshToken().catch((e) => this._tokenError(e));
    }, Math.max(d, 200));
  }

  _tokenError(err) {
    const e = err instanceof Error ? err : new Error(String(err));
    for (const s of this._subs.values()) s._error(e);
    // Try again later.
    clearTimeout(this._refreshTimer);
    if (this._getToken && !this._closed) {
      this._refreshTimer = setTimeout(() => this._refreshToken().catch(noop), 5000);
    }
  }

  /** A 401 or 1008 somewhere: refresh the token when we can, else tell the subscriptions. */
  _authProblem(err) {
    if (this._getToken) {
      this._refreshToken().catch((e) => this._tokenError(e));
    } else {
      for (const s of this._subs.values()) s._error(err);
    }
  }

  /**
   * Whether the server answers plain HTTP (GET /healthz) within openTimeout: 200, or an opaque
   * answer (no-cors, for pages on another origin). 503 (draining) and network errors mean down.
   */
  async _reachable() {
    if (!this._fetch) return true;
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), this.opts.openTimeout);
    try {
      const res = await this._fetch(`${this.url}/healthz`,
        { signal: abort.signal, cache: 'no-store', mode: 'no-cors' });
      await res.text().catch(noop);
      return res.type === 'opaque' || res.ok;
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  _wsUrl() {
    return `${this.url.replace(/^http/, 'ws')}/ws`;
  }

  // -------------------------------------------------------------- HTTP

  async _http(method, path, body, { auth = true, query } = {}) {
    if (!this._fetch) throw new TriplexError(0, 'no fetch implementation');
    const headers = {};
    if (auth) {
      const token = await this._tokenNow();
      if (token) headers.Authorization = `Bearer ${token}`;
    }
    if (body != null) headers['Content-Type'] = 'application/json';
    const q = query ? `?${new URLSearchParams(query)}` : '';
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), this.opts.requestTimeout);
    let res;
    let text;
    try {
      res = await this._fetch(`${this.url}${path}${q}`, {
        method,
        headers,
        body: body == null ? undefined : JSON.stringify(body),
        signal: abort.signal,
        cache: 'no-store',
      });
      text = await res.text();
    } catch (e) {
      throw new TriplexError(0, `${method} ${path}: ${e?.message ?? e}`);
    } finally {
      clearTimeout(timer);
    }
    let json;
    try { json = text ? JSON.parse(text) : {}; } catch { json = null; }
    if (!res.ok) {
      if (res.status === 401 && auth) this._authProblem(new TriplexError(401, text));
      throw new TriplexError(res.status, json?.error?.message ?? `${method} ${path}: HTTP ${res.status}`);
    }
    return json;
  }

  /** Subscriptions refused by the server (GET /history answers 403/400/401 for them): onError. */
  async _checkChannels(subs) {
    const bad = [];
    await Promise.all(subs.map(async (s) => {
      try {
        await this._http('GET', '/history', null, { query: { channel: s.channel, limit: 0 } });
      } catch (e) {
        if ([400, 403, 404].includes(e.code)) {
          bad.push(s);
          this._subFailed(s, e);
        }
      }
    }));
    return bad;
  }

  // -------------------------------------------------------------- subscriptions

  /**
   * Subscribes to a channel. One subscription per channel and client: a second subscribe to the
   * same channel throws until the first is unsubscribed.
   */
  subscribe(channel, opts = {}) {
    if (this._closed) throw new Error('Triplex client is closed');
    if (this._subs.has(channel)) throw new Error(`already subscribed to ${channel}`);
    const t = opts.transport ?? 'auto';
    if (t !== 'auto' && !TRANSPORTS.includes(t)) throw new Error(`unknown transport ${t}`);
    const sub = new Subscription(this, channel, opts);
    this._subs.set(channel, sub);
    this._start(sub).catch((e) => sub._error(e));
    return sub;
  }

  /** Moves a subscription to another transport (or back to auto), resuming from its position. */
  async _retarget(sub, transport) {
    if (transport !== 'auto' && !TRANSPORTS.includes(transport)) {
      throw new Error(`unknown transport ${transport}`);
    }
    sub.requested = transport;
    if (!sub._chain.length) return; // _start has not chosen yet: it reads sub.requested
    const preferred = transport === 'auto'
      ? chooseTransport(sub.channel, await this.config(), this._published) : transport;
    if (!sub.active) return;
    sub._chain = transportChain(sub.requested, preferred, this.transports, (t) => this._memory.isBad(t));
    sub._best = transportChain(sub.requested, preferred, this.transports)[0];
    if (sub.transport === sub._chain[0]) this._scheduleBetter(sub);
    else this._move(sub, sub._chain[0]);
  }

  async _start(sub) {
    let preferred = sub.requested;
    if (preferred === 'auto') {
      const config = await this.config();
      preferred = chooseTransport(sub.channel, config, this._published);
    }
    if (!sub.active) return;
    sub._chain = transportChain(sub.requested, preferred, this.transports,
      (t) => this._memory.isBad(t));
    sub._best = transportChain(sub.requested, preferred, this.transports)[0];
    await this._attach(sub, sub._chain[0]);
  }

  /** Puts a subscription on a transport; SSE and long-poll need a start position first. */
  async _attach(sub, transport) {
    if (!sub.active) return;
    if (transport !== 'websocket' && !sub.position) {
      // Where the channel is now: the stream starts there, so nothing published from now on is
      // lost even if the stream drops before its first message. Also checks the permission.
      for (let attempt = 0; sub.active && !sub.position; attempt++) {
        try {
          const h = await this._http('GET', '/history', null,
            { query: { channel: sub.channel, limit: 0 } });
          if (!sub.position && h && h.epoch != null) {
            sub.position = { epoch: h.epoch, offset: h.offset };
            sub._call('position', sub.position);
          }
        } catch (e) {
          if ([400, 403, 404].includes(e.code)) {
            this._subFailed(sub, e);
            return;
          }
          await sleep(backoffDelay(attempt, this.opts.backoff));
        }
      }
      if (!sub.active) return;
    }
    this._carriers[transport].add(sub);
    this._scheduleBetter(sub);
  }

  _move(sub, transport) {
    if (!sub.active || sub.transport === transport) return;
    sub._carrier?.remove(sub);
    sub._carrier = null;
    sub.transport = null;
    this._attach(sub, transport).catch((e) => sub._error(e));
  }

  /** On a fallback transport: try the best one again after retryBetterAfter. */
  _scheduleBetter(sub) {
    clearTimeout(sub._betterTimer);
    if (!sub.active || !sub._best || sub.transport === sub._best) return;
    sub._betterTimer = setTimeout(() => {
      if (sub.active && sub.transport !== sub._best) {
        sub._chain = transportChain(sub.requested, sub._best, this.transports);
        this._move(sub, sub._best);
      }
    }, this.opts.retryBetterAfter);
  }

  _carrierFailed(carrier, why) {
    this._memory.markBad(carrier.name);
    this._emit('fallback', { transport: carrier.name, reason: why });
    for (const sub of [...carrier.subs.values()]) {
      const i = sub._chain.indexOf(carrier.name);
      const next = i >= 0 ? sub._chain[i + 1] : undefined;
      if (next) {
        carrier.subs.delete(sub.channel);
        sub._carrier = null;
        sub.transport = null;
        this._attach(sub, next).catch((e) => sub._error(e));
      }
    }
  }

  _subFailed(sub, err) {
    sub._error(err);
    this._unsubscribe(sub);
  }

  _unsubscribe(sub) {
    if (!sub.active) return;
    sub.active = false;
    clearTimeout(sub._betterTimer);
    if (this._subs.get(sub.channel) === sub) this._subs.delete(sub.channel);
    sub._carrier?.remove(sub);
    sub._carrier = null;
  }

  // -------------------------------------------------------------- publish, presence, history

  /** Publishes; resolves with {epoch, offset} (durable) or {} (ephemeral). */
  async publish(channel, data, { ephemeral, key } = {}) {
    this._published.add(namespaceOf(channel));
    const fields = { channel, data };
    if (ephemeral) fields.ephemeral = true;
    if (key != null) fields.key = key;
    const ws = this._carriers.websocket;
    if (ws.open) {
      try {
        return await ws.request('publish', fields);
      } catch (e) {
        if (e.code !== 0 || ephemeral) throw e;
        throw e; // the connection closed mid-request: the publish may or may not have happened
      }
    }
    return this._http('POST', '/publish', fields);
  }

  /** Presence of a channel: {members, clients, users, truncated}. */
  async presence(channel) {
    const ws = this._carriers.websocket;
    if (ws.open) return ws.request('presence', { channel });
    return this._http('GET', '/presence', null, { query: { channel } });
  }

  /** History: {epoch, offset, messages}; `since` is {epoch, offset}. */
  async history(channel, { since, limit } = {}) {
    const ws = this._carriers.websocket;
    if (ws.open) {
      const fields = { channel };
      if (since) fields.since = since;
      if (limit != null) fields.limit = limit;
      return ws.request('history', fields);
    }
    const query = { channel };
    if (since) query.since = `${since.epoch}:${since.offset}`;
    if (limit != null) query.limit = limit;
    return this._http('GET', '/history', null, { query });
  }

  /** Stops everything: subscriptions end, connections close, timers stop. */
  close() {
    if (this._closed) return;
    this._closed = true;
    clearTimeout(this._refreshTimer);
    for (const sub of [...this._subs.values()]) this._unsubscribe(sub);
    for (const c of Object.values(this._carriers)) {
      clearTimeout(c.idleTimer);
      c.close();
    }
  }
}

export default Triplex;
