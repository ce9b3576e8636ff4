// Client-side send pacing: a token bucket below the server's rate limit, so a flushed queue is not refused.

/**
 * The server refills `ratePerSecond` tokens a second with a burst of 2×, and closes a socket with 4429
 * after 2× refused frames in a row. Flushing a queue of 1 000 publishes at once would trip that, so
 * publishes leave at `ratePerSecond` with a burst of `ratePerSecond` (half the server's), keeping
 * headroom for the app's direct and binary frames. Pure: the caller passes `now`.
 */
export class Pacer {
  #tokens: number;
  #last: number;
  readonly #rate: number;
  readonly #burst: number;

  constructor(ratePerSecond: number, now: number) {
    this.#rate = ratePerSecond / 1000;
    this.#burst = Math.max(1, ratePerSecond);
    this.#tokens = this.#burst;
    this.#last = now;
  }

  #refill(now: number): void {
    this.#tokens = Math.min(this.#burst, this.#tokens + (now - this.#last) * this.#rate);
    this.#last = now;
  }

  /** Takes one token if there is one. */
  take(now: number): boolean {
    this.#refill(now);
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  /** Takes a token even if that drives the bucket negative (direct and binary frames are not delayed). */
  force(now: number): void {
    this.#refill(now);
    this.#tokens -= 1;
  }

  /** Milliseconds until `take` can succeed. */
  waitMs(now: number): number {
    this.#refill(now);
    return this.#tokens >= 1 ? 0 : Math.ceil((1 - this.#tokens) / this.#rate);
  }
}
