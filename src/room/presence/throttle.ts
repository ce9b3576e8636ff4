// At most one run per interval: the first request after a quiet interval runs at once, later ones are
// folded into one run at the interval's end. Presence counts and presence diffs both go out this way.

export interface Clock {
  now(): number;
  /** Runs `fn` after `ms`; the room uses setTimeout, which keeps it awake that long. */
  later(fn: () => void, ms: number): void;
}

export class Throttle {
  readonly #intervalMs: number;
  readonly #clock: Clock;
  readonly #run: () => void;
  #lastAt = Number.NEGATIVE_INFINITY;
  #scheduled = false;

  /** @param run the work; it calls `ran()` when it actually sent something */
  constructor(intervalMs: number, clock: Clock, run: () => void) {
    this.#intervalMs = intervalMs;
    this.#clock = clock;
    this.#run = run;
  }

  /** Runs now, or once at the end of the current interval (however often it is requested). */
  request(): void {
    if (this.#scheduled) return;
    const wait = this.#lastAt + this.#intervalMs - this.#clock.now();
    if (wait <= 0) {
      this.#run();
      return;
    }
    this.#scheduled = true;
    this.#clock.later(() => {
      this.#scheduled = false;
      this.#run();
    }, wait);
  }

  /** The work sent something now: the next interval starts here. */
  ran(): void {
    this.#lastAt = this.#clock.now();
  }
}
