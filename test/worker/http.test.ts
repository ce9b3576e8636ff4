// Every HTTP route and error path of the contract, through the worker in the Workers runtime.
import { env } from "cloudflare:workers";
import { sign } from "hono/jwt";
import { describe, it } from "vitest";
import app from "../../src/worker/index.ts";
import { call, errorOf, join, nowSeconds, token, uniqueRoom } from "../helpers/runtime.ts";

const bearer = (t: string) => ({ Authorization: `Bearer ${t}` });
const upgrade = { Upgrade: "websocket" };

describe("GET /healthz", () => {
  it("answers ok without a token", async ({ expect }) => {
    const res = await call("/healthz");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
  });
});

describe("errors are JSON", () => {
  it("unknown routes get 404 not_found", async ({ expect }) => {
    expect(await errorOf(await call("/nope"))).toMatchObject({ status: 404, code: "not_found" });
  });

  it("a missing AUTH_SECRET answers 500 misconfigured on every authenticated route", async ({ expect }) => {
    const noSecret = { ...env, AUTH_SECRET: "" };
    for (const [path, init] of [
      ["/rooms/lobby/ws", { headers: upgrade }],
      ["/rooms/lobby", {}],
      ["/rooms/lobby/messages", { method: "POST", body: "{}" }],
      ["/auth/check?room=lobby", {}],
      ["/rooms/bad%20room/ws", {}],
    ] as const) {
      const res = await app.request(path, init, noSecret);
      expect(await errorOf(res)).toMatchObject({ status: 500, code: "misconfigured" });
    }
    expect((await app.request("/healthz", {}, noSecret)).status).toBe(200);
  });

  it("an AUTH_SECRET shorter than 32 bytes answers 500 misconfigured; 32 bytes work", async ({ expect }) => {
    const short = { ...env, AUTH_SECRET: "s".repeat(31) };
    const exact = { ...env, AUTH_SECRET: "s".repeat(32) };
    const room = uniqueRoom();
    for (const [path, init] of [
      [`/rooms/${room}/ws`, { headers: upgrade }],
      [`/rooms/${room}`, {}],
      [`/rooms/${room}/messages`, {}],
      [`/rooms/${room}/messages`, { method: "POST", body: "{}" }],
      [`/rooms/${room}/kick`, { method: "POST", body: "{}" }],
      [`/auth/check?room=${room}`, {}],
    ] as const) {
      const t = await token({ rooms: { "*": ["read", "write", "admin"] } }, short.AUTH_SECRET);
      const init2 = { ...init, headers: { ...("headers" in init ? init.headers : {}), ...bearer(t) } };
      const e = await errorOf(await app.request(path, init2, short));
      expect(e, path).toMatchObject({ status: 500, code: "misconfigured" });
      expect(e.message, path).toContain("32 bytes");
    }
    // A multi-byte secret counts bytes, not characters: 16 × "é" is 32 bytes.
    for (const secret of [exact.AUTH_SECRET, "é".repeat(16)]) {
      const e = { ...env, AUTH_SECRET: secret };
      const check = await app.request(
        `/auth/check?room=${room}`,
        { headers: bearer(await token({}, secret)) },
        e,
      );
      expect(check.status, secret).toBe(200);
      const ws = await app.request(
        `/rooms/${room}/ws`,
        { headers: { ...upgrade, ...bearer(await token({}, secret)) } },
        e,
      );
      expect(ws.status, secret).toBe(101);
      ws.webSocket?.accept();
      ws.webSocket?.close(1000);
    }
  });

  it("a bad setting answers 500 misconfigured naming it", async ({ expect }) => {
    const res = await app.request("/auth/check?room=lobby", {}, { ...env, RATE_PER_SECOND: "lots" });
    const e = await errorOf(res);
    expect(e).toMatchObject({ status: 500, code: "misconfigured" });
    expect(e.message).toContain("RATE_PER_SECOND");
  });
});

