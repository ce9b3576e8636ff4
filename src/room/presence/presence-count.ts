// Big-room presence: above PRESENCE_LIMIT users, one `count` frame at most once per second, only on change.
//
// Why: in a room of thousands, a join or leave frame per user turns a reconnect storm into n² sends.
// Above the limit the room only tells everyone how many users there are, throttled.

/** Whether a presence change is announced per user (join/leave) or as a throttled count. */
export function presenceMode(users: number, limit: number): "per-user" | "count" {
  return users > limit ? "count" : "per-user";
}

export const COUNT_INTERVAL_MS = 1000;

export interface CountClock {
  now(): number;
  /** Runs `fn` after `ms`; the room uses setTimeout, which keeps it awake that long. */
  later(fn: () => void, ms: number): void;
}

/** Throttles `count` frames: at most one per interval, and none when the number did not change. */
export class CountThrottle {
  readonly #current: () => number;
  readonly #send: (members: number) => void;
  readonly #clock: CountClock;
  #lastSent: number | null = null;
  #lastAt = Number.NEGATIVE_INFINITY;
  #scheduled = false;

  /**
   * @param current the number of distinct users now
   * @param send broadcasts `{"type":"presence","event":"count","members":n}` (when still in count mode)
   */
  constructor(current: () => number, send: (members: number) => void, clock: CountClock) {
    this.#current = current;
    this.#send = send;
    this.#clock = clock;
  }

  /** The number of users changed while in count mode. */
  changed(): void {
    if (this.#scheduled) return;
    const wait = this.#lastAt + COUNT_INTERVAL_MS - this.#clock.now();
    if (wait <= 0) {
      this.#flush();
      return;
    }
    this.#scheduled = true;
    this.#clock.later(() => {
      this.#scheduled = false;
      this.#flush();
    }, wait);
  }

  /** A per-user frame went out: the next count must be sent even if it equals the last one. */
  reset(): void {
    this.#lastSent = null;
  }

  #flush(): void {
    const n = this.#current();
    if (n === this.#lastSent) return;
    this.#lastSent = n;
    this.#lastAt = this.#clock.now();
    this.#send(n);
  }
}
