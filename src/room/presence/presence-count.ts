// Big-room presence: above PRESENCE_LIMIT users, one `count` frame at most once per second, only on change.
//
// Why: in a room of thousands, a join or leave frame per user turns a reconnect storm into n² sends.
// Above the limit the room only tells everyone how many users there are, throttled.

/** Whether a presence change is announced per user (join/leave) or as a throttled count. */
export function presenceMode(users: number, limit: number): "per-user" | "count" {
  return users > limit ? "count" : "per-user";
}

import { type Clock, Throttle } from "./throttle.ts";

export const COUNT_INTERVAL_MS = 1000;

export type CountClock = Clock;

/** Throttles `count` frames: at most one per interval, and none when the number did not change. */
export class CountThrottle {
  readonly #current: () => number;
  readonly #send: (members: number) => void;
  readonly #throttle: Throttle;
  #lastSent: number | null = null;

  /**
   * @param current the number of distinct users now
   * @param send broadcasts `{"type":"presence","event":"count","members":n}` (when still in count mode)
   */
  constructor(current: () => number, send: (members: number) => void, clock: CountClock) {
    this.#current = current;
    this.#send = send;
    this.#throttle = new Throttle(COUNT_INTERVAL_MS, clock, () => this.#flush());
  }

  /** The number of users changed while in count mode. */
  changed(): void {
    this.#throttle.request();
  }

  /** A per-user frame went out: the next count must be sent even if it equals the last one. */
  reset(): void {
    this.#lastSent = null;
  }

  #flush(): void {
    const n = this.#current();
    if (n === this.#lastSent) return;
    this.#lastSent = n;
    this.#throttle.ran();
    this.#send(n);
  }
}
