// Durable Object errors the runtime marks retryable or overloaded: a 503 with Retry-After, not a 500.
import { HttpError } from "./http-error.ts";

/** Seconds a client should wait before retrying after a 503. */
export const RETRY_AFTER_SECONDS = 1;

interface MarkedError {
  retryable?: unknown;
  overloaded?: unknown;
}

function marks(err: unknown): MarkedError {
  return typeof err === "object" && err !== null ? (err as MarkedError) : {};
}

/** The object is overloaded: retrying at once only makes it worse. */
export function isOverloaded(err: unknown): boolean {
  return marks(err).overloaded === true;
}

/** The runtime says the call may be retried (e.g. the object was reset or moved). */
export function isRetryable(err: unknown): boolean {
  return marks(err).retryable === true;
}

/** A 503 unavailable for a marked error; null for anything else. */
export function unavailableFor(err: unknown): HttpError | null {
  if (!isOverloaded(err) && !isRetryable(err)) return null;
  return new HttpError(503, "unavailable", "the room is temporarily unavailable; retry shortly", {
    retryAfter: RETRY_AFTER_SECONDS,
    cause: err,
  });
}

/**
 * Runs `call` and, if it fails with a retryable (and not overloaded) error, once more. For the
 * upgrade only: it has no body and the room has done nothing yet when the forward itself fails.
 */
export async function withOneRetry<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (!isRetryable(err) || isOverloaded(err)) throw err;
    return call();
  }
}
