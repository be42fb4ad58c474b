// Tabs without SharedWorker (removed by an init script, as in browsers that lack it): the pages of
// one origin elect a leader with Web Locks, the leader holds the one connection, the others talk
// to it over a BroadcastChannel (clients/js/src/shared.js, ElectedTriplex). Presence counts one
// client for three tabs, events reach every tab, and closing the leader tab hands the connection
// over to another without losing a message.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Server, REPO_ROOT, API_KEY, launchBrowser, waitFor, scaled, uniqDoc } from './lib/harness.mjs';

const T = { timeout: scaled(60000) };

const PAGE = `<!doctype html><html><body><pre id="out">loading</pre>
<script type="module">
import { createTriplex } from './js/shared.js';
const ch = new URLSearchParams(location.search).get('ch');
const t = createTriplex(location.origin, { storage: null });
window.t = t;
window.kind = t.constructor.name;
window.got = [];
window.gaps = [];
window.sub = t.subscribe(ch, { onMessage: (d) => window.got.push(d), onGap: (e) => window.gaps.push(e) });
document.getElementById('out').textContent = 'ready ' + window.kind;
</script></body></html>`;

let site;
let server;
let browser;

before(async () => {
  site = mkdtempSync(path.join(tmpdir(), 'triplex-tabs-site-'));
  cpSync(path.join(REPO_ROOT, 'clients', 'js', 'src'), path.join(site, 'js'), { recursive: true });
  writeFileSync(path.join(site, 'tabs.html'), PAGE);
  server = await new Server(`api_key = "${API_KEY}"
static_dir = ${JSON.stringify(site)}
threads = 2

[namespaces.doc]
transport = "websocket"
presence = true
client_publish = true
anonymous_publish = true
history_size = 100
`).start();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  if (site) rmSync(site, { recursive: true, force: true });
});

async function apiPublish(channel, data) {
  const res = await fetch(`${server.base}/api/publish`, {
    method: 'POST',
    headers: { 'X-API-Key': API_KEY, 'Content-Type': 'application/json' },
    body: JSON.stringify({ channel, data }),
  });
  assert.ok(res.ok, `api publish ${res.status}`);
}

test('no SharedWorker: one leader tab holds the connection, and hands it over when it closes', T, async () => {
  const context = await browser.newContext();
  await context.addInitScript(() => {
    try { delete globalThis.SharedWorker; } catch { /* ignore */ }
    if (globalThis.SharedWorker) globalThis.SharedWorker = undefined;
  });
  const ch = `doc:${uniqDoc('tabs')}`;
  const errors = [];
  const open = async () => {
    const page = await context.newPage();
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`${server.base}/tabs.html?ch=${encodeURIComponent(ch)}`);
    await waitFor(page, () => window.t && window.t.leaderId, 'a leader known');
    return page;
  };
  try {
    const p1 = await open();
    assert.equal(await p1.evaluate(() => typeof SharedWorker), 'undefined');
    assert.equal(await p1.evaluate(() => window.kind), 'ElectedTriplex');
    assert.equal(await p1.evaluate(() => window.t.isLeader), true, 'the first tab leads');
    const p2 = await open();
    const p3 = await open();
    const leader1 = await p1.evaluate(() => window.t.tabId);
    for (const p of [p2, p3]) {
      assert.equal(await p.evaluate(() => window.t.isLeader), false);
      assert.equal(await p.evaluate(() => window.t.leaderId), leader1);
    }
    const pages = [p1, p2, p3];
    for (const p of pages) {
      await waitFor(p, () => window.sub.transport === 'websocket' && window.t.state === 'connected'
        && window.sub.position, 'subscribed through the leader');
    }
    const presence = await p2.evaluate((c) => window.t.presence(c), ch);
    assert.equal(presence.clients, 1, `one client for three tabs: ${JSON.stringify(presence)}`);

    await p2.evaluate((c) => window.t.publish(c, 'from-follower'), ch);
    await p1.evaluate((c) => window.t.publish(c, 'from-leader'), ch);
    await apiPublish(ch, 'from-server');
    const first = ['from-follower', 'from-leader', 'from-server'];
    for (const p of pages) {
      await waitFor(p, (n) => window.got.length >= n, 'events in every tab', first.length);
      assert.deepEqual(await p.evaluate(() => window.got), first);
    }

    // The leader tab closes; messages published meanwhile must reach the other tabs.
    await p1.close();
    await apiPublish(ch, 'during-1');
    await apiPublish(ch, 'during-2');
    const rest = [p2, p3];
    await waitFor(p2, () => window.t.isLeader || window.t.leaderId !== null, 'a new leader');
    const leaders = await Promise.all(rest.map((p) => p.evaluate(() => window.t.isLeader)));
    assert.equal(leaders.filter(Boolean).length, 1, `exactly one new leader: ${leaders}`);
    const newLeader = rest[leaders.indexOf(true)];
    const newId = await newLeader.evaluate(() => window.t.tabId);
    for (const p of rest) {
      await waitFor(p, (id) => window.t.leaderId === id, 'follows the new leader', newId);
    }
    const want = [...first, 'during-1', 'during-2'];
    for (const p of rest) {
      await waitFor(p, (n) => window.got.length >= n, 'handover resumed', want.length);
    }
    await rest[1].evaluate((c) => window.t.publish(c, 'after'), ch);
    want.push('after');
    for (const p of rest) {
      await waitFor(p, (n) => window.got.length >= n, 'live after handover', want.length);
      assert.deepEqual(await p.evaluate(() => window.got), want, 'nothing lost or doubled');
      assert.deepEqual(await p.evaluate(() => window.gaps), []);
    }
    const after2 = await p3.evaluate((c) => window.t.presence(c), ch);
    assert.equal(after2.clients, 1, `one client for two tabs after handover: ${JSON.stringify(after2)}`);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});
