// ConnectOptions checked once and filled with defaults.
import { MAX_ID_LENGTH } from "../shared/protocol.ts";
import { isMessageId, isRewind, isRoomName, REWIND_RULE } from "../shared/rules.ts";
import { type BackoffSettings, backoffSettings } from "./connection/backoff.ts";
import { parseBaseUrl } from "./connection/url.ts";
import type { ConnectOptions, TokenSource, WebSocketFactory } from "./types.ts";
import { RoomcastError } from "./types.ts";

/** ConnectOptions checked and with defaults filled in (not the server's Settings in src/shared). */
export interface ClientSettings {
  base: URL;
  room: string;
  token: TokenSource;
  since: number | undefined;
  epoch: string | undefined;
  /** Messages to replay when connecting without a resume point (0: none). */
  rewind: number;
  createWebSocket: WebSocketFactory | undefined;
  fetch: typeof fetch;
  backoff: BackoffSettings;
  queueLimit: number;
  ackTimeoutMs: number;
  pongTimeoutMs: number;
  connectTimeoutMs: number;
  random: () => number;
}

/**
 * Throws for programming errors only: bad url or room name, `since` without `epoch`, bad `rewind`,
 * bad backoff, no WebSocket.
 */
export function clientSettings(o: ConnectOptions): ClientSettings {
  if (!isRoomName(o.room)) throw new RoomcastError("bad_room", `invalid room name: ${o.room}`);
  if ((o.since === undefined) !== (o.epoch === undefined)) {
    throw new RoomcastError("bad_options", "roomcast: pass both `since` and `epoch`, or neither");
  }
  const rewind = o.rewind ?? 0;
  if (!isRewind(rewind)) {
    throw new RoomcastError(
      "bad_options",
      `roomcast: rewind must be ${REWIND_RULE}, got ${String(o.rewind)}`,
    );
  }
  if (!o.createWebSocket && typeof globalThis.WebSocket !== "function") {
    throw new RoomcastError(
      "bad_options",
      "roomcast: no global WebSocket here; pass createWebSocket (e.g. one built on `ws`)",
    );
  }
  return {
    base: parseBaseUrl(o.url),
    room: o.room,
    token: o.token,
    since: o.since,
    epoch: o.epoch,
    rewind,
    createWebSocket: o.createWebSocket,
    // Called as a plain function later: fine for the global fetch in browsers, Node and Workers.
    fetch: o.fetch ?? ((input, init) => globalThis.fetch(input, init)),
    backoff: backoffSettings(o.backoff),
    queueLimit: o.queueLimit ?? 1000,
    ackTimeoutMs: o.ackTimeoutMs ?? 10_000,
    pongTimeoutMs: o.pongTimeoutMs ?? 10_000,
    connectTimeoutMs: o.connectTimeoutMs ?? 15_000,
    random: o.random ?? Math.random,
  };
}

/** A publish id the server accepts, or the error to reject the publish with. */
export function checkId(id: string): RoomcastError | null {
  if (isMessageId(id)) return null;
  return new RoomcastError("bad_message", `publish id must be 1–${MAX_ID_LENGTH} characters`, { id });
}
