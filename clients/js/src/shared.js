// One connection per browser: tabs share one Triplex client living in a SharedWorker
// (src/shared-worker.js). This module has both halves, and they only need MessagePorts, so they
// also run (and are tested) in Node:
// - serveTabs(): the worker side, a hub with one Triplex per server URL, shared by every tab;
// - SharedTriplex: the tab side, with the same API as Triplex, talking to the hub over a port;
// - createTriplex(): a SharedTriplex when the browser has SharedWorker, else a plain Triplex.
import { Triplex } from './triplex.js';
import { classify } from './logic.js';

const HEARTBEAT_MS = 5000; // tabs ping the hub; a tab silent for 3 heartbeats is gone
const EVENTS = ['message', 'join', 'leave', 'gap', 'error'];

const errorToWire = (e) => ({ message: String(e?.message ?? e), code: e?.code ?? 0 });
function errorFromWire(w) {
  const e = new Error(w.message);
  e.name = 'TriplexError';
  e.code = w.code;
  return e;
}

// ================================================================ worker side

/**
 * The hub: call hub.connect(port) for every tab (SharedWorker `connect` event). `makeClient(url,
 * options)` builds the shared client (default: new Triplex). Options that are functions (getToken)
 * cannot cross a port: the hub asks a tab that has one.
 */
