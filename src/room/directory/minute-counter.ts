// Messages in the last minute, for the room directory: 60 one-second buckets, O(1) per count.
//
// Why buckets: a publish must stay cheap (one add), and the directory only needs the figure when a
// report goes out. The counter lives in memory: an evicted room starts again from zero.

const SECONDS = 60;

export class MinuteCounter {
  readonly #counts = new Uint32Array(SECONDS);
  /** the second (ms / 1000, floored) each bucket counts, so stale buckets read as empty */
  readonly #seconds = new Float64Array(SECONDS).fill(-1);

  /** Counts `n` events at `now` (ms). */
  add(now: number, n = 1): void {
    const second = Math.floor(now / 1000);
    const i = second % SECONDS;
    if (this.#seconds[i] !== second) {
      this.#seconds[i] = second;
      this.#counts[i] = 0;
    }
    this.#counts[i] = (this.#counts[i] ?? 0) + n;
  }

  /** Events in the 60 seconds up to `now` (this second included). */
  total(now: number): number {
    const second = Math.floor(now / 1000);
    let sum = 0;
    for (let i = 0; i < SECONDS; i++) {
      if ((this.#seconds[i] ?? -1) > second - SECONDS) sum += this.#counts[i] ?? 0;
    }
    return sum;
  }
}
