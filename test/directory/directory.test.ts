// The directory's timing with DIRECTORY_REPORT_SECONDS=1 (R): reports throttled to one per R and sent
// by the room's alarm when changes stop, entries expiring 7R after their last report (and swept out
// of the directory's memory), a room whose sockets vanished reported gone by its alarm, and a sharded
// room's sequencer keeping its own heartbeat alarm only while the room has sockets.
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import type { RoomDirectory } from "../../src/room/directory/room-directory.ts";
import { directoryName, type RoomEntry } from "../../src/server/directory.ts";
import { call, join, roomStub, token, uniqueRoom } from "../helpers/runtime.ts";

async function entry(room: string): Promise<RoomEntry | undefined> {
  const t = await token({ sub: "op", rooms: { "*": ["admin"] } });
  const res = await call(`/rooms?prefix=${room}`, { headers: { Authorization: `Bearer ${t}` } });
  const body = (await res.json()) as { rooms: RoomEntry[] };
  return body.rooms.find((r) => r.room === room);
}

/** Polls until `check` holds for the room's entry (undefined: not listed), running `step` between. */
async function until(
  room: string,
  check: (e: RoomEntry | undefined) => boolean,
  o: { ms?: number; step?: () => Promise<unknown> } = {},
): Promise<RoomEntry | undefined> {
  const deadline = Date.now() + (o.ms ?? 5000);
  for (;;) {
    const e = await entry(room);
    if (check(e)) return e;
    if (Date.now() > deadline) throw new Error(`entry of ${room} never matched: ${JSON.stringify(e)}`);
    await o.step?.();
    await scheduler.wait(100);
  }
}

const directoryStub = (room: string) => env.DIRECTORY.getByName(directoryName(room));

describe("directory timing", () => {
  it("reports a changing room at most once per R, and its alarm sends what waited", async ({ expect }) => {
    const room = uniqueRoom("dt");
    const a = await join(room, { token: await token({ sub: "ann" }) });
    const first = await until(room, (e) => e?.sockets === 1);
    const b = await join(room, { token: await token({ sub: "bob" }) });
    await a.socket.expect("presence");
    a.socket.send({ type: "publish", data: 1 });
    a.socket.send({ type: "publish", data: 2 });
    await a.socket.expect("ack");
    await a.socket.expect("ack");
    // Nothing more comes in: the room's alarm sends the waiting change once R has passed.
    const second = await until(room, (e) => e?.sockets === 2 && e.seq === 2, {
      step: () => runDurableObjectAlarm(roomStub(room)),
    });
    expect(second).toMatchObject({ users: 2, messagesLastMinute: 2, sharded: false });
    expect((second?.reportedAt ?? 0) - (first?.reportedAt ?? 0)).toBeGreaterThanOrEqual(1000);
    // The alarm stays armed for the next heartbeat while sockets remain.
    expect(await runInDurableObject(roomStub(room), (_, s) => s.storage.getAlarm())).not.toBeNull();
    a.socket.close();
    b.socket.close();
    await until(room, (e) => e === undefined);
  });

  it("expires an entry 7R after its last report, never lists it after, and sweeps it out", async ({
    expect,
  }) => {
    const room = uniqueRoom("ttl");
    const stub = directoryStub(room);
    const now = Date.now();
    // What a room that crashed right after reporting leaves behind: nothing refreshes it.
    await stub.report({
      room,
      sockets: 4,
      users: 2,
      seq: 9,
      messagesLastMinute: 0,
      sharded: false,
      lastActivity: now,
      reportedAt: now,
    });
    expect(await entry(room)).toMatchObject({ sockets: 4, users: 2, seq: 9 });
    await until(room, (e) => e === undefined, { ms: 12_000 });
    expect(Date.now() - now).toBeGreaterThanOrEqual(6_900);
    const held = await runInDurableObject(stub, (directory: RoomDirectory) => directory.held());
    expect(held).toBe(0);
    // Nothing is stored: the directory keeps no rows (it held them in SQLite before).
    const tables = await runInDurableObject(stub, (_, state) =>
      state.storage.sql
        .exec<{ n: number }>(`SELECT count(*) AS n FROM sqlite_master WHERE name = 'rooms'`)
        .one(),
    );
    expect(tables.n).toBe(0);
  });

  it("keeps a removal over a late report that was sent before it", async ({ expect }) => {
    const room = uniqueRoom("late");
    const stub = directoryStub(room);
    const base = { room, users: 1, seq: 0, messagesLastMinute: 0, sharded: false, lastActivity: 1 };
    await stub.report({ ...base, sockets: 0, reportedAt: Date.now() });
    await stub.report({ ...base, sockets: 1, reportedAt: Date.now() - 500 });
    expect(await entry(room)).toBeUndefined();
  });

  it("a directory object that restarts alone lists its rooms again with their next heartbeat", async ({
    expect,
  }) => {
    const room = uniqueRoom("restart");
    await join(room);
    await until(room, (e) => e?.sockets === 1);
    await evictDurableObject(directoryStub(room));
    expect(await entry(room)).toBeUndefined(); // entries are held in memory only
    const back = await until(room, (e) => e?.sockets === 1, {
      ms: 10_000,
      step: () => runDurableObjectAlarm(roomStub(room)),
    });
    expect(back).toMatchObject({ room, sockets: 1, users: 1 });
  });

  it("a room whose sockets vanished without a close leaves at its next alarm", async () => {
    const room = uniqueRoom("gone");
    await join(room);
    await until(room, (e) => e?.sockets === 1);
    await evictDurableObject(roomStub(room), { webSockets: "close" });
    await until(room, (e) => e === undefined, { step: () => runDurableObjectAlarm(roomStub(room)) });
  });

  it("a sharded room is reported whole by its sequencer, whose alarm beats only while it has sockets", async ({
    expect,
  }) => {
    const room = uniqueRoom("shard");
    const seq = env.SEQUENCERS.getByName(room);
    const socks = await Promise.all(
      ["u1", "u2", "u3"].map(async (sub) => join(room, { token: await token({ sub }) })),
    );
    const e = await until(room, (x) => x?.sockets === 3, { step: () => runDurableObjectAlarm(seq) });
    expect(e).toMatchObject({ users: 3, sharded: true });
    expect(await runInDurableObject(seq, (_, s) => s.storage.getAlarm())).not.toBeNull();
    for (const s of socks) s.socket.close();
    await until(room, (x) => x === undefined, { step: () => runDurableObjectAlarm(seq) });
    await runDurableObjectAlarm(seq);
    expect(await runInDurableObject(seq, (_, s) => s.storage.getAlarm())).toBeNull();
  });
});
