// Group commit: writes that arrive while the previous commit is still becoming durable are made together.
//
// Why: every event that writes to Durable Object storage commits on its own, and the runtime holds the
// event's outgoing messages until that commit is on disk. With one commit per publish, many busy rooms
// on one machine queue behind each other's disk flushes (measured with wrangler dev: 10 rooms × 100
// publishes/s fell to a third of the offered load). Here the first publish is written at once, as before; publishes
// that arrive during its flush are written in one turn, so they share the next commit.

interface Pending<T, R> {
  item: T;
  resolve: (r: R) => void;
  reject: (e: unknown) => void;
}

export class GroupCommit<T, R> {
  readonly #write: (item: T) => R;
  readonly #flush: () => Promise<void>;
  #queue: Pending<T, R>[] = [];
  #running = false;

  /**
   * @param write synchronous storage write (and whatever must follow it) for one item
   * @param flush resolves when everything written so far is durable (`ctx.storage.sync()`)
   */
  constructor(write: (item: T) => R, flush: () => Promise<void>) {
    this.#write = write;
    this.#flush = flush;
  }

  /** Resolves with the item's write result, after the write (the runtime gates outputs on durability). */
  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.#queue.push({ item, resolve, reject });
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
          for (const p of this.#queue.splice(0)) p.reject(err);
          return;
        }
      }
    } finally {
      this.#running = false;
    }
  }
}
