// createRoomcast() mounted in a user's own Hono app: own routes beside it, own authenticate(), own binding.
import { env } from "cloudflare:workers";
import { Hono } from "hono";
import { describe, it } from "vitest";
import { createRoomcast, type RoomcastIdentity } from "../../src/server/index.ts";
import { errorOf, nowSeconds, TestSocket, token, uniqueRoom } from "../helpers/runtime.ts";

/** The user's Worker: a session header decides who you are; roomcast lives under /chat. */
function userApp(authenticate: (req: Request) => RoomcastIdentity | null, binding?: string) {
  const app = new Hono();
  app.get("/hello", (c) => c.text("hello from my app"));
  app.route("/chat", createRoomcast({ authenticate, ...(binding ? { binding } : {}) }));
  return app;
}

const bySession = (req: Request): RoomcastIdentity | null => {
  const user = req.headers.get("x-session");
  return user ? { sub: user, name: user.toUpperCase(), rooms: { "*": ["read", "write", "admin"] } } : null;
};

const upgrade = { Upgrade: "websocket" };

async function welcomeOf(res: Response) {
  if (!res.webSocket) throw new Error(`upgrade refused: ${res.status} ${await res.text()}`);
  const s = new TestSocket(res.webSocket);
  const welcome = await s.expect("welcome");
  await s.expect("synced");
  s.close();
  return welcome;
}

describe("createRoomcast with authenticate()", () => {
  it("joins under the prefix as the user authenticate() returns, beside the app's own routes", async ({
    expect,
  }) => {
    const app = userApp(bySession);
    expect(await (await app.request("/hello", {}, env)).text()).toBe("hello from my app");
    const room = uniqueRoom("embed");
    const res = await app.request(
      `/chat/rooms/${room}/ws`,
      { headers: { ...upgrade, "x-session": "ann" } },
      env,
    );
    expect(res.status).toBe(101);
    const welcome = await welcomeOf(res);
    expect(welcome.user).toMatchObject({ id: "ann", name: "ANN" });
  });

  it("null from authenticate() answers 401 unauthorized", async ({ expect }) => {
    const res = await userApp(bySession).request(`/chat/rooms/lobby/ws`, { headers: upgrade }, env);
    expect(await errorOf(res)).toMatchObject({ status: 401, code: "unauthorized" });
  });

  it("the contract's checks still come first (bad room 400, no upgrade 426)", async ({ expect }) => {
    const app = userApp(bySession);
    const bad = await app.request("/chat/rooms/bad%20room/ws", { headers: upgrade }, env);
    expect(await errorOf(bad)).toMatchObject({ status: 400, code: "bad_room" });
    const plain = await app.request("/chat/rooms/lobby/ws", { headers: { "x-session": "ann" } }, env);
    expect(await errorOf(plain)).toMatchObject({ status: 426, code: "upgrade_required" });
  });

  it("capabilities come from the identity's rooms (403 without admin)", async ({ expect }) => {
    const app = userApp(() => ({ sub: "bob", rooms: ["lobby"] }));
    const res = await app.request("/chat/rooms/lobby", {}, env);
    expect(await errorOf(res)).toMatchObject({ status: 403, code: "forbidden" });
    const check = await app.request("/chat/auth/check?room=lobby", {}, env);
    expect(await check.json()).toMatchObject({
      user: { id: "bob", name: null },
      capabilities: ["read", "write"],
    });
  });

  it("needs no AUTH_SECRET", async ({ expect }) => {
    const res = await userApp(bySession).request(
      "/chat/auth/check?room=lobby",
      { headers: { "x-session": "ann" } },
      { ...env, AUTH_SECRET: "" },
    );
    expect(res.status).toBe(200);
  });

  it("an identity's exp is reported like a token's, and one already past answers 401", async ({ expect }) => {
    const exp = nowSeconds() + 60;
    const live = userApp(() => ({ sub: "old", rooms: ["*"], exp }));
    expect(await (await live.request("/chat/auth/check?room=lobby", {}, env)).json()).toMatchObject({ exp });
    const past = userApp(() => ({ sub: "old", rooms: ["*"], exp: nowSeconds() - 1 }));
    const e = await errorOf(await past.request("/chat/auth/check?room=lobby", {}, env));
    expect(e).toMatchObject({ status: 401, code: "unauthorized", message: "identity expired (exp)" });
  });

  it("a malformed identity answers 500 misconfigured naming the field", async ({ expect }) => {
    const app = userApp(() => ({ sub: "", rooms: ["*"] }));
    const e = await errorOf(await app.request("/chat/auth/check?room=lobby", {}, env));
    expect(e).toMatchObject({ status: 500, code: "misconfigured" });
    expect(e.message).toContain("sub");
  });

  it("refuses an in-band refresh: a JWT never overrides authenticate()", async ({ expect }) => {
    const room = uniqueRoom("embed");
    const res = await userApp(() => ({ sub: "ann", rooms: { [room]: ["read"] } })).request(
      `/chat/rooms/${room}/ws`,
      { headers: upgrade },
      env,
    );
    if (!res.webSocket) throw new Error(`upgrade refused: ${res.status}`);
    const s = new TestSocket(res.webSocket);
    await s.expect("welcome");
    await s.expect("synced");
    // A token that would verify with the server's AUTH_SECRET and grant write: still refused.
    s.send({ type: "refresh", token: await token({ sub: "ann", rooms: { [room]: ["read", "write"] } }) });
    expect(await s.expect("error")).toMatchObject({
      code: "forbidden",
      message: expect.stringContaining("authenticate()"),
    });
    s.send({ type: "publish", data: "still read-only", id: "p1" });
    expect(await s.expect("error")).toMatchObject({ code: "forbidden", id: "p1" });
    s.close();
  });

  it("HTTP publish reaches the room through the mounted app", async ({ expect }) => {
    const app = userApp(bySession);
    const room = uniqueRoom("embed-pub");
    const res = await app.request(
      `/chat/rooms/${room}/messages`,
      { method: "POST", headers: { "x-session": "ops" }, body: JSON.stringify({ data: { text: "hi" } }) },
      env,
    );
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ seq: 1 });
  });
});

describe("createRoomcast binding option", () => {
  it("reaches the rooms through another binding name", async ({ expect }) => {
    const app = userApp(bySession, "CHAT_ROOMS");
    const room = uniqueRoom("bind");
    const res = await app.request(
      `/chat/rooms/${room}/ws`,
      { headers: { ...upgrade, "x-session": "cy" } },
      { ...env, CHAT_ROOMS: env.ROOMS },
    );
    expect((await welcomeOf(res)).room).toBe(room);
  });

  it("a missing binding answers 500 misconfigured naming it", async ({ expect }) => {
    const app = userApp(bySession, "NOPE");
    const e = await errorOf(await app.request("/chat/rooms/lobby", { headers: { "x-session": "ann" } }, env));
    expect(e).toMatchObject({ status: 500, code: "misconfigured" });
    expect(e.message).toContain('"NOPE"');
  });
});

describe("createRoomcast defaults", () => {
  it("without authenticate, the JWT with AUTH_SECRET is required", async ({ expect }) => {
    const app = new Hono().route("/chat", createRoomcast());
    const e = await errorOf(await app.request("/chat/auth/check?room=lobby", {}, env));
    expect(e).toMatchObject({ status: 401, code: "unauthorized" });
    expect(e.message).toContain("token missing");
  });
});
