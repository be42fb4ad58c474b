// A raw Server-Sent Events reader over node:http, so tests see the status, the headers and every
// line (retry, comments, id/event/data) in the order the server wrote them.

import http from 'node:http';
import { Inbox } from './inbox.mjs';
import { WAIT_MS } from './time.mjs';

/** The query string for /sse and /poll: channel=A&channel=B[&cursor=..][&timeout=..]. */
export function channelQuery(channels, extra = {}) {
  const q = new URLSearchParams();
  for (const c of [].concat(channels)) q.append('channel', c);
  for (const [k, v] of Object.entries(extra)) if (v !== undefined && v !== null) q.append(k, String(v));
  return q.toString();
}

/**
 * Opens GET /sse. Options: channels, cursor, lastEventId, headers, path (overrides the URL).
 * Resolves once the response head arrived with an SseStream; `items` then receives, in order:
 *   {kind:'retry', value}  {kind:'comment', text}
 *   {kind:'event', id (undefined when no id: line), event, data, json}
 */
export function openSse(server, { channels = [], cursor, lastEventId, headers = {}, path,
  ms = WAIT_MS } = {}) {
  const p = path ?? `/sse?${channelQuery(channels, { cursor })}`;
  const h = { Accept: 'text/event-stream', ...headers };
  if (lastEventId !== undefined) h['Last-Event-ID'] = lastEventId;
  return new Promise((resolve, reject) => {
    const req = http.get({ host: server.host, port: server.port, path: p, headers: h, agent: false });
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`SSE ${p}: no response head within ${ms} ms`));
    }, ms);
    req.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    req.once('response', (res) => {
      clearTimeout(timer);
      resolve(new SseStream(req, res));
    });
  });
}

export class SseStream {
  constructor(req, res) {
    this.req = req;
    this.res = res;
    this.status = res.statusCode;
    this.headers = res.headers;
    this.items = new Inbox(`sse ${req.path}`);
    this.body = ''; // raw text, kept for error bodies and diagnostics
    this.pendingText = '';
    this.ev = { data: [], event: undefined, id: undefined };
    this.ended = new Promise((resolve) => {
      const finish = (why) => {
        this.items.end(why);
        resolve(why);
      };
      res.on('end', () => finish('end'));
      res.on('close', () => finish('close'));
      res.on('error', () => finish('error'));
    });
    res.setEncoding('utf8');
    res.on('data', (chunk) => this.#feed(chunk));
  }

  #feed(chunk) {
    this.body += chunk;
    if (this.body.length > 1 << 20) this.body = this.body.slice(-(1 << 19));
    this.pendingText += chunk;
    // Lines end in CRLF, LF or CR (a CR at the very end may still be followed by LF).
    for (;;) {
      const m = /\r\n|\n|\r(?=[^\n])/.exec(this.pendingText);
      if (!m) return;
      const line = this.pendingText.slice(0, m.index);
      this.pendingText = this.pendingText.slice(m.index + m[0].length);
      this.#line(line);
    }
  }

  #line(line) {
    if (line === '') return this.#dispatch();
    if (line.startsWith(':')) return this.items.push({ kind: 'comment', text: line.slice(1).trim() });
    const i = line.indexOf(':');
    const field = i < 0 ? line : line.slice(0, i);
    let value = i < 0 ? '' : line.slice(i + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.ev.data.push(value);
    else if (field === 'event') this.ev.event = value;
    else if (field === 'id') this.ev.id = value;
    else if (field === 'retry') this.items.push({ kind: 'retry', value: Number(value) });
    else this.items.push({ kind: 'unknown-field', field, value });
    return undefined;
  }

  #dispatch() {
    const { data, event, id } = this.ev;
    this.ev = { data: [], event: undefined, id: undefined };
    if (data.length === 0 && id === undefined && event === undefined) return;
    const text = data.join('\n');
    let json;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    this.items.push({ kind: 'event', id, event: event ?? 'message', data: text, json });
  }

  /** The next event (kind 'event') matching pred, skipping comments and others. */
  nextEvent(pred = () => true, ms = WAIT_MS, what = 'an SSE event') {
    return this.items.next((i) => i.kind === 'event' && pred(i), ms, what);
  }

  /** The next n events whose envelope is on `channel`, in order. */
  takeOn(channel, n, ms = WAIT_MS) {
    return this.items.take(n, (i) => i.kind === 'event' && i.json?.channel === channel, ms,
      `SSE events on ${channel}`);
  }

  close() {
    this.req.destroy();
    return this.ended;
  }
}
