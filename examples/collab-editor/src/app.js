// The collaborative editor demo: a Yjs document over a Triplex `doc:` channel, presence,
// typing indicators, @-mentions delivered on `notify#<name>`, and a switch that forces the
// real-time pattern. URL parameters: ?user=NAME (join at once), ?doc=ID (default "demo"),
// ?transport=auto|websocket|sse|longpoll.
import { Triplex } from '/client/triplex.js';
import { DocSync } from './doc-sync.js';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const docId = (params.get('doc') || 'demo').replace(/[^A-Za-z0-9_\-.]/g, '') || 'demo';
const channel = `doc:${docId}`;
const TRANSPORTS = ['auto', 'websocket', 'sse', 'longpoll'];

const state = {
  user: null,
  token: null,
  triplex: null,
  sync: null,
  notifySub: null,
  viewers: new Map(), // user -> number of connections seen through join/leave
  typing: new Map(), // user -> time of the last typing signal
  notifications: [],
};
window.demo = state; // for the browser tests and the curious

// ---- joining --------------------------------------------------------------------------------

async function fetchToken(user) {
  const res = await fetch(`/demo/token?user=${encodeURIComponent(user)}`);
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(body?.error?.message || `token endpoint: HTTP ${res.status}`);
  return body.token;
}

async function join(user) {
  $('join-error').hidden = true;
  try {
    state.token = await fetchToken(user);
  } catch (e) {
    $('join-error').textContent = `Could not get a token: ${e.message}`;
    $('join-error').hidden = false;
    return;
  }
  state.user = user;
  $('join-view').hidden = true;
  $('editor-view').hidden = false;
  $('doc-name').textContent = channel;
  $('me').textContent = user;
  document.title = `${user} · ${channel} · Triplex`;

  const t = new Triplex(location.origin, {
    getToken: async () => (state.token = await fetchToken(user)),
  });
  state.triplex = t;
  t.on('state', (s) => {
    $('conn-last').textContent = s?.transport ? `(${s.transport}: ${s.state})` : '';
    refreshTransports();
    if (s?.state === 'connected' || s?.state === 'open') state.sync?.flush();
  });

  const sync = new DocSync(t, channel, {
    onStatus: (text, synced) => {
      $('sync-status').textContent = text;
      $('sync-status').dataset.synced = String(synced);
    },
    onTyping: (who) => { state.typing.set(who, Date.now()); renderTyping(); },
    onJoin: (env) => { presenceEvents += 1; addViewer(env.user); refreshPresence(); },
    onLeave: (env) => { presenceEvents += 1; if (env.last !== false) removeViewer(env.user); refreshPresence(); },
    onSubscribed: () => refreshPresence(),
  });
  state.sync = sync;
  bindTextarea($('editor'), sync);
  sync.subscribe(currentTransport());

  // Mentions arrive on the user's own channel. It is read-only and low-frequency, so `auto`
  // picks SSE for it (falling back to long-poll where SSE does not get through).
  state.notifySub = t.subscribe(`notify#${user}`, {
    transport: 'auto',
    onMessage: (data) => notify(data),
  });
  setInterval(refreshTransports, 1000);
  setInterval(renderTyping, 500);
  setInterval(refreshPresence, 10000);
}

// ---- the textarea <-> Y.Text binding --------------------------------------------------------

function bindTextarea(area, sync) {
  const ytext = sync.text;
  area.value = ytext.toString();
  let lastTyping = 0;
  area.addEventListener('input', () => {
    const next = area.value;
    const prev = ytext.toString();
    let start = 0;
    while (start < next.length && start < prev.length && next[start] === prev[start]) start++;
    let end = 0;
    while (end < next.length - start && end < prev.length - start &&
           next[next.length - 1 - end] === prev[prev.length - 1 - end]) end++;
    sync.doc.transact(() => {
      const removed = prev.length - start - end;
      if (removed > 0) ytext.delete(start, removed);
      if (next.length - start - end > 0) ytext.insert(start, next.slice(start, next.length - end));
    }, 'local');
    const now = Date.now();
    if (now - lastTyping > 1500) {
      lastTyping = now;
      sync.typing(state.user);
    }
  });
  ytext.observe((event, tr) => {
    if (tr.origin === 'local') return;
    let a = area.selectionStart;
    let b = area.selectionEnd;
    let pos = 0;
    for (const d of event.delta) {
      if (d.retain) pos += d.retain;
      else if (d.insert) {
        const n = d.insert.length;
        if (pos < a || (pos === a && a !== b)) a += n;
        if (pos < b) b += n;
        pos += n;
      } else if (d.delete) {
        const n = d.delete;
        if (a > pos) a -= Math.min(n, a - pos);
        if (b > pos) b -= Math.min(n, b - pos);
      }
    }
    area.value = ytext.toString();
    if (document.activeElement === area) area.setSelectionRange(a, b);
    area.dataset.length = String(area.value.length);
  });
}

