// Type declarations of the Triplex JavaScript client (src/triplex.js). See docs/client.md.

export type TransportName = 'websocket' | 'sse' | 'longpoll';
export type TransportHint = 'auto' | TransportName;
export type ConnectionState = 'connecting' | 'connected' | 'disconnected';

/** A channel position (spec §1): epoch string and offset of the last durable message. */
export interface Position {
  epoch: string;
  offset: number;
}

/** A durable message has epoch/offset; an ephemeral one has neither. */
export interface MessageEnvelope<T = unknown> {
  type: 'message';
  channel: string;
  epoch?: string;
  offset?: number;
  data: T;
}

export interface JoinEnvelope {
  type: 'join';
  channel: string;
  client: string;
  user: string;
  info: Record<string, unknown>;
  first: boolean;
}

export interface LeaveEnvelope {
  type: 'leave';
  channel: string;
  client: string;
  user: string;
  last: boolean;
}

/** Messages up to epoch/offset are lost to this subscription; delivery goes on after it. */
export interface GapEnvelope {
  type: 'gap';
  channel: string;
  epoch: string;
  offset: number;
}

export type Envelope = MessageEnvelope | JoinEnvelope | LeaveEnvelope | GapEnvelope;

/** Error with the server's HTTP-like code (400, 401, 403, 404, 413, 429, 503); 0 = network. */
export declare class TriplexError extends Error {
  code: number;
  constructor(code: number, message: string);
}

export interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

export interface TriplexOptions {
  /** A JWT, given to the server on every transport. */
  token?: string;
  /** Called at start (when there is no token) and before the token's `exp` (refresh). */
  getToken?: () => string | Promise<string>;
  /** Allowed transports, best first. Default ['websocket', 'sse', 'longpoll']. */
  transports?: TransportName[];
  /** Implementations; default globalThis.WebSocket / EventSource / fetch. */
  WebSocket?: unknown;
  /** When given, SSE goes through it instead of fetch (then a buffering proxy is only seen as no `open`). */
  EventSource?: unknown;
  fetch?: typeof fetch;
  /** 'fetch' (default when fetch is there) or 'eventsource'. */
  sse?: 'fetch' | 'eventsource';
  /** Remembers failed transports per origin; default localStorage when present; null = memory only. */
  storage?: StorageLike | null;
  /** ms to open a transport and hear the first byte/reply before falling back. Default 5000. */
  openTimeout?: number;
  /** Reconnect delay: uniform in [0, min(max, base * 2^attempt)). Default {base: 500, max: 30000}. */
  backoff?: { base?: number; max?: number };
  /** Drops within dropWindow ms that make an `auto` subscription fall back. Default 3 in 30000. */
  maxDrops?: number;
  dropWindow?: number;
  /** ms a failed transport is skipped on this origin. Default 600000 (10 min). */
  rememberFor?: number;
  /** ms on a fallback transport before trying the better one again. Default 60000. */
  retryBetterAfter?: number;
  /** Long-poll `timeout` in seconds. Default 25. */
  pollTimeout?: number;
  /** ms for publish / presence / history. Default 10000. */
  requestTimeout?: number;
}

export interface SubscribeOptions<T = unknown> {
  /** Default 'auto': the namespace hint of GET /client-config, else the rule in docs/client.md. */
  transport?: TransportHint;
  /** Resume point: messages after it are replayed (or a gap is reported). */
  since?: Position;
  onMessage?: (data: T, envelope: MessageEnvelope<T>) => void;
  onJoin?: (envelope: JoinEnvelope) => void;
  onLeave?: (envelope: LeaveEnvelope) => void;
  onGap?: (envelope: GapEnvelope) => void;
  /** 403 / 400 (the subscription ends), 401 or token errors (it goes on retrying). */
  onError?: (error: TriplexError | Error) => void;
}

export interface Subscription {
  readonly channel: string;
  /** {epoch, offset} of the last durable message delivered (or the start position); null before. */
  readonly position: Position | null;
  /** The transport carrying it now; null while it is being moved. */
  readonly transport: TransportName | null;
  /** The requested transport ('auto' unless forced). */
  readonly requested: TransportHint;
  /** False once unsubscribed or refused. */
  readonly active: boolean;
  unsubscribe(): void;
  /** Forces a transport, or goes back to 'auto'; resumes from `position` without loss. */
  setTransport(transport: TransportHint): Promise<void>;
}

export interface StateEvent {
  state: ConnectionState;
  transport: TransportName;
}

export interface FallbackEvent {
  /** The transport given up. */
  transport: TransportName;
  reason: string;
}

export interface PresenceMember {
  client: string;
  user: string;
  info: Record<string, unknown>;
}

export interface PresenceResult {
  members: PresenceMember[];
  clients: number;
  users: number;
  truncated: boolean;
}

export interface HistoryResult {
  epoch: string;
  offset: number;
  messages: MessageEnvelope[];
}

export interface ClientConfig {
  default: { transport: TransportHint };
  namespaces: Record<string, { transport: TransportHint; presence: boolean }>;
}

export declare class Triplex {
  constructor(url: string, options?: TriplexOptions);
  readonly url: string;
  /** connected when every transport in use is connected; disconnected when none is in use. */
  readonly state: ConnectionState;
  on(event: 'state', listener: (s: StateEvent) => void): this;
  on(event: 'fallback', listener: (f: FallbackEvent) => void): this;
  off(event: 'state' | 'fallback', listener: (...args: any[]) => void): this;
  /** GET /client-config (fetched once). */
  config(): Promise<ClientConfig>;
  /** One subscription per channel and client: subscribing again before unsubscribe throws. */
  subscribe<T = unknown>(channel: string, options?: SubscribeOptions<T>): Subscription;
  /** Over the WebSocket when open, else POST /publish. {epoch, offset} (durable) or {} (ephemeral). */
  publish(channel: string, data: unknown,
    options?: { ephemeral?: boolean; key?: string }): Promise<Position | Record<string, never>>;
  presence(channel: string): Promise<PresenceResult>;
  history(channel: string, options?: { since?: Position; limit?: number }): Promise<HistoryResult>;
  close(): void;
}

export declare function encodeCursor(
  entries: Array<[string, string, number]> | Map<string, Position | null> | Record<string, Position | null>,
): string;
export declare function decodeCursor(cursor: string): Array<[string, string, number]>;
export declare function backoffDelay(attempt: number,
  options?: { base?: number; max?: number; random?: () => number }): number;
export declare function jwtExpiry(token: string | null | undefined): number | null;
export declare function chooseTransport(channel: string, config: ClientConfig | null,
  published?: Set<string>): TransportName;
export declare function transportChain(requested: TransportHint, preferred: TransportName,
  allowed?: TransportName[], isBad?: (t: TransportName) => boolean): TransportName[];
export declare function classify(position: Position | null, envelope: Envelope):
  'deliver' | 'ephemeral' | 'duplicate' | 'gap' | 'stale-gap' | 'presence';

export default Triplex;
