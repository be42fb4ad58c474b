// Long-poll requests (§3.3) with a deadline: GET /poll?channel=..[&cursor=..][&timeout=S].

import { channelQuery } from './sse.mjs';
import { scaled } from './time.mjs';

/**
 * One poll. Resolves with {status, headers, json, text, elapsedMs}. The HTTP deadline is the
 * poll timeout plus a margin, so a poll that is never answered fails instead of hanging.
 */
export async function poll(server, { channels, cursor, timeout, query, signal, marginMs = 5000 } = {}) {
  const q = query ?? channelQuery(channels, { cursor, timeout });
  const limitMs = (timeout ?? 25) * 1000 + scaled(marginMs);
  const signals = [AbortSignal.timeout(limitMs)];
  if (signal) signals.push(signal);
  const started = Date.now();
  let res;
  let text;
  try {
    res = await fetch(server.url(`/poll?${q}`), { signal: AbortSignal.any(signals) });
    text = await res.text();
  } catch (e) {
    throw await server.explain(e, `GET /poll?${q}`);
  }
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, json, text, elapsedMs: Date.now() - started };
}

/** poll() that requires 200 and a {cursor, messages[]} body. */
export async function pollOk(server, opts) {
  const r = await poll(server, opts);
  if (r.status !== 200 || !r.json || typeof r.json.cursor !== 'string' ||
      !Array.isArray(r.json.messages)) {
    throw new Error(`poll ${JSON.stringify(opts)} -> ${r.status} ${r.text.slice(0, 300)}`);
  }
  return r;
}
