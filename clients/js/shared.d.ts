// Type declarations of src/shared.js: tabs sharing one connection through a SharedWorker.
import type {
  ClientConfig, FallbackEvent, HistoryResult, Position, PresenceResult, StateEvent, SubscribeOptions,
  Subscription, Triplex, TriplexOptions,
} from './triplex';

/** The Triplex API, served by the SharedWorker's client (callbacks and getToken stay in the tab). */
export declare class SharedTriplex {
  constructor(url: string, options: TriplexOptions, port: MessagePort | null);
  readonly url: string;
  readonly state: 'connecting' | 'connected' | 'disconnected';
  on(event: 'state', listener: (s: StateEvent) => void): this;
  on(event: 'fallback', listener: (f: FallbackEvent) => void): this;
  off(event: 'state' | 'fallback', listener: (...args: any[]) => void): this;
  config(): Promise<ClientConfig>;
  subscribe<T = unknown>(channel: string, options?: SubscribeOptions<T>): Subscription;
  publish(channel: string, data: unknown,
    options?: { ephemeral?: boolean; key?: string }): Promise<Position | Record<string, never>>;
  presence(channel: string): Promise<PresenceResult>;
  history(channel: string, options?: { since?: Position; limit?: number }): Promise<HistoryResult>;
  /** Also called on `pagehide`. */
  close(): void;
}

/** The part of the Web Locks API the election uses (navigator.locks). */
export interface LockManagerLike {
  request(name: string, callback: (lock: unknown) => Promise<unknown> | unknown): Promise<unknown>;
}

/**
 * Where SharedWorker is missing: the tabs elect a leader with Web Locks; the leader's Triplex
 * serves every tab, the others over a BroadcastChannel; when the leader goes, the next tab takes
 * over and every tab resumes its subscriptions from their positions.
 */
export declare class ElectedTriplex extends SharedTriplex {
  constructor(url: string, options?: TriplexOptions, env?: {
    BroadcastChannel?: typeof BroadcastChannel; locks?: LockManagerLike; name?: string;
    makeClient?: (url: string, options: TriplexOptions) => Triplex;
  });
  /** This tab's id on the BroadcastChannel. */
  readonly tabId: string;
  /** The leader tab's id (this tab's when it leads), null while there is none. */
  readonly leaderId: string | null;
  readonly isLeader: boolean;
  on(event: 'leader', listener: (l: { leader: boolean; id: string }) => void): this;
  on(event: 'state', listener: (s: StateEvent) => void): this;
  on(event: 'fallback', listener: (f: FallbackEvent) => void): this;
}

/**
 * A SharedTriplex when the browser has SharedWorker (and `shared` is not false), else an
 * ElectedTriplex when it has BroadcastChannel and Web Locks (in a page, or with `locks` given),
 * else a Triplex.
 */
export declare function createTriplex(url: string,
  options?: TriplexOptions & {
    shared?: boolean; workerUrl?: string | URL;
    locks?: LockManagerLike; BroadcastChannel?: typeof BroadcastChannel;
    makeClient?: (url: string, options: TriplexOptions) => Triplex;
  }): Triplex | SharedTriplex | ElectedTriplex;

/** The worker side: call connect(port) for each tab. */
export declare function serveTabs(makeClient?: (url: string, options: TriplexOptions) => Triplex,
  options?: { /** tabs ping this often; one silent for 3 periods is dropped (default 5000) */ heartbeatMs?: number }): {
  connect(port: MessagePort): void;
  clients: Map<string, unknown>;
  tabs: Set<unknown>;
};
