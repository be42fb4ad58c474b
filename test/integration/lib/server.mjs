// The real triplex binary on 127.0.0.1 port 0, plus small helpers to talk to it over HTTP.
//
// startServer() spawns `triplex --listen 127.0.0.1:0 --api-key test-key --threads 2 [--config F]`,
// waits (with a deadline) for `triplex listening on http://127.0.0.1:PORT` on stdout and keeps
// stdout/stderr for failure messages. stop() sends SIGTERM and resolves with the exit status.
// Nothing here sleeps to synchronise: waits are for events, and metric waits poll with a deadline.
//
// Other helpers are re-exported at the bottom so a test file needs one import.

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { metricValue, parseMetrics } from './metrics.mjs';
import { scaled } from './time.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = path.resolve(here, '..', '..', '..');
export const TRIPLEX_BIN = process.env.TRIPLEX_BIN
  ? path.resolve(process.env.TRIPLEX_BIN)
  : path.join(REPO_ROOT, 'build', 'triplex');
export const API_KEY = 'test-key';


const START_TIMEOUT_MS = scaled(Number(process.env.TRIPLEX_START_TIMEOUT_MS || 15000));
const STOP_TIMEOUT_MS = scaled(10000);
const VERBOSE = !!process.env.TRIPLEX_TEST_VERBOSE;
const LISTENING_RE = /triplex listening on http:\/\/(127\.0\.0\.1|\[::1\]|localhost):(\d+)/;

// Children still running when the test process exits are killed, so no run leaves a server behind.
const live = new Set();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** Per-test timeout option for node:test, scaled. */
export const T = (ms = 20000) => ({ timeout: scaled(ms) });

let uniqCounter = 0;
/** A fresh channel name (valid per spec §1) so tests sharing a server never see each other. */
export function uniq(prefix = 't', ns = '') {
  uniqCounter += 1;
  const name = `${prefix}_${uniqCounter}_${randomBytes(4).toString('hex')}`;
  return ns ? `${ns}:${name}` : name;
}

// ---------------------------------------------------------------- config files

/** Serialises a plain object into TOML: scalars and arrays first, then nested tables. */
export function toToml(obj) {
  const out = [];
  const walk = (o, name) => {
    const scalars = Object.entries(o).filter(([, v]) => !isTable(v));
    if (scalars.length) {
      if (name) out.push(`[${name}]`);
      for (const [k, v] of scalars) out.push(`${k} = ${tomlValue(v)}`);
      out.push('');
    }
    for (const [k, v] of Object.entries(o).filter(([, x]) => isTable(x))) {
      walk(v, name ? `${name}.${k}` : k);
    }
  };
  walk(obj, '');
  return out.join('\n');
}

const isTable = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Deep merge of config objects (later wins). */
export function mergeConfig(...parts) {
  const out = {};
  for (const p of parts) {
    for (const [k, v] of Object.entries(p ?? {})) {
      out[k] = isTable(v) && isTable(out[k]) ? mergeConfig(out[k], v) : v;
    }
  }
  return out;
}

/** The namespace most tests use: `doc:*` channels where anonymous WS clients may publish. */
export const DOC_NS = { namespaces: { doc: { client_publish: true, anonymous_publish: true } } };

