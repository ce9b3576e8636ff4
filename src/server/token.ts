// Verifies a roomcast JWT (HS256 only, exp required, nbf honoured) and validates its claims. Used by the
// worker at the door and by the room for in-band refresh, so both accept exactly the same tokens.
import { verify } from "hono/jwt";
import * as v from "valibot";
import { hmacKey } from "../shared/hmac-key.ts";
import { CAPABILITIES, type Capability, MAX_USER_ID_LENGTH } from "../shared/protocol.ts";
import type { RoomGrants } from "./capabilities.ts";

const Cap = v.picklist(CAPABILITIES);
const Pattern = v.pipe(v.string(), v.minLength(1));
const Caps = v.array(Cap);

/**
 * The claims roomcast reads; an identity from a custom `authenticate()` has the same shape. `rooms`
 * is checked by hand (parseRooms): valibot's `record` silently drops the keys `__proto__`,
 * `constructor` and `prototype`, which are room names like any other.
 */
export const Claims = v.object({
  sub: v.pipe(v.string(), v.minLength(1), v.maxLength(MAX_USER_ID_LENGTH)),
  name: v.optional(v.nullable(v.pipe(v.string(), v.maxLength(128)))),
  exp: v.pipe(v.number(), v.finite()),
  nbf: v.optional(v.pipe(v.number(), v.finite())),
  rooms: v.unknown(),
});

/** The `rooms` claim as a Map (never `obj[key] =`), or null when malformed (an array of arrays included). */
export function parseRooms(raw: unknown): RoomGrants | null {
  const grants = new Map<string, Capability[]>();
  if (Array.isArray(raw)) {
    for (const p of raw) {
      if (!v.is(Pattern, p)) return null;
      grants.set(p, ["read", "write"]);
    }
    return grants;
  }
  if (typeof raw !== "object" || raw === null) return null;
  for (const [pattern, caps] of Object.entries(raw)) {
    if (!v.is(Pattern, pattern) || !v.is(Caps, caps)) return null;
    grants.set(pattern, caps);
  }
  return grants;
}

export interface VerifiedToken {
  sub: string;
  name: string | null;
  exp: number;
  rooms: RoomGrants;
}

/** A token that does not verify; `message` says why and is safe to show the client. */
export class TokenError extends Error {
  override name = "TokenError";
}

// hono/jwt throws one error class per failure; their names become the 401 message.
const REASONS: Record<string, string> = {
  JwtTokenExpired: "token expired",
  JwtTokenNotBefore: "token not yet valid (nbf)",
  JwtTokenSignatureMismatched: "token signature does not match",
  JwtAlgorithmMismatch: "token algorithm not allowed (HS256 only)",
  JwtAlgorithmNotImplemented: "token algorithm not allowed (HS256 only)",
  JwtAlgorithmNotAllowed: "token algorithm not allowed (HS256 only)",
  JwtSymmetricAlgorithmNotAllowed: "token algorithm not allowed (HS256 only)",
  JwtTokenIssuedAt: "token issued in the future (iat)",
  JwtHeaderInvalid: "token header is malformed",
  JwtTokenInvalid: "token is malformed",
};

/** Verifies signature, algorithm and time claims, then the claim shapes. Throws TokenError. */
export async function verifyToken(token: string, secret: string): Promise<VerifiedToken> {
  let payload: unknown;
  try {
    payload = await verify(token, await hmacKey(secret), "HS256");
  } catch (err) {
    const name = err instanceof Error ? err.name : "";
    throw new TokenError(REASONS[name] ?? "token is invalid", { cause: err });
  }
  // hono's verify checks exp only when present; the contract requires it.
  const parsed = v.safeParse(Claims, payload);
  if (!parsed.success) {
    const issue = parsed.issues[0];
    const path = issue ? v.getDotPath(issue) : null;
    throw new TokenError(`token claim ${path ?? "?"} is missing or malformed`);
  }
  return toVerified(parsed.output);
}

/** Claims after validation, with `rooms` parsed into a Map (array shorthand expanded). Throws TokenError. */
export function toVerified(c: v.InferOutput<typeof Claims>): VerifiedToken {
  const rooms = parseRooms(c.rooms);
  if (rooms === null) throw new TokenError("token claim rooms is missing or malformed");
  return { sub: c.sub, name: c.name ?? null, exp: c.exp, rooms };
}
