// Polls on a timer without ever overlapping two calls: the admin page's heartbeat (`GET /rooms` every
// two seconds), slowing down while the server fails and stopping for good when told to.

/** Between two polls while all is well. */
export const POLL_MS = 2000;
/** Longest wait between two failed polls. */
export const MAX_BACKOFF_MS = 30_000;

/**
 * Wait after `failures` failed polls in a row: POLL_MS doubling up to MAX_BACKOFF_MS, or the
 * server's `Retry-After` when it is longer. No jitter: one page polls one server, no herd to spread.
 */
export function retryDelay(failures: number, retryAfterMs: number | null = null): number {
  const backoff = failures <= 0 ? POLL_MS : Math.min(MAX_BACKOFF_MS, POLL_MS * 2 ** (failures - 1));
  return Math.max(backoff, retryAfterMs ?? 0);
}

/** Runs `task` now and again after each run, waiting the delay (ms) it returns; null stops polling. */
export class Poller {
  readonly #task: () => Promise<number | null>;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #busy = false;
  #again = false;
  #stopped = true;

  constructor(task: () => Promise<number | null>) {
    this.#task = task;
  }

  /** Starts (or restarts) polling with a call right away. */
  start(): void {
    this.#stopped = false;
    this.poll();
  }

  /** Polls now instead of waiting for the timer (after the current call, if one is running). */
  poll(): void {
    if (this.#stopped) return;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    if (this.#busy) {
      this.#again = true;
      return;
    }
    void this.#run();
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  async #run(): Promise<void> {
    this.#busy = true;
    let delay: number | null;
    try {
      delay = await this.#task();
    } finally {
      this.#busy = false;
    }
    if (delay === null) {
      this.#stopped = true;
      return;
    }
    if (this.#stopped) return;
    if (this.#again) {
      this.#again = false;
      this.poll();
      return;
    }
    this.#timer = setTimeout(() => this.poll(), delay);
  }
}