describe("upgrade route: checks in the contract's order", () => {
  it("400 bad_room before anything else", async ({ expect }) => {
    for (const room of ["bad%20room", "a".repeat(65), "caf%C3%A9", "x%2Fy"]) {
      expect(await errorOf(await call(`/rooms/${room}/ws`))).toMatchObject({ status: 400, code: "bad_room" });
    }
  });

  it("426 without Upgrade, even with a bad token", async ({ expect }) => {
    const res = await call("/rooms/lobby/ws", { headers: bearer("garbage") });
    expect(await errorOf(res)).toMatchObject({ status: 426, code: "upgrade_required" });
  });

  it("403 origin_not_allowed before 401", async ({ expect }) => {
    const res = await call("/rooms/lobby/ws", { headers: { ...upgrade, Origin: "https://evil.example" } });
    expect(await errorOf(res)).toMatchObject({ status: 403, code: "origin_not_allowed" });
  });

  it("lets an allowed Origin and a missing Origin through", async ({ expect }) => {
    const room = uniqueRoom();
    const a = await join(room, { headers: { Origin: "https://app.example" } });
    const b = await join(room);
    expect(a.welcome.room).toBe(room);
    expect(b.welcome.room).toBe(room);
    a.socket.close();
    b.socket.close();
  });

  it("same origin is allowed when ALLOWED_ORIGINS is empty", async ({ expect }) => {
    const t = await token();
    const same = await app.request(
      "http://rc.test/auth/check?room=lobby",
      { headers: { ...bearer(t), Origin: "http://rc.test" } },
      { ...env, ALLOWED_ORIGINS: "" },
    );
    expect(same.status).toBe(200);
    const other = await app.request(
      "http://rc.test/auth/check?room=lobby",
      { headers: { ...bearer(t), Origin: "http://other.test" } },
      { ...env, ALLOWED_ORIGINS: "" },
    );
    expect(await errorOf(other)).toMatchObject({ status: 403, code: "origin_not_allowed" });
  });

  it("401 for every kind of bad token", async ({ expect }) => {
    const exp = nowSeconds() + 600;
    const cases: Record<string, string | null> = {
      missing: null,
      malformed: "not.a.jwt",
      "bad signature": await token({}, "another-secret-0123456789abcdef0123456789"),
      expired: await token({ exp: nowSeconds() - 10 }),
      "not yet valid": await token({ nbf: nowSeconds() + 600 }),
      "no exp": await token({ exp: undefined }),
      "no sub": await token({ sub: undefined }),
      "sub too long": await token({ sub: "x".repeat(65) }),
      "no rooms": await token({ rooms: undefined }),
      "rooms wrong shape": await token({ rooms: { lobby: ["fly"] } }),
      HS512: await sign(
        { sub: "ann", rooms: ["lobby"], exp },
        "test-secret-0123456789abcdef0123456789abcdef",
        "HS512",
      ),
      "alg none": `${b64url({ alg: "none", typ: "JWT" })}.${b64url({ sub: "ann", rooms: ["lobby"], exp })}.`,
    };
    for (const [name, t] of Object.entries(cases)) {
      const headers = t === null ? upgrade : { ...upgrade, ...bearer(t) };
      const e = await errorOf(await call("/rooms/lobby/ws", { headers }));
      expect(e, name).toMatchObject({ status: 401, code: "unauthorized" });
      expect(e.message.length, name).toBeGreaterThan(0);
    }
  });

  it("a non-Bearer Authorization header is 401", async ({ expect }) => {
    const res = await call("/rooms/lobby/ws", { headers: { ...upgrade, Authorization: "Basic YTpi" } });
    expect(await errorOf(res)).toMatchObject({ status: 401, code: "unauthorized" });
  });

  it("403 forbidden without read on the room, before a bad since", async ({ expect }) => {
    const t = await token({ rooms: { other: ["read"] } });
    const res = await call("/rooms/lobby/ws?since=x", { headers: { ...upgrade, ...bearer(t) } });
    expect(await errorOf(res)).toMatchObject({ status: 403, code: "forbidden" });
  });

  it("400 bad_request for a bad since, or since without epoch", async ({ expect }) => {
    const t = await token();
    for (const q of [
      "since=-1&epoch=e",
      "since=abc&epoch=e",
      "since=1.5&epoch=e",
      "since=3",
      "rewind=-1",
      "rewind=ten",
      "rewind=99999999",
      "rewind=1000001",
    ]) {
      const res = await call(`/rooms/lobby/ws?${q}`, { headers: { ...upgrade, ...bearer(t) } });
      expect(await errorOf(res), q).toMatchObject({ status: 400, code: "bad_request" });
    }
  });

  it("accepts the token as ?token= (browsers)", async ({ expect }) => {
    const room = uniqueRoom();
    const t = await token({ sub: "web" });
    const res = await call(`/rooms/${room}/ws?token=${t}`, { headers: upgrade });
    expect(res.status).toBe(101);
    const ws = res.webSocket;
    expect(ws).toBeTruthy();
    ws?.accept();
    ws?.close();
  });

  it("ignores an identity header a client tries to smuggle in", async ({ expect }) => {
    const room = uniqueRoom();
    const forged = encodeURIComponent(
      JSON.stringify({ room, id: "root", name: "Root", capabilities: ["admin"], exp: 9e9 }),
    );
    const { socket, welcome } = await join(room, {
      token: await token({ sub: "ann" }),
      headers: { "x-roomcast-identity": forged },
    });
    expect(welcome.user).toEqual({ id: "ann", name: null });
    socket.close();
  });
});

