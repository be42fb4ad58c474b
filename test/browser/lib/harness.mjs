// The browser tests' harness: the real triplex binary (TRIPLEX_BIN, default build/triplex) on
// 127.0.0.1 port 0 with a config like examples/dev.toml serving the built demo
// (examples/collab-editor/dist, or TRIPLEX_DEMO_DIR), and Debian's chromium driven by
// playwright-core. Every wait has a deadline; nothing sleeps to synchronise.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = path.resolve(here, '..', '..', '..');
export const TRIPLEX_BIN = path.resolve(process.env.TRIPLEX_BIN || path.join(REPO_ROOT, 'build', 'triplex'));
export const DEMO_DIR = path.resolve(process.env.TRIPLEX_DEMO_DIR || path.join(REPO_ROOT, 'examples', 'collab-editor', 'dist'));
export const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium';
export const SCALE = Number(process.env.TRIPLEX_TIME_SCALE || 1) || 1;
export const scaled = (ms) => Math.round(ms * SCALE);
export const WAIT_MS = scaled(15000);

const LISTENING_RE = /triplex listening on http:\/\/127\.0\.0\.1:(\d+)/;
const live = new Set();
process.on('exit', () => { for (const c of live) c.kill('SIGKILL'); });

export const uniqDoc = (prefix) => `${prefix}_${randomBytes(4).toString('hex')}`;

export const API_KEY = 'browser-test-key';

export function demoConfig(extra = '') {
  return `api_key = "${API_KEY}"
static_dir = ${JSON.stringify(DEMO_DIR)}
threads = 2

[auth]
jwt_secret = "browser-test-secret-0123456789abcdef0123456789"

[demo]
token_endpoint = true

[defaults]
history_size = 100
history_ttl = "5m"

[sse]
retry = "500ms"

[namespaces.doc]
client_publish = true
presence = true
join_leave = true
transport = "websocket"
history_size = 100
history_ttl = "1h"

[namespaces.notify]
transport = "sse"
${extra}`;
}

/** The triplex process. start() listens on port 0 the first time, on the same port afterwards. */
export class Server {
  constructor(config = demoConfig()) {
    if (!existsSync(TRIPLEX_BIN)) throw new Error(`no triplex binary at ${TRIPLEX_BIN} (scripts/build.sh build)`);
    if (!existsSync(path.join(DEMO_DIR, 'index.html'))) throw new Error(`no built demo in ${DEMO_DIR} (examples/collab-editor/build.sh)`);
    this.tmp = mkdtempSync(path.join(tmpdir(), 'triplex-browser-'));
    this.configFile = path.join(this.tmp, 'triplex.toml');
    writeFileSync(this.configFile, config);
    this.port = 0;
    this.output = '';
    this.child = null;
  }

  get base() { return `http://127.0.0.1:${this.port}`; }

  async start() {
    const child = spawn(TRIPLEX_BIN, ['--config', this.configFile, '--listen', `127.0.0.1:${this.port}`],
      { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    live.add(child);
    this.exited = new Promise((resolve) => child.on('exit', (code, signal) => { live.delete(child); resolve({ code, signal }); }));
    const port = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`triplex did not start within ${scaled(15000)} ms:\n${this.output}`)), scaled(15000));
      const onData = (chunk) => {
        this.output = (this.output + chunk.toString()).slice(-20000);
        const m = LISTENING_RE.exec(this.output);
        if (m) { clearTimeout(timer); resolve(Number(m[1])); }
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`triplex exited (${code}) before listening:\n${this.output}`)); });
    });
    this.output = '';
    this.port = port;
    return this;
  }

  /** SIGKILL: no drain, no goodbye; clients see their connections drop. */
  async kill() {
    this.child.kill('SIGKILL');
    await this.exited;
  }

  async stop() {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), scaled(10000));
      await this.exited;
      clearTimeout(timer);
    }
    rmSync(this.tmp, { recursive: true, force: true });
  }

  async restartOnSamePort() {
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      try {
        return await this.start();
      } catch (e) {
        // The port may still be held for a moment after the kill: retry until the deadline.
        if (Date.now() > deadline) throw e;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }
}

