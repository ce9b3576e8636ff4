// Refreshes the connection's token in band, ahead of its expiry, through the app's token function.

import { errorMessage } from "../../shared/errors.ts";
import type { RefreshFrame } from "../../shared/protocol.ts";
import { RoomcastError } from "../types.ts";

/** The `exp` claim (seconds) of a JWT, read without verifying; null when the token is not such a JWT. */
export function jwtExp(token: string): number | null {
  const part = token.split(".")[1];
  if (part === undefined) return null;
  try {
    const b64 = part.replaceAll("-", "+").replaceAll("_", "/");
    const json: unknown = JSON.parse(atob(b64.padEnd(b64.length + ((4 - (b64.length % 4)) % 4), "=")));
    const exp = typeof json === "object" && json !== null ? (json as { exp?: unknown }).exp : undefined;
    return typeof exp === "number" && Number.isFinite(exp) ? exp : null;
  } catch {
    return null;
  }
}

/**
 * How long to wait before refreshing a token that expires at `expMs`: half the time left, but never
 * more than a minute ahead of expiry (a one-hour token is refreshed a minute before it runs out).
 */
export function refreshDelay(expMs: number, now: number): number {
  const left = expMs - now;
  if (left <= 0) return 0;
  return left - Math.min(60_000, left / 2);
}

export interface RefresherDeps {
  /** The app's token function. */
  token: () => string | Promise<string>;
  /** Sends a frame on the current connection; throws when it is not open. */
  send: (frame: RefreshFrame) => void;
  /** The server refused the new token: the client falls back to reconnecting. */
  onRefused: (error: RoomcastError) => void;
  /** The server accepted this token: it is the one to reconnect with from now on. */
  onAccepted: (token: string) => void;
  /** Refresh ahead of every exp by itself (a token function); false: only when asked (`refreshNow`). */
  auto: boolean;
  /** A failure worth reporting that changes nothing yet (the token function threw). */
  onError: (error: RoomcastError) => void;
  now: () => number;
}

/** One refresh schedule per connection: started after `synced`, stopped when the socket goes. */
export class TokenRefresher {
  readonly #deps: RefresherDeps;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #expMs: number | null = null;
  #inFlight = false;
  /** The token of the refresh in flight. */
  #sentToken: string | null = null;
  /** Bumped on stop(): a token function that resolves late is ignored. */
  #generation = 0;

  constructor(deps: RefresherDeps) {
    this.#deps = deps;
  }

  /** A refresh was sent and no answer has come yet. */
  get pending(): boolean {
    return this.#inFlight;
  }

  /** Schedules the first refresh for the token this connection opened with (nothing if it has no exp). */
  start(token: string): void {
    this.stop();
    const exp = jwtExp(token);
    if (exp !== null && this.#deps.auto) this.#schedule(exp * 1000);
  }

  /** Refreshes now: with `token`, or with a new one from the token function. Throws when not open. */
  refreshNow(token?: string): void {
    if (token === undefined) {
      void this.#refresh();
      return;
    }
    this.#clear();
    this.#deps.send({ type: "refresh", token });
    this.#sentToken = token;
    this.#inFlight = true;
  }

  /** The server accepted a refresh: schedule the next one for the new exp (seconds). */
  refreshed(exp: number): void {
    if (!this.#inFlight) return;
    this.#inFlight = false;
    if (this.#sentToken !== null) this.#deps.onAccepted(this.#sentToken);
    this.#sentToken = null;
    if (this.#deps.auto) this.#schedule(exp * 1000);
  }

  /** The server refused the pending refresh. Returns false when no refresh was pending. */
  refused(error: RoomcastError): boolean {
    if (!this.#inFlight) return false;
    this.#inFlight = false;
    this.#clear();
    this.#deps.onRefused(error);
    return true;
  }

  stop(): void {
    this.#generation++;
    this.#inFlight = false;
    this.#expMs = null;
    this.#clear();
  }

  #clear(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #schedule(expMs: number): void {
    this.#clear();
    this.#expMs = expMs;
    this.#timer = setTimeout(() => void this.#refresh(), refreshDelay(expMs, this.#deps.now()));
  }

  async #refresh(): Promise<void> {
    this.#timer = null;
    const gen = this.#generation;
    let token: string;
    try {
      token = await this.#deps.token();
    } catch (err) {
      if (gen !== this.#generation) return;
      const why = errorMessage(err);
      this.#deps.onError(new RoomcastError("unauthorized", `token function failed: ${why}`, { cause: err }));
      // Try again in a while: until exp the connection is fine; at exp the server closes it (4401).
      const expMs = this.#expMs;
      if (expMs !== null && expMs - this.#deps.now() > 1_000) this.#schedule(expMs);
      return;
    }
    if (gen !== this.#generation) return;
    try {
      this.#deps.send({ type: "refresh", token });
      this.#sentToken = token;
      this.#inFlight = true;
    } catch {
      // The socket is going away; the reconnect fetches a fresh token anyway.
    }
  }
}
