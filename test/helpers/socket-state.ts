// A socket's in-memory state for tests of the socket index and what is built from it.
import type { SocketState } from "../../src/room/sockets/socket-state.ts";

/** A fresh state of `userId` (named in capitals, read only), with `extra` on top. */
export const socketState = (userId: string, extra: Partial<SocketState> = {}): SocketState => ({
  connectionId: crypto.randomUUID(),
  userId,
  name: userId.toUpperCase(),
  capabilities: ["read"],
  exp: 0,
  seen: 0,
  tokens: 0,
  refilledAt: 0,
  refused: 0,
  ...extra,
});
