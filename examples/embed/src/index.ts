// A user's own Worker: its own routes and sessions, with roomcast mounted under /chat.
import { Hono } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import { createRoomcast, defineRoom, webhookConsumer } from "roomcast/server";
import * as v from "valibot";
import { createSession, userOf } from "./session.ts";
import { webhookReceiver } from "./webhook-receiver.ts";

interface Env {
  ROOMS: DurableObjectNamespace<Room>;
  SESSION_SECRET: string;
  ALLOWED_ORIGINS: string;
  /** Where room events are POSTed (wrangler.toml [vars]); WEBHOOK_SECRET signs them. */
  WEBHOOK_URL: string;
  WEBHOOK_SECRET: string;
}

/** What this app's chat accepts: `{ "text": "…" }`, 1 to 500 characters. */
const Chat = v.strictObject({ text: v.pipe(v.string(), v.trim(), v.minLength(1), v.maxLength(500)) });

// The room classes with this app's rules inside the room (docs/hooks.md).
const rooms = defineRoom<Env>({
  // Refuse anything that is not a chat message; store the trimmed text.
  onPublish({ data }) {
    const chat = v.safeParse(Chat, data);
    if (!chat.success) return { reject: 'send {"text": "…"} of 1 to 500 characters' };
    return { data: chat.output };
  },
  // Greet every new connection, from the server.
  async onJoin(user, ctx) {
    await ctx.send(user.id, { text: `welcome to ${ctx.room}, ${user.name ?? user.id}` });
  },
});
// The Durable Object class named in wrangler.toml, exported by the Worker's main module. A class
// declaration (not a const) so that `wrangler types` can name it in Env.
export class Room extends rooms.Room {}

const USER = /^[a-z0-9_-]{1,32}$/;

const app = new Hono<{ Bindings: Env }>();

app.get("/", (c) => c.text("my app: POST /login?user=ann, then join /chat/rooms/lobby/ws"));

app.post("/login", async (c) => {
  const user = c.req.query("user") ?? "";
  if (!USER.test(user)) return c.json({ error: "user must match ^[a-z0-9_-]{1,32}$" }, 400);
  const session = await createSession(user, c.env.SESSION_SECRET);
  setCookie(c, "session", session, { httpOnly: true, secure: true, sameSite: "Lax", path: "/" });
  // Also returned, for clients that are not browsers (they send it as roomcast's token).
  return c.json({ user, session });
});

app.route(
  "/chat",
  createRoomcast<Env>({
    // Who is this? The session cookie (browsers on this origin), or the session sent as roomcast's
    // token (?token= or Authorization: Bearer) by other clients. null answers 401.
    authenticate: async (req, env) => {
      const bearer = req.headers.get("authorization")?.replace(/^Bearer\s+/i, "");
      const fromQuery = new URL(req.url).searchParams.get("token") ?? undefined;
      const cookie = /(?:^|;\s*)session=([^;]+)/.exec(req.headers.get("cookie") ?? "")?.[1];
      const user = await userOf(bearer ?? fromQuery ?? cookie, env.SESSION_SECRET);
      if (!user) return null;
      // Everyone reads and writes the lobby and their own room; only "admin" administers.
      return {
        sub: user,
        name: user,
        rooms: {
          lobby: ["read", "write"],
          [`user-${user}`]: ["read", "write"],
          ...(user === "admin" ? { "*": ["admin"] } : {}),
        },
      };
    },
  }),
);

app.get("/me", async (c) => {
  const user = await userOf(getCookie(c, "session"), c.env.SESSION_SECRET);
  return user ? c.json({ user }) : c.json({ error: "not logged in" }, 401);
});

app.route("/", webhookReceiver);

export default {
  fetch: app.fetch,
  // Room events from the ROOM_EVENTS queue, POSTed to WEBHOOK_URL, signed with WEBHOOK_SECRET; failed
  // deliveries are retried by the queue, then moved to its dead-letter queue (wrangler.toml).
  queue: webhookConsumer<Env>({ url: (env) => env.WEBHOOK_URL, secret: (env) => env.WEBHOOK_SECRET }),
};
