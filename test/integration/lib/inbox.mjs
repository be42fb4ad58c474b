// An ordered, awaitable queue of things a client received (WS events, SSE lines, raw frames).
// Tests wait on it for events instead of sleeping. Every wait has a deadline; a timeout error
// names what was being waited for and shows the last items seen, so a failure explains itself.

export class Inbox {
  /** @param {string} label shown in timeout messages */
  constructor(label) {
    this.label = label;
    this.items = []; // everything ever pushed, for diagnostics
    this.pos = 0; // index of the first item not yet consumed
    this.endReason = null; // set once the source is gone; pending waits then fail fast
    this.wakers = new Set();
  }

  push(item) {
    this.items.push(item);
    this.#wake();
  }

  /** The source is gone (socket closed, stream ended): waits that cannot be satisfied fail. */
  end(reason = 'ended') {
    if (this.endReason === null) this.endReason = reason;
    this.#wake();
  }

  get ended() {
    return this.endReason !== null;
  }

  /** Items not consumed yet, without consuming them. */
  pending() {
    return this.items.slice(this.pos);
  }

  /** Consumes and returns every item available now. */
  drain() {
    const out = this.items.slice(this.pos);
    this.pos = this.items.length;
    return out;
  }

  /**
   * Consumes items in order until one matches `pred`, and returns it. Items that do not match are
   * consumed and skipped. Rejects after `ms` or when the source ends first.
   */
  async next(pred = () => true, ms = 5000, what = 'an item') {
    const deadline = Date.now() + ms;
    for (;;) {
      while (this.pos < this.items.length) {
        const item = this.items[this.pos++];
        if (pred(item)) return item;
      }
      if (this.ended) throw this.#error(`source ended (${this.endReason}) before ${what}`);
      const left = deadline - Date.now();
      if (left <= 0) throw this.#error(`timed out after ${ms} ms waiting for ${what}`);
      await this.#sleepUntilPush(left);
    }
  }

  /** Consumes and returns the next `n` items that match `pred`, in order. */
  async take(n, pred = () => true, ms = 5000, what = 'items') {
    const deadline = Date.now() + ms;
    const out = [];
    while (out.length < n) {
      const left = Math.max(1, deadline - Date.now());
      out.push(await this.next(pred, left, `${what} (${out.length}/${n} received)`));
    }
    return out;
  }

  #sleepUntilPush(ms) {
    return new Promise((resolve) => {
      const waker = () => {
        clearTimeout(timer);
        this.wakers.delete(waker);
        resolve();
      };
      const timer = setTimeout(waker, ms);
      this.wakers.add(waker);
    });
  }

  #wake() {
    for (const w of [...this.wakers]) w();
  }

  #error(msg) {
    const tail = this.items.slice(-8).map((i) => short(i)).join('\n    ');
    return new Error(`[${this.label}] ${msg}; last items seen:\n    ${tail || '(none)'}`);
  }
}

function short(item) {
  let s;
  try {
    s = JSON.stringify(item, (k, v) =>
      v && v.type === 'Buffer' && Array.isArray(v.data) ? `<${v.data.length} bytes>` : v,
    );
  } catch {
    s = String(item);
  }
  return s.length > 300 ? `${s.slice(0, 300)}...` : s;
}
