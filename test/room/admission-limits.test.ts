// Per-user cap (429), expiry checked on every frame (4401), big-room presence (count frames, capped lists).
import { runInDurableObject } from "cloudflare:test";
import { describe, it } from "vitest";
import type { Room } from "../../src/room/room.ts";
import { writeState } from "../../src/room/sockets/socket-state.ts";
import {
  call,
  errorOf,
  join,
  nowSeconds,
  open,
  roomStub,
  type TestSocket,
  token,
  uniqueRoom,
} from "../helpers/runtime.ts";

// Test settings: MAX_CONNECTIONS_PER_USER 5, MAX_CONNECTIONS_PER_ROOM 12, PRESENCE_LIMIT 8.
const as = (sub: string) => token({ sub, name: sub.toUpperCase() });

describe("per-user cap", () => {
  it("answers 429 too_many_connections beyond MAX_CONNECTIONS_PER_USER, and admits again after a close", async ({
    expect,
  }) => {
    const room = uniqueRoom();
    const mine: TestSocket[] = [];
    for (let i = 0; i < 5; i++) mine.push((await join(room, { token: await as("ann") })).socket);
    const refused = await open(room, { token: await as("ann") });
    expect(refused).toBeInstanceOf(Response);
    if (refused instanceof Response) {
      expect(await errorOf(refused)).toMatchObject({ status: 429, code: "too_many_connections" });
    }
    // Another user is not affected.
    const bob = await join(room, { token: await as("bob") });
    const first = mine.shift();
    first?.close();
    await first?.waitClose();
    mine.push((await join(room, { token: await as("ann") })).socket);
    for (const s of [...mine, bob.socket]) s.close();
  });

  it("checks room_full (503) first", async ({ expect }) => {
    const room = uniqueRoom();
    const all: TestSocket[] = [];
    for (let i = 0; i < 5; i++) all.push((await join(room, { token: await as("ann") })).socket);
    for (let i = 0; i < 7; i++) all.push((await join(room, { token: await as(`u${i}`) })).socket);
    const refused = await open(room, { token: await as("ann") });
    expect(refused).toBeInstanceOf(Response);
    if (refused instanceof Response)
      expect(await errorOf(refused)).toMatchObject({ status: 503, code: "room_full" });
    for (const s of all) s.close();
  });
});

describe("expiry on every frame", () => {
  it("a frame sent at or after exp is not processed: the socket closes with 4401 before the alarm", async ({
    expect,
  }) => {
    const room = uniqueRoom();
    const ann = await join(room, { token: await token({ sub: "ann", exp: nowSeconds() + 60 }) });
    const bob = await join(room, { token: await as("bob") });
    await ann.socket.expect("presence");
    await runInDurableObject(roomStub(room), (r: Room) => {
      for (const [ws, s] of r.liveSockets()) {
        if (s.userId !== "ann") continue;
        s.exp = Date.now() - 1;
        writeState(ws, s);
      }
    });
    ann.socket.send({ type: "publish", data: "too late", id: "late" });
    expect(await ann.socket.waitClose()).toMatchObject({ code: 4401 });
    expect(ann.socket.pending()).toEqual([]);
    // Not stored, not broadcast: bob sees only ann leaving, and the next message is seq 1.
    expect(await bob.socket.expect("presence")).toMatchObject({ event: "leave", user: { id: "ann" } });
    bob.socket.send({ type: "publish", data: "hi" });
    expect(await bob.socket.expect("ack")).toMatchObject({ seq: 1 });
    bob.socket.close();
  });
});

describe("big-room presence (PRESENCE_LIMIT 8)", () => {
  it("above the limit: count frames instead of join/leave, capped lists with membersTotal", async ({
    expect,
  }) => {
    const room = uniqueRoom();
    const watcher = await join(room, { token: await as("w") });
    const others: TestSocket[] = [];
    for (let i = 1; i < 8; i++) {
      others.push((await join(room, { token: await as(`u${i}`) })).socket);
      expect(await watcher.socket.expect("presence")).toMatchObject({ event: "join", members: i + 1 });
    }
    // The 9th user crosses the limit: a count frame (counted after the join), no join frame.
    const ninth = await join(room, { token: await as("u9") });
    expect(ninth.welcome.members).toHaveLength(8);
    expect(ninth.welcome.membersTotal).toBe(9);
    expect(await watcher.socket.expect("presence")).toEqual({ type: "presence", event: "count", members: 9 });
    // Within the same second: no frame at once, one count frame later with the latest number.
    const tenth = await join(room, { token: await as("u10") });
    expect(tenth.welcome.membersTotal).toBe(10);
    expect(await watcher.socket.expect("presence", 3000)).toEqual({
      type: "presence",
      event: "count",
      members: 10,
    });
    const admin = await token({ sub: "ops", rooms: { "*": ["admin"] } });
    const info = (await (
      await call(`/rooms/${room}`, { headers: { Authorization: `Bearer ${admin}` } })
    ).json()) as {
      members: unknown[];
      membersTotal: number;
    };
    expect(info.members).toHaveLength(8);
    expect(info.membersTotal).toBe(10);
    // Back at the limit: per-user frames again.
    tenth.socket.close();
    expect(await watcher.socket.expect("presence", 3000)).toEqual({
      type: "presence",
      event: "count",
      members: 9,
    });
    ninth.socket.close();
    expect(await watcher.socket.expect("presence")).toMatchObject({
      event: "leave",
      user: { id: "u9" },
      members: 8,
    });
    expect(watcher.socket.pending()).toEqual([]);
    for (const s of [...others, watcher.socket]) s.close();
  });
});
