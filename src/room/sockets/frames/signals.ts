// Signals (cursors, typing): their own per-connection bucket, kept in memory, and the relayed frame.
// Signals are never stored and never touch the main bucket; refused ones count toward the 4429 streak.
import type { SignalFrame, UserRef } from "../../../shared/protocol.ts";
import { type Bucket, fullBucket, take } from "./rate-limit.ts";

/** One incoming signal: relay it, or drop it (telling the sender at most once a second). */
export interface SignalVerdict {
  relay: boolean;
  /** dropped, and the sender was not told within the last second: send one `rate_limited` error */
  tell: boolean;
  /** tokens left after this one (below 1: still at the limit) */
  tokens: number;
}

interface SignalBucket extends Bucket {
  /** ms of the last `rate_limited` error sent for signals, or -Infinity */
  told: number;
}

/**
 * One bucket per connection, refilled at `rate` per second with a burst of 2× rate. In memory only:
 * after the room is evicted a connection starts again with a full bucket, which costs at most one
 * extra burst. Over the limit the sender hears about it at most once per second.
 */
export class SignalLimiter {
  readonly #rate: number;
  readonly #buckets = new Map<string, SignalBucket>();

  constructor(rate: number) {
    this.#rate = rate;
  }

  /** Takes a token from this connection's bucket. */
  admit(cid: string, now: number): SignalVerdict {
    const b = this.#buckets.get(cid) ?? { ...fullBucket(this.#rate, now), told: -Infinity };
    const r = take(b, now, this.#rate);
    b.tokens = r.bucket.tokens;
    b.at = r.bucket.at;
    this.#buckets.set(cid, b);
    if (r.ok) return { relay: true, tell: false, tokens: b.tokens };
    if (now - b.told < 1000) return { relay: false, tell: false, tokens: b.tokens };
    b.told = now;
    return { relay: false, tell: true, tokens: b.tokens };
  }

  /** Forgets a connection that left. */
  forget(cid: string): void {
    this.#buckets.delete(cid);
  }

  /** Connections with a bucket (for tests and logs). */
  get size(): number {
    return this.#buckets.size;
  }
}

/** The frame every recipient gets, serialised once. */
export function signalFrame(from: UserRef, data: unknown, now: number): string {
  const frame: SignalFrame = { type: "signal", from, data, ts: now };
  return JSON.stringify(frame);
}
