// Test tokens for every suite (Workers runtime, e2e, browser, CLI): well-formed HS256 tokens with the
// contract's claims, and deliberately broken ones. Runtime-neutral: no Node or Workers-only APIs.
import { sign } from "hono/jwt";
import type { SignatureAlgorithm } from "hono/utils/jwt/jwa";
import { hmacKey } from "../../src/shared/hmac-key.ts";

/** The secret the e2e, browser and CLI suites give `wrangler dev`. */
export const TEST_SECRET = "e2e-test-secret-0123456789abcdef0123456789abcdef";
/** The secret vitest.config.ts binds in the Workers runtime suite. */
export const RUNTIME_SECRET = "test-secret-0123456789abcdef0123456789abcdef";

/** Claims as the tests want them: anything may be missing or wrong on purpose. */
export type Claims = Record<string, unknown>;

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/**
 * Signs arbitrary claims (default HS256 with the dev server's secret). HS256 signs with the server's
 * own key import: hono would take a secret containing "PRIVATE" for a PEM key.
 */
export async function signClaims(
  claims: Claims,
  o: { secret?: string | undefined; alg?: SignatureAlgorithm } = {},
): Promise<string> {
  const secret = o.secret ?? TEST_SECRET;
  const alg = o.alg ?? "HS256";
  return sign(claims, alg === "HS256" ? await hmacKey(secret) : secret, alg);
}

export interface TokenOptions {
  name?: string | undefined;
  ttlSeconds?: number | undefined;
  /** Signing secret (default the dev server's). */
  secret?: string | undefined;
  /** Issue time in ms since the epoch (default now). */
  now?: number | undefined;
  /** Extra or overriding claims. */
  claims?: Claims;
}

/** A valid token for `user` with `rooms` (pattern → capabilities, or the array shorthand). */
export function tokenFor(user: string, rooms: unknown, o: TokenOptions = {}): Promise<string> {
  const iat = Math.floor((o.now ?? Date.now()) / 1000);
  return signClaims(
    {
      sub: user,
      ...(o.name !== undefined ? { name: o.name } : {}),
      rooms,
      iat,
      exp: iat + (o.ttlSeconds ?? 600),
      ...o.claims,
    },
    { secret: o.secret },
  );
}

function b64url(s: string): string {
  const bytes = new TextEncoder().encode(s);
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

/** An unsigned token with header `{"alg":"none"}`. */
export function unsignedToken(claims: Claims): string {
  return `${b64url(JSON.stringify({ alg: "none", typ: "JWT" }))}.${b64url(JSON.stringify(claims))}.`;
}
