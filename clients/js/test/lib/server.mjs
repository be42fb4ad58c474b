// Test harness: the real triplex binary on 127.0.0.1 (port 0 unless given), plus small helpers.
// Modelled on test/integration/lib/server.mjs (not imported: this package stands alone).
import { spawn } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const PKG = path.resolve(here, '..', '..'); // clients/js
export const TRIPLEX_BIN = process.env.TRIPLEX_BIN
  ? path.resolve(PKG, process.env.TRIPLEX_BIN)
  : path.resolve(PKG, '..', '..', 'build', 'triplex');
export const API_KEY = 'test-key';
const LISTENING_RE = /triplex listening on http:\/\/127\.0\.0\.1:(\d+)/;

const live = new Set();
process.on('exit', () => { for (const c of live) c.kill('SIGKILL'); });

export class Server {
  constructor() {
    this.port = 0;
    this.output = '';
  }

  get base() { return `http://127.0.0.1:${this.port}`; }

  /** Starts triplex with `config` (TOML text); `port` 0 picks a free one. */
  async start(config = '', { port = 0, timeoutMs = 10000 } = {}) {
    if (!existsSync(TRIPLEX_BIN)) {
      throw new Error(`triplex binary not found at ${TRIPLEX_BIN}: run scripts/build.sh build or set TRIPLEX_BIN`);
    }
    this.tmp = mkdtempSync(path.join(tmpdir(), 'triplex-js-'));
    const file = path.join(this.tmp, 'triplex.toml');
    writeFileSync(file, config);
    const argv = ['--listen', `127.0.0.1:${port}`, '--api-key', API_KEY, '--threads', '1',
      '--config', file];
    const child = spawn(TRIPLEX_BIN, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    live.add(child);
    this.exited = new Promise((r) => child.once('exit', (code, signal) => {
      live.delete(child);
      r({ code, signal });
    }));
    child.stderr.on('data', (d) => { this.output += d; });
    await new Promise((resolve, reject) => {
      let buf = '';
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`triplex did not start within ${timeoutMs} ms\n${this.output}`));
      }, timeoutMs);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`triplex exited with ${code} at start\n${this.output}`));
      });
      child.stdout.on('data', (d) => {
        this.output += d;
        buf += d;
        const m = LISTENING_RE.exec(buf);
        if (m && !this.port) {
          this.port = Number(m[1]);
          clearTimeout(timer);
          resolve();
        } else if (m) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    return this;
  }

  /** SIGTERM (or `signal`) and wait for the exit, SIGKILL after 8 s. */
  async stop(signal = 'SIGTERM') {
    if (!this.child) return null;
    this.child.kill(signal);
    let timer;
    const res = await Promise.race([this.exited, new Promise((r) => {
      timer = setTimeout(() => { this.child.kill('SIGKILL'); r(null); }, 8000);
    })]);
    clearTimeout(timer);
    if (!res) await this.exited;
    if (this.tmp) rmSync(this.tmp, { recursive: true, force: true });
    this.tmp = null;
    return res;
  }

  /** POST /api/publish with the API key; resolves with {epoch, offset}. */
  async publish(channel, data) {
    const res = await fetch(`${this.base}/api/publish`, {
      method: 'POST',
      headers: { 'X-API-Key': API_KEY, 'Content-Type': 'application/json' },
      body: JSON.stringify({ channel, data }),
      signal: AbortSignal.timeout(5000),
    });
    const body = await res.json();
    if (!res.ok) throw new Error(`api publish ${res.status} ${JSON.stringify(body)}`);
    return body.result ?? body;
  }
}

export async function startServer(config, opts) {
  return new Server().start(config, opts);
}

/** A fresh channel name in namespace `ns`. */
let n = 0;
export function uniq(ns, prefix = 't') {
  n += 1;
  return `${ns ? `${ns}:` : ''}${prefix}_${n}_${randomBytes(3).toString('hex')}`;
}

/** Polls `fn` every 20 ms until it returns truthy; throws after `ms` with `what`. */
export async function waitFor(fn, ms, what) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** An HS256 JWT signed with `secret`. `ttl` in seconds (may be fractional). */
export function mintToken(secret, { sub, ttl = 60, channels, publish } = {}) {
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const now = Date.now() / 1000;
  const input = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub, iat: Math.floor(now),
    exp: Math.round((now + ttl) * 1000) / 1000, channels, publish })}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

/** Subscribes with callbacks that record everything: {sub, messages, gaps, errors, joins}. */
export function record(t, channel, opts = {}) {
  const rec = { messages: [], envelopes: [], gaps: [], errors: [], joins: [], leaves: [] };
  rec.sub = t.subscribe(channel, {
    ...opts,
    onMessage: (data, env) => { rec.messages.push(data); rec.envelopes.push(env); },
    onGap: (env) => rec.gaps.push(env),
    onError: (e) => rec.errors.push(e),
    onJoin: (env) => rec.joins.push(env),
    onLeave: (env) => rec.leaves.push(env),
  });
  return rec;
}

/** A storage object ({getItem, setItem}) backed by a Map. */
export function memoryStorage() {
  const m = new Map();
  return { getItem: (k) => m.get(k) ?? null, setItem: (k, v) => m.set(k, String(v)), map: m };
}
