// Black-box: the HTTP side of the contract (healthz, errors and their precedence, tokens, capabilities,
// /auth/check, room info, HTTP publish) against a real `wrangler dev`.
import { describe, it } from "vitest";
import { uniqueRoom } from "../support/names.ts";
import { nowSeconds, signClaims, tokenFor, unsignedToken } from "../support/tokens.ts";
import { expectHttpError, request } from "./support/http.ts";
import { expectRefused, join } from "./support/rooms.ts";
import { useDevServer } from "./support/use-dev-server.ts";
import { TestSocket } from "./support/ws-client.ts";

const GOOD_ORIGIN = "https://good.example";
const ALSO_ORIGIN = "https://also.example";
const EVIL_ORIGIN = "https://evil.example";

const server = useDevServer({ vars: { ALLOWED_ORIGINS: `${GOOD_ORIGIN},${ALSO_ORIGIN}` } });

const url = (path: string): string => `${server.url}${path}`;
const rw = (room: string) => ({ [room]: ["read", "write"] });
const admin = (room: string) => ({ [room]: ["admin"] });

describe("GET /healthz", () => {
  it("answers 200 {ok:true}", async ({ expect }) => {
    const res = await request(url("/healthz"));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ok: true });
  });

  it("GET / serves the browser page", async ({ expect }) => {
    const res = await request(url("/"));
    expect(res.status).toBe(200);
    expect(res.contentType).toMatch(/text\/html/);
  });
});

describe("room names", () => {
  const bad = ["bad!room", "a".repeat(65), "sp%20ace", "star*"];

  it.each(bad)("upgrade to %j without a token → 400 bad_room (bad_room before 401)", async (room) => {
    await expectRefused(server.url, room, {}, 400, "bad_room");
  });

  it.each(bad)("upgrade to %j with a bad Origin → 400 bad_room (before origin)", async (room) => {
    await expectRefused(server.url, room, { origin: EVIL_ORIGIN }, 400, "bad_room");
  });

  it("bad room without Upgrade → 400 bad_room (before 426)", async () => {
    expectHttpError(await request(url("/rooms/bad!room/ws")), 400, "bad_room", "GET /rooms/bad!room/ws");
  });

  // bad_room comes before 401 on every route: with an admin token and without any.
  it.each([
    { what: "GET /rooms/bad!room", path: "/rooms/bad!room", post: false, token: true },
    { what: "POST /rooms/bad!room/messages", path: "/rooms/bad!room/messages", post: true, token: true },
    { what: "/auth/check?room=bad!room", path: "/auth/check?room=bad!room", post: false, token: true },
    { what: "GET /rooms/bad!room, no token", path: "/rooms/bad!room", post: false, token: false },
    {
      what: "/auth/check?room=bad!room, no token",
      path: "/auth/check?room=bad!room",
      post: false,
      token: false,
    },
  ])("$what → 400 bad_room", async ({ what, path, post, token }) => {
    const t = token ? await tokenFor("ann", { "*": ["admin"] }) : undefined;
    const init = post ? { method: "POST", body: '{"data":1}' } : {};
    expectHttpError(await request(url(path), { ...init, ...(t ? { token: t } : {}) }), 400, "bad_room", what);
  });

  it("accepts every allowed character and 64-character names", async ({ expect }) => {
    for (const room of [`A.b_c-9-${crypto.randomUUID()}`, "x".repeat(56) + crypto.randomUUID().slice(0, 8)]) {
      const { sock, welcome } = await join(server.url, room, { token: await tokenFor("ann", rw(room)) });
      expect(welcome.room).toBe(room);
      await sock.shutdown();
    }
  });
});