function tomlValue(v) {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(tomlValue).join(', ')}]`;
  throw new Error(`cannot write ${typeof v} to TOML`);
}

// ---------------------------------------------------------------- the process

export class TriplexServer {
  constructor() {
    this.child = null;
    this.port = 0;
    this.host = '127.0.0.1';
    this.output = ''; // stdout+stderr, tail kept for messages
    this.exit = null; // {code, signal} once exited
    this.exited = null; // Promise<{code, signal}>
    this.tmp = null;
  }

  get base() {
    return `http://${this.host}:${this.port}`;
  }

  get wsBase() {
    return `ws://${this.host}:${this.port}`;
  }

  url(p) {
    return `${this.base}${p}`;
  }

  /** Last lines of the server's output, for assertion messages. */
  logTail(chars = 4000) {
    return this.output.length > chars ? `...${this.output.slice(-chars)}` : this.output;
  }

  #record(chunk) {
    const s = chunk.toString();
    if (VERBOSE) process.stderr.write(`[triplex:${this.port}] ${s}`);
    this.output += s;
    if (this.output.length > 200000) this.output = this.output.slice(-100000);
  }

  async start({ config, args = [], env = {} } = {}) {
    if (!existsSync(TRIPLEX_BIN)) {
      throw new Error(
        `triplex binary not found at ${TRIPLEX_BIN}: build it first or set TRIPLEX_BIN`,
      );
    }
    const argv = ['--listen', '127.0.0.1:0', '--api-key', API_KEY, '--threads', '2'];
    if (config) {
      this.tmp = mkdtempSync(path.join(tmpdir(), 'triplex-it-'));
      const file = path.join(this.tmp, 'triplex.toml');
      writeFileSync(file, typeof config === 'string' ? config : toToml(config));
      argv.push('--config', file);
    }
    argv.push(...args);
    const child = spawn(TRIPLEX_BIN, argv, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    });
    this.child = child;
    live.add(child);
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        live.delete(child);
        this.exit = { code, signal };
        resolve(this.exit);
      });
    });
    child.on('error', () => {}); // reported by #awaitListening; never an uncaught exception
    child.stderr.on('data', (d) => this.#record(d));
    await this.#awaitListening(child, argv);
    return this;
  }

  #awaitListening(child, argv) {
    return new Promise((resolve, reject) => {
      let stdoutBuf = '';
      let timer;
      const onError = (e) => fail(`spawn error: ${e.message}`);
      const onExit = (code, signal) => fail(`exited early with code ${code} signal ${signal}`);
      const done = () => {
        clearTimeout(timer);
        child.off('error', onError);
        child.off('exit', onExit);
      };
      const fail = (why) => {
        done();
        child.kill('SIGKILL');
        // A grandchild holding our pipes must not keep the test process alive.
        child.stdout.destroy();
        child.stderr.destroy();
        reject(new Error(`triplex did not start (${why}): ${TRIPLEX_BIN} ${argv.join(' ')}\n` +
          `--- output ---\n${this.logTail()}`));
      };
      timer = setTimeout(() => fail(`no listening line within ${START_TIMEOUT_MS} ms`),
        START_TIMEOUT_MS);
      child.on('error', onError);
      child.on('exit', onExit);
      child.stdout.on('data', (d) => {
        this.#record(d);
        if (this.port) return;
        stdoutBuf += d.toString();
        const m = LISTENING_RE.exec(stdoutBuf);
        if (!m) return;
        done();
        this.host = m[1] === 'localhost' ? '127.0.0.1' : m[1];
        this.port = Number(m[2]);
        resolve();
      });
    });
  }

  /**
   * Turns a client-side network error into one that says why: the cause (ECONNRESET...) and, if
   * the server died (crash, sanitizer abort), its exit status and last output.
   */
  async explain(err, what) {
    if (this.exit === null) await withDeadline(this.exited ?? Promise.resolve(), 200);
    const cause = err.cause ? ` (${err.cause.code ?? err.cause.message})` : '';
    const died = this.exit
      ? `\ntriplex EXITED: code ${this.exit.code} signal ${this.exit.signal}\n${this.logTail()}` : '';
    const out = new Error(`${what}: ${err.message}${cause}${died}`);
    out.cause = err;
    return out;
  }

  /** Sends a signal (default SIGTERM) without waiting. */
  kill(signal = 'SIGTERM') {
    if (this.child && this.exit === null) this.child.kill(signal);
  }

  /**
   * SIGTERM, then waits for exit. Resolves with {code, signal}; if the process outlives the
   * deadline it is SIGKILLed and this rejects. `expectClean` (default) also rejects on a non-zero
   * exit so leaks found by ASan at exit fail the suite.
   */
  async stop({ expectClean = true, timeoutMs = STOP_TIMEOUT_MS } = {}) {
    if (!this.child) return null;
    this.kill('SIGTERM');
    const res = await withDeadline(this.exited, timeoutMs);
    if (res === TIMEOUT) {
      this.child.kill('SIGKILL');
      await this.exited;
      this.#cleanup();
      throw new Error(`triplex did not exit within ${timeoutMs} ms of SIGTERM\n${this.logTail()}`);
    }
    this.#cleanup();
    if (expectClean && (res.code !== 0 || res.signal)) {
      throw new Error(`triplex exited with code ${res.code} signal ${res.signal} after SIGTERM\n` +
        this.logTail());
    }
    return res;
  }

  #cleanup() {
    if (this.tmp) rmSync(this.tmp, { recursive: true, force: true });
    this.tmp = null;
  }

  // -------------------------------------------------------------- HTTP

  /** fetch() on the server with a deadline. Returns {status, headers, text, json}. */
  async http(p, { method = 'GET', headers = {}, body, timeoutMs = scaled(5000) } = {}) {
    let res;
    let text;
    try {
      res = await fetch(this.url(p), {
        method,
        headers,
        body,
        signal: AbortSignal.timeout(timeoutMs),
      });
      text = await res.text();
    } catch (e) {
      throw await this.explain(e, `${method} ${p}`);
    }
    let json;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: res.status, headers: res.headers, text, json };
  }

  /** POST /api/<method> with the API key (or `key`, or none when key === null). */
  async api(method, body = {}, { key = API_KEY, raw } = {}) {
    const headers = { 'Content-Type': 'application/json' };
    if (key !== null) headers['X-API-Key'] = key;
    return this.http(`/api/${method}`, {
      method: 'POST',
      headers,
      body: raw !== undefined ? raw : JSON.stringify(body),
    });
  }

  /** api() that requires 200 and returns the result object (unwrapping a `result` member). */
  async apiOk(method, body = {}) {
    const r = await this.api(method, body);
    if (r.status !== 200) {
      throw new Error(`/api/${method} ${JSON.stringify(body).slice(0, 200)} -> ${r.status} ${r.text}`);
    }
    return apiResult(r.json);
  }

  /** Publishes through the server API; resolves with {epoch, offset} (offset absent if ephemeral). */
  apiPublish(channel, data, opts = {}) {
    return this.apiOk('publish', { channel, data, ...opts });
  }

  async healthz() {
    return (await this.http('/healthz')).status;
  }

  async metricsText() {
    const r = await this.http('/metrics');
    if (r.status !== 200) throw new Error(`/metrics -> ${r.status}`);
    return r.text;
  }

  /** Current value of a metric (sum over series whose labels include `labels`); 0 if absent. */
  async metric(name, labels = {}) {
    return metricValue(parseMetrics(await this.metricsText()).samples, name, labels);
  }

  /** Polls a metric until pred(value) holds or the deadline passes; returns the last value. */
  async waitMetric([name, labels], pred, ms = scaled(3000), what = '') {
    return until(() => this.metric(name, labels), pred, ms,
      `metric ${name}${JSON.stringify(labels)} ${what}`);
  }

  /** Runs fn and requires the metric [name, labels] to increase (by at least `by`) afterwards. */
  async expectIncrease(spec, fn, by = 1) {
    const before = await this.metric(...spec);
    const out = await fn();
    await this.waitMetric(spec, (v) => v >= before + by, scaled(3000), `(was ${before}, want +${by})`);
    return out;
  }
}

