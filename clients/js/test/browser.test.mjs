// The client in a real browser: headless Chromium (skipped when there is none) loads a page served
// by triplex (static_dir) that uses src/triplex.js with the native WebSocket, fetch-read SSE and
// long-poll, and src/shared.js through a real SharedWorker. Driven over the DevTools protocol.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';
import { startServer } from './lib/server.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

test('in Chromium: every transport, and two clients sharing one SharedWorker connection',
  { timeout: 45000, skip: existsSync(CHROMIUM) ? false : `no browser at ${CHROMIUM}` }, async (t) => {
    const site = mkdtempSync(path.join(tmpdir(), 'triplex-js-site-'));
    mkdirSync(path.join(site, 'js'));
    for (const f of readdirSync(path.join(here, '..', 'src'))) {
      copyFileSync(path.join(here, '..', 'src', f), path.join(site, 'js', f));
    }
    copyFileSync(path.join(here, 'browser', 'index.html'), path.join(site, 'index.html'));
    const server = await startServer(`static_dir = "${site}"
[namespaces.doc]
transport = "websocket"
presence = true
client_publish = true
anonymous_publish = true
`);
    const profile = mkdtempSync(path.join(tmpdir(), 'triplex-js-chromium-'));
    const browser = spawn(CHROMIUM, ['--headless', '--no-sandbox', '--disable-gpu',
      '--disable-background-networking', '--remote-debugging-port=0', `--user-data-dir=${profile}`,
      'about:blank'], { stdio: ['ignore', 'ignore', 'pipe'] });
    t.after(async () => {
      browser.kill('SIGKILL');
      await server.stop();
      rmSync(site, { recursive: true, force: true });
      rmSync(profile, { recursive: true, force: true });
    });
    let err = '';
    const devtools = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no DevTools URL\n${err}`)), 20000);
      browser.stderr.on('data', (d) => {
        err += d;
        const m = /DevTools listening on (ws:\/\/\S+)/.exec(err);
        if (m) { clearTimeout(timer); resolve(m[1]); }
      });
    });
    const list = await (await fetch(`http://127.0.0.1:${new URL(devtools).port}/json/list`)).json();
    const ws = new WebSocket(list.find((x) => x.type === 'page').webSocketDebuggerUrl);
    await new Promise((r, j) => { ws.once('open', r); ws.once('error', j); });
    let id = 0;
    const pending = new Map();
    ws.on('message', (d) => {
      const m = JSON.parse(d);
      pending.get(m.id)?.(m);
      pending.delete(m.id);
    });
    const send = (method, params = {}) => new Promise((r) => {
      id += 1;
      pending.set(id, r);
      ws.send(JSON.stringify({ id, method, params }));
    });
    await send('Page.navigate', { url: `${server.base}/` });
    let text = '';
    const deadline = Date.now() + 30000;
    while (!text.includes('DONE') && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 300));
      const res = await send('Runtime.evaluate',
        { expression: "document.getElementById('out')?.textContent ?? ''" });
      text = res.result?.result?.value ?? '';
    }
    ws.close();
    assert.ok(text.includes('DONE'), text);
    assert.doesNotMatch(text, /ERROR/);
    for (const tr of ['websocket', 'sse', 'longpoll']) {
      assert.match(text, new RegExp(`${tr}: state=connected transport=${tr} got=\\["x1","x2"\\]`), text);
    }
    assert.match(text, /shared: true/);
    assert.match(text, /shared got a=\["s1"\] b=\["s1"\] presence clients=1/, text);
  });
