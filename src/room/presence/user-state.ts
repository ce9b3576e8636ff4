// Presence state: one JSON value per user in this room, set by a `state` frame from any of the user's
// connections (last write wins). The socket host stores a copy on each of the user's sockets (in its
// attachment), so the state survives hibernation and goes away with the user's last connection.
import { MAX_STATE_BYTES, type PresenceFrame, type UserRef } from "../../shared/protocol.ts";
import { utf8Exceeds } from "../../shared/utf8.ts";
import type { SocketIndex } from "../sockets/socket-index.ts";
import { writeState } from "../sockets/socket-state.ts";

export type StateCheck = { ok: true; value: unknown; chars: number } | { ok: false; message: string };

/** Checks a state value: JSON, at most MAX_STATE_BYTES serialised. `undefined` is stored as null. */
export function checkState(data: unknown): StateCheck {
  const text = JSON.stringify(data ?? null);
  if (utf8Exceeds(text, MAX_STATE_BYTES)) {
    return { ok: false, message: `state must be at most ${MAX_STATE_BYTES} bytes of JSON` };
  }
  return { ok: true, value: data ?? null, chars: text.length };
}

/** Stores a user's state on each of the user's sockets here (attachments included). */
export function storeOnSockets(index: SocketIndex, userId: string, value: unknown, chars: number): void {
  index.presenceChanged();
  for (const ws of index.socketsOf(userId)) {
    const st = index.get(ws);
    if (st === undefined) continue;
    st.presence = value;
    st.presenceChars = chars;
    writeState(ws, st);
  }
}

/** The presence `update` every other socket gets, serialised once. */
export function updateFrame(user: UserRef, state: unknown, members: number): string {
  const frame: PresenceFrame = { type: "presence", event: "update", user, state, members };
  return JSON.stringify(frame);
}
