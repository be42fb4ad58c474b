// One connection per browser: tabs share one Triplex client living in a SharedWorker
// (src/shared-worker.js). This module has both halves, and they only need MessagePorts, so they
// also run (and are tested) in Node:
// - serveTabs(): the worker side, a hub with one Triplex per server URL, shared by every tab;
// - SharedTriplex: the tab side, with the same API as Triplex, talking to the hub over a port;
// - ElectedTriplex: where SharedWorker is missing, the tabs elect a leader (Web Locks) that runs
//   the hub, and the others talk to it over a BroadcastChannel;
// - createTriplex(): a SharedTriplex when the browser has SharedWorker, else an ElectedTriplex
//   with BroadcastChannel and Web Locks, else a plain Triplex.
import { Triplex } from './triplex.js';
import { classify } from './logic.js';

const HEARTBEAT_MS = 5000; // tabs ping the hub; a tab silent for 3 heartbeats is gone
const EVENTS = ['message', 'join', 'leave', 'gap', 'error'];
// Options that stay in the tab (not cloneable, or meaningless elsewhere).
const LOCAL_OPTIONS = ['storage', 'WebSocket', 'EventSource', 'fetch', 'locks', 'BroadcastChannel', 'makeClient'];

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
export function serveTabs(makeClient = (url, options) => new Triplex(url, options), { heartbeatMs = HEARTBEAT_MS } = {}) {
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
        onPosition: (p) => {
          // The shared subscription learnt where the channel starts: listeners without a
          // position take it, so that a tab resuming elsewhere (a new leader) starts from there.
          for (const x of entry.listeners) {
            if (x.position || x.buffer) continue;
            x.position = { ...p };
            x.tab.send({ ev: 'sub', id: x.id, kind: 'position', position: x.position, transport: entry.sub.transport });
          }
        },
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
    if (!msg.since && l.position) {
      tab.send({ ev: 'sub', id: l.id, kind: 'position', position: l.position, transport: entry.sub.transport });
    }
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
    const admit = () => {
      tabs.add(tab);
      tab.lastSeen = Date.now();
      tab.reinitAsked = false;
      tab.watch = setInterval(() => {
        if (Date.now() - tab.lastSeen > 3 * heartbeatMs) dropTab(tab);
      }, heartbeatMs);
      tab.watch.unref?.();
    };
    admit();
    port.onmessage = (ev) => {
      const msg = ev.data;
      if (!tabs.has(tab)) {
        // Dropped for silence (a hidden tab's timers may be throttled to once a minute), yet
        // alive: ask it to start over (init and every subscription from its position), once.
        if (msg?.op === 'close') return;
        if (msg?.op !== 'init') {
          if (!tab.reinitAsked) {
            tab.reinitAsked = true;
            try { port.postMessage({ ev: 'reinit' }); } catch { /* gone after all */ }
          }
          return;
        }
        admit();
      }
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
 * browsers). Same methods as Triplex; callbacks stay in the tab. The port can be replaced
 * (`_attach`, used by ElectedTriplex when the leader changes): the tab then sends its `init` and
 * every subscription again, each from its position, so the new hub resumes where the old stopped.
 */
export class SharedTriplex {
  constructor(url, options = {}, port = null) {
    this.url = String(url).replace(/\/+$/, '');
    this._port = null;
    this._subs = new Map();
    this._pending = new Map();
    this._listeners = new Map();
    this._nextId = 1;
    this._state = 'disconnected';
    this._closed = false;
    this._getToken = options.getToken ?? null;
    const wire = {};
    for (const [k, v] of Object.entries(options)) {
      if (typeof v !== 'function' && !LOCAL_OPTIONS.includes(k)) wire[k] = v;
    }
    wire.hasGetToken = !!this._getToken;
    this._wire = wire;
    if (port) this._attach(port);
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
    for (const fn of this._listeners.get(event) ?? []) {
      try { fn(v); } catch (e) { setTimeout(() => { throw e; }); }
    }
  }

  _send(m) {
    if (!this._port) return false; // no hub now: _attach sends what matters again
    try { this._port.postMessage(m); return true; } catch { return false; }
  }

  /** Talks to a new hub from now on (or to none: port null), resuming everything there. */
  _attach(port) {
    const old = this._port;
    this._port = null;
    if (old && old !== port) {
      old.onmessage = null;
      try { old.close?.(); } catch { /* ignore */ }
    }
    // Calls the old hub may have run: a publish may or may not have happened (like a publish
    // whose WebSocket closed, docs/client.md), so it fails with code 0; the others are re-asked.
    for (const [rid, p] of this._pending) {
      if (p.sent && p.method === 'publish') {
        this._pending.delete(rid);
        const e = new Error('the connection moved to another tab before the reply');
        e.name = 'TriplexError';
        e.code = 0;
        p.reject(e);
      } else {
        p.sent = false;
      }
    }
    if (!port || this._closed) {
      if (this._state !== 'disconnected') this._state = 'connecting';
      return;
    }
    this._port = port;
    port.onmessage = (ev) => this._onMessage(ev.data);
    port.start?.();
    this._send({ op: 'init', url: this.url, options: this._wire });
    for (const s of this._subs.values()) {
      this._send({ op: 'subscribe', id: s.id, channel: s.channel, transport: s.requested, since: s.position ?? undefined });
    }
    for (const [rid, p] of this._pending) {
      p.sent = this._send({ op: 'call', rid, method: p.method, args: p.args });
    }
  }

  _call(method, args = []) {
    if (this._closed) return Promise.reject(new Error('closed'));
    return new Promise((resolve, reject) => {
      const rid = this._nextId++;
      const p = { resolve, reject, method, args, sent: false };
      this._pending.set(rid, p);
      p.sent = this._send({ op: 'call', rid, method, args });
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
      case 'reinit': this._attach(this._port); break; // the hub had dropped this tab
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
    if (this._closed) return;
    this._closed = true;
    clearInterval(this._ping);
    if (this._onHide) removeEventListener('pagehide', this._onHide);
    for (const s of this._subs.values()) s.active = false;
    this._subs.clear();
    for (const p of this._pending.values()) p.reject(new Error('closed'));
    this._pending.clear();
    this._send({ op: 'close' });
    try { this._port?.close?.(); } catch { /* ignore */ }
    this._port = null;
    this._state = 'disconnected';
  }
}

// ================================================================ leader election

let tabCounter = 0;
const newTabId = () => `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}-${++tabCounter}`;

/** A MessagePort-like end over a BroadcastChannel, addressed from one tab to another. */
class BusPort {
  constructor(bus, kind, from, to) {
    Object.assign(this, { bus, kind, from, to, onmessage: null, closed: false });
  }

  postMessage(m) {
    if (this.closed) throw new Error('port closed');
    this.bus.postMessage({ t: this.kind, from: this.from, to: this.to, m });
  }

  _deliver(m) { if (!this.closed) this.onmessage?.({ data: m }); }

  start() {}

  close() { this.closed = true; }
}

/**
 * Where SharedWorker is missing: the tabs of one origin elect a leader with the Web Locks API
 * (`locks.request(name, cb)`: the lock holder is the leader until its tab closes), the leader runs
 * the hub of serveTabs() with the real Triplex client, and every tab (the leader's own too) is a
 * SharedTriplex talking to it, the others over a BroadcastChannel. When the leader goes, the next
 * tab in the lock's queue takes over and every tab sends its subscriptions again, each from its
 * position, so the new connection resumes where the old one stopped.
 */
export class ElectedTriplex extends SharedTriplex {
  constructor(url, options = {}, env = {}) {
    super(url, options, null);
    const BC = env.BroadcastChannel ?? globalThis.BroadcastChannel;
    this._locks = env.locks ?? globalThis.navigator?.locks;
    this.tabId = newTabId();
    this.leaderId = null;
    this.isLeader = false;
    this._gen = 0; // the newest leadership seen: a late word from an older leader is ignored
    const local = {};
    for (const k of ['storage', 'WebSocket', 'EventSource', 'fetch']) {
      if (k in options) local[k] = options[k];
    }
    this._makeClient = env.makeClient ?? ((u, o) => new Triplex(u, { ...local, ...o }));
    const name = `${env.name ?? 'triplex'}:${this.url}`;
    this._bus = new BC(name);
    this._bus.unref?.(); // Node: the channel alone does not keep the process alive
    this._bus.onmessage = (ev) => this._onBus(ev.data);
    this._hubPorts = new Map(); // leader: tab id -> BusPort
    this._hub = null;
    this._release = null;
    this._locks.request(name, () => this._lead()).catch(() => { /* closed or refused */ });
    this._bus.postMessage({ t: 'hello', from: this.tabId });
  }

  _onBus(msg) {
    if (this._closed || !msg) return;
    switch (msg.t) {
      case 'hello': // a new tab looks for the leader
        if (this.isLeader) this._bus.postMessage({ t: 'leader', from: this.tabId, gen: this._gen });
        break;
      case 'leader':
        if (this.isLeader || !(msg.gen >= this._gen)) break;
        this._gen = msg.gen;
        if (msg.from !== this.leaderId) {
          this.leaderId = msg.from;
          this._attach(new BusPort(this._bus, 'up', this.tabId, msg.from));
          this._emit('leader', { leader: false, id: msg.from });
        }
        break;
      case 'bye': // the leader is leaving: wait for the next one
        if (!this.isLeader && msg.from === this.leaderId) {
          this.leaderId = null;
          this._attach(null);
        }
        break;
      case 'up': { // a tab to the leader's hub
        if (!this.isLeader || msg.to !== this.tabId) break;
        let port = this._hubPorts.get(msg.from);
        if (!port) {
          if (msg.m?.op !== 'init') break; // a tab of the previous leader, not attached here yet
          port = new BusPort(this._bus, 'down', this.tabId, msg.from);
          this._hubPorts.set(msg.from, port);
          this._hub.connect(port);
        }
        port._deliver(msg.m);
        if (msg.m?.op === 'close') {
          port.close();
          this._hubPorts.delete(msg.from);
        }
        break;
      }
      case 'down': // the leader's hub to this tab
        if (msg.to === this.tabId && msg.from === this.leaderId && this._port instanceof BusPort) {
          this._port._deliver(msg.m);
        }
        break;
      default: break;
    }
  }

  /** Runs while this tab holds the lock: the hub, and this tab's own client attached to it. */
  _lead() {
    if (this._closed) return undefined;
    this.isLeader = true;
    this.leaderId = this.tabId;
    this._gen = Math.max(Date.now(), this._gen + 1);
    this._hub = serveTabs(this._makeClient);
    const { port1, port2 } = new MessageChannel();
    this._localPorts = [port1, port2];
    this._hub.connect(port1);
    this._attach(port2);
    this._bus.postMessage({ t: 'leader', from: this.tabId, gen: this._gen });
    this._emit('leader', { leader: true, id: this.tabId });
    return new Promise((resolve) => { this._release = resolve; });
  }

  close() {
    if (this._closed) return;
    super.close();
    if (this.isLeader) {
      try { this._bus.postMessage({ t: 'bye', from: this.tabId }); } catch { /* closed */ }
      for (const c of this._hub.clients.values()) c.t.close();
      for (const p of this._hubPorts.values()) p.close();
      this._hubPorts.clear();
      for (const p of this._localPorts) p.close();
      this.isLeader = false;
    }
    this._release?.();
    try { this._bus.close(); } catch { /* ignore */ }
  }
}

/**
 * A client for this page, shared with the other tabs of the browser on the same server URL
 * (`options.shared !== false`): through a SharedWorker when there is one (`workerUrl` defaults to
 * shared-worker.js next to this module); else, with BroadcastChannel and Web Locks, through the
 * tab elected leader (ElectedTriplex); else a plain Triplex. `locks` and `BroadcastChannel`
 * override the globals (tests).
 */
export function createTriplex(url, options = {}) {
  const { shared = true, workerUrl, locks, BroadcastChannel: BC, makeClient, ...rest } = options;
  if (shared && typeof SharedWorker === 'function') {
    try {
      const w = new SharedWorker(workerUrl ?? new URL('./shared-worker.js', import.meta.url),
        { type: 'module', name: 'triplex' });
      return new SharedTriplex(url, rest, w.port);
    } catch { /* blocked (e.g. file://, privacy settings) */ }
  }
  const bc = BC ?? globalThis.BroadcastChannel;
  const lk = locks ?? globalThis.navigator?.locks;
  // In a page only (Node has BroadcastChannel but no tabs), unless the test brings its locks.
  if (shared && typeof bc === 'function' && typeof lk?.request === 'function'
    && typeof MessageChannel === 'function' && (locks || typeof document !== 'undefined')) {
    try {
      return new ElectedTriplex(url, rest, { BroadcastChannel: bc, locks: lk, makeClient });
    } catch { /* e.g. an opaque origin */ }
  }
  return new Triplex(url, rest);
}