describe("capability patterns", () => {
  const cases: [unknown, string, number][] = [
    [{ lobby: ["read"] }, "lobby", 101],
    [{ lobby: ["read"] }, "lobby2", 403],
    [{ "team-*": ["read"] }, "team-red", 101],
    [{ "team-*": ["read"] }, "tea", 403],
    [{ "*": ["read"] }, "anything", 101],
    [{ "*": ["write"] }, "anything", 403],
    [{ "*": ["admin"] }, "anything", 101],
    [["lobby", "team-*"], "team-blue", 101],
    [["lobby", "team-*"], "other", 403],
  ];
  for (const [rooms, room, status] of cases) {
    it(`${JSON.stringify(rooms)} on ${room} → ${status}`, async ({ expect }) => {
      const t = await token({ rooms });
      const res = await call(`/rooms/${room}/ws`, { headers: { ...upgrade, ...bearer(t) } });
      expect(res.status).toBe(status);
      res.webSocket?.accept();
      res.webSocket?.close();
    });
  }
});

describe("GET /auth/check", () => {
  it("describes a valid token for the room", async ({ expect }) => {
    const exp = nowSeconds() + 300;
    const t = await token({
      sub: "ann",
      name: "Ann",
      rooms: { "team-*": ["read"], "team-red": ["write"] },
      exp,
    });
    const res = await call("/auth/check?room=team-red", { headers: bearer(t) });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      user: { id: "ann", name: "Ann" },
      room: "team-red",
      capabilities: ["read", "write"],
      exp,
    });
  });

  it("takes ?token= and reports admin's implied capabilities", async ({ expect }) => {
    const t = await token({ rooms: { "*": ["admin"] } });
    const body = (await (await call(`/auth/check?room=x&token=${t}`)).json()) as { capabilities: string[] };
    expect(body.capabilities).toEqual(["read", "write", "admin"]);
  });

  it("gives the errors the upgrade would", async ({ expect }) => {
    expect(await errorOf(await call("/auth/check?room=x"))).toMatchObject({
      status: 401,
      code: "unauthorized",
    });
    expect(await errorOf(await call("/auth/check"))).toMatchObject({ status: 400, code: "bad_room" });
    const expired = await token({ exp: nowSeconds() - 5 });
    const e = await errorOf(await call("/auth/check?room=x", { headers: bearer(expired) }));
    expect(e).toMatchObject({ status: 401, code: "unauthorized", message: "token expired" });
    const other = await token({ rooms: { y: ["read"] } });
    expect(await errorOf(await call("/auth/check?room=x", { headers: bearer(other) }))).toMatchObject({
      status: 403,
      code: "forbidden",
    });
  });
});

describe("GET /rooms/:room (admin)", () => {
  it("returns room info", async ({ expect }) => {
    const room = uniqueRoom();
    const { socket, welcome } = await join(room, { token: await token({ sub: "ann", name: "Ann" }) });
    socket.send({ type: "publish", data: "one" });
    await socket.expect("ack");
    const admin = await token({ sub: "ops", rooms: { "*": ["admin"] } });
    const res = await call(`/rooms/${room}`, { headers: bearer(admin) });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      room,
      epoch: welcome.epoch,
      seq: 1,
      connections: 1,
      members: [{ id: "ann", name: "Ann", connections: 1, state: null }],
      membersTotal: 1,
      history: { oldest: 1, newest: 1, count: 1 },
    });
    socket.close();
  });

  it("needs admin", async ({ expect }) => {
    const rw = await token({ rooms: { "*": ["read", "write"] } });
    expect(await errorOf(await call("/rooms/x", { headers: bearer(rw) }))).toMatchObject({
      status: 403,
      code: "forbidden",
    });
  });
});

