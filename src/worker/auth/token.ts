// The token at the door: taken from the request, verified by the shared verifier, refused with 401.
import { TokenError, type VerifiedToken, verifyToken as verifyClaims } from "../../server/token.ts";
import { HttpError } from "../http-error.ts";

export { Claims, toVerified, type VerifiedToken } from "../../server/token.ts";

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
  try {
    return await verifyClaims(token, secret);
  } catch (err) {
    if (err instanceof TokenError)
      throw new HttpError(401, "unauthorized", err.message, { cause: err.cause });
    throw err;
  }
}
