// Presence state: one JSON value per user in this room, set by a `state` frame from any of the user's
// connections (last write wins). Each of the user's sockets keeps a copy in its attachment, so the state
// survives hibernation and goes away with the user's last connection.
import { MAX_STATE_BYTES, type PresenceFrame, type UserRef } from "../../shared/protocol.ts";
import { utf8Exceeds } from "../../shared/utf8.ts";
import type { SocketIndex } from "../sockets/socket-index.ts";
import { sendError } from "../sockets/socket-io.ts";
import { writeState } from "../sockets/socket-state.ts";

export type StateCheck = { ok: true; value: unknown } | { ok: false; message: string };

/** Checks a state value: JSON, at most MAX_STATE_BYTES serialised. `undefined` is stored as null. */
export function checkState(data: unknown): StateCheck {
  const text = JSON.stringify(data ?? null);
  if (utf8Exceeds(text, MAX_STATE_BYTES)) {
    return { ok: false, message: `state must be at most ${MAX_STATE_BYTES} bytes of JSON` };
  }
  return { ok: true, value: data ?? null };
}

/**
 * A `state` frame from `ws`: stored on every socket of the user (attachments included), or refused
 * with `too_large` on `ws`. Returns the stored value, or null when refused.
 */
export function storeUserState(
  index: SocketIndex,
  ws: WebSocket,
  userId: string,
  data: unknown,
): { value: unknown } | null {
  const checked = checkState(data);
  if (!checked.ok) {
    sendError(ws, "too_large", checked.message);
    return null;
  }
  for (const s of index.socketsOf(userId)) {
    const st = index.get(s);
    if (st === undefined) continue;
    st.presence = checked.value;
    writeState(s, st);
  }
  return checked;
}

/** The presence `update` every other socket gets, serialised once. */
export function updateFrame(user: UserRef, state: unknown, members: number): string {
  const frame: PresenceFrame = { type: "presence", event: "update", user, state, members };
  return JSON.stringify(frame);
}
