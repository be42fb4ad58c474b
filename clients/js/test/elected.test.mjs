// Where SharedWorker is missing: tabs elect a leader (Web Locks) that holds the one connection,
// the others talk to it over a BroadcastChannel. Node 20 has BroadcastChannel and MessageChannel
// but no navigator.locks: the test brings a small in-process lock manager (FIFO, like the browser's).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import { Triplex } from '../src/triplex.js';
import { ElectedTriplex, createTriplex } from '../src/shared.js';
import { record, startServer, uniq, waitFor } from './lib/server.mjs';

const CONFIG = `
[namespaces.doc]
transport = "websocket"
presence = true
client_publish = true
anonymous_publish = true
`;

let server;
before(async () => { server = await startServer(CONFIG); });
after(async () => { await server.stop(); });

/** navigator.locks.request(name, cb) for exclusive locks: granted in order, held until cb settles. */
function memoryLocks() {
  const queues = new Map();
  return {
    request(name, cb) {
      return new Promise((resolve, reject) => {
        if (!queues.has(name)) queues.set(name, []);
        const q = queues.get(name);
        const run = () => {
          Promise.resolve().then(() => cb({ name, mode: 'exclusive' })).then(resolve, reject).finally(() => {
            q.shift();
            if (q.length) q[0]();
          });
        };
        q.push(run);
        if (q.length === 1) run();
      });
    },
  };
}

test('tabs elect a leader: one connection, proxied calls, and a handover that loses nothing',
  { timeout: 20000 }, async () => {
    const locks = memoryLocks();
    const made = [];
    const makeClient = (url, o) => {
      const t = new Triplex(url, { ...o, WebSocket, storage: null });
      made.push(t);
      return t;
    };
    const tab = () => createTriplex(server.base, { locks, makeClient });
    const a = tab();
    assert.ok(a instanceof ElectedTriplex);
    await waitFor(() => a.isLeader, 3000, 'first tab leads');
    const b = tab();
    const c = tab();
    await waitFor(() => b.leaderId === a.tabId && c.leaderId === a.tabId, 3000, 'followers find the leader');
    assert.ok(!b.isLeader && !c.isLeader);

    const ch = uniq('doc');
    const ra = record(a, ch);
    const rb = record(b, ch);
    const rc = record(c, ch);
    await waitFor(() => a.state === 'connected' && b.state === 'connected' && rb.sub.transport === 'websocket',
      5000, 'connected through the leader');
    assert.equal(made.length, 1, 'one client for the three tabs');
    await waitFor(() => rb.sub.position && rc.sub.position, 3000, 'followers learn the start position');
    const p1 = await b.publish(ch, 1); // a follower's publish, proxied by the leader
    await a.publish(ch, 2);
    await waitFor(() => [ra, rb, rc].every((r) => r.messages.length === 2), 5000, 'all tabs receive');
    for (const r of [ra, rb, rc]) assert.deepEqual(r.messages, [1, 2]);
    assert.equal((await c.presence(ch)).clients, 1, 'presence counts the browser once');
    assert.equal((await b.history(ch, { since: { epoch: p1.epoch, offset: 0 } })).messages.length, 2);

    // The leader tab goes; messages keep coming while nobody holds the connection.
    a.close();
    await server.publish(ch, 3);
    await server.publish(ch, 4);
    await waitFor(() => b.isLeader && c.leaderId === b.tabId, 5000, 'the next tab takes over');
    assert.equal(made.length, 2, 'a new connection in the new leader');
    await waitFor(() => rb.messages.length === 4 && rc.messages.length === 4, 5000, 'resumed from positions');
    await c.publish(ch, 5);
    await waitFor(() => rb.messages.length === 5 && rc.messages.length === 5, 5000, 'live after handover');
    assert.deepEqual(rb.messages, [1, 2, 3, 4, 5]);
    assert.deepEqual(rc.messages, [1, 2, 3, 4, 5]);
    assert.deepEqual(ra.messages, [1, 2], 'the closed tab gets nothing more');
    assert.equal(rb.gaps.length + rc.gaps.length, 0);
    assert.deepEqual(rc.sub.position, { epoch: p1.epoch, offset: 5 });
    await waitFor(async () => (await b.presence(ch)).clients === 1, 5000, 'one client after handover');

    // A tab joining now learns the channel's position at once (no message needed), so that it
    // too resumes from there after the next handover.
    const d = tab();
    const rd = record(d, ch);
    await waitFor(() => rd.sub.position?.offset === 5, 3000, 'late tab gets the position');

    // The leader crashes (no goodbye: only its lock is released, as when a tab dies).
    b._closed = true;
    b._bus.close();
    for (const x of b._hub.clients.values()) x.t.close();
    b._release();
    for (const port of b._localPorts) port.close(); // a dead tab's ports are gone too
    clearInterval(b._ping);
    await server.publish(ch, 6);
    await waitFor(() => (c.isLeader && d.leaderId === c.tabId) || (d.isLeader && c.leaderId === d.tabId),
      5000, 'a tab takes over from the crashed leader');
    await waitFor(() => rc.messages.length === 6 && rd.messages.length === 1, 5000, 'resumed after the crash');
    assert.deepEqual(rc.messages, [1, 2, 3, 4, 5, 6]);
    assert.deepEqual(rd.messages, [6]);
    assert.equal(made.length, 3);

    // A follower leaving does not disturb the leader; the last tab closes the connection.
    const [leader, follower, rl, rf] = c.isLeader ? [c, d, rc, rd] : [d, c, rd, rc];
    follower.close();
    await server.publish(ch, 7);
    await waitFor(() => rl.messages.at(-1) === 7, 5000, 'leader still receives');
    assert.notEqual(rf.messages.at(-1), 7);
    leader.close();
    await waitFor(() => made.every((t) => t.state === 'disconnected'), 3000, 'connections closed');
  });
