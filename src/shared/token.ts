// Verifies a roomcast JWT (HS256 only, exp required, nbf honoured) and validates its claims. Used by the
// worker at the door and by the room for in-band refresh, so both accept exactly the same tokens.
import { verify } from "hono/jwt";
import * as v from "valibot";
import type { RoomGrants } from "./capabilities.ts";
import { CAPABILITIES, MAX_USER_ID_LENGTH } from "./protocol.ts";

const Cap = v.picklist(CAPABILITIES);

/** The claims roomcast reads; an identity from a custom `authenticate()` has the same shape. */
export const Claims = v.object({
  sub: v.pipe(v.string(), v.minLength(1), v.maxLength(MAX_USER_ID_LENGTH)),
  name: v.optional(v.nullable(v.pipe(v.string(), v.maxLength(128)))),
  exp: v.pipe(v.number(), v.finite()),
  nbf: v.optional(v.pipe(v.number(), v.finite())),
  rooms: v.union([
    v.record(v.pipe(v.string(), v.minLength(1)), v.array(Cap)),
    v.array(v.pipe(v.string(), v.minLength(1))),
  ]),
});

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
    payload = await verify(token, secret, "HS256");
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

/** Claims after validation, with the array shorthand of `rooms` expanded. */
export function toVerified(c: v.InferOutput<typeof Claims>): VerifiedToken {
  const rooms: RoomGrants = Array.isArray(c.rooms)
    ? Object.fromEntries(c.rooms.map((p) => [p, ["read", "write"]] as const))
    : c.rooms;
  return { sub: c.sub, name: c.name ?? null, exp: c.exp, rooms };
}