export function serveTabs(makeClient = (url, options) => new Triplex(url, options)) {
  const clients = new Map(); // url -> {t, channels: Map(channel -> {sub, listeners: Set}), tabs: Set}
  const tabs = new Set();

  function sharedFor(url, options, tab) {
    let c = clients.get(url);
    if (!c) {
      c = { channels: new Map(), tabs: new Set() };
      const opts = { ...options };
      if (options.hasGetToken) {
        opts.getToken = () => {
          const holder = [...c.tabs].reverse().find((x) => x.hasGetToken);
          if (!holder) return Promise.reject(new Error('no tab can give a token'));
          return holder.ask('getToken');
        };
      }
      delete opts.hasGetToken;
      c.t = makeClient(url, opts);
      c.t.on('state', (s) => { for (const x of c.tabs) x.send({ ev: 'state', state: s, overall: c.t.state }); });
      c.t.on('fallback', (f) => { for (const x of c.tabs) x.send({ ev: 'fallback', fallback: f }); });
      clients.set(url, c);
    }
    c.tabs.add(tab);
    return c;
  }

  function dropTab(tab) {
    if (!tabs.delete(tab)) return;
    clearInterval(tab.watch);
    for (const p of tab.pending.values()) p.reject(new Error('tab closed'));
    const c = tab.client;
    if (!c) return;
    for (const id of [...tab.subs.keys()]) unsubscribe(tab, id);
    c.tabs.delete(tab);
    if (!c.tabs.size) {
      c.t.close();
      clients.delete(tab.url);
    }
  }

  function unsubscribe(tab, id) {
    const l = tab.subs.get(id);
    if (!l) return;
    tab.subs.delete(id);
    const entry = tab.client.channels.get(l.channel);
    if (!entry) return;
    entry.listeners.delete(l);
    if (!entry.listeners.size) {
      entry.sub.unsubscribe();
      tab.client.channels.delete(l.channel);
    }
  }

  /** Delivers one event of the shared subscription to one tab's listener, deduped per listener. */
  function deliver(l, kind, env) {
    if (l.buffer) {
      l.buffer.push([kind, env]);
      return;
    }
    if (kind === 'message' || kind === 'gap') {
      const k = classify(l.position, env);
      if (k === 'duplicate' || k === 'stale-gap') return;
      if (k === 'deliver' || k === 'gap') l.position = { epoch: env.epoch, offset: env.offset };
    }
    l.tab.send({ ev: 'sub', id: l.id, kind, env, position: l.position, transport: l.entry.sub.transport });
  }

  function subscribe(tab, msg) {
    const c = tab.client;
    const l = { tab, id: msg.id, channel: msg.channel, position: msg.since ?? null };
    tab.subs.set(msg.id, l);
    let entry = c.channels.get(msg.channel);
    if (!entry) {
      entry = { listeners: new Set() };
      const fan = (kind) => (a, b) => {
        const env = kind === 'message' ? b : a;
        for (const x of entry.listeners) {
          if (kind === 'error') x.tab.send({ ev: 'sub', id: x.id, kind, error: errorToWire(a) });
          else deliver(x, kind, env);
        }
      };
      entry.sub = c.t.subscribe(msg.channel, {
        transport: msg.transport, since: msg.since,
        onMessage: fan('message'), onJoin: fan('join'), onLeave: fan('leave'), onGap: fan('gap'),
        onError: fan('error'),
      });
      c.channels.set(msg.channel, entry);
    } else if (msg.since) {
      // The shared subscription is already further on: replay this tab's part from history
      // first, holding live events meanwhile, then let dedup sort out the overlap.
      l.buffer = [];
      c.t.history(msg.channel, { since: msg.since, limit: 1000 }).then((h) => {
        const live = l.buffer;
        l.buffer = null;
        // What the history cannot give any more is a gap, as the server would report it.
        const firstKept = h.messages.length ? h.messages[0].offset : h.offset + 1;
        if (h.epoch !== msg.since.epoch || firstKept > msg.since.offset + 1) {
          deliver(l, 'gap', { type: 'gap', channel: msg.channel, epoch: h.epoch,
            offset: Math.max(0, firstKept - 1) });
        }
        for (const m of h.messages) deliver(l, 'message', m);
        for (const [k, e] of live) deliver(l, k, e);
      }, (e) => {
        const live = l.buffer;
        l.buffer = null;
        tab.send({ ev: 'sub', id: l.id, kind: 'error', error: errorToWire(e) });
        for (const [k, ev] of live) deliver(l, k, ev);
      });
    } else if (entry.sub.position) {
      l.position = { ...entry.sub.position };
    }
    l.entry = entry;
    entry.listeners.add(l);
  }

  async function call(tab, msg) {
    const t = tab.client.t;
    switch (msg.method) {
      case 'publish': return t.publish(...msg.args);
      case 'presence': return t.presence(...msg.args);
      case 'history': return t.history(...msg.args);
      case 'config': return t.config();
      case 'setTransport': {
        const l = tab.subs.get(msg.args[0]);
        return l ? l.entry.sub.setTransport(msg.args[1]) : undefined;
      }
      default: throw new Error(`unknown method ${msg.method}`);
    }
  }

  function connect(port) {
    const tab = {
      port, subs: new Map(), pending: new Map(), nextRid: 1, lastSeen: Date.now(),
      send(m) { try { port.postMessage(m); } catch { dropTab(tab); } },
      ask(what) {
        return new Promise((resolve, reject) => {
          const rid = tab.nextRid++;
          tab.pending.set(rid, { resolve, reject });
          tab.send({ ev: 'ask', rid, what });
        });
      },
    };
    tabs.add(tab);
    tab.watch = setInterval(() => {
      if (Date.now() - tab.lastSeen > 3 * HEARTBEAT_MS) dropTab(tab);
    }, HEARTBEAT_MS);
    tab.watch.unref?.();
    port.onmessage = (ev) => {
      const msg = ev.data;
      tab.lastSeen = Date.now();
      switch (msg?.op) {
        case 'init':
          tab.url = msg.url;
          tab.hasGetToken = !!msg.options.hasGetToken;
          tab.client = sharedFor(msg.url, msg.options, tab);
          tab.send({ ev: 'state', state: null, overall: tab.client.t.state });
          break;
        case 'subscribe': subscribe(tab, msg); break;
        case 'unsubscribe': unsubscribe(tab, msg.id); break;
        case 'call':
          call(tab, msg).then((result) => tab.send({ ev: 'reply', rid: msg.rid, result }),
            (e) => tab.send({ ev: 'reply', rid: msg.rid, error: errorToWire(e) }));
          break;
        case 'answer': {
          const p = tab.pending.get(msg.rid);
          tab.pending.delete(msg.rid);
          if (msg.error) p?.reject(errorFromWire(msg.error));
          else p?.resolve(msg.result);
          break;
        }
        case 'close': dropTab(tab); break;
        default: break; // ping
      }
    };
    port.start?.();
  }

  return { connect, clients, tabs };
}

// ================================================================ tab side

class SharedSubscription {
  constructor(owner, id, channel, opts) {
    this._owner = owner;
    this.id = id;
    this.channel = channel;
    this.requested = opts.transport ?? 'auto';
    this.position = opts.since ?? null;
    this.transport = null;
    this.active = true;
    this._cb = opts;
  }

  unsubscribe() {
    if (!this.active) return;
    this.active = false;
    this._owner._subs.delete(this.id);
    this._owner._send({ op: 'unsubscribe', id: this.id });
  }

  setTransport(transport) {
    this.requested = transport;
    return this._owner._call('setTransport', [this.id, transport]);
  }

  _event(m) {
    if (!this.active) return;
    if (m.position !== undefined) this.position = m.position;
    if (m.transport !== undefined) this.transport = m.transport;
    const cb = {
      message: () => this._cb.onMessage?.(m.env.data, m.env),
      join: () => this._cb.onJoin?.(m.env),
      leave: () => this._cb.onLeave?.(m.env),
      gap: () => this._cb.onGap?.(m.env),
      error: () => this._cb.onError?.(errorFromWire(m.error)),
    }[m.kind];
    if (cb && EVENTS.includes(m.kind)) cb();
  }
}