describe("POST /rooms/:room/messages (admin)", () => {
  it("publishes to every socket, with the token's sub and name as from", async ({ expect }) => {
    const room = uniqueRoom();
    const { socket } = await join(room);
    const admin = await token({ sub: "ops", name: "Ops", rooms: { "*": ["admin"] } });
    const res = await call(`/rooms/${room}/messages`, {
      method: "POST",
      headers: bearer(admin),
      body: JSON.stringify({ data: { n: 1 }, id: "k1" }),
    });
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ seq: 1 });
    const m = await socket.expect("message");
    expect(m).toMatchObject({ seq: 1, id: "k1", from: { id: "ops", name: "Ops" }, data: { n: 1 } });
    expect(typeof m.ts).toBe("number");

    const again = await call(`/rooms/${room}/messages`, {
      method: "POST",
      headers: bearer(admin),
      body: JSON.stringify({ data: { n: 1 }, id: "k1" }),
    });
    expect(again.status).toBe(201);
    expect(await again.json()).toEqual({ seq: 1, duplicate: true });
    // Not broadcast again: the next frame is the next real message.
    await call(`/rooms/${room}/messages`, {
      method: "POST",
      headers: bearer(admin),
      body: JSON.stringify({ data: null }),
    });
    expect(await socket.expect("message")).toMatchObject({ seq: 2, data: null });
    socket.close();
  });

  it("rejects bad bodies with 400 bad_request, after auth", async ({ expect }) => {
    const admin = await token({ rooms: { "*": ["admin"] } });
    for (const body of [
      "not json",
      "[]",
      "{}",
      JSON.stringify({ data: 1, id: 5 }),
      JSON.stringify({ data: 1, id: "x".repeat(65) }),
    ]) {
      const res = await call("/rooms/lobby/messages", { method: "POST", headers: bearer(admin), body });
      expect(await errorOf(res), body).toMatchObject({ status: 400, code: "bad_request" });
    }
    const rw = await token({ rooms: ["lobby"] });
    const res = await call("/rooms/lobby/messages", {
      method: "POST",
      headers: bearer(rw),
      body: "not json",
    });
    expect(await errorOf(res)).toMatchObject({ status: 403, code: "forbidden" });
  });
});

function b64url(o: unknown): string {
  return btoa(JSON.stringify(o)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

describe("CORS for the HTTP routes (pages on an allowed other origin)", () => {
  it("answers a preflight from an allowed origin without a token", async ({ expect }) => {
    const res = await call("/rooms/lobby/messages", {
      method: "OPTIONS",
      headers: {
        Origin: "https://app.example",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type",
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe("https://app.example");
    expect(res.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("authorization");
    expect(res.headers.get("access-control-allow-methods")).toContain("POST");
  });

  it("lets an allowed origin read /auth/check answers, errors included", async ({ expect }) => {
    const ok = await call("/auth/check?room=lobby", {
      headers: { Origin: "https://app.example", ...bearer(await token()) },
    });
    expect(ok.status).toBe(200);
    expect(ok.headers.get("access-control-allow-origin")).toBe("https://app.example");
    const refused = await call("/auth/check?room=lobby", {
      headers: { Origin: "https://app.example", ...bearer("bad") },
    });
    expect(refused.status).toBe(401);
    expect(refused.headers.get("access-control-allow-origin")).toBe("https://app.example");
  });

  it("lets any origin read /auth/check's origin_not_allowed, and nothing about the token", async ({
    expect,
  }) => {
    const pre = await call("/auth/check?room=lobby", {
      method: "OPTIONS",
      headers: {
        Origin: "https://other.example",
        "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "authorization",
      },
    });
    expect(pre.headers.get("access-control-allow-origin")).toBe("https://other.example");
    // A valid token and a bad one get the same answer: the origin check comes first.
    for (const jwt of [await token(), "bad"]) {
      const get = await call("/auth/check?room=lobby", {
        headers: { Origin: "https://other.example", ...bearer(jwt) },
      });
      expect(get.headers.get("access-control-allow-origin")).toBe("https://other.example");
      expect(await errorOf(get)).toMatchObject({ status: 403, code: "origin_not_allowed" });
    }
  });

  it("grants nothing to other origins on the other routes", async ({ expect }) => {
    const res = await call("/rooms/lobby", {
      method: "OPTIONS",
      headers: { Origin: "https://evil.example", "Access-Control-Request-Method": "GET" },
    });
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
    const get = await call("/rooms/lobby/messages", {
      headers: { Origin: "https://evil.example", ...bearer(await token()) },
    });
    expect(await errorOf(get)).toMatchObject({ status: 403, code: "origin_not_allowed" });
    expect(get.headers.get("access-control-allow-origin")).toBeNull();
  });
});

describe("HTTP publish size", () => {
  it("refuses a body over MAX_MESSAGE_BYTES with 413 too_large, like a socket frame", async ({ expect }) => {
    const admin = await token({ rooms: { "*": ["admin"] } });
    const room = uniqueRoom();
    const big = JSON.stringify({ data: "x".repeat(4096) });
    const res = await call(`/rooms/${room}/messages`, { method: "POST", headers: bearer(admin), body: big });
    expect(await errorOf(res)).toMatchObject({ status: 413, code: "too_large" });
    const fits = JSON.stringify({ data: "x".repeat(4000) });
    expect(
      (await call(`/rooms/${room}/messages`, { method: "POST", headers: bearer(admin), body: fits })).status,
    ).toBe(201);
  });
});
