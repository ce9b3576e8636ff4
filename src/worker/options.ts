// The options of createRoomcast(): how requests are authenticated and which binding holds the rooms.
import type { Context } from "hono";
import type { RoomcastVars } from "../server/settings.ts";
import type { VerifiedToken } from "./auth/token.ts";

/**
 * Who a request is, in the shape of the token claims: `sub` (user id), optional `name`, `rooms`
 * (room pattern → capabilities, or an array of patterns for read and write) and optional `exp`
 * (seconds since the epoch; sockets close with 4401 then). Without `exp` the identity does not expire.
 */
export interface RoomcastIdentity {
  sub: string;
  name?: string | null;
  rooms: Record<string, ("read" | "write" | "admin")[]> | string[];
  exp?: number;
}

/**
 * Decides who a request is: an identity, or `null` to answer `401 unauthorized`. Called for every
 * authenticated route after the room name, upgrade and origin checks.
 */
export type Authenticate<E = RoomcastVars> = (
  req: Request,
  env: E,
) => RoomcastIdentity | null | Promise<RoomcastIdentity | null>;

export interface RoomcastOptions<E = RoomcastVars> {
  /**
   * Your own authentication (a session cookie, a header, your own tokens). Default: the contract's
   * JWT (HS256 with `AUTH_SECRET`, from `Authorization: Bearer` or `?token=`). In-band token refresh
   * on a socket works only with the default JWT authentication.
   */
  authenticate?: Authenticate<E>;
  /** Name of the Durable Object namespace binding of the `Room` class. Default `"ROOMS"`. */
  binding?: string;
}

/** The options after defaults, as the routes see them (`c.var.roomcast`). */
export interface ResolvedOptions {
  /** Verifies the request; throws HttpError 401 (or 500 for a malformed identity). */
  verify: (req: Request, env: RoomcastVars) => Promise<VerifiedToken>;
  /** True for the default JWT authentication: a missing AUTH_SECRET is then `500 misconfigured`. */
  jwt: boolean;
  binding: string;
}

/** Hono environment of the roomcast routes. */
export type AppEnv = { Bindings: RoomcastVars; Variables: { roomcast: ResolvedOptions } };
export type AppContext = Context<AppEnv>;
