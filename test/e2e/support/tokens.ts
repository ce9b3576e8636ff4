// Test tokens: well-formed HS256 tokens with the contract's claims, and deliberately broken ones.
import { sign } from "hono/jwt";
import type { SignatureAlgorithm } from "hono/utils/jwt/jwa";
import { TEST_SECRET } from "../../support/dev-server.ts";

/** Claims as the tests want them: anything may be missing or wrong on purpose. */
export type Claims = Record<string, unknown>;

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/** Signs arbitrary claims (default HS256 with the dev server's secret). */
export function signClaims(
  claims: Claims,
  o: { secret?: string; alg?: SignatureAlgorithm } = {},
): Promise<string> {
  return sign(claims, o.secret ?? TEST_SECRET, o.alg ?? "HS256");
}

export interface TokenOptions {
  name?: string;
  ttlSeconds?: number;
  /** Extra or overriding claims. */
  claims?: Claims;
}

/** A valid token for `user` with `rooms` (pattern → capabilities, or the array shorthand). */
export function tokenFor(user: string, rooms: unknown, o: TokenOptions = {}): Promise<string> {
  const iat = nowSeconds();
  return signClaims({
    sub: user,
    ...(o.name !== undefined ? { name: o.name } : {}),
    rooms,
    iat,
    exp: iat + (o.ttlSeconds ?? 600),
    ...o.claims,
  });
}

function b64url(s: string): string {
  return Buffer.from(s, "utf8").toString("base64url");
}

/** An unsigned token with header `{"alg":"none"}`. */
export function unsignedToken(claims: Claims): string {
  return `${b64url(JSON.stringify({ alg: "none", typ: "JWT" }))}.${b64url(JSON.stringify(claims))}.`;
}
