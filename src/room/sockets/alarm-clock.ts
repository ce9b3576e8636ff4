// The one alarm of a socket host: set for the earliest deadline, its armed time cached per wake.
//
// Why the cache: reading the alarm on every connect is a storage call in a reconnect storm. The armed
// time is read from storage once per wake and then kept here, since every set and delete goes through
// this class.
import type { Log } from "../../server/logger.ts";
import { errorMessage } from "../../shared/errors.ts";

export class AlarmClock {
  readonly #storage: DurableObjectStorage;
  readonly #log: Log;
  /** The armed alarm (ms), null for none, undefined until read from storage in this wake. */
  #at: number | null | undefined = undefined;

  constructor(storage: DurableObjectStorage, log: Log) {
    this.#storage = storage;
    this.#log = log;
  }

  /** Moves the alarm earlier if this deadline comes first. */
  async arm(at: number): Promise<void> {
    if (this.#at === undefined) this.#at = await this.#storage.getAlarm();
    if (this.#at === null || at < this.#at) await this.set(at);
  }

  async set(at: number): Promise<void> {
    this.#at = at;
    try {
      await this.#storage.setAlarm(at);
    } catch (err) {
      this.#at = undefined; // unknown again: read it back next time
      throw err;
    }
  }

  /** The alarm fired: the stored time is consumed (or kept for a retry if the handler throws). */
  fired(): void {
    this.#at = undefined;
  }

  /** No socket is left: no alarm. Fails only when storage does, which is logged with `fields`. */
  clear(fields: Record<string, unknown>): void {
    this.#at = null;
    this.#storage.deleteAlarm().catch((err: unknown) => {
      this.#at = undefined;
      this.#log("warn", { event: "depart_failed", ...fields, error: errorMessage(err) });
    });
  }
}
