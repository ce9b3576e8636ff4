// Publishes through an async `onPublish` hook keep their arrival order: hooks run at once, side by
// side, but each publish is handed to the group commit only after every earlier one was (so seqs are
// still given in arrival order), and a duplicate of a publish still in its hook waits for that one.
import { Overloaded } from "../log/group-commit.ts";

type Settled<V> = { ok: true; value: V } | { ok: false; error: unknown };

export class PublishOrder {
  readonly #max: number;
  #tail: Promise<unknown> = Promise.resolve();
  #waiting = 0;
  readonly #inFlight = new Map<string, Promise<unknown>>();

  /** @param max publishes that may wait in hooks at once (beyond it: `Overloaded`) */
  constructor(max: number) {
    this.#max = max;
  }

  /**
   * Runs `hook` now; calls `then` with its outcome once every earlier publish got its own `then` call.
   * `then` must hand the message on synchronously (before its first await) for the order to hold.
   * `key` (user and idempotency key): a second publish with the same key gets the first one's result
   * through `duplicate` instead of running the hook again.
   */
  async run<V, R>(
    key: string | null,
    hook: () => Promise<V>,
    then: (outcome: Settled<V>) => Promise<R>,
    duplicate: (first: R) => R,
  ): Promise<R> {
    const running = key === null ? undefined : (this.#inFlight.get(key) as Promise<R> | undefined);
    if (running !== undefined) return duplicate(await running);
    if (this.#waiting >= this.#max) {
      throw new Overloaded(`more than ${this.#max} publishes waiting for the room's onPublish hook`);
    }
    this.#waiting++;
    const settled: Promise<Settled<V>> = hook().then(
      (value) => ({ ok: true, value }),
      (error: unknown) => ({ ok: false, error }),
    );
    const turn = this.#tail.then(() => settled);
    this.#tail = turn;
    const result = turn.then((s) => {
      this.#waiting--;
      return then(s);
    });
    if (key !== null) {
      this.#inFlight.set(key, result);
      void result.then(
        () => this.#inFlight.delete(key),
        () => this.#inFlight.delete(key),
      );
    }
    return result;
  }
}