describe("upgrade preconditions and precedence", () => {
  it("no Upgrade header → 426 upgrade_required, even with a bad token or a bad Origin", async () => {
    const room = uniqueRoom();
    expectHttpError(await request(url(`/rooms/${room}/ws`)), 426, "upgrade_required", "no token");
    expectHttpError(
      await request(url(`/rooms/${room}/ws`), { token: "garbage" }),
      426,
      "upgrade_required",
      "bad token",
    );
    expectHttpError(
      await request(url(`/rooms/${room}/ws`), { headers: { origin: EVIL_ORIGIN } }),
      426,
      "upgrade_required",
      "bad origin",
    );
  });

  it("a disallowed Origin → 403 origin_not_allowed, before 401 and with a valid token", async () => {
    const room = uniqueRoom();
    await expectRefused(server.url, room, { origin: EVIL_ORIGIN }, 403, "origin_not_allowed");
    await expectRefused(
      server.url,
      room,
      { origin: EVIL_ORIGIN, token: "garbage" },
      403,
      "origin_not_allowed",
    );
    await expectRefused(
      server.url,
      room,
      { origin: EVIL_ORIGIN, token: await tokenFor("ann", rw(room)) },
      403,
      "origin_not_allowed",
    );
  });

  it("every origin of the comma list and no Origin at all are accepted", async ({ expect }) => {
    const room = uniqueRoom();
    const t = await tokenFor("ann", rw(room));
    const a = await join(server.url, room, { token: t, origin: GOOD_ORIGIN });
    const b = await join(server.url, room, { token: t, origin: ALSO_ORIGIN });
    const c = await join(server.url, room, { token: t });
    for (const j of [a, b, c]) {
      expect(j.welcome.room).toBe(room);
      await j.sock.shutdown();
    }
  });

  it("Origin: null (sandboxed page, file://) is a browser origin not in the list → 403", async () => {
    const room = uniqueRoom();
    await expectRefused(
      server.url,
      room,
      { origin: "null", token: await tokenFor("ann", rw(room)) },
      403,
      "origin_not_allowed",
    );
  });

  it("identity and capabilities come from the token only, not from client-sent headers", async ({
    expect,
  }) => {
    const room = uniqueRoom();
    // Best effort: header names a worker might use to pass identity to the room.
    const spoof: Record<string, string> = {};
    for (const h of [
      "x-user",
      "x-user-id",
      "x-user-name",
      "x-roomcast-user",
      "x-roomcast-user-id",
      "x-roomcast-name",
      "x-roomcast-caps",
      "x-roomcast-capabilities",
      "x-roomcast-exp",
      "x-capabilities",
      "x-auth",
      "x-identity",
    ]) {
      spoof[h] = h.includes("cap") ? "read,write,admin" : "mallory";
    }
    spoof["x-roomcast-identity"] = JSON.stringify({
      id: "mallory",
      name: "Mallory",
      caps: ["read", "write", "admin"],
    });
    const { sock, welcome } = await join(server.url, room, {
      token: await tokenFor("ann", { [room]: ["read"] }),
      headers: spoof,
    });
    expect(welcome.user).toEqual({ id: "ann", name: null });
    sock.send({ type: "publish", data: 1, id: "spoof" });
    expect(await sock.next("error")).toMatchObject({ code: "forbidden" });
    await sock.shutdown();
  });

  it("401 wins over a bad since; forbidden wins over a bad since", async () => {
    const room = uniqueRoom();
    await expectRefused(server.url, room, { since: "abc", epoch: "e" }, 401, "unauthorized");
    const other = await tokenFor("ann", rw("some-other-room"));
    await expectRefused(server.url, room, { token: other, since: "abc", epoch: "e" }, 403, "forbidden");
    await expectRefused(server.url, room, { token: other, since: "5" }, 403, "forbidden");
  });
});

interface BadToken {
  name: string;
  make: () => Promise<string | undefined>;
}

const badTokens: BadToken[] = [
  { name: "missing", make: async () => undefined },
  { name: "malformed (not a JWT)", make: async () => "not-a-jwt" },
  { name: "malformed (three junk parts)", make: async () => "a.b.c" },
  {
    name: "bad signature",
    make: () => tokenFor("ann", { "*": ["read"] }).then((t) => `${t.slice(0, -4)}AAAA`),
  },
  {
    name: "signed with another secret",
    make: () =>
      signClaims(
        { sub: "ann", rooms: { "*": ["read"] }, exp: nowSeconds() + 600 },
        { secret: "another-secret-0123456789abcdef0123" },
      ),
  },
  {
    name: "alg none",
    make: async () => unsignedToken({ sub: "ann", rooms: { "*": ["read"] }, exp: nowSeconds() + 600 }),
  },
  {
    name: "HS512",
    make: () =>
      signClaims({ sub: "ann", rooms: { "*": ["read"] }, exp: nowSeconds() + 600 }, { alg: "HS512" }),
  },
  {
    name: "expired",
    make: () => signClaims({ sub: "ann", rooms: { "*": ["read"] }, exp: nowSeconds() - 60 }),
  },
  {
    name: "nbf in the future",
    make: () =>
      signClaims({ sub: "ann", rooms: { "*": ["read"] }, exp: nowSeconds() + 600, nbf: nowSeconds() + 300 }),
  },
  { name: "missing exp", make: () => signClaims({ sub: "ann", rooms: { "*": ["read"] } }) },
  {
    name: "exp not a number",
    make: () => signClaims({ sub: "ann", rooms: { "*": ["read"] }, exp: String(nowSeconds() + 600) }),
  },
  {
    name: "sub not a string",
    make: () => signClaims({ sub: 42, rooms: { "*": ["read"] }, exp: nowSeconds() + 600 }),
  },
  { name: "missing sub", make: () => signClaims({ rooms: { "*": ["read"] }, exp: nowSeconds() + 600 }) },
  {
    name: "empty sub",
    make: () => signClaims({ sub: "", rooms: { "*": ["read"] }, exp: nowSeconds() + 600 }),
  },
  {
    name: "sub of 65 characters",
    make: () => signClaims({ sub: "u".repeat(65), rooms: { "*": ["read"] }, exp: nowSeconds() + 600 }),
  },
];

