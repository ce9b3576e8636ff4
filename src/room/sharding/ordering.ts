// A shard's in-order delivery: buffers early arrivals, drops what it already delivered, names the gap. Pure.
//
// The sequencer pushes committed batches to every shard with retries, so a shard can see a batch twice,
// late, or not at all (it was evicted while the push was in flight). Whatever arrives, a shard delivers
// each seq exactly once and in order; a hole is filled by fetching the missing range from the sequencer.

export interface Sequenced<T> {
  seq: number;
  item: T;
}

/** Seqs `from` … `to` (inclusive) must be fetched before anything buffered can be delivered. */
export interface Gap {
  from: number;
  to: number;
}

export interface Offered<T> {
  /** Deliver these now, in this order. */
  deliver: Sequenced<T>[];
  /** What is still missing below the highest seq known, or null when nothing is. */
  gap: Gap | null;
}

export class SeqOrder<T> {
  #delivered: number;
  #head: number;
  readonly #buffer = new Map<number, T>();
  readonly #limit: number;

  /**
   * @param delivered the last seq already delivered (0 for none)
   * @param limit most items held out of order; beyond it the highest are dropped (refetched later)
   */
  constructor(delivered: number, limit = 10_000) {
    if (!Number.isInteger(delivered) || delivered < 0) throw new RangeError(`bad seq ${delivered}`);
    this.#delivered = delivered;
    this.#head = delivered;
    this.#limit = Math.max(1, limit);
  }

  /** The last seq delivered. */
  get delivered(): number {
    return this.#delivered;
  }

  /** The highest seq known to exist (delivered, buffered, or announced with `noteHead`). */
  get head(): number {
    return this.#head;
  }

  /** Items held because an earlier seq is missing. */
  get buffered(): number {
    return this.#buffer.size;
  }

  /** Takes items in any order, with duplicates; returns what can be delivered now and what is missing. */
  offer(items: Iterable<Sequenced<T>>): Offered<T> {
    for (const { seq, item } of items) {
      if (!Number.isInteger(seq) || seq <= this.#delivered) continue;
      this.#head = Math.max(this.#head, seq);
      if (!this.#buffer.has(seq)) this.#buffer.set(seq, item);
    }
    const deliver: Sequenced<T>[] = [];
    for (;;) {
      const next = this.#delivered + 1;
      const item = this.#buffer.get(next);
      if (item === undefined && !this.#buffer.has(next)) break;
      this.#buffer.delete(next);
      this.#delivered = next;
      deliver.push({ seq: next, item: item as T });
    }
    this.#trim();
    return { deliver, gap: this.gap() };
  }

  /** Learns that seqs up to `seq` exist (e.g. the sequencer's head on wake-up); returns the gap. */
  noteHead(seq: number): Gap | null {
    if (Number.isInteger(seq)) this.#head = Math.max(this.#head, seq);
    return this.gap();
  }

  /** The first run of missing seqs, or null when everything up to the head is delivered or held. */
  gap(): Gap | null {
    if (this.#head <= this.#delivered) return null;
    const from = this.#delivered + 1;
    if (this.#buffer.has(from)) return null;
    let lowest = Number.POSITIVE_INFINITY;
    for (const s of this.#buffer.keys()) lowest = Math.min(lowest, s);
    return { from, to: lowest === Number.POSITIVE_INFINITY ? this.#head : lowest - 1 };
  }

  /** Moves past seqs that can never be delivered (trimmed from history): the next one is `seq + 1`. */
  skipTo(seq: number): void {
    if (seq <= this.#delivered) return;
    for (const s of this.#buffer.keys()) if (s <= seq) this.#buffer.delete(s);
    this.#delivered = seq;
    this.#head = Math.max(this.#head, seq);
  }

  #trim(): void {
    if (this.#buffer.size <= this.#limit) return;
    const seqs = [...this.#buffer.keys()].sort((a, b) => b - a);
    for (const s of seqs.slice(0, this.#buffer.size - this.#limit)) this.#buffer.delete(s);
  }
}
