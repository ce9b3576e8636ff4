// What each hibernatable socket remembers across evictions, in its attachment (kept well under 2 KiB),
// and the in-memory copy the room works with between evictions.
//
// Why the copy: (de)serialising an attachment on every frame is a known way to overload an object.
// After the first read a socket's state comes from memory, and the attachment is written only when
// something that must survive an eviction changed. On a frame that is only `seen`, written at most once
// per SEEN_SLACK_MS and rounded up by it: after an eviction an idle close may come that much later,
// never earlier. The token bucket and the refused streak are not worth a write, nor a byte of the
// attachment: an eviction needs about 10 s of quiet, after which the bucket is full and the streak over
// anyway.
import type { Capability } from "../../shared/protocol.ts";

export interface SocketState {
  connectionId: string;
  /** the room's name (for in-band refresh) */
  room?: string;
  userId: string;
  name: string | null;
  capabilities: Capability[];
  /** token expiry, ms */
  exp: number;
  /** last frame from the client, ms (auto-answered pings are read from the runtime instead) */
  seen: number;
  /** token bucket */
  tokens: number;
  /** the token bucket's last refill, ms */
  refilledAt: number;
  /** refused frames in a row */
  refused: number;
  /** the user's presence state in this room (every socket of the user holds the same copy) */
  presence?: unknown;
  /** characters of `presence` as JSON (counted once, when it is set) */
  presenceChars?: number;
  /** admitted by a custom `authenticate()`: no in-band refresh (it is a JWT feature) */
  auth?: "custom";
  /** closed by the server, or departure already announced */
  gone?: true;
  /** an unanswered send-budget mark: its number and what the socket owed when it was sent (send-budget.ts) */
  mark?: [number, number];
}

/** How far ahead of a frame's time the attachment's `seen` is written, so it is rewritten at most this often. */
export const SEEN_SLACK_MS = 1000;

// Keyed by the runtime's socket objects, which are new after every wake: a cache, never the truth.
const inMemory = new WeakMap<WebSocket, SocketState>();
/** The `seen` each attachment holds (never earlier than the socket's last frame). */
const persistedSeen = new WeakMap<WebSocket, number>();

/** The tag that finds every socket of one user (`ctx.getWebSockets(userTag(id))`). */
export function userTag(id: string): string {
  return `u:${id}`;
}

/** The fields that live in memory only: the token bucket, the refused streak, a cached length. */
type MemoryOnly = "tokens" | "refilledAt" | "refused" | "presenceChars";

/**
 * What the attachment holds: the state without its memory-only fields (a fifth smaller, and less to
 * serialise on every write). A field added to SocketState is kept unless it is listed here.
 */
function persisted(s: SocketState): Omit<SocketState, MemoryOnly> {
  const { tokens: _tokens, refilledAt: _at, refused: _refused, presenceChars: _chars, ...kept } = s;
  return kept;
}

/** The socket's state: from memory, or from its attachment the first time after a wake. */
export function readState(ws: WebSocket): SocketState | null {
  const cached = inMemory.get(ws);
  if (cached !== undefined) return cached;
  const s: unknown = ws.deserializeAttachment();
  if (typeof s !== "object" || s === null || !("userId" in s)) return null;
  // An empty bucket last refilled at time 0: the first frame refills it to full (a wake needs ~10 s of
  // quiet, so it would be full anyway), without the room's rate at hand here.
  const state: SocketState = {
    ...(s as Omit<SocketState, MemoryOnly>),
    tokens: 0,
    refilledAt: 0,
    refused: 0,
  };
  inMemory.set(ws, state);
  persistedSeen.set(ws, state.seen);
  return state;
}

/** Stores the whole state in the attachment (and memory). */
export function writeState(ws: WebSocket, s: SocketState): void {
  ws.serializeAttachment(persisted(s));
  inMemory.set(ws, s);
  persistedSeen.set(ws, s.seen);
}

/** A frame arrived at `now`: remembered in memory; the attachment is written only when it fell behind. */
export function touchState(ws: WebSocket, s: SocketState, now: number): void {
  s.seen = now;
  if (now <= (persistedSeen.get(ws) ?? Number.NEGATIVE_INFINITY)) return;
  const ahead = now + SEEN_SLACK_MS;
  ws.serializeAttachment({ ...persisted(s), seen: ahead });
  persistedSeen.set(ws, ahead);
}
