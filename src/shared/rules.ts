// The contract's input rules as predicates, so the worker, the CLI and the client library check alike.
import { MAX_ID_LENGTH, MAX_REWIND, MAX_USER_ID_LENGTH, ROOM_NAME } from "./protocol.ts";

/** The room-name rule in words, for error messages. */
export const ROOM_NAME_RULE = "1-64 characters of A-Z a-z 0-9 . _ -";

/** The `?rewind=N` rule in words, for error messages. */
export const REWIND_RULE = `an integer from 0 to ${MAX_REWIND}`;

/** A room name the worker accepts (anything else is `400 bad_room`). */
export function isRoomName(room: string): boolean {
  return ROOM_NAME.test(room);
}

/** A token `rooms` pattern: a room name, a room-name prefix ending in `*`, or `*` alone. */
export function isRoomPattern(pattern: string): boolean {
  return pattern === "*" || isRoomName(pattern.endsWith("*") ? pattern.slice(0, -1) : pattern);
}

/** A user id (the token's `sub`, a direct frame's `to`): 1 to MAX_USER_ID_LENGTH characters. */
export function isUserId(id: string): boolean {
  return id.length >= 1 && id.length <= MAX_USER_ID_LENGTH;
}

/** An idempotency key (`id` on publish and direct): 1 to MAX_ID_LENGTH characters. */
export function isMessageId(id: string): boolean {
  return id.length >= 1 && id.length <= MAX_ID_LENGTH;
}

/** A rewind count: an integer from 0 to MAX_REWIND. */
export function isRewind(n: number): boolean {
  return Number.isInteger(n) && n >= 0 && n <= MAX_REWIND;
}

/** `?rewind=N` / `--rewind N` as text: the count, or null when it breaks the rule. */
export function parseRewind(text: string): number | null {
  if (!/^\d{1,7}$/.test(text)) return null;
  const n = Number(text);
  return isRewind(n) ? n : null;
}