describe("401 unauthorized", () => {
  it.each(badTokens)("upgrade with token $name (header) → 401", async ({ make }) => {
    const t = await make();
    await expectRefused(server.url, uniqueRoom(), t === undefined ? {} : { token: t }, 401, "unauthorized");
  });

  it.each(badTokens.filter((b) => b.name !== "missing"))(
    "upgrade with token $name (?token=) → 401",
    async ({ make }) => {
      await expectRefused(
        server.url,
        uniqueRoom(),
        { token: await make(), tokenInQuery: true },
        401,
        "unauthorized",
      );
    },
  );

  it.each(badTokens)("/auth/check with token $name → 401", async ({ make }) => {
    const t = await make();
    const res = await request(url(`/auth/check?room=${uniqueRoom()}`), t === undefined ? {} : { token: t });
    expectHttpError(res, 401, "unauthorized", "/auth/check");
  });

  it("a non-Bearer Authorization header → 401", async () => {
    const t = await tokenFor("ann", { "*": ["read"] });
    await expectRefused(
      server.url,
      uniqueRoom(),
      { headers: { authorization: `Basic ${t}` } },
      401,
      "unauthorized",
    );
  });
});

describe("tokens: header and query", () => {
  it("a valid token works in the Authorization header and as ?token=", async ({ expect }) => {
    const room = uniqueRoom();
    const t = await tokenFor("ann", rw(room), { name: "Ann" });
    const a = await join(server.url, room, { token: t });
    const b = await join(server.url, room, { token: t, tokenInQuery: true });
    expect(a.welcome.user).toEqual({ id: "ann", name: "Ann" });
    expect(b.welcome.user).toEqual({ id: "ann", name: "Ann" });
    await a.sock.shutdown();
    await b.sock.shutdown();
  });

  it("an nbf in the past is fine", async ({ expect }) => {
    const room = uniqueRoom();
    const t = await signClaims({
      sub: "ann",
      rooms: rw(room),
      exp: nowSeconds() + 600,
      nbf: nowSeconds() - 30,
    });
    const { sock, welcome } = await join(server.url, room, { token: t });
    expect(welcome.user.id).toBe("ann");
    await sock.shutdown();
  });

  it("?token= works on the admin HTTP routes too", async ({ expect }) => {
    const room = uniqueRoom();
    const t = await tokenFor("boss", admin(room));
    const info = await request(url(`/rooms/${room}?token=${t}`));
    expect(info.status, info.text).toBe(200);
    const pub = await request(url(`/rooms/${room}/messages?token=${t}`), {
      method: "POST",
      body: '{"data":1}',
    });
    expect(pub.status, pub.text).toBe(201);
  });
});

