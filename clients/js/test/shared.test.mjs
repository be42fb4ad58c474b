// Tabs sharing one connection through the hub (what the SharedWorker runs), over MessagePorts.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import { Triplex } from '../src/triplex.js';
import { SharedTriplex, serveTabs } from '../src/shared.js';
import { record, startServer, uniq, waitFor } from './lib/server.mjs';

const CONFIG = `
[namespaces.doc]
transport = "websocket"
presence = true
join_leave = true
client_publish = true
anonymous_publish = true
`;

let server;
before(async () => { server = await startServer(CONFIG); });
after(async () => { await server.stop(); });

// A hub whose connections are real Triplex clients over `ws`; `made` lists them.
function wsHub(opts) {
  const made = [];
  const hub = serveTabs((url, o) => {
    const t = new Triplex(url, { ...o, WebSocket, storage: null });
    made.push(t);
    return t;
  }, opts);
  return { hub, made };
}

test('two tabs, one connection: both receive, presence counts one client, late tab replays',
  { timeout: 15000 }, async () => {
    const { hub, made } = wsHub();
    const tab = () => {
      const { port1, port2 } = new MessageChannel();
      hub.connect(port1);
      return { t: new SharedTriplex(server.base, {}, port2), port1 };
    };
    const a = tab();
    const b = tab();
    const ch = uniq('doc');
    const ra = record(a.t, ch);
    const rb = record(b.t, ch);
    await waitFor(() => ra.sub.transport === 'websocket' && a.t.state === 'connected', 5000, 'connected');
    assert.equal(made.length, 1, 'one client for both tabs');
    const p1 = await a.t.publish(ch, 1);
    await b.t.publish(ch, 2);
    await waitFor(() => ra.messages.length === 2 && rb.messages.length === 2, 5000, 'both tabs');
    assert.deepEqual(ra.messages, [1, 2]);
    assert.deepEqual(rb.messages, [1, 2]);
    assert.deepEqual(rb.sub.position, { epoch: p1.epoch, offset: 2 });
    const pr = await b.t.presence(ch);
    assert.equal(pr.clients, 1, 'presence counts the browser once');

    // A third tab resuming from before message 1 gets the replay, then live messages, once each.
    const c = tab();
    const rc = record(c.t, ch, { since: { epoch: p1.epoch, offset: 0 } });
    await waitFor(() => rc.messages.length === 2, 5000, 'replay for the late tab');
    await server.publish(ch, 3);
    await waitFor(() => [ra, rb, rc].every((r) => r.messages.length === 3), 5000, 'live to all');
    assert.deepEqual(rc.messages, [1, 2, 3]);

    // Tabs leave; the connection stays while one tab is there, and closes with the last.
    b.t.close();
    rc.sub.unsubscribe();
    await server.publish(ch, 4);
    await waitFor(() => ra.messages.length === 4, 5000, 'tab a still receives');
    assert.equal(rb.messages.length, 3);
    assert.equal(rc.messages.length, 3);
    a.t.close();
    c.t.close();
    await waitFor(() => hub.tabs.size === 0 && hub.clients.size === 0, 3000, 'hub empty');
    for (const x of [a, b, c]) x.port1.close();
  });

test('a tab dropped for silence (throttled timers) starts over on its next message, losing nothing',
  { timeout: 15000 }, async () => {
    const { hub, made } = wsHub({ heartbeatMs: 100 }); // the tab pings every 5 s: dropped after 300 ms
    const { port1, port2 } = new MessageChannel();
    hub.connect(port1);
    const a = new SharedTriplex(server.base, {}, port2);
    const ch = uniq('doc');
    const ra = record(a, ch);
    await waitFor(() => ra.sub.position && a.state === 'connected', 5000, 'connected');
    await a.publish(ch, 1);
    await waitFor(() => ra.messages.length === 1, 5000, 'first message');
    await waitFor(() => hub.tabs.size === 0 && hub.clients.size === 0, 3000, 'dropped for silence');
    await server.publish(ch, 2);
    const keep = setInterval(() => a._send({ op: 'ping' }), 50); // a visible tab again
    const pr = await a.presence(ch); // the next message: the hub asks the tab to start over
    assert.equal(typeof pr.clients, 'number');
    await waitFor(() => ra.messages.length === 2, 5000, 'missed message replayed');
    await server.publish(ch, 3);
    await waitFor(() => ra.messages.length === 3, 5000, 'live again');
    assert.deepEqual(ra.messages, [1, 2, 3]);
    assert.equal(made.length, 2);
    clearInterval(keep);
    a.close();
    await waitFor(() => hub.tabs.size === 0 && hub.clients.size === 0, 3000, 'hub empty');
    port1.close();
  });