// ---- transport panel and switch -------------------------------------------------------------

function currentTransport() {
  const checked = document.querySelector('input[name="transport"]:checked');
  return checked ? checked.value : 'auto';
}

function subTransport(sub) {
  if (!sub) return '';
  const tr = typeof sub.transport === 'function' ? sub.transport() : sub.transport;
  return tr ?? '';
}

function refreshTransports() {
  $('conn-state').textContent = state.triplex?.state ?? 'idle';
  const doc = subTransport(state.sync?.sub);
  const notif = subTransport(state.notifySub);
  for (const [id, value] of [['doc-transport', doc], ['notify-transport', notif]]) {
    $(id).textContent = value || '–';
    $(id).dataset.transport = value || '';
  }
  $('viewers-note').hidden = doc !== 'longpoll';
}

function setupSwitch() {
  const initial = params.get('transport');
  if (TRANSPORTS.includes(initial)) document.querySelector(`input[name="transport"][value="${initial}"]`).checked = true;
  for (const input of document.querySelectorAll('input[name="transport"]')) {
    input.addEventListener('change', () => {
      if (!state.sync) return;
      state.sync.subscribe(currentTransport());
      refreshTransports();
    });
  }
}

// ---- presence and typing --------------------------------------------------------------------

function addViewer(user) {
  if (!user) return;
  state.viewers.set(user, (state.viewers.get(user) ?? 0) + 1);
  renderViewers();
}

function removeViewer(user) {
  state.viewers.delete(user);
  renderViewers();
}

// Join/leave events seen: a presence answer requested before the latest one may be stale.
let presenceEvents = 0;

async function refreshPresence() {
  if (!state.triplex) return;
  const seen = presenceEvents;
  try {
    const p = await state.triplex.presence(channel);
    if (seen !== presenceEvents) return; // a newer request, sent after that event, follows
    const users = new Map();
    for (const m of p.members ?? []) if (m.user) users.set(m.user, (users.get(m.user) ?? 0) + 1);
    state.viewers = users;
    renderViewers();
  } catch (e) {
    console.warn('presence failed', e);
  }
}

function renderViewers() {
  const list = $('viewers');
  const names = new Set([state.user, ...state.viewers.keys()]);
  list.replaceChildren(...[...names].sort().map((name) => {
    const li = document.createElement('li');
    li.textContent = name === state.user ? `${name} (you)` : name;
    li.dataset.user = name;
    if (name !== state.user) {
      li.title = `mention @${name}`;
      li.addEventListener('click', () => { $('mention-to').value = `@${name}`; $('mention-text').focus(); });
    }
    return li;
  }));
}

function renderTyping() {
  const now = Date.now();
  for (const [u, at] of state.typing) if (now - at > 3000) state.typing.delete(u);
  const who = [...state.typing.keys()];
  const el = $('typing');
  el.textContent = who.length ? `${who.join(', ')} ${who.length > 1 ? 'are' : 'is'} typing…` : '';
  el.dataset.users = who.join(',');
}

// ---- mentions and notifications -------------------------------------------------------------

async function sendMention(ev) {
  ev.preventDefault();
  const to = $('mention-to').value.trim().replace(/^@/, '');
  const text = $('mention-text').value.trim() || `${state.user} mentioned you`;
  const status = $('mention-status');
  try {
    const res = await fetch('/demo/mention', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ token: state.token, to, doc: channel, text }),
    });
    if (!res.ok) throw new Error((await res.json().catch(() => ({})))?.error?.message || `HTTP ${res.status}`);
    status.textContent = `@${to} notified`;
    $('mention-text').value = '';
  } catch (e) {
    status.textContent = `mention failed: ${e.message}`;
  }
}

function notify(data) {
  if (!data || typeof data !== 'object') return;
  state.notifications.push(data);
  const line = `@${data.from} on ${data.doc}: ${data.text}`;
  const li = document.createElement('li');
  li.textContent = line;
  li.dataset.from = data.from ?? '';
  $('notifications').prepend(li);
  const toast = document.createElement('div');
  toast.className = 'toast';
  toast.textContent = `Mention: ${line}`;
  $('toasts').append(toast);
  setTimeout(() => toast.remove(), 5000);
}

// ---- start ----------------------------------------------------------------------------------

setupSwitch();
$('join-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const name = $('name').value.trim();
  if (name) join(name);
});
$('mention-form').addEventListener('submit', sendMention);
const preset = params.get('user');
if (preset) {
  $('name').value = preset;
  join(preset);
}