describe("capabilities: 403 forbidden", () => {
  const joins = async (room: string, rooms: unknown): Promise<void> => {
    const { sock } = await join(server.url, room, { token: await tokenFor("cap", rooms) });
    await sock.shutdown();
  };

  it("exact pattern: the named room only", async () => {
    const room = uniqueRoom("exact");
    await joins(room, { [room]: ["read"] });
    await expectRefused(
      server.url,
      `${room}x`,
      { token: await tokenFor("cap", { [room]: ["read"] }) },
      403,
      "forbidden",
    );
  });

  it("prefix* pattern: rooms starting with the prefix only", async () => {
    const id = crypto.randomUUID();
    const t = await tokenFor("cap", { [`team${id}-*`]: ["read"] });
    await joins(`team${id}-a`, { [`team${id}-*`]: ["read"] });
    await expectRefused(server.url, `x-team${id}-a`, { token: t }, 403, "forbidden");
    await expectRefused(server.url, `team${id}`, { token: t }, 403, "forbidden");
  });

  it("* pattern: any room", async () => {
    await joins(uniqueRoom("any"), { "*": ["read"] });
  });

  it("array shorthand: read and write on each listed pattern", async ({ expect }) => {
    const room = uniqueRoom("arr");
    const prefix = `grp${crypto.randomUUID()}-`;
    const shorthand = [room, `${prefix}*`];
    const t = await tokenFor("cap", shorthand);
    const check = await request(url(`/auth/check?room=${prefix}one`), { token: t });
    expect(check.status, check.text).toBe(200);
    expect(check.body).toMatchObject({ room: `${prefix}one` });
    const caps = (check.body as { capabilities: string[] }).capabilities;
    expect(caps).toEqual(expect.arrayContaining(["read", "write"]));
    expect(caps).not.toContain("admin");
    // write is real: the publish is acked
    const { sock } = await join(server.url, room, { token: t });
    sock.send({ type: "publish", data: 1, id: "w" });
    expect(await sock.next("ack")).toMatchObject({ id: "w" });
    await sock.shutdown();
    await expectRefused(server.url, uniqueRoom("other"), { token: t }, 403, "forbidden");
  });

  it("a token with only write on the room cannot join (read = join and receive)", async () => {
    const room = uniqueRoom();
    await expectRefused(
      server.url,
      room,
      { token: await tokenFor("cap", { [room]: ["write"] }) },
      403,
      "forbidden",
    );
  });

  it("admin implies read and write", async ({ expect }) => {
    const room = uniqueRoom();
    const t = await tokenFor("boss", admin(room));
    const { sock } = await join(server.url, room, { token: t });
    sock.send({ type: "publish", data: "x", id: "a1" });
    expect(await sock.next("ack")).toMatchObject({ id: "a1", seq: expect.any(Number) });
    await sock.shutdown();
    const check = await request(url(`/auth/check?room=${room}`), { token: t });
    expect(check.status).toBe(200);
    expect((check.body as { capabilities: string[] }).capabilities).toContain("admin");
  });

  it("/auth/check answers 403 forbidden for a room the token does not cover", async () => {
    const t = await tokenFor("cap", rw("lobby"));
    expectHttpError(
      await request(url(`/auth/check?room=${uniqueRoom()}`), { token: t }),
      403,
      "forbidden",
      "/auth/check",
    );
  });
});

describe("GET /auth/check", () => {
  it("answers the user, room, capabilities and exp (header or ?token=)", async ({ expect }) => {
    const room = uniqueRoom();
    const t = await tokenFor("ann", rw(room), { name: "Ann", ttlSeconds: 300 });
    const exp = JSON.parse(Buffer.from(t.split(".")[1] ?? "", "base64url").toString()).exp;
    for (const res of [
      await request(url(`/auth/check?room=${room}`), { token: t }),
      await request(url(`/auth/check?room=${room}&token=${t}`)),
    ]) {
      expect(res.status, res.text).toBe(200);
      expect(res.body).toEqual({
        user: { id: "ann", name: "Ann" },
        room,
        capabilities: expect.any(Array),
        exp,
      });
      expect([...(res.body as { capabilities: string[] }).capabilities].sort()).toEqual(["read", "write"]);
    }
  });

  it("name is null when the token has none", async ({ expect }) => {
    const room = uniqueRoom();
    const res = await request(url(`/auth/check?room=${room}`), { token: await tokenFor("bob", rw(room)) });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ user: { id: "bob", name: null }, room });
  });

  it("without ?room= → 400", async ({ expect }) => {
    const res = await request(url("/auth/check"), { token: await tokenFor("bob", { "*": ["read"] }) });
    expect(res.status, res.text).toBe(400);
    // Contract ambiguity: bad_room or bad_request; accept either.
    expect(res.body).toEqual({
      error: { code: expect.stringMatching(/^bad_(room|request)$/), message: expect.any(String) },
    });
  });
});

