// What each hibernatable socket remembers across evictions, in its attachment (kept well under 2 KiB).
import type { Capability } from "../shared/protocol.ts";

export interface SocketState {
  /** connectionId */
  cid: string;
  /** the room's name (for in-band refresh) */
  room?: string;
  uid: string;
  name: string | null;
  caps: Capability[];
  /** token expiry, ms */
  exp: number;
  /** last frame from the client, ms (auto-answered pings are read from the runtime instead) */
  seen: number;
  /** token bucket */
  tokens: number;
  at: number;
  /** refused frames in a row */
  refused: number;
  /** the user's presence state in this room (every socket of the user holds the same copy) */
  presence?: unknown;
  /** closed by the server, or departure already announced */
  gone?: true;
}

/** The tag that finds every socket of one user (`ctx.getWebSockets(userTag(id))`). */
export function userTag(id: string): string {
  return `u:${id}`;
}

export function readState(ws: WebSocket): SocketState | null {
  const s: unknown = ws.deserializeAttachment();
  return typeof s === "object" && s !== null && "uid" in s ? (s as SocketState) : null;
}

export function writeState(ws: WebSocket, s: SocketState): void {
  ws.serializeAttachment(s);
}
