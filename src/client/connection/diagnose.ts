// Tells why a socket failed before opening: browsers only see 1006, so ask `GET /auth/check`.
import { errorMessage, isHttpErrorCode, readErrorBody } from "../../shared/errors.ts";
import type { HttpErrorCode } from "../../shared/protocol.ts";
import { RoomcastError } from "../types.ts";

/**
 * What to do after a failed upgrade:
 * - `retry`: a network problem (or a full room, or the check passed): back off and try again;
 * - `unauthorized`: the token is bad or expired: get a new one (if the token source can) and retry;
 * - `fatal`: it cannot get better by retrying (forbidden, origin, bad room, misconfigured server).
 */
export type Diagnosis =
  | { kind: "retry"; reason: string; afterMs?: number }
  | { kind: "unauthorized"; error: RoomcastError }
  | { kind: "fatal"; error: RoomcastError };

/** The error body of a failed response; the status line when the body is not the contract's shape. */
async function errorOf(res: Response): Promise<{ code: HttpErrorCode | null; message: string }> {
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    // Not JSON (a proxy's HTML page, say): fall back to the status line.
    body = null;
  }
  const e = readErrorBody(body);
  if (e === null) return { code: null, message: `HTTP ${res.status}` };
  return { code: isHttpErrorCode(e.code) ? e.code : null, message: e.message };
}

/** Maps an `/auth/check` response to a Diagnosis (pure apart from reading the body). */
export async function diagnoseResponse(res: Response): Promise<Diagnosis> {
  if (res.ok)
    return { kind: "retry", reason: "the token is valid for this room; the socket failed on the way" };
  const { code, message } = await errorOf(res);
  if (res.status === 401) {
    return { kind: "unauthorized", error: new RoomcastError("unauthorized", message) };
  }
  if (res.status === 500 && code === "misconfigured") {
    return { kind: "fatal", error: new RoomcastError("misconfigured", message) };
  }
  // 503 room_full, 429, 5xx from a proxy or a deploy in progress: all may pass, not before Retry-After.
  if (res.status >= 500 || res.status === 429 || res.status === 408) {
    const afterMs = retryAfterMs(res.headers.get("retry-after"), Date.now());
    return {
      kind: "retry",
      reason: `${code ?? "http"} ${res.status}: ${message}`,
      ...(afterMs === null ? {} : { afterMs }),
    };
  }
  if (code === "origin_not_allowed") {
    return { kind: "fatal", error: new RoomcastError(code, originAdvice(message)) };
  }
  // 400 bad_room / bad_request, 403 forbidden, 404, 426: retrying cannot help.
  const fallback: HttpErrorCode = res.status === 403 ? "forbidden" : "bad_request";
  return { kind: "fatal", error: new RoomcastError(code ?? fallback, message) };
}

/** Longest wait a Retry-After may impose on a reconnect (a bad header must not park a client for hours). */
export const MAX_RETRY_AFTER_MS = 10 * 60 * 1000;

/**
 * `Retry-After` (RFC 9110 §10.2.3: delay-seconds or an HTTP date) in ms from `now`, capped at
 * MAX_RETRY_AFTER_MS; null when absent or unreadable.
 */
export function retryAfterMs(header: string | null, now: number): number | null {
  if (header === null) return null;
  const text = header.trim();
  // An HTTP date names its weekday and month; anything else that is not digits is unreadable.
  const ms = /^\d+$/.test(text) ? Number(text) * 1000 : /[a-z]/i.test(text) ? Date.parse(text) - now : NaN;
  if (!Number.isFinite(ms)) return null;
  return Math.min(Math.max(0, ms), MAX_RETRY_AFTER_MS);
}

/** The server's refusal of this page's origin, with the setting that fixes it. */
export function originAdvice(serverMessage: string): string {
  // Workers and Node have no `location`: then the advice shows an example origin.
  const origin = (globalThis as { location?: { origin?: string } }).location?.origin;
  const example = origin && origin !== "null" ? origin : "https://app.example";
  return (
    `${serverMessage}: the server's ALLOWED_ORIGINS must list this page's origin ` +
    `(wrangler.toml [vars] ALLOWED_ORIGINS = "${example}", or locally npm run dev -- --var ALLOWED_ORIGINS:${example})`
  );
}

/**
 * Calls `GET <base>/auth/check?room=R` with the token as a Bearer header. A fetch that fails (offline,
 * DNS, TLS) is a network problem: retry.
 */
export async function diagnose(fetchFn: typeof fetch, checkUrl: string, token: string): Promise<Diagnosis> {
  let res: Response;
  try {
    res = await fetchFn(checkUrl, { headers: { Authorization: `Bearer ${token}` } });
  } catch (err) {
    return { kind: "retry", reason: `network: ${errorMessage(err)}` };
  }
  return diagnoseResponse(res);
}
