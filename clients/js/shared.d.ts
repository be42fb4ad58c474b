// Type declarations of src/shared.js: tabs sharing one connection through a SharedWorker.
import type {
  ClientConfig, FallbackEvent, HistoryResult, Position, PresenceResult, StateEvent, SubscribeOptions,
  Subscription, Triplex, TriplexOptions,
} from './triplex';

/** The Triplex API, served by the SharedWorker's client (callbacks and getToken stay in the tab). */
export declare class SharedTriplex {
  constructor(url: string, options: TriplexOptions, port: MessagePort);
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

/** A SharedTriplex when the browser has SharedWorker (and `shared` is not false), else a Triplex. */
export declare function createTriplex(url: string,
  options?: TriplexOptions & { shared?: boolean; workerUrl?: string | URL }): Triplex | SharedTriplex;

/** The worker side: call connect(port) for each tab. */
export declare function serveTabs(makeClient?: (url: string, options: TriplexOptions) => Triplex): {
  connect(port: MessagePort): void;
  clients: Map<string, unknown>;
  tabs: Set<unknown>;
};
