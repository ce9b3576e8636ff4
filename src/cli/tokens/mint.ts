// Token minting for the CLI and the dev script: capability specs like "lobby:rw" → a signed HS256 JWT.
import { hmacKey } from "../../shared/hmac-key.ts";
import { type Capability, MAX_USER_ID_LENGTH } from "../../shared/protocol.ts";
import { isRoomPattern, isUserId } from "../../shared/rules.ts";

const LETTERS: Record<string, Capability> = { r: "read", w: "write", a: "admin" };

/**
 * Parses "pattern:caps" where caps is letters r/w/a or words read,write,admin ("lobby:rw",
 * "team-*:r", "*:admin"). A bare pattern means read and write.
 */
export function parseRoomSpec(spec: string): [string, Capability[]] {
  const at = spec.lastIndexOf(":");
  const pattern = at === -1 ? spec : spec.slice(0, at);
  const caps = at === -1 ? "rw" : spec.slice(at + 1);
  if (!isRoomPattern(pattern)) {
    throw new Error(`bad room pattern "${pattern}": use a room name, a prefix ending in *, or *`);
  }
  const words = /^[rwa]+$/.test(caps) ? [...caps].map((l) => LETTERS[l]) : caps.split(",");
  const out: Capability[] = [];
  for (const w of words) {
    if (w !== "read" && w !== "write" && w !== "admin") {
      throw new Error(`bad capabilities "${caps}" in "${spec}": use letters r, w, a or read,write,admin`);
    }
    if (!out.includes(w)) out.push(w);
  }
  return [pattern, out];
}

/** Parses "30s", "15m", "1h", "7d" or plain seconds. */
export function parseTtl(ttl: string): number {
  const m = /^(\d+)([smhd]?)$/.exec(ttl.trim());
  if (!m) throw new Error(`bad ttl "${ttl}": use e.g. 90s, 15m, 1h, 7d`);
  const mult = { "": 1, s: 1, m: 60, h: 3600, d: 86400 }[m[2] ?? ""] ?? 1;
  const seconds = Number(m[1]) * mult;
  if (seconds <= 0) throw new Error(`bad ttl "${ttl}": must be positive`);
  return seconds;
}

export interface MintOptions {
  secret: string;
  user: string;
  name?: string;
  rooms: Record<string, Capability[]>;
  ttlSeconds: number;
  now?: number;
}

/** Signs an HS256 token with the contract's claims: sub, name?, rooms, iat, exp. */
export async function mintToken(o: MintOptions): Promise<string> {
  if (!isUserId(o.user)) throw new Error(`user id must be 1-${MAX_USER_ID_LENGTH} characters`);
  const iat = Math.floor((o.now ?? Date.now()) / 1000);
  const claims = {
    sub: o.user,
    ...(o.name ? { name: o.name } : {}),
    rooms: o.rooms,
    iat,
    exp: iat + o.ttlSeconds,
  };
  return signHs256(claims, o.secret);
}

// WebCrypto instead of hono/jwt, so the CLI does not make every installer of the package pull in hono
// (a server-side dependency, ~4 MB, an optional peer). The key is the server's own import (hmacKey),
// so a secret signs here exactly as the server verifies it, PEM-looking ones included.
const utf8 = new TextEncoder();

function base64url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("base64url");
}

/** A compact JWS: base64url(header).base64url(payload).base64url(HMAC-SHA256 of the two). */
async function signHs256(payload: object, secret: string): Promise<string> {
  const head = base64url(utf8.encode(JSON.stringify({ alg: "HS256", typ: "JWT" })));
  const body = base64url(utf8.encode(JSON.stringify(payload)));
  const mac = await crypto.subtle.sign("HMAC", await hmacKey(secret), utf8.encode(`${head}.${body}`));
  return `${head}.${body}.${base64url(new Uint8Array(mac))}`;
}
