// Turns createRoomcast's `authenticate` option (or the default JWT check) into one verify function.
import * as v from "valibot";
import type { RoomcastVars } from "../../server/settings.ts";
import { TokenError } from "../../server/token.ts";
import { HttpError } from "../http-error.ts";
import type { Authenticate, ResolvedOptions } from "../options.ts";
import { Claims, extractToken, toVerified, type VerifiedToken, verifyToken } from "./token.ts";

/** An identity from `authenticate()` without `exp` never expires: sockets stay until they close. */
export const NO_EXPIRY = 253_402_300_799; // 9999-12-31T23:59:59Z in seconds

const Identity = v.object({ ...Claims.entries, exp: v.optional(Claims.entries.exp, NO_EXPIRY) });

/** The default: the contract's JWT with AUTH_SECRET. */
export const jwtVerify: ResolvedOptions["verify"] = (req, env) =>
  verifyToken(extractToken(req), env.AUTH_SECRET ?? "");

/** Wraps a user's authenticate(): `null` is 401, a malformed identity is 500 misconfigured. */
export function customVerify<E>(authenticate: Authenticate<E>): ResolvedOptions["verify"] {
  return async (req: Request, env: RoomcastVars): Promise<VerifiedToken> => {
    const who = await authenticate(req, env as E);
    if (who === null || who === undefined) throw new HttpError(401, "unauthorized", "not authenticated");
    const parsed = v.safeParse(Identity, who);
    if (!parsed.success) {
      const issue = parsed.issues[0];
      const path = issue ? v.getDotPath(issue) : null;
      throw new HttpError(
        500,
        "misconfigured",
        `authenticate() returned a malformed identity (${path ?? "?"}): expected { sub, name?, rooms, exp? }`,
      );
    }
    if (parsed.output.exp * 1000 <= Date.now())
      throw new HttpError(401, "unauthorized", "identity expired (exp)");
    try {
      return toVerified(parsed.output);
    } catch (err) {
      if (!(err instanceof TokenError)) throw err;
      throw new HttpError(
        500,
        "misconfigured",
        `authenticate() returned a malformed identity (rooms): expected { sub, name?, rooms, exp? }`,
      );
    }
  };
}
