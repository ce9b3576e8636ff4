// createRoomcast(options): the contract's routes as a Hono app to serve alone or mount in your Worker.
import { Hono } from "hono";
import type { RoomcastVars } from "../server/settings.ts";
import { errorBody } from "../shared/errors.ts";
import app, { onError } from "./app.ts";
import { customVerify, jwtVerify } from "./auth/authenticate.ts";
import type { AppEnv, ResolvedOptions, RoomcastOptions } from "./options.ts";

/**
 * The roomcast routes (`/rooms/:room/ws`, `/rooms/:room`, `/rooms/:room/messages`, `/auth/check`,
 * `/healthz`) as a Hono app. Serve it as your Worker's default export, or mount it under a prefix
 * beside your own routes; export the `Room` class from the same Worker for its binding.
 *
 * ```ts
 * import { Hono } from "hono";
 * import { createRoomcast, Room } from "roomcast/server";
 * export { Room };
 * const app = new Hono();
 * app.route("/chat", createRoomcast({ authenticate: (req) => sessionOf(req) }));
 * export default app;
 * ```
 */
export function createRoomcast<E = RoomcastVars>(options: RoomcastOptions<E> = {}): Hono<AppEnv> {
  const resolved: ResolvedOptions = {
    verify: options.authenticate ? customVerify(options.authenticate) : jwtVerify,
    jwt: options.authenticate === undefined,
    binding: options.binding ?? "ROOMS",
  };
  const roomcast = new Hono<AppEnv>();
  roomcast.onError(onError);
  roomcast.notFound((c) => c.json(errorBody("not_found", `no route for ${c.req.method} ${c.req.path}`), 404));
  roomcast.use(async (c, next) => {
    c.set("roomcast", resolved);
    await next();
  });
  roomcast.route("/", app);
  return roomcast;
}
