// Signals (cursors, typing): their own per-connection bucket, kept in memory, and the relayed frame.
// Signals are never stored and never touch the main bucket, so they cannot lead to a 4429 close.
import type { SignalFrame, UserRef } from "../../shared/protocol.ts";
import { type Bucket, fullBucket, take } from "./rate-limit.ts";
import { sendError } from "./socket-io.ts";

/** What to do with one incoming signal. */
export type SignalVerdict =
  /** relay it */
  | "relay"
  /** drop it silently: the sender was told within the last second */
  | "drop"
  /** drop it and send one `rate_limited` error */
  | "drop_and_tell";

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
    if (r.ok) return "relay";
    if (now - b.told < 1000) return "drop";
    b.told = now;
    return "drop_and_tell";
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

/**
 * Admits one signal from a socket: true to relay it. A dropped signal tells the sender with a
 * `rate_limited` error at most once a second (the limiter's verdict says when).
 */
export function admitSignal(
  limiter: SignalLimiter,
  ws: WebSocket,
  connectionId: string,
  now: number,
  rate: number,
): boolean {
  const verdict = limiter.admit(connectionId, now);
  if (verdict === "drop_and_tell") {
    sendError(ws, "rate_limited", `more than ${rate} signals per second (burst ${2 * rate}): dropped`);
  }
  return verdict === "relay";
}
