// The admin page's live charts keep their data here: per room, one sample per poll of `GET /rooms`
// over the last few minutes. Pure (time is passed in), so it is unit-tested with plain numbers.
import type { DirectoryRoom } from "./api.ts";

/** How far back the charts go. */
export const WINDOW_MS = 5 * 60_000;
/**
 * The shortest span a chart shows: a page watching for a few seconds draws them across the last
 * minute rather than as a sliver at the right edge of five, and widens to WINDOW_MS as it keeps going.
 */
export const MIN_SPAN_MS = 60_000;
/**
 * Messages per second are averaged over this long: a room reports its `seq` to the directory at most
 * every DIRECTORY_REPORT_SECONDS (10 by default), so between two reports `seq` stands still and a
 * shorter window would show a saw-tooth instead of the rate.
 */
export const RATE_WINDOW_MS = 10_000;

/** One poll's figures for one room. */
export interface Sample {
  t: number;
  sockets: number;
  users: number;
  /** Messages per second, averaged over RATE_WINDOW_MS. */
  rate: number;
  seq: number;
}

/** The charted figures. */
export type Metric = "sockets" | "users" | "rate";

/** A point of one chart. */
export interface Point {
  t: number;
  v: number;
}

/**
 * Messages per second at `now` from the samples before it: the `seq` gained since the newest sample
 * at least RATE_WINDOW_MS old (or the oldest one, while the page is younger than that), over the time
 * between. Before there is any earlier sample, the directory's own messages-in-the-last-minute / 60.
 * A `seq` that went down (the room's history was reset) counts from zero.
 */
export function messageRate(earlier: readonly Sample[], entry: DirectoryRoom, now: number): number {
  let ref: Sample | undefined;
  for (const s of earlier) {
    if (s.t <= now - RATE_WINDOW_MS || ref === undefined) ref = s;
    else break;
  }
  if (ref === undefined || now <= ref.t) return entry.messagesLastMinute / 60;
  const gained = entry.seq >= ref.seq ? entry.seq - ref.seq : entry.seq;
  return gained / ((now - ref.t) / 1000);
}

/** The charts' data for every listed room. */
export class SeriesStore {
  readonly #rooms = new Map<string, Sample[]>();
  readonly #windowMs: number;
  /** When the first sample since the last clear was taken. */
  #since: number | null = null;

  constructor(windowMs = WINDOW_MS) {
    this.#windowMs = windowMs;
  }

  /**
   * Adds one sample per listed room at `now`. Rooms no longer listed (they lost their last socket)
   * are forgotten: their series start afresh if they come back.
   */
  record(rooms: readonly DirectoryRoom[], now: number): void {
    this.#since ??= now;
    const listed = new Set<string>();
    for (const r of rooms) {
      listed.add(r.room);
      const samples = this.#rooms.get(r.room) ?? [];
      const sample = {
        t: now,
        sockets: r.sockets,
        users: r.users,
        rate: messageRate(samples, r, now),
        seq: r.seq,
      };
      samples.push(sample);
      // Keep one sample older than the window so the rate and the chart's left edge have a start.
      while (samples.length > 2 && (samples[1]?.t ?? now) < now - this.#windowMs) samples.shift();
      this.#rooms.set(r.room, samples);
    }
    for (const name of this.#rooms.keys()) if (!listed.has(name)) this.#rooms.delete(name);
  }

  /** One metric of one room as chart points, oldest first (empty for an unknown room). */
  points(room: string, metric: Metric): Point[] {
    return (this.#rooms.get(room) ?? []).map((s) => ({ t: s.t, v: s[metric] }));
  }

  /** The latest sample of a room. */
  latest(room: string): Sample | undefined {
    return this.#rooms.get(room)?.at(-1);
  }

  /** The time span the charts show at `now`: how long the page has watched, within MIN_SPAN_MS–WINDOW_MS. */
  span(now: number): number {
    const watched = this.#since === null ? 0 : now - this.#since;
    return Math.min(this.#windowMs, Math.max(MIN_SPAN_MS, watched));
  }

  /** Forgets everything (another token, another prefix). */
  clear(): void {
    this.#rooms.clear();
    this.#since = null;
  }
}