describe("GET /rooms/:room (admin)", () => {
  it("needs a token and admin", async () => {
    const room = uniqueRoom();
    expectHttpError(await request(url(`/rooms/${room}`)), 401, "unauthorized", "no token");
    expectHttpError(
      await request(url(`/rooms/${room}`), { token: await tokenFor("ann", rw(room)) }),
      403,
      "forbidden",
      "rw token",
    );
  });

  it("describes an unused room as empty", async ({ expect }) => {
    const room = uniqueRoom();
    const res = await request(url(`/rooms/${room}`), { token: await tokenFor("boss", admin(room)) });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual({
      room,
      epoch: expect.any(String),
      seq: 0,
      connections: 0,
      members: [],
      membersTotal: 0,
      history: { oldest: null, newest: null, count: 0 },
    });
  });

  it("reports connections, members per user, seq and history", async ({ expect }) => {
    const room = uniqueRoom();
    const ann = await tokenFor("ann", rw(room), { name: "Ann" });
    const a1 = await join(server.url, room, { token: ann, label: "ann1" });
    const a2 = await join(server.url, room, { token: ann, label: "ann2" });
    const b = await join(server.url, room, { token: await tokenFor("bob", rw(room)), label: "bob" });
    a1.sock.send({ type: "publish", data: 1 });
    const first = await a1.sock.next("ack");
    a1.sock.send({ type: "publish", data: 2 });
    const second = await a1.sock.next("ack");
    const res = await request(url(`/rooms/${room}`), { token: await tokenFor("boss", admin(room)) });
    expect(res.status, res.text).toBe(200);
    const body = res.body as { members: Array<{ id: string }> };
    body.members.sort((x, y) => x.id.localeCompare(y.id));
    expect(body).toEqual({
      room,
      epoch: a1.welcome.epoch,
      seq: second.seq,
      connections: 3,
      members: [
        { id: "ann", name: "Ann", connections: 2, state: null },
        { id: "bob", name: null, connections: 1, state: null },
      ],
      membersTotal: 2,
      history: { oldest: first.seq, newest: second.seq, count: 2 },
    });
    for (const s of [a1, a2, b]) await s.sock.shutdown();
    // Closed sockets are gone from the books (no ghosts); history stays.
    const after = await request(url(`/rooms/${room}`), { token: await tokenFor("boss", admin(room)) });
    expect(after.body).toMatchObject({ connections: 0, members: [], seq: second.seq, history: { count: 2 } });
  });
});