/** Starts a server; the caller stops it (usually in an after() hook). */
export async function startServer(opts) {
  return new TriplexServer().start(opts);
}

/** Answers of /api/* may be the result itself or wrapped as {"result": ...}; accept both. */
export function apiResult(json) {
  if (json && typeof json === 'object' && 'result' in json && !('epoch' in json)) return json.result;
  return json;
}

/**
 * Calls fn until pred(value) holds, every 25 ms, for at most ms; returns the last value or throws.
 * Only for state that has no event to wait for (metrics, /api/channels counts).
 */
export async function until(fn, pred, ms = scaled(3000), what = 'condition') {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (pred(v)) return v;
    if (Date.now() > deadline) {
      throw new Error(`${what} not reached within ${ms} ms (last value ${JSON.stringify(v)})`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}

export const TIMEOUT = Symbol('timeout');
/** Resolves with the promise's value, or TIMEOUT after ms. */
export function withDeadline(promise, ms) {
  let timer;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((r) => {
      timer = setTimeout(() => r(TIMEOUT), ms);
    }),
  ]);
}

/** Like withDeadline, but rejects with `what` on timeout. */
export async function within(promise, ms, what) {
  const r = await withDeadline(promise, ms);
  if (r === TIMEOUT) throw new Error(`timed out after ${ms} ms: ${what}`);
  return r;
}

export * from './time.mjs';
export * from './metrics.mjs';
export * from './cursor.mjs';
export * from './inbox.mjs';
export * from './ws.mjs';
export * from './sse.mjs';
export * from './raw.mjs';
export * from './longpoll.mjs';
