// Prometheus text parsing and the metric names the suite asserts on. Every metric name and label
// the tests use is in METRIC below, so a renamed metric is a one-line fix here.

export const METRIC = {
  /** Requests/frames/commands refused, by reason (see REJECT). */
  rejected: (reason) => ['triplex_rejected_total', { reason }],
  /** Connections closed because their outbound queue overflowed (close 4008 on WS). */
  slowConsumerCloses: (transport = 'ws') => ['triplex_slow_consumer_closes_total', { transport }],
  /** Open connections (pending requests for long-poll) per transport: ws | sse | longpoll. */
  connections: (transport) => ['triplex_connections', { transport }],
  /** Keep-alive HTTP connections closed after http.idle_timeout without a request. */
  httpIdleCloses: () => ['triplex_http_idle_closes_total', {}],
  /** Worker flushes held back by delivery.flush_interval. */
  flushesDelayed: () => ['triplex_flushes_delayed_total', {}],
};

/** Reasons of triplex_rejected_total the tests expect to see counted. */
export const REJECT = {
  badChannel: 'bad_channel',
  badJson: 'bad_json',
  unknownOp: 'unknown_op',
  tooLarge: 'too_large',
  headerTooLarge: 'header_too_large',
  headerTimeout: 'header_timeout',
  tooManySubscriptions: 'too_many_subscriptions',
  badCursor: 'bad_cursor',
  badApiKey: 'bad_api_key',
  badFrame: 'bad_frame',
  badUtf8: 'bad_utf8',
};

const SAMPLE_RE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?[ \t]+(\S+)(?:[ \t]+-?\d+)?$/;
const LABEL_RE = /\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*(,|$)/y;
const META_RE = /^#\s+(HELP|TYPE)\s+([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\s+(.*))?$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

/**
 * Parses the Prometheus text exposition format (0.0.4). Returns {samples, types, errors}: samples
 * as {name, labels, value}; errors lists lines that are not valid exposition syntax.
 */
export function parseMetrics(text) {
  const samples = [];
  const types = new Map();
  const errors = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    if (line.startsWith('#')) {
      const m = META_RE.exec(line);
      if (m && m[1] === 'TYPE') {
        if (!TYPES.has(m[3])) errors.push(`bad TYPE: ${line}`);
        types.set(m[2], m[3]);
      }
      continue; // other comments are allowed
    }
    const m = SAMPLE_RE.exec(line);
    if (!m) {
      errors.push(line);
      continue;
    }
    const labels = parseLabels(m[2] ?? '');
    const value = parseValue(m[3]);
    if (labels === null || Number.isNaN(value) && m[3] !== 'NaN') {
      errors.push(line);
      continue;
    }
    samples.push({ name: m[1], labels, value });
  }
  return { samples, types, errors };
}

function parseLabels(s) {
  const labels = {};
  LABEL_RE.lastIndex = 0;
  while (LABEL_RE.lastIndex < s.length) {
    const start = LABEL_RE.lastIndex;
    const m = LABEL_RE.exec(s);
    if (!m || LABEL_RE.lastIndex === start) return s.slice(start).trim() === '' ? labels : null;
    labels[m[1]] = m[2].replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
  }
  return labels;
}

function parseValue(s) {
  if (s === '+Inf' || s === 'Inf') return Infinity;
  if (s === '-Inf') return -Infinity;
  return Number(s);
}

/** Sum of the samples named `name` whose labels include every pair of `labels`; 0 if none. */
export function metricValue(samples, name, labels = {}) {
  let sum = 0;
  for (const s of samples) {
    if (s.name !== name) continue;
    if (Object.entries(labels).every(([k, v]) => s.labels[k] === v)) sum += s.value;
  }
  return sum;
}
