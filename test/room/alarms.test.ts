// Alarms: idle sockets get 4408, expired tokens 4401; one alarm at the earliest deadline; none when empty.
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, it } from "vitest";
import type { Room } from "../../src/room/room.ts";
import { age, join, nowSeconds, roomStub, token, uniqueRoom } from "../helpers/runtime.ts";

const alarmAt = (room: string) =>
  runInDurableObject(roomStub(room), (_: Room, state) => state.storage.getAlarm());

describe("idle sweep", () => {
  it("closes an idle socket with 4408 while one that pings survives", async ({ expect }) => {
    const room = uniqueRoom();
    const idle = await join(room, { token: await token({ sub: "idle" }) });
    const alive = await join(room, { token: await token({ sub: "alive" }) });
    await idle.socket.expect("presence");
    await age(room, "seen", 61_000, "idle");
    await age(room, "seen", 61_000, "alive");
    // The ping is answered by the runtime (the room does not wake); its timestamp is activity.
    alive.socket.send("ping");
    expect(await alive.socket.next()).toEqual({ type: "pong" });

    expect(await runDurableObjectAlarm(roomStub(room))).toBe(true);
    expect(await idle.socket.waitClose()).toMatchObject({ code: 4408 });
    expect(await alive.socket.expect("presence")).toMatchObject({
      event: "leave",
      user: { id: "idle" },
      members: 1,
    });
    // Re-armed for the survivor.
    expect(await alarmAt(room)).not.toBeNull();
    alive.socket.send({ type: "publish", data: "still open" });
    expect(await alive.socket.expect("ack")).toMatchObject({ seq: 1 });
    alive.socket.close();
  });

  it("a frame the room handled also counts as activity", async ({ expect }) => {
    const room = uniqueRoom();
    const { socket } = await join(room);
    await age(room, "seen", 61_000, "ann");
    socket.send({ type: "publish", data: 1 });
    await socket.expect("ack");
    await runDurableObjectAlarm(roomStub(room));
    socket.send("ping");
    expect(await socket.next()).toEqual({ type: "pong" });
    socket.close();
  });
});

describe("token expiry", () => {
  it("arms the alarm for the token's exp when that comes before idleness", async ({ expect }) => {
    const room = uniqueRoom();
    const exp = nowSeconds() + 20;
    const { socket } = await join(room, { token: await token({ sub: "ann", exp }) });
    expect(await alarmAt(room)).toBe(exp * 1000);
    socket.close();
  });

  it("closes a socket whose token expired with 4401", async ({ expect }) => {
    const room = uniqueRoom();
    const ann = await join(room, { token: await token({ sub: "ann", exp: nowSeconds() + 30 }) });
    const bob = await join(room, { token: await token({ sub: "bob" }) });
    await age(room, "exp", 31_000, "ann");
    await runDurableObjectAlarm(roomStub(room));
    expect(await ann.socket.waitClose()).toMatchObject({ code: 4401 });
    expect(await bob.socket.expect("presence")).toMatchObject({ event: "leave", user: { id: "ann" } });
    bob.socket.close();
  });
});

describe("alarm scheduling", () => {
  it("schedules one alarm at the earliest deadline, and none once the room is empty", async ({ expect }) => {
    const room = uniqueRoom();
    const before = Date.now();
    const a = await join(room);
    const at = await alarmAt(room);
    expect(at).toBeGreaterThanOrEqual(before + 60_000);
    expect(at).toBeLessThanOrEqual(Date.now() + 60_000);
    // A later socket does not move the alarm later.
    const b = await join(room);
    expect(await alarmAt(room)).toBe(at);
    a.socket.close();
    await a.socket.waitClose();
    b.socket.close();
    await b.socket.waitClose();
    await expect.poll(() => alarmAt(room), { timeout: 3000 }).toBeNull();
  });

  it("a stale alarm in an empty room is harmless and does not re-arm", async ({ expect }) => {
    const room = uniqueRoom();
    await runInDurableObject(roomStub(room), (_: Room, state) => state.storage.setAlarm(Date.now() + 1000));
    expect(await runDurableObjectAlarm(roomStub(room))).toBe(true);
    expect(await alarmAt(room)).toBeNull();
  });
});
