// This app's own sessions: "<user>.<HMAC-SHA256 of user>" tokens, set as a cookie by POST /login.
// (A stand-in for whatever your app already has: a session store, an OAuth provider, …)

const encoder = new TextEncoder();

async function key(secret: string): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
    "verify",
  ]);
}

function hex(buf: ArrayBuffer): string {
  return [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** A session token for `user`. */
export async function createSession(user: string, secret: string): Promise<string> {
  const sig = await crypto.subtle.sign("HMAC", await key(secret), encoder.encode(user));
  return `${user}.${hex(sig)}`;
}

/** The user of a valid session token, else null. */
export async function userOf(session: string | undefined, secret: string): Promise<string | null> {
  if (!session) return null;
  const dot = session.lastIndexOf(".");
  if (dot <= 0) return null;
  const user = session.slice(0, dot);
  return (await createSession(user, secret)) === session ? user : null;
}
