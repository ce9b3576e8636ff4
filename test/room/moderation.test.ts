// Kick and ban: 4403 with the reason, bans kept in the room's storage across eviction.
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, it } from "vitest";
import type { Room } from "../../src/room/room.ts";
import { call, errorOf, join, open, roomStub, token, uniqueRoom } from "../helpers/runtime.ts";

const as = (sub: string, extra: Record<string, unknown> = {}) =>
  token({ sub, name: sub.toUpperCase(), ...extra });
const admin = () => as("mod", { rooms: { "*": ["admin"] } });

async function kick(room: string, body: unknown, tok?: string): Promise<Response> {
  return call(`/rooms/${room}/kick`, {
    method: "POST",
    headers: { Authorization: `Bearer ${tok ?? (await admin())}`, "Content-Type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

describe("POST /rooms/:room/kick", () => {
  it("closes every socket of the user with 4403 and the reason; others stay", async ({ expect }) => {
    const room = uniqueRoom("kick");
    const bob1 = await join(room, { token: await as("bob") });
    const bob2 = await join(room, { token: await as("bob") });
    const ann = await join(room, { token: await as("ann") });
    const res = await kick(room, { user: "bob", reason: "spamming the room" });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ closed: 2 });
    for (const s of [bob1, bob2]) {
      expect(await s.socket.waitClose()).toEqual({ code: 4403, reason: "spamming the room" });
    }
    expect(await ann.socket.expect("presence")).toMatchObject({ event: "leave", user: { id: "bob" } });
    // A kick without a ban: bob may come back at once.
    const back = await join(room, { token: await as("bob") });
    expect(await (await kick(room, { user: "nobody" })).json()).toEqual({ closed: 0 });
    back.socket.close();
    ann.socket.close();
  });

  it("a ban refuses upgrades, HTTP publishes and /auth/check with 403 banned, across eviction", async ({
    expect,
  }) => {
    const room = uniqueRoom("ban");
    const bob = await join(room, { token: await as("bob", { rooms: { "*": ["admin"] } }) });
    const res = await kick(room, { user: "bob", banSeconds: 3600 });
    expect(await res.json()).toEqual({ closed: 1 });
    expect(await bob.socket.waitClose()).toEqual({ code: 4403, reason: "banned from this room" });

    await evictDurableObject(roomStub(room));
    const bobToken = await as("bob", { rooms: { "*": ["admin"] } });
    const refused = await open(room, { token: bobToken });
    expect(refused).toBeInstanceOf(Response);
    const e = await errorOf(refused as Response);
    expect(e).toMatchObject({ status: 403, code: "banned" });
    expect(e.message).toMatch(/user 'bob' is banned from room '.*' until \d{4}-/);
    const pub = await call(`/rooms/${room}/messages`, {
      method: "POST",
      headers: { Authorization: `Bearer ${bobToken}` },
      body: JSON.stringify({ data: "let me in" }),
    });
    expect(await errorOf(pub)).toMatchObject({ status: 403, code: "banned" });
    const check = await call(`/auth/check?room=${room}`, {
      headers: { Authorization: `Bearer ${bobToken}` },
    });
    expect(await errorOf(check)).toMatchObject({ status: 403, code: "banned" });
    // Other users and rooms are not affected; forbidden is checked before banned.
    (await join(room, { token: await as("ann") })).socket.close();
    (await join(uniqueRoom("other"), { token: bobToken })).socket.close();
    const noRead = await open(room, { token: await as("bob", { rooms: { "zzz-*": ["read"] } }) });
    expect(await errorOf(noRead as Response)).toMatchObject({ status: 403, code: "forbidden" });

    // When the ban runs out, bob is back.
    await runInDurableObject(roomStub(room), (_: Room, state) => {
      state.storage.sql.exec("UPDATE bans SET until = ?", Date.now() - 1);
    });
    (await join(room, { token: bobToken })).socket.close();
  });

  it("answers 400 bad_request for any other body, and needs admin", async ({ expect }) => {
    const room = uniqueRoom("kick");
    for (const body of [
      "not json",
      {},
      { user: "" },
      { user: 5 },
      { user: "bob", banSeconds: -1 },
      { user: "bob", banSeconds: 2_592_001 },
      { user: "bob", banSeconds: 1.5 },
      { user: "bob", banSeconds: "60" },
      { user: "bob", reason: "x".repeat(121) },
      { user: "bob", extra: true },
    ]) {
      expect(await errorOf(await kick(room, body))).toMatchObject({ status: 400, code: "bad_request" });
    }
    expect((await kick(room, { user: "bob", banSeconds: 2_592_000, reason: "x".repeat(120) })).status).toBe(
      200,
    );
    const writer = await as("ann");
    expect(await errorOf(await kick(room, { user: "bob" }, writer))).toMatchObject({
      status: 403,
      code: "forbidden",
    });
  });

  it("cuts a long reason to what a close frame can carry", async ({ expect }) => {
    const room = uniqueRoom("kick");
    const bob = await join(room, { token: await as("bob") });
    const reason = "é".repeat(120); // 240 bytes of UTF-8
    await kick(room, { user: "bob", reason });
    const closed = await bob.socket.waitClose();
    expect(closed.code).toBe(4403);
    expect(new TextEncoder().encode(closed.reason).byteLength).toBeLessThanOrEqual(123);
    expect(closed.reason.startsWith("éééé")).toBe(true);
  });
});
