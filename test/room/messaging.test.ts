// Frames after the upgrade: welcome/synced, publish/ack/broadcast, dedupe, direct, binary, presence, errors.
import { runInDurableObject } from "cloudflare:test";
import { describe, it } from "vitest";
import type { Room } from "../../src/room/room.ts";
import { join, roomStub, token, uniqueRoom } from "../helpers/runtime.ts";

const as = (sub: string, extra: Record<string, unknown> = {}) => token({ sub, ...extra });

describe("welcome and synced", () => {
  it("sends welcome then synced(replayed 0) to a fresh connection", async ({ expect }) => {
    const room = uniqueRoom();
    const { socket, welcome, synced } = await join(room, { token: await as("ann", { name: "Ann" }) });
    expect(welcome).toMatchObject({
      type: "welcome",
      room,
      seq: 0,
      user: { id: "ann", name: "Ann" },
      members: [{ id: "ann", name: "Ann", connections: 1, state: null }],
      limits: { maxMessageBytes: 4096, idleTimeoutSeconds: 60, ratePerSecond: 20 },
    });
    expect(welcome.epoch).toMatch(/^[0-9a-f]{12}$/);
    expect(welcome.connectionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(synced).toEqual({ type: "synced", seq: 0, replayed: 0, gap: false, more: false });
    socket.close();
  });

  it("name is null when the token has none; connection ids are unique", async ({ expect }) => {
    const room = uniqueRoom();
    const a = await join(room);
    const b = await join(room);
    expect(a.welcome.user.name).toBeNull();
    expect(a.welcome.connectionId).not.toBe(b.welcome.connectionId);
    a.socket.close();
    b.socket.close();
  });

  it("answers the text ping with pong", async ({ expect }) => {
    const { socket } = await join(uniqueRoom());
    socket.send("ping");
    expect(await socket.next()).toEqual({ type: "pong" });
    socket.close();
  });
});

describe("publish", () => {
  it("acks the publisher and broadcasts to everyone else, after the write", async ({ expect }) => {
    const room = uniqueRoom();
    const ann = await join(room, { token: await as("ann", { name: "Ann" }) });
    const bob = await join(room, { token: await as("bob") });
    const cat = await join(room, { token: await as("cat") });
    await ann.socket.expect("presence");
    await ann.socket.expect("presence");
    await bob.socket.expect("presence");

    ann.socket.send({ type: "publish", data: { text: "hi" }, id: "m-1" });
    expect(await ann.socket.expect("ack")).toEqual({ type: "ack", id: "m-1", seq: 1 });
    // Durable before the ack: the row is in SQLite.
    const rows = await runInDurableObject(roomStub(room), (_: Room, state) =>
      state.storage.sql.exec<{ seq: number; frame: string }>("SELECT seq, frame FROM messages").toArray(),
    );
    expect(rows.map((r) => r.seq)).toEqual([1]);

    for (const other of [bob, cat]) {
      const m = await other.socket.expect("message");
      expect(m).toMatchObject({
        type: "message",
        seq: 1,
        id: "m-1",
        from: { id: "ann", name: "Ann" },
        data: { text: "hi" },
      });
      expect(Math.abs(m.ts - Date.now())).toBeLessThan(10_000);
    }
    // The publisher gets no copy: its next frame is the next ack.
    ann.socket.send({ type: "publish", data: 2 });
    expect(await ann.socket.expect("ack")).toEqual({ type: "ack", id: null, seq: 2 });
    expect((await bob.socket.expect("message")).id).toBeUndefined();
    for (const s of [ann, bob, cat]) s.socket.close();
  });

  it("a repeated id from the same user is acked duplicate and not broadcast again", async ({ expect }) => {
    const room = uniqueRoom();
    const ann = await join(room, { token: await as("ann") });
    const bob = await join(room, { token: await as("bob") });
    await ann.socket.expect("presence");
    ann.socket.send({ type: "publish", data: "x", id: "same" });
    expect(await ann.socket.expect("ack")).toEqual({ type: "ack", id: "same", seq: 1 });
    ann.socket.send({ type: "publish", data: "x", id: "same" });
    expect(await ann.socket.expect("ack")).toEqual({ type: "ack", id: "same", seq: 1, duplicate: true });
    // Another user may use the same id: it is a key per user.
    bob.socket.send({ type: "publish", data: "y", id: "same" });
    expect(await bob.socket.expect("message")).toMatchObject({ seq: 1 });
    expect(await bob.socket.expect("ack")).toEqual({ type: "ack", id: "same", seq: 2 });
    expect(await ann.socket.expect("message")).toMatchObject({ seq: 2, from: { id: "bob" } });
    ann.socket.close();
    bob.socket.close();
  });

  it("read-only users get forbidden for publish, direct and binary; the socket stays open", async ({
    expect,
  }) => {
    const room = uniqueRoom();
    const { socket } = await join(room, { token: await as("ro", { rooms: { [room]: ["read"] } }) });
    socket.send({ type: "publish", data: 1, id: "p" });
    expect(await socket.expect("error")).toMatchObject({ code: "forbidden", id: "p" });
    socket.send({ type: "direct", to: "ro", data: 1 });
    expect(await socket.expect("error")).toMatchObject({ code: "forbidden" });
    socket.send(new Uint8Array([1, 2]).buffer);
    expect(await socket.expect("error")).toMatchObject({ code: "forbidden" });
    socket.send("ping");
    expect(await socket.next()).toEqual({ type: "pong" });
    socket.close();
  });
});

describe("bad frames", () => {
  it("answer bad_message and keep the socket open", async ({ expect }) => {
    const { socket } = await join(uniqueRoom());
    const bad = [
      "not json",
      "[1,2]",
      "42",
      JSON.stringify({ data: 1 }),
      JSON.stringify({ type: "shout", data: 1 }),
      JSON.stringify({ type: "publish" }),
      JSON.stringify({ type: "publish", data: 1, id: 7 }),
      JSON.stringify({ type: "publish", data: 1, id: "x".repeat(65) }),
      JSON.stringify({ type: "direct", data: 1 }),
      JSON.stringify({ type: "direct", to: 5, data: 1 }),
      "PING",
    ];
    for (const frame of bad) {
      socket.send(frame);
      const e = await socket.expect("error");
      expect(e.code, frame).toBe("bad_message");
      expect(e.message.length, frame).toBeGreaterThan(0);
    }
    const explained: [unknown, string][] = [
      [{ type: "publish" }, "data is required"],
      [
        { type: "shout", data: 1 },
        'type must be one of "publish", "direct", "signal", "state", "refresh", "read"',
      ],
      [{ type: "publish", data: 1, id: 7 }, "id must be a string"],
      [{ type: "direct", data: 1 }, "to must be a user id string"],
    ];
    for (const [frame, message] of explained) {
      socket.send(frame);
      expect((await socket.expect("error")).message).toBe(message);
    }
    socket.send(JSON.stringify({ type: "nope", id: "abc" }));
    expect(await socket.expect("error")).toMatchObject({ code: "bad_message", id: "abc" });
    socket.send({ type: "publish", data: "still here" });
    expect(await socket.expect("ack")).toMatchObject({ seq: 1 });
    socket.close();
  });
});

describe("direct", () => {
  it("reaches every connection of the user, is not stored, and no_such_user otherwise", async ({
    expect,
  }) => {
    const room = uniqueRoom();
    const ann = await join(room, { token: await as("ann", { name: "Ann" }) });
    const bob1 = await join(room, { token: await as("bob") });
    const bob2 = await join(room, { token: await as("bob") });
    await ann.socket.expect("presence");
    ann.socket.send({ type: "direct", to: "bob", data: { secret: 1 }, id: "d1" });
    for (const b of [bob1, bob2]) {
      const d = await b.socket.expect("direct");
      expect(d).toMatchObject({
        type: "direct",
        from: { id: "ann", name: "Ann" },
        data: { secret: 1 },
        id: "d1",
      });
      expect(typeof d.ts).toBe("number");
    }
    ann.socket.send({ type: "direct", to: "zed", data: 1, id: "d2" });
    expect(await ann.socket.expect("error")).toMatchObject({ code: "no_such_user", id: "d2" });
    const seq = await runInDurableObject(
      roomStub(room),
      (_: Room, state) => state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM messages").one().n,
    );
    expect(seq).toBe(0);
    for (const s of [ann, bob1, bob2]) s.socket.close();
  });
});

describe("binary", () => {
  it("is relayed as-is to every other socket", async ({ expect }) => {
    const room = uniqueRoom();
    const ann = await join(room, { token: await as("ann") });
    const bob = await join(room, { token: await as("bob") });
    await ann.socket.expect("presence");
    ann.socket.send(new Uint8Array([0, 1, 2, 255]).buffer);
    const f = await bob.socket.expect("binary");
    expect([...new Uint8Array(f.data)]).toEqual([0, 1, 2, 255]);
    ann.socket.send("ping");
    expect(await ann.socket.next()).toEqual({ type: "pong" });
    ann.socket.close();
    bob.socket.close();
  });
});

describe("presence", () => {
  it("counts users, not tabs: join on the first tab, leave after the last", async ({ expect }) => {
    const room = uniqueRoom();
    const obs = await join(room, { token: await as("obs") });
    const tab1 = await join(room, { token: await as("ann", { name: "Ann" }) });
    expect(await obs.socket.expect("presence")).toEqual({
      type: "presence",
      event: "join",
      user: { id: "ann", name: "Ann" },
      members: 2,
    });
    const tab2 = await join(room, { token: await as("ann", { name: "Ann" }) });
    expect(tab2.welcome.members).toEqual(
      expect.arrayContaining([
        { id: "obs", name: null, connections: 1, state: null },
        { id: "ann", name: "Ann", connections: 2, state: null },
      ]),
    );
    tab1.socket.close();
    await tab1.socket.waitClose();
    // No leave yet: Ann still has a tab. A publish proves the order of frames.
    tab2.socket.send({ type: "publish", data: "still here" });
    expect(await obs.socket.expect("message")).toMatchObject({ data: "still here" });
    tab2.socket.close();
    expect(await obs.socket.expect("presence")).toEqual({
      type: "presence",
      event: "leave",
      user: { id: "ann", name: "Ann" },
      members: 1,
    });
    obs.socket.close();
  });
});
