// In-band token refresh: the room verifies the new token exactly as the worker does at the door.
import { capabilitiesFor } from "../../server/capabilities.ts";
import { TokenError, verifyToken } from "../../server/token.ts";
import type { Capability, RefreshedFrame } from "../../shared/protocol.ts";
import { trySend } from "./socket-io.ts";
import { type SocketState, writeState } from "./socket-state.ts";

export type RefreshOutcome =
  | { ok: true; exp: number; name: string | null; capabilities: Capability[] }
  | { ok: false; code: "unauthorized" | "forbidden"; message: string };

/**
 * Checks a refresh token for this connection: valid (HS256, same secret, exp required), for the same
 * user, and still granting `read` on this room. `exp` in the outcome is in seconds, like the claim.
 */
export async function checkRefresh(
  token: string,
  secret: string | undefined,
  conn: { userId: string; room: string; auth?: "custom" },
): Promise<RefreshOutcome> {
  if (conn.auth === "custom") {
    // Never a JWT check beside the server's own authenticate(): it alone says who a client is.
    return {
      ok: false,
      code: "forbidden",
      message: "this server admits clients with its own authenticate(); reconnect to renew the session",
    };
  }
  if (!secret) return { ok: false, code: "unauthorized", message: "the server has no AUTH_SECRET" };
  let claims: Awaited<ReturnType<typeof verifyToken>>;
  try {
    claims = await verifyToken(token, secret);
  } catch (err) {
    if (err instanceof TokenError) return { ok: false, code: "unauthorized", message: err.message };
    throw err;
  }
  if (claims.sub !== conn.userId) {
    return {
      ok: false,
      code: "unauthorized",
      message: `token is for user '${claims.sub}', this connection is '${conn.userId}'`,
    };
  }
  const capabilities = capabilitiesFor(claims.rooms, conn.room);
  if (!capabilities.includes("read")) {
    return {
      ok: false,
      code: "forbidden",
      message: `token has no 'read' capability for room '${conn.room}'`,
    };
  }
  return { ok: true, exp: claims.exp, name: claims.name, capabilities };
}

/**
 * Applies an accepted refresh to one connection: its exp, name and capabilities are replaced (and
 * written to the attachment, so they survive hibernation), and the client is told with `refreshed`.
 */
export function applyRefresh(
  ws: WebSocket,
  state: SocketState,
  outcome: Extract<RefreshOutcome, { ok: true }>,
): void {
  state.exp = outcome.exp * 1000;
  state.name = outcome.name;
  state.capabilities = outcome.capabilities;
  writeState(ws, state);
  const answer: RefreshedFrame = { type: "refreshed", exp: outcome.exp, capabilities: outcome.capabilities };
  trySend(ws, JSON.stringify(answer));
}
