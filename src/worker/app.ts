// The routes of the contract: health, token diagnosis, room info, HTTP publish, and the upgrade forwarded
// to the room. createRoomcast() (create-roomcast.ts) mounts them with its options.
// Adding a route: register it on `app` below; check the request with `gate(c, { room, need })` (auth,
// origin, capability in the contract's order), reach the room with `roomStub(c, room)` (sharded rooms: sharded-rooms.ts; never
// c.env.ROOMS: the binding name is an option), throw HttpError for failures, and add CORS with
// `app.use(path, crossOrigin)` if browsers call it with fetch.
import { type ErrorHandler, Hono } from "hono";
import { cors } from "hono/cors";
import * as v from "valibot";
import type { Identity } from "../server/identity.ts";
import { PlacementError } from "../server/placement.ts";
import { errorBody } from "../shared/errors.ts";
import { type AuthCheck, MAX_ID_LENGTH } from "../shared/protocol.ts";
import { parseRewind, REWIND_RULE } from "../shared/rules.ts";
import { utf8Exceeds } from "../shared/utf8.ts";
import { allowedOrigins, gate } from "./auth/gate.ts";
import { originAllowed } from "./auth/origin.ts";
import { listRooms } from "./directory-routes.ts";
import { RETRY_AFTER_SECONDS, unavailableFor, withOneRetry } from "./do-errors.ts";
import { historyQuery } from "./history-query.ts";
import { HttpError } from "./http-error.ts";
import { kick } from "./kick.ts";
import type { AppEnv } from "./options.ts";
import { backendFor, forwardUpgrade } from "./sharded-rooms.ts";
import { upgradeHeaders } from "./upgrade-headers.ts";

const PublishBody = v.object({
  data: v.unknown(),
  id: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(MAX_ID_LENGTH))),
});

const app = new Hono<AppEnv>();

// Through c.json, so headers set before the error (CORS) stay on the answer.
export const onError: ErrorHandler<AppEnv> = (err, c) => {
  // Retryable or overloaded Durable Object errors are 503 unavailable (with Retry-After), not 500.
  const known =
    err instanceof HttpError
      ? err
      : err instanceof PlacementError
        ? new HttpError(500, "misconfigured", err.message, { cause: err })
        : unavailableFor(err);
  if (known) {
    if (known.retryAfter !== undefined) c.header("Retry-After", String(known.retryAfter));
    if (known !== err) {
      const event = known.status === 503 ? "room_unavailable" : "misconfigured";
      console.warn(JSON.stringify({ event, path: c.req.path, error: String(err) }));
    }
    return c.json(errorBody(known.code, known.message), known.status);
  }
  console.error(JSON.stringify({ event: "error", path: c.req.path, error: String(err) }));
  return c.json(errorBody("internal", "internal error"), 500);
};

app.onError(onError);

// Pages on an allowed other origin call these with fetch: answer preflights and expose the answers
// (errors included) to exactly the origins the upgrade would accept. WebSocket handshakes have no CORS.
const crossOrigin = cors({
  origin: (origin, c) => (originAllowed(c.req.raw, allowedOrigins(c.env)) ? origin : null),
  allowMethods: ["GET", "POST", "OPTIONS"],
  allowHeaders: ["Authorization", "Content-Type"],
  maxAge: 600,
});
// /auth/check answers every origin, so an app on a refused origin learns why (403 origin_not_allowed)
// instead of a bare CORS failure. Nothing leaks: the origin check runs before the token is looked at,
// so a refused origin only ever reads that refusal (or 400 bad_room / 500 misconfigured), never a
// verdict on a token.
app.use(
  "/auth/check",
  cors({
    origin: (origin) => origin,
    allowMethods: ["GET", "OPTIONS"],
    allowHeaders: ["Authorization"],
    maxAge: 600,
  }),
);
app.use("/rooms", crossOrigin);
app.use("/rooms/:room", crossOrigin);
app.use("/rooms/:room/messages", crossOrigin);
app.use("/rooms/:room/kick", crossOrigin);

app.get("/healthz", (c) => c.json({ ok: true }));

app.get("/rooms", listRooms);

app.get("/auth/check", async (c) => {
  const a = await gate(c, { room: c.req.query("room"), need: "read" });
  // A browser cannot see why an upgrade was refused: say here that the user is banned.
  const banned = await backendFor(c, a.settings, a.room).banned(a.room, a.token.sub);
  if (banned !== null) throw new HttpError(403, "banned", banned);
  const body: AuthCheck = {
    user: { id: a.token.sub, name: a.token.name },
    room: a.room,
    capabilities: a.capabilities,
    exp: a.token.exp,
  };
  return c.json(body);
});

