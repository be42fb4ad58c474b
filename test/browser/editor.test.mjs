// The collaborative editor demo in a real browser (Debian's chromium via playwright-core) against
// the real triplex binary: convergence, presence, mentions, late joiners beyond the history.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import {
  Server, launchBrowser, openUser, typeInto, uniqDoc, waitConverged, waitFor, waitTransport, editorText,
  scaled, API_KEY,
} from './lib/harness.mjs';
import { composeScreenshot } from './lib/screenshot.mjs';

const T = { timeout: scaled(60000) };

describe('collab editor', () => {
  let server;
  let browser;
  before(async () => {
    server = await new Server().start();
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('two users edit concurrently and converge; typing shows; the page tells the transport', T, async () => {
    const doc = uniqDoc('conv');
    const alice = await openUser(browser, server, { user: 'alice', doc });
    const bob = await openUser(browser, server, { user: 'bob', doc });
    try {
      await waitTransport(alice.page, 'doc', 'websocket'); // the doc namespace's hint
      await waitTransport(alice.page, 'notify', 'sse');
      await typeInto(alice.page, 'Hello from alice. ');
      await waitConverged([alice.page, bob.page], ['Hello from alice. ']);
      // Both at once: alice at the end, bob at the start.
      await Promise.all([
        typeInto(alice.page, 'Alice adds this line.', { delay: 10 }),
        typeInto(bob.page, 'Bob was here first! ', { where: 'start', delay: 10 }),
      ]);
      const text = await waitConverged([alice.page, bob.page],
        ['Hello from alice. ', 'Alice adds this line.', 'Bob was here first! ']);
      assert.ok(text.startsWith('Bob was here first! '), text);
      // Typing indicator: bob's keystrokes show on alice's page.
      await typeInto(bob.page, '!');
      await waitFor(alice.page, () => document.getElementById('typing').dataset.users?.includes('bob'), 'bob typing on alice');
      assert.deepEqual(alice.errors, []);
      assert.deepEqual(bob.errors, []);
    } finally {
      await alice.close();
      await bob.close();
    }
  });

  test('the viewer list follows joins and leaves', T, async () => {
    const doc = uniqDoc('viewers');
    const viewers = (page) => page.locator('#viewers li').evaluateAll((lis) => lis.map((li) => li.dataset.user));
    const alice = await openUser(browser, server, { user: 'alice', doc });
    try {
      await waitFor(alice.page, () => document.querySelector('#viewers li[data-user="alice"]'), 'alice lists herself');
      const bob = await openUser(browser, server, { user: 'bob', doc });
      const carol = await openUser(browser, server, { user: 'carol', doc });
      for (const p of [alice.page, bob.page, carol.page]) {
        await waitFor(p, () => ['alice', 'bob', 'carol'].every((u) => document.querySelector(`#viewers li[data-user="${u}"]`)),
          'alice, bob and carol listed');
      }
      await bob.close();
      await waitFor(alice.page, () => !document.querySelector('#viewers li[data-user="bob"]'), 'bob gone from alice');
      await waitFor(carol.page, () => !document.querySelector('#viewers li[data-user="bob"]'), 'bob gone from carol');
      assert.deepEqual(await viewers(alice.page), ['alice', 'carol']);
      await carol.close();
      await waitFor(alice.page, () => !document.querySelector('#viewers li[data-user="carol"]'), 'carol gone');
      assert.deepEqual(await viewers(alice.page), ['alice']);
    } finally {
      await alice.close();
    }
  });

  test('an @-mention arrives as a notification over SSE', T, async () => {
    const doc = uniqDoc('mention');
    const alice = await openUser(browser, server, { user: 'alice', doc });
    const bob = await openUser(browser, server, { user: 'bob', doc });
    try {
      await waitTransport(alice.page, 'notify', 'sse');
      await bob.page.fill('#mention-to', '@alice');
      await bob.page.fill('#mention-text', 'please look at the intro');
      await bob.page.click('#mention-btn');
      await waitFor(alice.page, () => {
        const li = document.querySelector('#notifications li[data-from="bob"]');
        return li && li.textContent.includes('please look at the intro') && li.textContent.includes('doc:');
      }, 'the mention on alice');
      await waitFor(alice.page, () => document.querySelector('#toasts .toast'), 'a toast');
      // Nobody else gets it.
      assert.equal(await bob.page.locator('#notifications li').count(), 0);
    } finally {
      await alice.close();
      await bob.close();
    }
  });

  test('a late joiner converges after more edits than the history holds', T, async () => {
    const doc = uniqDoc('late');
    const alice = await openUser(browser, server, { user: 'alice', doc });
    let offset;
    try {
      // 150 separate durable updates: history (100) no longer holds the first ones.
      offset = await alice.page.evaluate(async () => {
        const { sync } = window.demo;
        for (let i = 0; i < 150; i++) {
          sync.text.insert(sync.text.length, `${i % 10}`);
          await sync.flush();
        }
        await sync.flush();
        return sync.offset;
      });
      assert.ok(offset >= 150, `offset ${offset}`);
      await typeInto(alice.page, ' end of alice');
      await waitFor(alice.page, () => window.demo.sync.outbox.length === 0 && !window.demo.sync.flushing
        && !window.demo.sync.unsent.length, 'alice flushed');
    } finally {
      await alice.close(); // nobody is left to answer a state request: history alone must do
    }
    const bob = await openUser(browser, server, { user: 'bob', doc });
    try {
      const expected = `${'0123456789'.repeat(15)} end of alice`;
      await waitFor(bob.page, (want) => document.getElementById('editor').value === want, 'bob has it all', expected);
    } finally {
      await bob.close();
    }
  });

  test('a client back from a long disconnect converges, its offline edits too', T, async () => {
    const doc = uniqDoc('away');
    const alice = await openUser(browser, server, { user: 'alice', doc });
    const bob = await openUser(browser, server, { user: 'bob', doc });
    try {
      await typeInto(alice.page, 'shared start. ');
      await waitConverged([alice.page, bob.page], ['shared start. ']);
      // Bob's network goes away: new connections fail, and the server drops the ones he has.
      await bob.context.setOffline(true);
      const res = await fetch(`${server.base}/api/disconnect`, {
        method: 'POST', headers: { 'X-API-Key': API_KEY }, body: JSON.stringify({ user: 'bob' }),
      });
      assert.equal(res.status, 200, await res.text());
      await waitFor(bob.page, () => document.getElementById('conn-state').textContent !== 'connected', 'bob offline');
      await typeInto(bob.page, 'bob wrote this offline. ', { where: 'start' });
      // Meanwhile alice makes more edits than the channel's history holds.
      await alice.page.evaluate(async () => {
        const { sync } = window.demo;
        for (let i = 0; i < 130; i++) {
          sync.text.insert(sync.text.length, `${i % 10}`);
          await sync.flush();
        }
      });
      assert.ok(!(await editorText(bob.page)).includes('0123456789'), 'bob was really away');
      await bob.context.setOffline(false);
      const text = await waitConverged([alice.page, bob.page],
        ['shared start. ', 'bob wrote this offline. ', '0123456789'.repeat(13)]);
      assert.ok(text.startsWith('bob wrote this offline. '), text);
      // He resumed past what the history still held: the client reported a gap.
      assert.ok(await bob.page.evaluate(() => window.demo.sync.gaps) >= 1, 'bob saw a gap');
    } finally {
      await alice.close();
      await bob.close();
    }
  });

  test('screenshot: two windows editing together', T, async () => {
    const doc = 'welcome';
    const size = { width: 900, height: 560 };
    const alice = await openUser(browser, server, { user: 'alice', doc, viewport: size });
    const bob = await openUser(browser, server, { user: 'bob', doc, viewport: size });
    try {
      await typeInto(alice.page, 'Meeting notes\n\n- Triplex serves WebSocket, SSE and long-poll from one binary.\n', { delay: 2 });
      await waitConverged([alice.page, bob.page], ['Meeting notes']);
      await typeInto(bob.page, '- Edits merge with a Yjs CRDT, whatever the transport.\n', { delay: 2 });
      await waitConverged([alice.page, bob.page], ['Yjs CRDT']);
      await bob.page.fill('#mention-to', '@alice');
      await bob.page.fill('#mention-text', 'can you check the list?');
      await bob.page.click('#mention-btn');
      await waitFor(alice.page, () => document.querySelector('#notifications li'), 'the mention');
      await typeInto(alice.page, '- Mentions arrive over SSE', { delay: 5 });
      await waitFor(bob.page, () => document.getElementById('typing').dataset.users?.includes('alice'), 'alice typing');
      await waitConverged([alice.page, bob.page], ['Mentions arrive over SSE']);
      await waitFor(bob.page, () => document.querySelector('#viewers li[data-user="alice"]'), 'alice viewing');
      await waitFor(alice.page, () => document.querySelector('#viewers li[data-user="bob"]'), 'bob viewing');
      await bob.page.locator('#editor').blur();
      const out = process.env.TRIPLEX_SCREENSHOT
        || path.join(server.tmp, 'collab-editor.png');
      mkdirSync(path.dirname(out), { recursive: true });
      const bytes = await composeScreenshot(browser, [
        { title: 'alice — http://127.0.0.1:8080/', png: await alice.page.screenshot() },
        { title: 'bob — http://127.0.0.1:8080/', png: await bob.page.screenshot() },
      ], out);
      assert.ok(bytes > 10000 && bytes < 300 * 1024, `screenshot is ${bytes} bytes`);
      assert.equal(await editorText(alice.page), await editorText(bob.page));
    } finally {
      await alice.close();
      await bob.close();
    }
  });
});
