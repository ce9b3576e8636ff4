// The webhook signature (`Roomcast-Signature: t=<unix s>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`):
// signing for the consumer, verification for receivers. WebCrypto only, so it runs in Workers and Node ≥ 20.

/** Why a signature was refused. */
export type WebhookRefusal = "malformed" | "stale" | "mismatch";

/** What `verifyWebhook` found: `ok` with the signed time, or why not. */
export type WebhookVerification = { ok: true; timestamp: number } | { ok: false; reason: WebhookRefusal };

export interface VerifyWebhookOptions {
  /** How far the signed time may be from `now`, either way (default 300 s). */
  toleranceSeconds?: number;
  /** The receiver's clock in ms since the epoch (default `Date.now()`). */
  now?: number;
}

const encoder = new TextEncoder();
const HEX64 = /^[0-9a-fA-F]{64}$/;

function hmacKey(secret: string, usage: "sign" | "verify"): Promise<CryptoKey> {
  if (secret === "") throw new TypeError("webhook secret is empty");
  return crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
    usage,
  ]);
}

/** The signed bytes: `"<t>."` followed by the raw body, byte for byte. */
function signedPayload(t: number, rawBody: string | Uint8Array): Uint8Array<ArrayBuffer> {
  const head = encoder.encode(`${t}.`);
  const body = typeof rawBody === "string" ? encoder.encode(rawBody) : rawBody;
  const out = new Uint8Array(head.length + body.length);
  out.set(head);
  out.set(body, head.length);
  return out;
}

function toHex(buf: ArrayBuffer): string {
  return Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, "0")).join("");
}

function fromHex(hex: string): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/**
 * The `Roomcast-Signature` header value for `rawBody` signed at `timestamp` (unix seconds).
 *
 * @example
 * const body = JSON.stringify({ events });
 * const header = await signWebhook(secret, body, Math.floor(Date.now() / 1000));
 */
export async function signWebhook(
  secret: string,
  rawBody: string | Uint8Array,
  timestamp: number,
): Promise<string> {
  if (!Number.isSafeInteger(timestamp) || timestamp < 0)
    throw new TypeError(`webhook timestamp must be unix seconds, got ${timestamp}`);
  const mac = await crypto.subtle.sign(
    "HMAC",
    await hmacKey(secret, "sign"),
    signedPayload(timestamp, rawBody),
  );
  return `t=${timestamp},v1=${toHex(mac)}`;
}

/** `t` and every `v1` of a header, or null when it is not `t=<digits>,v1=<64 hex>[,v1=…]`. */
export function parseSignatureHeader(header: string): { t: number; v1: string[] } | null {
  let t: number | null = null;
  const v1: string[] = [];
  for (const part of header.split(",")) {
    const eq = part.indexOf("=");
    if (eq <= 0) return null;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === "t") {
      if (t !== null || !/^\d{1,15}$/.test(value)) return null;
      t = Number(value);
    } else if (key === "v1") {
      if (!HEX64.test(value)) return null;
      v1.push(value);
    }
    // Other schemes (a future v2) are ignored, as Stripe's receivers do.
  }
  return t === null || v1.length === 0 ? null : { t, v1 };
}

/**
 * Checks a webhook POST: `header` is its `Roomcast-Signature`, `rawBody` the body exactly as received
 * (before any JSON parsing). The MAC is compared in constant time (WebCrypto `verify`), and a signed
 * time more than `toleranceSeconds` from `now` is refused, so a captured request cannot be replayed
 * later. Works in Workers and Node ≥ 20.
 *
 * @example
 * const v = await verifyWebhook(process.env.WEBHOOK_SECRET, rawBody, req.headers["roomcast-signature"]);
 * if (!v.ok) return res.writeHead(400).end(v.reason);
 */
export async function verifyWebhook(
  secret: string,
  rawBody: string | Uint8Array,
  header: string | null | undefined,
  { toleranceSeconds = 300, now = Date.now() }: VerifyWebhookOptions = {},
): Promise<WebhookVerification> {
  const parsed = header ? parseSignatureHeader(header) : null;
  if (!parsed) return { ok: false, reason: "malformed" };
  if (Math.abs(now / 1000 - parsed.t) > toleranceSeconds) return { ok: false, reason: "stale" };
  const key = await hmacKey(secret, "verify");
  const payload = signedPayload(parsed.t, rawBody);
  for (const candidate of parsed.v1) {
    if (await crypto.subtle.verify("HMAC", key, fromHex(candidate), payload))
      return { ok: true, timestamp: parsed.t };
  }
  return { ok: false, reason: "mismatch" };
}
