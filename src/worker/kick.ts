// `POST /rooms/:room/kick` (admin): close a user's sockets with 4403 and optionally ban them for a while.
import * as v from "valibot";
import { MAX_BAN_SECONDS, MAX_KICK_REASON, MAX_USER_ID_LENGTH } from "../shared/protocol.ts";
import { gate } from "./auth/gate.ts";
import { HttpError } from "./http-error.ts";
import type { AppContext } from "./options.ts";
import { backendFor, mirrorFor } from "./sharded-rooms.ts";

const KickBody = v.strictObject({
  user: v.pipe(v.string(), v.minLength(1), v.maxLength(MAX_USER_ID_LENGTH)),
  banSeconds: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(MAX_BAN_SECONDS))),
  reason: v.optional(v.pipe(v.string(), v.maxLength(MAX_KICK_REASON))),
});

const SHAPE = `body must be {"user":"<id>","banSeconds"?:0-${MAX_BAN_SECONDS},"reason"?:string of at most ${MAX_KICK_REASON} characters}`;

/** The route handler; mounted on `POST /rooms/:room/kick`. */
export async function kick(c: AppContext): Promise<Response> {
  const a = await gate(c, { room: c.req.param("room"), need: "admin" });
  let json: unknown;
  try {
    json = await c.req.json();
  } catch {
    throw new HttpError(400, "bad_request", SHAPE);
  }
  const body = v.safeParse(KickBody, json);
  if (!body.success) {
    const issue = body.issues[0];
    const path = issue ? v.getDotPath(issue) : null;
    throw new HttpError(400, "bad_request", path ? `${path}: ${SHAPE}` : SHAPE);
  }
  const { user, banSeconds = 0, reason } = body.output;
  const result = await backendFor(c, a.settings, a.room).kick(a.room, user, banSeconds, reason);
  if (banSeconds > 0) await mirrorFor(c, a.settings, a.room)?.ban(a.room, user, banSeconds, reason);
  return c.json(result);
}