/** The value of one metric line of GET /metrics, e.g. 'triplex_connections_accepted_total{transport="ws"}'. */
export async function metric(server, name) {
  const text = await (await fetch(`${server.base}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.slice(name.length + 1)) : 0;
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
}

// Replaces window.WebSocket (in the page and in workers it starts) with one whose handshake
// always fails, as behind a proxy that refuses upgrades.
const FAILING_WEBSOCKET = `(() => {
  class BlockedWebSocket extends EventTarget {
    static CONNECTING = 0; static OPEN = 1; static CLOSING = 2; static CLOSED = 3;
    constructor(url) {
      super();
      this.url = String(url); this.readyState = 0; this.protocol = ''; this.extensions = '';
      this.binaryType = 'blob'; this.bufferedAmount = 0;
      this.onopen = null; this.onmessage = null; this.onerror = null; this.onclose = null;
      setTimeout(() => {
        this.readyState = 3;
        const err = new Event('error');
        this.onerror?.(err); this.dispatchEvent(err);
        const close = new CloseEvent('close', { code: 1006, reason: '', wasClean: false });
        this.onclose?.(close); this.dispatchEvent(close);
      }, 10);
    }
    send() { throw new DOMException('WebSocket is not open', 'InvalidStateError'); }
    close() {}
  }
  globalThis.WebSocket = BlockedWebSocket;
  globalThis.__triplexWebSocketBlocked = true;
})();`;

/**
 * A browser context (one user's window) on the demo. block: {websocket, sse} makes those
 * transports fail: WebSocket through context.routeWebSocket (closing every /ws connection before
 * it opens; with an older playwright-core without it, a failing WebSocket constructor instead),
 * SSE by aborting every /sse request.
 */
export async function openUser(browser, server, { user, doc, transport, block = {}, viewport } = {}) {
  const context = await browser.newContext({ viewport: viewport ?? { width: 1000, height: 640 } });
  if (block.websocket) {
    if (typeof context.routeWebSocket === 'function') {
      // The page's real WebSocket, refused by the browser's network layer (never reaches the server).
      await context.routeWebSocket(/\/ws(\?|$)/, (ws) => ws.close({ code: 1011, reason: 'blocked by test' }));
    } else {
      await context.addInitScript(FAILING_WEBSOCKET);
    }
  }
  if (block.sse) await context.route(/\/sse(\?|$)/, (route) => route.abort('connectionrefused'));
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  const q = new URLSearchParams({ user, doc });
  if (transport) q.set('transport', transport);
  await page.goto(`${server.base}/?${q}`);
  await waitFor(page, () => document.getElementById('sync-status').dataset.synced === 'true', `${user} synced`);
  return { context, page, user, errors, close: () => context.close() };
}

/** Polls fn in the page until it returns a truthy value, or fails with `what` at the deadline. */
export async function waitFor(page, fn, what, arg, timeout = WAIT_MS) {
  try {
    const handle = await page.waitForFunction(fn, arg, { timeout, polling: 50 });
    return await handle.jsonValue();
  } catch (e) {
    const snapshot = await page.evaluate(() => ({
      text: document.getElementById('editor')?.value,
      status: document.getElementById('sync-status')?.textContent,
      conn: document.getElementById('transport-panel')?.innerText,
      viewers: document.getElementById('viewers')?.innerText,
    })).catch(() => ({}));
    throw new Error(`timed out waiting for ${what}: ${e.message.split('\n')[0]}\npage: ${JSON.stringify(snapshot)}`);
  }
}

export const editorText = (page) => page.locator('#editor').inputValue();

/** Types text at the end (or at `where`: 'start') of the editor, key by key. */
export async function typeInto(page, text, { where = 'end', delay = 15 } = {}) {
  const editor = page.locator('#editor');
  await editor.focus();
  await page.evaluate((w) => {
    const el = document.getElementById('editor');
    const at = w === 'start' ? 0 : el.value.length;
    el.setSelectionRange(at, at);
  }, where);
  await editor.pressSequentially(text, { delay });
}

/** Waits until every page shows the same text, containing every string of `parts`. */
export async function waitConverged(pages, parts) {
  const deadline = Date.now() + WAIT_MS;
  let last = [];
  for (;;) {
    last = await Promise.all(pages.map((p) => editorText(p)));
    const same = last.every((t) => t === last[0]);
    if (same && parts.every((s) => last[0].includes(s))) return last[0];
    if (Date.now() > deadline) {
      throw new Error(`pages did not converge on ${JSON.stringify(parts)}:\n${last.map((t, i) => `  [${i}] ${JSON.stringify(t)}`).join('\n')}`);
    }
    await pages[0].waitForTimeout(50); // a polling interval, bounded by the deadline above
  }
}

export const transportOf = (page, which = 'doc') =>
  page.locator(`#${which}-transport`).getAttribute('data-transport');

export async function waitTransport(page, which, expected) {
  return waitFor(page, ([id, want]) => document.getElementById(id).dataset.transport === want,
    `${which} transport ${expected}`, [`${which}-transport`, expected]);
}
