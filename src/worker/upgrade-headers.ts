// The headers an upgrade carries from the worker to the room: the WebSocket handshake and the identity
// the worker vouches for, nothing else the client sent.
import { IDENTITY_HEADER, type Identity } from "../server/identity.ts";

/**
 * Client headers the room may see: what the runtime needs to complete the handshake. Everything else
 * (cookies, `Authorization`, any `x-roomcast-*` a client made up) stays at the worker.
 */
export const FORWARDED_UPGRADE_HEADERS = [
  "upgrade",
  "connection",
  "sec-websocket-key",
  "sec-websocket-version",
  "sec-websocket-extensions",
  "sec-websocket-protocol",
] as const;

/**
 * The headers of the forwarded upgrade: the allowlisted handshake headers copied from `incoming`,
 * plus {@link IDENTITY_HEADER} carrying `identity`. The sharded route adds its own shard header.
 * A plain record rather than `Headers`: it is built on every upgrade, and copied by the stub anyway.
 *
 * @example
 * stub.fetch(target, { headers: upgradeHeaders(c.req.raw.headers, identity) })
 */
export function upgradeHeaders(incoming: Headers, identity: Identity): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of FORWARDED_UPGRADE_HEADERS) {
    const value = incoming.get(name);
    if (value !== null) out[name] = value;
  }
  out[IDENTITY_HEADER] = encodeURIComponent(JSON.stringify(identity));
  return out;
}
