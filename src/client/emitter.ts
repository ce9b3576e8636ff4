// A tiny typed event emitter: `on` returns an unsubscribe function; listener errors do not break the client.

/** Listeners keyed by event name, each receiving that event's payload. */
export class Emitter<Events extends object> {
  readonly #listeners = new Map<keyof Events, Set<(payload: never) => void>>();

  /** Adds a listener; returns a function that removes it. */
  on<K extends keyof Events>(event: K, listener: (payload: Events[K]) => void): () => void {
    let set = this.#listeners.get(event);
    if (!set) {
      set = new Set();
      this.#listeners.set(event, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
    };
  }

  /** Calls every listener of `event`. */
  emit<K extends keyof Events>(event: K, payload: Events[K]): void {
    const set = this.#listeners.get(event);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        (listener as (payload: Events[K]) => void)(payload);
      } catch (err) {
        // Like DOM event listeners: report the app's error without unwinding the socket handler
        // (which would leave the client half-updated). It surfaces as an uncaught error.
        queueMicrotask(() => {
          throw err;
        });
      }
    }
  }
}
