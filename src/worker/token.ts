// Verifies a roomcast JWT (HS256 only, exp required, nbf honoured) and validates its claims.
import { verify } from "hono/jwt";
import * as v from "valibot";
import { CAPABILITIES, MAX_USER_ID_LENGTH } from "../shared/protocol.ts";
import type { RoomGrants } from "./capabilities.ts";
import { HttpError } from "./http-error.ts";

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

/** The token from `Authorization: Bearer …` or, for browsers, `?token=`; 401 when absent. */
export function extractToken(req: Request): string {
  const header = req.headers.get("authorization");
  if (header !== null) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!m?.[1]) throw new HttpError(401, "unauthorized", "Authorization header must be 'Bearer <token>'");
    return m[1];
  }
  const q = new URL(req.url).searchParams.get("token");
  if (q) return q;
  throw new HttpError(
    401,
    "unauthorized",
    "token missing: send 'Authorization: Bearer <jwt>' or ?token=<jwt>",
  );
}

/** Verifies signature, algorithm and time claims, then the claim shapes. Throws HttpError 401. */
export async function verifyToken(token: string, secret: string): Promise<VerifiedToken> {
  let payload: unknown;
  try {
    payload = await verify(token, secret, "HS256");
  } catch (err) {
    const name = err instanceof Error ? err.name : "";
    throw new HttpError(401, "unauthorized", REASONS[name] ?? "token is invalid", { cause: err });
  }
  // hono's verify checks exp only when present; the contract requires it.
  const parsed = v.safeParse(Claims, payload);
  if (!parsed.success) {
    const issue = parsed.issues[0];
    const path = issue ? v.getDotPath(issue) : null;
    throw new HttpError(401, "unauthorized", `token claim ${path ?? "?"} is missing or malformed`);
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