describe("POST /rooms/:room/messages (admin)", () => {
  const post = (room: string, token: string | undefined, body: string) =>
    request(url(`/rooms/${room}/messages`), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
      ...(token !== undefined ? { token } : {}),
    });

  it("publishes with 201 {seq}; a repeated id → {seq, duplicate:true} and no second broadcast", async ({
    expect,
  }) => {
    const room = uniqueRoom();
    const svc = await tokenFor("svc", admin(room), { name: "Service" });
    const obs = await join(server.url, room, { token: await tokenFor("obs", rw(room)) });
    const before = Date.now();
    const r1 = await post(room, svc, JSON.stringify({ data: { hello: 1 }, id: "p1" }));
    expect(r1.status, r1.text).toBe(201);
    expect(r1.body).toEqual({ seq: expect.any(Number) });
    const seq = (r1.body as { seq: number }).seq;
    expect(seq).toBeGreaterThan(obs.welcome.seq);
    const m = await obs.sock.next("message");
    expect(m).toEqual({
      type: "message",
      seq,
      id: "p1",
      from: { id: "svc", name: "Service" },
      data: { hello: 1 },
      ts: expect.any(Number),
    });
    expect(m.ts).toBeGreaterThanOrEqual(before - 1000);
    expect(m.ts).toBeLessThanOrEqual(Date.now() + 1000);

    const r2 = await post(room, svc, JSON.stringify({ data: { hello: "again" }, id: "p1" }));
    expect(r2.status, r2.text).toBe(201);
    expect(r2.body).toEqual({ seq, duplicate: true });

    const r3 = await post(room, svc, JSON.stringify({ data: 3 }));
    expect(r3.status, r3.text).toBe(201);
    expect(r3.body).toEqual({ seq: seq + 1 });
    // The duplicate was not broadcast: the observer's next message is the third post.
    expect(await obs.sock.next("message")).toMatchObject({ seq: seq + 1, data: 3 });
    await obs.sock.shutdown();
    // HTTP-published messages are in history: a resuming client gets them.
    const r = await join(server.url, room, {
      token: await tokenFor("obs", rw(room)),
      since: obs.welcome.seq,
      epoch: obs.welcome.epoch,
    });
    expect(r.synced).toMatchObject({ replayed: 2, gap: false });
    expect(await r.sock.next("message")).toMatchObject({
      seq,
      id: "p1",
      from: { id: "svc", name: "Service" },
      data: { hello: 1 },
    });
    expect(await r.sock.next("message")).toMatchObject({ seq: seq + 1, data: 3 });
    await r.sock.shutdown();
  });

  it("concurrent posts: unique seqs; the same id posted at once is stored and broadcast once", async ({
    expect,
  }) => {
    const room = uniqueRoom();
    const svc = await tokenFor("svc", admin(room));
    const obs = await join(server.url, room, { token: await tokenFor("obs", rw(room)) });
    const distinct = await Promise.all(
      Array.from({ length: 8 }, (_, i) => post(room, svc, JSON.stringify({ data: i }))),
    );
    const seqs = distinct.map((r) => (r.body as { seq: number }).seq).sort((x, y) => x - y);
    expect(distinct.map((r) => r.status)).toEqual(Array(8).fill(201));
    expect(seqs).toEqual(Array.from({ length: 8 }, (_, i) => obs.welcome.seq + 1 + i));
    for (let i = 0; i < 8; i++) await obs.sock.next("message");

    const same = await Promise.all(
      Array.from({ length: 5 }, (_, i) => post(room, svc, JSON.stringify({ data: i, id: "race" }))),
    );
    expect(same.map((r) => r.status)).toEqual(Array(5).fill(201));
    const bodies = same.map((r) => r.body as { seq: number; duplicate?: boolean });
    const seq = bodies[0]?.seq;
    expect(
      bodies.every((b) => b.seq === seq),
      JSON.stringify(bodies),
    ).toBe(true);
    expect(
      bodies.filter((b) => b.duplicate !== true),
      JSON.stringify(bodies),
    ).toHaveLength(1);
    expect(await obs.sock.next("message")).toMatchObject({ seq, id: "race" });
    const sentinel = await post(room, svc, JSON.stringify({ data: "sentinel" }));
    expect(await obs.sock.next("message")).toMatchObject({
      seq: (sentinel.body as { seq: number }).seq,
      data: "sentinel",
    });
    await obs.sock.shutdown();
  });

  it("from.name is null when the admin token has no name", async ({ expect }) => {
    const room = uniqueRoom();
    const obs = await join(server.url, room, { token: await tokenFor("obs", rw(room)) });
    const r = await post(room, await tokenFor("svc2", admin(room)), JSON.stringify({ data: "x" }));
    expect(r.status, r.text).toBe(201);
    expect(await obs.sock.next("message")).toMatchObject({ from: { id: "svc2", name: null }, data: "x" });
    await obs.sock.shutdown();
  });

  it.each([
    { what: "invalid JSON", body: "{not json" },
    { what: "numeric id", body: JSON.stringify({ data: 1, id: 7 }) },
    { what: "65-char id", body: JSON.stringify({ data: 1, id: "i".repeat(65) }) },
  ])("bad body ($what) → 400 bad_request", async ({ what, body }) => {
    const room = uniqueRoom();
    expectHttpError(await post(room, await tokenFor("svc", admin(room)), body), 400, "bad_request", what);
  });

  it("needs a token and admin", async () => {
    const room = uniqueRoom();
    expectHttpError(await post(room, undefined, '{"data":1}'), 401, "unauthorized", "no token");
    expectHttpError(
      await post(room, await tokenFor("ann", rw(room)), '{"data":1}'),
      403,
      "forbidden",
      "rw token",
    );
  });

  it("a non-admin is refused before its bad body is looked at (403 before 400)", async () => {
    const room = uniqueRoom();
    expectHttpError(
      await post(room, await tokenFor("ann", rw(room)), "{not json"),
      403,
      "forbidden",
      "rw token, bad body",
    );
  });
});

describe("test client sanity", () => {
  it("TestSocket reports a refused upgrade with status and body", async ({ expect }) => {
    await expect(TestSocket.open(server.url, uniqueRoom())).rejects.toMatchObject({ status: 401 });
  });
});
