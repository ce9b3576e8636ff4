// Per-connection token bucket: refilled at `rate` per second, burst 2× rate. Pure: callers pass `now`.

export interface Bucket {
  tokens: number;
  /** ms timestamp of the last refill */
  at: number;
}

export function fullBucket(rate: number, now: number): Bucket {
  return { tokens: 2 * rate, at: now };
}

/** Refills for the time since the last call, then takes one token if there is one. */
export function take(b: Bucket, now: number, rate: number): { ok: boolean; bucket: Bucket } {
  const elapsed = Math.max(0, now - b.at);
  const tokens = Math.min(2 * rate, b.tokens + (elapsed * rate) / 1000);
  if (tokens >= 1) return { ok: true, bucket: { tokens: tokens - 1, at: now } };
  return { ok: false, bucket: { tokens, at: now } };
}

/**
 * The refused-frame streak after one frame. A frame accepted on a trickle of refilled tokens (leaving
 * the bucket empty) does not end the streak: only getting back under the limit does. Otherwise a
 * client flooding at any multiple of the rate below "one refill per 2×rate frames processed" would
 * never be closed.
 */
export function nextStreak(streak: number, ok: boolean, after: Bucket): number {
  if (!ok) return streak + 1;
  return after.tokens >= 1 ? 0 : streak;
}

/** More than 2× rate refused frames in a row close the socket (4429). */
export function floodLimitExceeded(refusedInARow: number, rate: number): boolean {
  return refusedInARow > 2 * rate;
}
