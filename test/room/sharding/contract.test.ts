// A sharded room keeps the bounded-rooms rules of the contract, as an unsharded room does: per-user cap,
// expiry on every frame, the rendered-size rule, backpressure (overloaded) and storage failure (1011).
import { runInDurableObject } from "cloudflare:test";
import { describe, it } from "vitest";
import type { Sequencer } from "../../../src/room/sharding/sequencer.ts";
import type { RoomShard } from "../../../src/room/sharding/shard.ts";
import { writeState } from "../../../src/room/sockets/socket-state.ts";
import { shardOf } from "../../../src/server/sharding.ts";
import {
  call,
  errorOf,
  join,
  nowSeconds,
  open,
  type TestSocket,
  token,
  uniqueRoom,
} from "../../helpers/runtime.ts";
import {
  ack,
  messages,
  SHARDS,
  sequencerStub,
  shardStub,
  usersOnEveryShard,
  usersOnShard,
} from "./support.ts";

// Test settings: MAX_CONNECTIONS_PER_USER 5, MAX_MESSAGE_BYTES 4096.
const admin = () => token({ sub: "ops", rooms: { "*": ["admin"] } });

function httpPublish(room: string, tok: string, body: unknown): Promise<Response> {
  return call(`/rooms/${room}/messages`, {
    method: "POST",
    headers: { Authorization: `Bearer ${tok}`, "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
}

/** Skips messages and presence counts up to the next frame of `type`. */
async function nextOfType(s: TestSocket, type: "ack" | "error") {
  for (let i = 0; i < 2000; i++) {
    const f = await s.next(10_000);
    if (f.type === type) return f;
    if (f.type !== "message" && f.type !== "presence") throw new Error(`unexpected ${JSON.stringify(f)}`);
  }
  throw new Error(`no ${type} frame`);
}

describe("sharded room: admission and frames", () => {
  it("per-user cap: 429 too_many_connections beyond MAX_CONNECTIONS_PER_USER on the user's shard", async ({
    expect,
  }) => {
    const room = uniqueRoom("shard");
    const [ann, bob] = usersOnEveryShard("cap");
    const mine: TestSocket[] = [];
    for (let i = 0; i < 5; i++) mine.push((await join(room, { token: await token({ sub: ann }) })).socket);
    const refused = await open(room, { token: await token({ sub: ann }) });
    expect(refused).toBeInstanceOf(Response);
    if (refused instanceof Response) {
      expect(await errorOf(refused)).toMatchObject({ status: 429, code: "too_many_connections" });
    }
    const other = await join(room, { token: await token({ sub: bob }) });
    const first = mine.shift();
    first?.close();
    await first?.waitClose();
    mine.push((await join(room, { token: await token({ sub: ann }) })).socket);
    for (const s of [...mine, other.socket]) s.close();
  });

  it("MAX_CONNECTIONS_PER_ROOM caps each shard: 503 room_full on a full shard, other shards still admit", async ({
    expect,
  }) => {
    const room = uniqueRoom("shard");
    const sockets: TestSocket[] = [];
    // 12 sockets (the test cap) on shard 0: three users with four each.
    for (const user of usersOnShard("full", 0, 3)) {
      for (let i = 0; i < 4; i++)
        sockets.push((await join(room, { token: await token({ sub: user }) })).socket);
    }
    const [extra] = usersOnShard("full-extra", 0, 1);
    const refused = await open(room, { token: await token({ sub: extra }) });
    expect(refused).toBeInstanceOf(Response);
    if (refused instanceof Response) {
      const e = await errorOf(refused);
      expect(e).toMatchObject({ status: 503, code: "room_full" });
      expect(e.message).toContain("shard 0");
    }
    const [elsewhere] = usersOnShard("full-other", 1, 1);
    sockets.push((await join(room, { token: await token({ sub: elsewhere }) })).socket);
    for (const s of sockets) s.close();
  });

  it("expiry on every frame: a frame at or after exp closes 4401 and is not published", async ({
    expect,
  }) => {
    const room = uniqueRoom("shard");
    const [ann, bob] = usersOnEveryShard("exp");
    const a = await join(room, { token: await token({ sub: ann, exp: nowSeconds() + 60 }) });
    const b = await join(room, { token: await token({ sub: bob }) });
    const k = shardOf(ann as string, SHARDS);
    await runInDurableObject(shardStub(room, k), (shard: RoomShard) => {
      for (const [ws, s] of shard.liveSockets()) {
        s.exp = Date.now() - 1;
        writeState(ws, s);
      }
    });
    a.socket.send({ type: "publish", data: "too late", id: "late" });
    expect(await a.socket.waitClose()).toMatchObject({ code: 4401 });
    expect(a.socket.pending().filter((f) => f.type === "ack")).toEqual([]);
    b.socket.send({ type: "publish", data: "hi" });
    expect((await ack(b.socket)).seq).toBe(1);
    b.socket.close();
  });

  it("rendered size: a publish whose message frame would exceed MAX_MESSAGE_BYTES + 4096 is too_large, no seq", async ({
    expect,
  }) => {
    const room = uniqueRoom("shard");
    const [ann, bob] = usersOnEveryShard("big");
    const a = await join(room, { token: await token({ sub: ann }) });
    const b = await join(room, { token: await token({ sub: bob }) });
    // 800 × "1e20" is about 4 KB as sent, about 17 KB as the sequencer renders it.
    const text = `{"type":"publish","id":"big","data":[${Array(800).fill("1e20").join(",")}]}`;
    expect(text.length).toBeLessThan(4096);
    a.socket.send(text);
    expect(await nextOfType(a.socket, "error")).toMatchObject({ code: "too_large", id: "big" });
    a.socket.send({ type: "publish", data: "small" });
    expect(await nextOfType(a.socket, "ack")).toMatchObject({ seq: 1 });
    expect((await messages(b.socket, 1))[0]).toMatchObject({ seq: 1, data: "small" });
    const data = JSON.parse(`[${Array(800).fill("1e20").join(",")}]`) as number[];
    expect(await errorOf(await httpPublish(room, await admin(), { data }))).toMatchObject({
      status: 413,
      code: "too_large",
    });
    a.socket.close();
    b.socket.close();
  });
});

describe("sharded room: backpressure and storage failure", () => {
  it("a full group commit at the sequencer answers overloaded (socket stays open), then accepts again", async ({
    expect,
  }) => {
    const room = uniqueRoom("shard");
    const [ann] = usersOnEveryShard("over");
    const a = await join(room, { token: await token({ sub: ann }) });
    const stub = sequencerStub(room);
    let release: () => void = () => {};
    await runInDurableObject(stub, (q: Sequencer) => {
      q.faults.holdFlush = new Promise<void>((resolve) => {
        release = resolve;
      });
    });
    const from = { id: "ops", name: null };
    const queued = Array.from({ length: 1000 }, (_, i) =>
      stub.submit(room, { from, data: i, id: undefined, origin: null }),
    );
    const over = await stub.submit(room, { from, data: "one too many", id: undefined, origin: null });
    expect(over).toMatchObject({ refused: "overloaded" });
    const res = await httpPublish(room, await admin(), { data: "http" });
    expect(res.headers.get("retry-after")).toBe("1");
    expect(await errorOf(res)).toMatchObject({ status: 503, code: "overloaded" });
    a.socket.send({ type: "publish", data: "socket", id: "s1" });
    expect(await nextOfType(a.socket, "error")).toMatchObject({ code: "overloaded", id: "s1" });

    await runInDurableObject(stub, (q: Sequencer) => {
      q.faults.holdFlush = null;
      release();
    });
    const results = await Promise.all(queued);
    expect(results.map((r) => ("seq" in r ? r.seq : -1))).toEqual(
      Array.from({ length: 1000 }, (_, i) => i + 1),
    );
    // The same socket, still open, resends with the same id and is acked.
    a.socket.send({ type: "publish", data: "socket", id: "s1" });
    expect(await nextOfType(a.socket, "ack")).toMatchObject({ id: "s1", seq: 1001 });
    a.socket.close();
  });

  it("a storage failure at the sequencer closes the publisher 1011, unacked; the resend lands once", async ({
    expect,
  }) => {
    const room = uniqueRoom("shard");
    const [ann, bob] = usersOnEveryShard("fail");
    const a = await join(room, { token: await token({ sub: ann }) });
    const b = await join(room, { token: await token({ sub: bob }) });
    await runInDurableObject(sequencerStub(room), (q: Sequencer) => {
      q.faults.failWrites = 1;
    });
    a.socket.send({ type: "publish", data: "first try", id: "k1" });
    expect(await a.socket.waitClose()).toMatchObject({ code: 1011 });
    expect(a.socket.pending().filter((f) => f.type === "ack")).toEqual([]);
    const again = await join(room, {
      token: await token({ sub: ann }),
      query: `since=0&epoch=${a.welcome.epoch}`,
    });
    expect(again.replay).toEqual([]);
    again.socket.send({ type: "publish", data: "first try", id: "k1" });
    expect(await nextOfType(again.socket, "ack")).toEqual({ type: "ack", id: "k1", seq: 1 });
    expect((await messages(b.socket, 1))[0]).toMatchObject({ seq: 1, data: "first try" });
    again.socket.close();
    b.socket.close();
  });
});
