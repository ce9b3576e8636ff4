// Reconnect delays: exponential backoff with full jitter, as a pure function of the retry number.
import { type BackoffOptions, RoomcastError } from "../types.ts";

export interface BackoffSettings {
  baseMs: number;
  capMs: number;
  maxAttempts: number;
}

/** Defaults: 500 ms first ceiling, 30 s largest ceiling, never give up. */
export const DEFAULT_BACKOFF: BackoffSettings = { baseMs: 500, capMs: 30_000, maxAttempts: Infinity };

/** Fills in defaults and rejects nonsense (negative or NaN values) early. */
export function backoffSettings(options: BackoffOptions | undefined): BackoffSettings {
  const s: BackoffSettings = { ...DEFAULT_BACKOFF, ...options };
  for (const [key, value] of Object.entries(s)) {
    if (!(value >= 0)) {
      throw new RoomcastError("bad_options", `backoff.${key} must be a non-negative number, got ${value}`);
    }
  }
  return s;
}

/**
 * The ceiling of retry number `retry` (0-based): min(cap, base * 2^retry).
 * Computed without overflow for any retry count.
 */
export function backoffCeiling(retry: number, s: BackoffSettings): number {
  // 2^retry overflows to Infinity for large retries; min() with cap keeps the result finite.
  return Math.min(s.capMs, s.baseMs * 2 ** Math.min(retry, 1024));
}

/**
 * Full jitter (AWS architecture blog, "Exponential Backoff And Jitter"): a uniformly random delay in
 * [0, ceiling), so a crowd of clients dropped together does not reconnect together.
 */
export function backoffDelay(retry: number, s: BackoffSettings, random: () => number): number {
  return Math.floor(random() * backoffCeiling(retry, s));
}
