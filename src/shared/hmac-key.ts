// The HS256 key of a token secret, shared by the server (verify) and the `roomcast token` CLI (sign).
// Imported as HMAC SHA-256 here, never left to hono/jwt: hono treats a string secret containing
// "PRIVATE" or "PUBLIC" as a PEM key. WebCrypto only, so it runs in Workers and Node ≥ 20.

/**
 * Each secret's key, imported once per isolate (hono imports the secret again for every token: about
 * a tenth of the JavaScript of a connect). Secrets come from the environment or the command line, so
 * there are only ever one or two.
 */
const keys = new Map<string, Promise<CryptoKey>>();

/**
 * The HMAC SHA-256 key of `secret`, for signing and verifying HS256 tokens (pass it to hono/jwt's
 * `sign` or `verify` instead of the string).
 */
export function hmacKey(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret);
  if (key === undefined) {
    const imported = crypto.subtle.importKey(
      "raw",
      new TextEncoder().encode(secret),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign", "verify"],
    );
    imported.catch(() => keys.delete(secret)); // not remembered: the next token tries again
    keys.set(secret, imported);
    key = imported;
  }
  return key;
}
