// Pure text for the page: names, times, message bodies, and human explanations of errors and closes.

import type { ConnectionState } from "../client/types.ts";
import { CloseCode, type UserRef } from "../shared/protocol.ts";

/** The part of RoomcastError the page reads (duck-typed, so any realm's error works). */
export interface ErrorLike {
  code?: string;
  message?: string;
  closeCode?: number;
}

/** A title naming the cause (with its code) and a detail line. */
export interface Explanation {
  title: string;
  detail: string;
}

/** Display name: the token's `name`, else the user id. */
export function displayName(u: UserRef): string {
  return u.name && u.name.trim() !== "" ? u.name : u.id;
}

/** One or two letters for an avatar. */
export function initials(u: UserRef): string {
  const words = displayName(u)
    .trim()
    .split(/[\s._-]+/)
    .filter(Boolean);
  const letters = words.length > 1 ? [words[0], words[1]] : [displayName(u)];
  return (
    letters
      .map((w) => [...(w ?? "")][0] ?? "")
      .join("")
      .toUpperCase() || "?"
  );
}

/** A stable hue (0–359) per user id, for avatar colours. */
export function hueOf(id: string): number {
  let h = 0;
  for (const ch of id) h = (h * 31 + (ch.codePointAt(0) ?? 0)) % 360;
  return h;
}

/** Local clock time for a message timestamp, e.g. "14:05". */
export function formatTime(ts: number): string {
  return new Date(ts).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

/**
 * What a message shows. The page publishes `{ "text": "…" }`; other clients may publish any JSON,
 * which is shown as compact JSON (`raw`).
 */
export function messageBody(data: unknown): { text: string; raw: boolean } {
  if (typeof data === "string") return { text: data, raw: false };
  if (data !== null && typeof data === "object" && "text" in data && typeof data.text === "string") {
    return { text: data.text, raw: false };
  }
  return { text: JSON.stringify(data) ?? String(data), raw: true };
}

/** Why a publish was refused, for the failed message's state line. */
export function publishFailure(err: unknown): string {
  const e: ErrorLike = typeof err === "object" && err !== null ? err : {};
  const code = e.code ?? "error";
  const why: Record<string, string> = {
    forbidden: "you may read but not write in this room",
    rate_limited: "sending too fast",
    queue_full: "too many messages waiting to be sent",
    timeout: "the server did not confirm in time",
    closed: "the connection was closed",
    too_big: "message too large",
    bad_message: "the server rejected the message",
  };
  return `Not sent: ${why[code] ?? e.message ?? "unknown error"} (${code})`;
}

/** Explains why the connection was closed for good (refused token, room, origin, flooding…). */
export function explainClose(
  state: Extract<ConnectionState, { status: "closed" }>,
  room: string,
): Explanation {
  const e = state.error;
  const detail = e?.message ?? (state.reason || `close code ${state.code}`);
  const titles: Record<string, string> = {
    unauthorized: "Token expired or invalid (unauthorized)",
    forbidden: `Not allowed in room '${room}' (forbidden)`,
    bad_room: `Invalid room name '${room}' (bad_room)`,
    origin_not_allowed: "This page's origin is not allowed by the server (origin_not_allowed)",
    room_full: `Room '${room}' is full (room_full)`,
    misconfigured: "The server is misconfigured (misconfigured)",
    rate_limited: "Disconnected for sending too fast (rate_limited)",
    banned: `You are banned from #${room}`,
  };
  if (e?.code === "kicked") {
    return {
      title: `You were removed from #${room}: ${e.message}`,
      detail: "Your connection was closed (4403).",
    };
  }
  const title = e ? titles[e.code] : undefined;
  if (title) return { title, detail };
  if (e && e.code !== "network" && e.code !== "closed") return { title: `Disconnected (${e.code})`, detail };
  if (state.code === CloseCode.FLOODING) {
    return { title: `Disconnected for sending too fast (${CloseCode.FLOODING})`, detail };
  }
  if (state.code === CloseCode.TOKEN_EXPIRED)
    return { title: `Token expired (${CloseCode.TOKEN_EXPIRED})`, detail };
  return { title: `Disconnected (${state.code})`, detail };
}

/** The status pill's text for a connection state. `now` drives the reconnect countdown. */
export function statusText(state: ConnectionState, reconnectAt: number, now: number): string {
  switch (state.status) {
    case "connecting":
      return state.attempt > 1 ? `Connecting (attempt ${state.attempt})…` : "Connecting…";
    case "open":
      return "Connected";
    case "reconnecting": {
      const s = Math.max(0, Math.ceil((reconnectAt - now) / 1000));
      return s > 0 ? `Reconnecting in ${s}s` : "Reconnecting…";
    }
    case "closed":
      if (state.error) return `Closed: ${state.error.code}`;
      return state.reason ? `Closed: ${state.reason}` : `Closed (${state.code})`;
  }
}