app.get("/rooms/:room/ws", async (c) => {
  const a = await gate(c, { room: c.req.param("room"), upgrade: true, need: "read" });
  const since = c.req.query("since");
  const epoch = c.req.query("epoch");
  const rewind = c.req.query("rewind");
  const batch = c.req.query("batch");
  const target = new URL("https://room.internal/ws");
  if (since !== undefined) {
    if (!/^\d{1,15}$/.test(since)) {
      throw new HttpError(400, "bad_request", "since must be a non-negative integer");
    }
    if (!epoch) throw new HttpError(400, "bad_request", "since needs the epoch it belongs to (&epoch=)");
    target.searchParams.set("since", since);
    target.searchParams.set("epoch", epoch);
  } else if (rewind !== undefined) {
    if (parseRewind(rewind) === null) {
      throw new HttpError(400, "bad_request", `rewind must be ${REWIND_RULE}`);
    }
    target.searchParams.set("rewind", rewind);
  }
  if (batch !== undefined && batch !== "0" && batch !== "1") {
    throw new HttpError(400, "bad_request", "batch must be 1 (coalesced delivery) or 0");
  }
  if (batch === "1") target.searchParams.set("batch", "1");
  const identity: Identity = {
    room: a.room,
    id: a.token.sub,
    name: a.token.name,
    capabilities: a.capabilities,
    exp: a.token.exp,
    ...(c.var.roomcast.jwt ? {} : { auth: "custom" as const }),
  };
  // Only what the room needs travels on: the handshake headers and the identity vouched for here.
  const headers = upgradeHeaders(c.req.raw.headers, identity);
  // A fresh stub per try: a retryable error may mean the object moved or was reset.
  return withOneRetry(() => forwardUpgrade(c, a.settings, a.room, identity.id, target, new Headers(headers)));
});

app.get("/rooms/:room", async (c) => {
  const a = await gate(c, { room: c.req.param("room"), need: "admin" });
  return c.json(await backendFor(c, a.settings, a.room).info(a.room));
});

app.post("/rooms/:room/messages", async (c) => {
  const a = await gate(c, { room: c.req.param("room"), need: "admin" });
  const text = await c.req.text();
  if (utf8Exceeds(text, a.settings.maxMessageBytes)) {
    throw new HttpError(
      413,
      "too_large",
      `body larger than MAX_MESSAGE_BYTES (${a.settings.maxMessageBytes})`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new HttpError(400, "bad_request", 'body must be JSON: {"data":<JSON>,"id"?:string}', {
      cause: err,
    });
  }
  const body = v.safeParse(PublishBody, json);
  if (!body.success || !(typeof json === "object" && json !== null && "data" in json)) {
    throw new HttpError(
      400,
      "bad_request",
      `body must be {"data":<JSON>,"id"?:string (1-${MAX_ID_LENGTH} chars)}`,
    );
  }
  const from = { id: a.token.sub, name: a.token.name };
  const r = await backendFor(c, a.settings, a.room).publish(a.room, from, body.output.data, body.output.id);
  if (!r.ok) {
    if (r.code === "banned") throw new HttpError(403, "banned", r.message);
    if (r.code === "too_large") throw new HttpError(413, "too_large", r.message);
    if (r.code === "rejected") throw new HttpError(422, "rejected", r.message);
    if (r.code === "internal") throw new HttpError(500, "internal", r.message);
    throw new HttpError(503, r.code, r.message, { retryAfter: RETRY_AFTER_SECONDS });
  }
  return c.json(r.duplicate ? { seq: r.seq, duplicate: true } : { seq: r.seq }, 201);
});

app.get("/rooms/:room/messages", async (c) => {
  const a = await gate(c, { room: c.req.param("room"), need: "read" });
  const q = historyQuery(c.req.query());
  const r = await backendFor(c, a.settings, a.room).history(a.room, q, a.token.sub);
  if (!r.ok) throw new HttpError(r.status, r.code, r.message);
  return c.body(r.body, 200, { "Content-Type": "application/json; charset=UTF-8" });
});

app.post("/rooms/:room/kick", kick);

/** The routes without options; mount them with createRoomcast(). */
export default app;
