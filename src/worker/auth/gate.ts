// The checks every room route makes, in the contract's precedence order:
// 500 misconfigured, 429 rate_limited (per IP), 400 bad_room, 426, 403 origin_not_allowed, 401,
// 429 rate_limited (per user), 403 forbidden.

import { capabilitiesFor } from "../../server/capabilities.ts";
import {
  checkAuthSecret,
  parseSettings,
  type RoomcastVars,
  type Settings,
  SettingsError,
} from "../../server/settings.ts";
import { type Capability, ROOM_NAME } from "../../shared/protocol.ts";
import { isRoomName } from "../../shared/rules.ts";
import { HttpError } from "../http-error.ts";
import type { AppContext } from "../options.ts";
import { originAllowed } from "./origin.ts";
import { limitIp, limitUser } from "./request-limits.ts";
import type { VerifiedToken } from "./token.ts";

export interface GateOptions {
  /** The room name to check (from the path, or `?room=` for /auth/check). */
  room: string | undefined;
  /** Require `Upgrade: websocket` (426 otherwise). */
  upgrade?: boolean;
  /** The capability the route needs. */
  need: Capability;
}

export interface Admitted {
  settings: Settings;
  room: string;
  token: VerifiedToken;
  capabilities: Capability[];
}

/** Parsed settings per env object: the bindings stay the same for an isolate's life, so once each. */
const parsed = new WeakMap<object, Settings>();

/** parseSettings, remembered per env; throws SettingsError the same way every time. */
export function cachedSettings(env: RoomcastVars): Settings {
  let s = parsed.get(env);
  if (s === undefined) {
    s = parseSettings(env);
    parsed.set(env, s);
  }
  return s;
}

/** Envs whose AUTH_SECRET passed the check: like the settings, it is checked once per env. */
const secretChecked = new WeakSet<object>();

function settingsOf(env: RoomcastVars, jwt: boolean): Settings {
  try {
    if (jwt && !secretChecked.has(env)) {
      checkAuthSecret(env.AUTH_SECRET);
      secretChecked.add(env);
    }
    return cachedSettings(env);
  } catch (err) {
    if (err instanceof SettingsError) throw new HttpError(500, "misconfigured", err.message, { cause: err });
    throw err;
  }
}

/** The origin allowlist, or none (same origin only) when the settings are broken (gate reports that). */
export function allowedOrigins(env: RoomcastVars): string[] {
  try {
    return cachedSettings(env).allowedOrigins;
  } catch {
    return [];
  }
}

/** Runs the checks in order; throws the first HttpError that applies. */
export async function gate(c: AppContext, o: GateOptions): Promise<Admitted> {
  const settings = settingsOf(c.env, c.var.roomcast.jwt);
  await limitIp(c.env, c.req.raw);
  const room = o.room;
  if (room === undefined || !isRoomName(room)) {
    throw new HttpError(400, "bad_room", `room name must match ${ROOM_NAME.source}`);
  }
  if (o.upgrade && c.req.header("upgrade")?.toLowerCase() !== "websocket") {
    throw new HttpError(
      426,
      "upgrade_required",
      "this endpoint needs a WebSocket upgrade (Upgrade: websocket)",
    );
  }
  const token = await identify(c, settings);
  const capabilities = capabilitiesFor(token.rooms, room);
  if (!capabilities.includes(o.need)) {
    throw new HttpError(403, "forbidden", `token has no '${o.need}' capability for room '${room}'`);
  }
  return { settings, room, token, capabilities };
}

/** Origin, token and the per-user limit: what every authenticated route checks after its own input. */
async function identify(c: AppContext, settings: Settings): Promise<VerifiedToken> {
  if (!originAllowed(c.req.raw, settings.allowedOrigins)) {
    throw new HttpError(403, "origin_not_allowed", `origin ${c.req.header("origin")} is not allowed`);
  }
  const token = await c.var.roomcast.verify(c.req.raw, c.env);
  await limitUser(c.env, token.sub);
  return token;
}

/**
 * The gate of a route over many rooms (`GET /rooms`): the same checks in the same order, without a
 * room name; 403 forbidden unless some pattern of the token grants `need`. The caller filters each
 * room with `capabilitiesFor(token.rooms, room)`.
 */
export async function gateAny(
  c: AppContext,
  need: Capability,
): Promise<Omit<Admitted, "room" | "capabilities">> {
  const settings = settingsOf(c.env, c.var.roomcast.jwt);
  await limitIp(c.env, c.req.raw);
  const token = await identify(c, settings);
  const granted = [...token.rooms.values()].some((caps) => caps.includes(need) || caps.includes("admin"));
  if (!granted) throw new HttpError(403, "forbidden", `token has no '${need}' capability on any room`);
  return { settings, token };
}