/**
 * The Triplex API over a port to the hub. `port` is a MessagePort (SharedWorker.port in
 * browsers). Same methods as Triplex; callbacks stay in the tab.
 */
export class SharedTriplex {
  constructor(url, options = {}, port) {
    this.url = String(url).replace(/\/+$/, '');
    this._port = port;
    this._subs = new Map();
    this._pending = new Map();
    this._listeners = new Map();
    this._nextId = 1;
    this._state = 'disconnected';
    this._getToken = options.getToken ?? null;
    const wire = {};
    for (const [k, v] of Object.entries(options)) {
      if (typeof v !== 'function' && k !== 'storage' && k !== 'WebSocket' && k !== 'EventSource') wire[k] = v;
    }
    wire.hasGetToken = !!this._getToken;
    port.onmessage = (ev) => this._onMessage(ev.data);
    port.start?.();
    this._send({ op: 'init', url: this.url, options: wire });
    this._ping = setInterval(() => this._send({ op: 'ping' }), HEARTBEAT_MS);
    this._ping.unref?.();
    if (typeof addEventListener === 'function') {
      this._onHide = () => this.close();
      addEventListener('pagehide', this._onHide);
    }
  }

  get state() { return this._state; }

  on(event, fn) {
    if (!this._listeners.has(event)) this._listeners.set(event, new Set());
    this._listeners.get(event).add(fn);
    return this;
  }

  off(event, fn) {
    this._listeners.get(event)?.delete(fn);
    return this;
  }

  _emit(event, v) {
    for (const fn of this._listeners.get(event) ?? []) fn(v);
  }

  _send(m) {
    try { this._port.postMessage(m); } catch { /* closed */ }
  }

  _call(method, args = []) {
    return new Promise((resolve, reject) => {
      const rid = this._nextId++;
      this._pending.set(rid, { resolve, reject });
      this._send({ op: 'call', rid, method, args });
    });
  }

  _onMessage(m) {
    switch (m?.ev) {
      case 'sub': this._subs.get(m.id)?._event(m); break;
      case 'state':
        this._state = m.overall;
        if (m.state) this._emit('state', m.state);
        break;
      case 'fallback': this._emit('fallback', m.fallback); break;
      case 'reply': {
        const p = this._pending.get(m.rid);
        this._pending.delete(m.rid);
        if (m.error) p?.reject(errorFromWire(m.error));
        else p?.resolve(m.result);
        break;
      }
      case 'ask':
        Promise.resolve().then(() => this._getToken()).then(
          (result) => this._send({ op: 'answer', rid: m.rid, result }),
          (e) => this._send({ op: 'answer', rid: m.rid, error: errorToWire(e) }));
        break;
      default: break;
    }
  }

  subscribe(channel, opts = {}) {
    for (const s of this._subs.values()) {
      if (s.channel === channel) throw new Error(`already subscribed to ${channel}`);
    }
    const id = this._nextId++;
    const sub = new SharedSubscription(this, id, channel, opts);
    this._subs.set(id, sub);
    this._send({ op: 'subscribe', id, channel, transport: opts.transport ?? 'auto', since: opts.since });
    return sub;
  }

  publish(channel, data, opts = {}) { return this._call('publish', [channel, data, opts]); }

  presence(channel) { return this._call('presence', [channel]); }

  history(channel, opts = {}) { return this._call('history', [channel, opts]); }

  config() { return this._call('config'); }

  close() {
    clearInterval(this._ping);
    if (this._onHide) removeEventListener('pagehide', this._onHide);
    for (const s of this._subs.values()) s.active = false;
    this._subs.clear();
    this._send({ op: 'close' });
    try { this._port.close?.(); } catch { /* ignore */ }
  }
}

/**
 * A client for this page: shared with the other tabs of the browser through a SharedWorker when
 * there is one (`options.shared !== false`), else a plain Triplex. `workerUrl` defaults to
 * shared-worker.js next to this module.
 */
export function createTriplex(url, options = {}) {
  const { shared = true, workerUrl, ...rest } = options;
  if (shared && typeof SharedWorker === 'function') {
    try {
      const w = new SharedWorker(workerUrl ?? new URL('./shared-worker.js', import.meta.url),
        { type: 'module', name: 'triplex' });
      return new SharedTriplex(url, rest, w.port);
    } catch { /* blocked (e.g. file://, privacy settings): one connection per tab */ }
  }
  return new Triplex(url, rest);
}
