// Group commit: writes that arrive while the previous commit is still becoming durable are made together.
//
// Why: every event that writes to Durable Object storage commits on its own, and the runtime holds the
// event's outgoing messages until that commit is on disk. With one commit per publish, many busy rooms
// on one machine queue behind each other's disk flushes (measured with wrangler dev: 10 rooms × 100
// publishes/s fell to a third of the offered load). Here the first publish is written at once; publishes that arrive during its flush
// are written in one turn, so they share the next commit.
//
// Bounded: at most `maxItems` items (or `maxBytes` of them) wait for storage at a time, counted from
// `submit` until their commit is durable. Beyond that `submit` refuses with `Overloaded`, so a slow disk
// turns into a retryable error for the publisher instead of a queue that grows without limit.

interface Pending<T, R> {
  item: T;
  bytes: number;
  resolve: (r: R) => void;
  reject: (e: unknown) => void;
}

/** Test seam of a committing object (room or sequencer): set through `runInDurableObject`; inert by default. */
export interface Faults {
  /** The next N storage writes of a publish throw (inside the append transaction). */
  failWrites: number;
  /** While set, each group commit waits for it before flushing (to fill the publish queue). */
  holdFlush: Promise<void> | null;
}

/** The queue is full: retry later (the item was not written). */
export class Overloaded extends Error {
  override name = "Overloaded";
}

export interface GroupCommitLimits {
  maxItems: number;
  maxBytes: number;
}

/** The contract's bound: a room never holds more than 1,000 publishes or 16 MiB waiting for storage. */
export const PUBLISH_QUEUE_LIMITS: GroupCommitLimits = { maxItems: 1000, maxBytes: 16 * 1024 * 1024 };

export class GroupCommit<T, R> {
  readonly #write: (item: T) => R;
  readonly #flush: () => Promise<void>;
  readonly #limits: GroupCommitLimits;
  #queue: Pending<T, R>[] = [];
  #running = false;
  #waiting = 0;
  #waitingBytes = 0;

  /**
   * @param write synchronous storage write (and whatever must follow it) for one item
   * @param flush resolves when everything written so far is durable (`ctx.storage.sync()`)
   */
  constructor(write: (item: T) => R, flush: () => Promise<void>, limits = PUBLISH_QUEUE_LIMITS) {
    this.#write = write;
    this.#flush = flush;
    this.#limits = limits;
  }

  /** Items submitted and not yet durable (or failed). */
  get waiting(): number {
    return this.#waiting;
  }

  /**
   * Resolves with the item's write result, after the write (the runtime gates outputs on durability).
   * Rejects with `Overloaded` at once when the bound is reached; with the write's error if it throws.
   */
  submit(item: T, bytes = 0): Promise<R> {
    if (this.#waiting >= this.#limits.maxItems || this.#waitingBytes + bytes > this.#limits.maxBytes) {
      return Promise.reject(
        new Overloaded(
          `more than ${this.#limits.maxItems} publishes or ${this.#limits.maxBytes} bytes waiting for storage`,
        ),
      );
    }
    this.#waiting++;
    this.#waitingBytes += bytes;
    return new Promise<R>((resolve, reject) => {
      this.#queue.push({ item, bytes, resolve, reject });
      // #run never rejects (every failure goes to the items it concerns), so nothing is left unhandled.
      if (!this.#running) void this.#run();
    });
  }

  async #run(): Promise<void> {
    this.#running = true;
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue;
        this.#queue = [];
        for (const p of batch) {
          try {
            p.resolve(this.#write(p.item));
          } catch (err) {
            p.reject(err);
          }
        }
        try {
          await this.#flush();
        } catch (err) {
          // The commit failed: the runtime resets the object; callers already hold their results,
          // whose outputs the runtime never releases. Fail what is still waiting and stop: rethrowing
          // here would only become an unhandled rejection, since nobody awaits this loop.
          const rest = this.#queue.splice(0);
          this.#release(rest);
          for (const p of rest) p.reject(err);
          return;
        } finally {
          this.#release(batch);
        }
      }
    } finally {
      this.#running = false;
    }
  }

  #release(batch: Pending<T, R>[]): void {
    for (const p of batch) {
      this.#waiting--;
      this.#waitingBytes -= p.bytes;
    }
  }
}

/** A flush that waits while `faults.holdFlush` is set (inert otherwise), then for `sync`. */
export function heldFlush(faults: Faults, sync: () => Promise<void>): () => Promise<void> {
  return async () => {
    if (faults.holdFlush) await faults.holdFlush;
    await sync();
  };
}

/** A `History.beforeCommit` hook that throws while `faults.failWrites` counts down (inert at 0). */
export function failingWrites(faults: Faults): () => void {
  return () => {
    if (faults.failWrites <= 0) return;
    faults.failWrites--;
    throw new Error("injected storage failure");
  };
}

/** A cheap upper-bound-ish size of an HTTP publish for the queue's byte bound (the worker capped it). */
export function approxBytes(data: unknown): number {
  return typeof data === "string" ? data.length : JSON.stringify(data ?? null).length;
}
