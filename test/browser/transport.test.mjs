// Transports in a real browser: fallback when WebSocket (and then SSE) is blocked, the visible
// switch that forces each pattern, and a server killed and restarted under the pages.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Server, launchBrowser, openUser, typeInto, uniqDoc, waitConverged, waitFor, waitTransport, scaled, metric,
} from './lib/harness.mjs';

const T = { timeout: scaled(90000) };

describe('transports', () => {
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

  test('WebSocket blocked: SSE; SSE blocked too: long-poll; no edit lost', T, async () => {
    const doc = uniqDoc('fallback');
    const carol = await openUser(browser, server, { user: 'carol', doc });
    await waitTransport(carol.page, 'doc', 'websocket');
    const WS_ACCEPTED = 'triplex_connections_accepted_total{transport="ws"}';
    const wsBefore = await metric(server, WS_ACCEPTED);
    assert.ok(wsBefore >= 1, `carol's WebSocket counted (${wsBefore})`);
    const alice = await openUser(browser, server, { user: 'alice', doc, block: { websocket: true } });
    const bob = await openUser(browser, server, { user: 'bob', doc, block: { websocket: true, sse: true } });
    const pages = [carol.page, alice.page, bob.page];
    try {
      await waitTransport(carol.page, 'doc', 'websocket');
      await waitTransport(alice.page, 'doc', 'sse');
      await waitTransport(bob.page, 'doc', 'longpoll');
      await waitTransport(bob.page, 'notify', 'longpoll');
      // The blocked WebSockets never reached the server.
      assert.equal(await metric(server, WS_ACCEPTED), wsBefore);
      // Two type at once (at the two ends of the text), on two transports.
      await typeInto(alice.page, '[alice over sse]');
      await waitConverged(pages, ['[alice over sse]']);
      await Promise.all([
        typeInto(carol.page, '[carol over websocket]', { delay: 8 }),
        typeInto(bob.page, '[bob over long-poll]', { where: 'start', delay: 8 }),
      ]);
      await waitConverged(pages, ['[carol over websocket]', '[alice over sse]', '[bob over long-poll]']);
      // A second round, in the other order, so every transport both sends and receives.
      const parts = ['[carol over websocket]', '[alice over sse]', '[bob over long-poll]'];
      for (const [p, s] of [[bob.page, ' bob2'], [alice.page, ' alice2'], [carol.page, ' carol2']]) {
        await typeInto(p, s);
        parts.push(s);
        await waitConverged(pages, parts);
      }
      // A mention still reaches the long-poll user.
      await alice.page.fill('#mention-to', 'bob');
      await alice.page.fill('#mention-text', 'fallback works');
      await alice.page.click('#mention-btn');
      await waitFor(bob.page, () => document.querySelector('#notifications li[data-from="alice"]'), 'mention on long-poll');
    } finally {
      await Promise.all([carol.close(), alice.close(), bob.close()]);
    }
  });

  test('the switch forces each pattern, and edits carry across', T, async () => {
    const doc = uniqDoc('switch');
    const alice = await openUser(browser, server, { user: 'alice', doc });
    const bob = await openUser(browser, server, { user: 'bob', doc });
    try {
      const parts = [];
      for (const mode of ['websocket', 'sse', 'longpoll', 'websocket']) {
        await alice.page.check(`input[name="transport"][value="${mode}"]`);
        await waitTransport(alice.page, 'doc', mode);
        await waitFor(alice.page, () => document.getElementById('sync-status').dataset.synced === 'true', 'resynced');
        const mine = ` a-${mode}-${parts.length}`;
        const theirs = ` b-${mode}-${parts.length}`;
        await typeInto(alice.page, mine);
        parts.push(mine);
        await waitConverged([alice.page, bob.page], parts);
        await typeInto(bob.page, theirs);
        parts.push(theirs);
        await waitConverged([alice.page, bob.page], parts);
      }
    } finally {
      await alice.close();
      await bob.close();
    }
  });

  test('the server is killed and restarted on the same port: the pages resume and converge', T, async () => {
    const doc = uniqDoc('restart');
    const alice = await openUser(browser, server, { user: 'alice', doc });
    const bob = await openUser(browser, server, { user: 'bob', doc, transport: 'sse' });
    try {
      await waitTransport(bob.page, 'doc', 'sse');
      await typeInto(alice.page, 'before the crash. ');
      await waitConverged([alice.page, bob.page], ['before the crash. ']);
      await typeInto(bob.page, 'bob too. ');
      await waitConverged([alice.page, bob.page], ['before the crash. ', 'bob too. ']);

      const port = server.port;
      await server.kill();
      for (const p of [alice.page, bob.page]) {
        await waitFor(p, () => document.getElementById('conn-state').textContent !== 'connected', 'page sees the drop');
      }
      // Edits made while the server is down are kept and sent once it is back.
      await typeInto(alice.page, 'alice offline. ');
      await typeInto(bob.page, 'bob offline. ', { where: 'start' });

      await server.restartOnSamePort();
      assert.equal(server.port, port);
      const parts = ['before the crash. ', 'bob too. ', 'alice offline. ', 'bob offline. '];
      await waitConverged([alice.page, bob.page], parts);
      for (const p of [alice.page, bob.page]) {
        await waitFor(p, () => document.getElementById('conn-state').textContent === 'connected', 'reconnected');
      }
      // Live again in both directions.
      await typeInto(alice.page, 'after restart.');
      await waitConverged([alice.page, bob.page], [...parts, 'after restart.']);
      // And someone arriving now gets the whole document.
      const carol = await openUser(browser, server, { user: 'carol', doc });
      try {
        await waitConverged([alice.page, bob.page, carol.page], [...parts, 'after restart.']);
      } finally {
        await carol.close();
      }
    } finally {
      await alice.close();
      await bob.close();
    }
  });
});
