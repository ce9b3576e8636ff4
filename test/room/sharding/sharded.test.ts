// A sharded room (SHARDED_ROOMS=shard-*, ROOM_SHARDS=4 in vitest.config.ts): routing, one order, recovery.

import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import { History } from "../../../src/room/log/history.ts";
import type { ShardStats } from "../../../src/room/sharding/wire.ts";
import type { MessageFrame } from "../../../src/shared/protocol.ts";
import app from "../../../src/worker/index.ts";
import { call, errorOf, join, type TestSocket, token, uniqueRoom } from "../../helpers/runtime.ts";
import { ack, joinAll, messages, SHARDS, sequencerStub, shardStub, usersOnEveryShard } from "./support.ts";

describe("sharding settings", () => {
  it("ROOM_SHARDS out of 2–64 or a bad SHARDED_ROOMS pattern answers 500 misconfigured naming it", async ({
    expect,
  }) => {
    const headers = { Authorization: `Bearer ${await token()}`, Upgrade: "websocket" };
    for (const [key, value] of [
      ["ROOM_SHARDS", "1"],
      ["ROOM_SHARDS", "65"],
      ["SHARDED_ROOMS", "live-*,bad room"],
    ] as const) {
      const res = await app.request("/rooms/lobby/ws", { headers }, { ...env, [key]: value });
      const e = await errorOf(res);
      expect(e).toMatchObject({ status: 500, code: "misconfigured" });
      expect(e.message).toContain(key);
    }
  });

  it("a sharded room without the SHARDS binding answers 500 misconfigured", async ({ expect }) => {
    const { SHARDS: _gone, ...rest } = env;
    const res = await app.request(
      `/rooms/${uniqueRoom("shard")}/ws`,
      { headers: { Authorization: `Bearer ${await token()}`, Upgrade: "websocket" } },
      rest,
    );
    expect(await errorOf(res)).toMatchObject({ status: 500, code: "misconfigured" });
  });
});

describe("sharded room", () => {
  it("routes each user to shard hash(id) mod ROOM_SHARDS; all of a user's sockets share it", async ({
    expect,
  }) => {
    const room = uniqueRoom("shard");
    const users = usersOnEveryShard("route");
    const joined = await joinAll(room, [...users, users[0] as string]);
    for (let k = 0; k < SHARDS; k++) {
      // (members carry `state: unknown`, which RPC typing cannot express: the shape is ShardStats)
      const stats = (await shardStub(room, k).stats({ room, shard: k })) as unknown as ShardStats;
      const expected = k === 0 ? 2 : 1;
      expect(stats.connections, `shard ${k}`).toBe(expected);
      expect(stats.members.map((m) => m.id)).toEqual([users[k]]);
    }
    const res = await call(`/rooms/${room}`, {
      headers: { Authorization: `Bearer ${await token({ sub: "ops", rooms: { "*": ["admin"] } })}` },
    });
    const info = (await res.json()) as { connections: number; members: unknown[]; shards: unknown[] };
    expect(res.status).toBe(200);
    expect(info.connections).toBe(5);
    expect(info.members).toHaveLength(4);
    expect(info.shards).toHaveLength(SHARDS);
    for (const j of joined) j.socket.close();
  });

  it("every socket on every shard gets the same seq order, each message once; publishers get acks", async ({
    expect,
  }) => {
    const room = uniqueRoom("shard");
    const users = usersOnEveryShard("ord");
    const joined = await joinAll(room, users);
    const perPublisher = 6;
    // Every user publishes at once: the sequencer interleaves them in one order.
    for (const [i, j] of joined.entries()) {
      for (let n = 0; n < perPublisher; n++)
        j.socket.send({ type: "publish", data: { by: i, n }, id: `p${n}` });
    }
    const total = users.length * perPublisher;
    const seen = await Promise.all(
      joined.map(async (j) => {
        const got: MessageFrame[] = [];
        let acks = 0;
        while (got.length < total - perPublisher || acks < perPublisher) {
          const f = await j.socket.next(5000);
          if (f.type === "message") got.push(f);
          else if (f.type === "ack") acks++;
        }
        return got;
      }),
    );
    const orders = seen.map((got) => got.map((m) => m.seq));
    for (const [i, order] of orders.entries()) {
      expect(new Set(order).size, `socket ${i} got a duplicate`).toBe(order.length);
      expect(order, `socket ${i} out of order`).toEqual([...order].sort((a, b) => a - b));
      expect(seen[i]?.every((m) => m.from.id !== users[i])).toBe(true);
    }
    // Merging anyone's stream with its own acks gives 1..total; the shared seqs come in the same order.
    const all = new Set(orders.flat());
    expect([...all].sort((a, b) => a - b)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    for (const j of joined) j.socket.close();
  });

  it("a push that never arrived is fetched by range before anything after it is delivered", async ({
    expect,
  }) => {
    const room = uniqueRoom("shard");
    const [ann, bob] = usersOnEveryShard("lost");
    const a = await join(room, { token: await token({ sub: ann }) });
    const b = await join(room, { token: await token({ sub: bob }) });
    a.socket.send({ type: "publish", data: "first", id: "f" });
    expect((await ack(a.socket)).seq).toBe(1);
    expect((await messages(b.socket, 1))[0]).toMatchObject({ seq: 1, data: "first" });
    // Two messages committed without any push, as if both pushes were lost.
    await runInDurableObject(sequencerStub(room), (_instance, state) => {
      const h = new History(state.storage, 50);
      for (const data of ["lost-2", "lost-3"]) {
        const seq = h.seq + 1;
        h.append(
          seq,
          "ops",
          undefined,
          JSON.stringify({ type: "message", seq, from: { id: "ops", name: null }, data, ts: 0 }),
        );
      }
    });
    // The sequencer's in-memory state must reread the history: evict it.
    await evictDurableObject(sequencerStub(room));
    a.socket.send({ type: "publish", data: "fourth", id: "g" });
    const early: MessageFrame[] = [];
    expect((await ack(a.socket, early)).seq).toBe(4);
    expect((await messages(b.socket, 3)).map((m) => [m.seq, m.data])).toEqual([
      [2, "lost-2"],
      [3, "lost-3"],
      [4, "fourth"],
    ]);
    // The publisher gets the two it missed, but never its own "fourth".
    const rest = await messages(a.socket, 2 - early.length);
    expect([...early, ...rest].map((m) => m.seq)).toEqual([2, 3]);
    a.socket.close();
    b.socket.close();
  });

  it("survives shard and sequencer eviction mid-stream: nothing acked lost, nothing twice, in order", async ({
    expect,
  }) => {
    const room = uniqueRoom("shard");
    const users = usersOnEveryShard("evict");
    const joined = await joinAll(room, users);
    const pub = joined[0]?.socket as TestSocket;
    const acks: number[] = [];
    const echoed: MessageFrame[] = [];
    for (let n = 0; n < 12; n++) {
      pub.send({ type: "publish", data: n, id: `e${n}` });
      if (n === 3) await evictDurableObject(shardStub(room, 1));
      if (n === 6) await evictDurableObject(sequencerStub(room));
      if (n === 9) await evictDurableObject(shardStub(room, 2));
      acks.push((await ack(pub, echoed)).seq);
    }
    expect(echoed, "the publisher never gets its own message back").toEqual([]);
    expect(acks).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    for (const j of joined.slice(1)) {
      expect((await messages(j.socket, 12)).map((m) => m.data)).toEqual(acks.map((s) => s - 1));
    }
    // A resend after all that is still a duplicate.
    pub.send({ type: "publish", data: 0, id: "e0" });
    expect(await ack(pub)).toEqual({ type: "ack", id: "e0", seq: 1, duplicate: true });
    for (const j of joined) j.socket.close();
  });

  it("dedupes by (user, id) across paths: HTTP publish, then the same id over a socket", async ({
    expect,
  }) => {
    const room = uniqueRoom("shard");
    const [ann, bob] = usersOnEveryShard("dup");
    const a = await join(room, { token: await token({ sub: ann, rooms: { "*": ["admin"] } }) });
    const b = await join(room, { token: await token({ sub: bob }) });
    const res = await call(`/rooms/${room}/messages`, {
      method: "POST",
      headers: { Authorization: `Bearer ${await token({ sub: ann, rooms: { "*": ["admin"] } })}` },
      body: JSON.stringify({ data: "once", id: "same" }),
    });
    expect(await res.json()).toEqual({ seq: 1 });
    expect((await messages(a.socket, 1))[0]).toMatchObject({ seq: 1, data: "once" });
    expect((await messages(b.socket, 1))[0]).toMatchObject({ seq: 1, data: "once" });
    a.socket.send({ type: "publish", data: "again", id: "same" });
    expect(await ack(a.socket)).toEqual({ type: "ack", id: "same", seq: 1, duplicate: true });
    b.socket.send({ type: "publish", data: "next" });
    expect((await ack(b.socket)).seq).toBe(2);
    // The duplicate was never broadcast: the next message ann sees is seq 2.
    expect((await messages(a.socket, 1))[0]).toMatchObject({ seq: 2, data: "next" });
    a.socket.close();
    b.socket.close();
  });

  it("resume and rewind replay from the sequencer through the shard", async ({ expect }) => {
    const room = uniqueRoom("shard");
    const [ann, bob] = usersOnEveryShard("res");
    const a = await join(room, { token: await token({ sub: ann }) });
    for (let n = 1; n <= 5; n++) {
      a.socket.send({ type: "publish", data: n, id: `r${n}` });
      await ack(a.socket);
    }
    const b = await join(room, {
      token: await token({ sub: bob }),
      query: `since=2&epoch=${a.welcome.epoch}`,
    });
    expect(b.welcome).toMatchObject({ epoch: a.welcome.epoch, seq: 5 });
    expect(b.replay.map((m) => m.seq)).toEqual([3, 4, 5]);
    expect(b.synced).toEqual({ type: "synced", seq: 5, replayed: 3, gap: false, more: false });
    const c = await join(room, { token: await token({ sub: "carol" }), query: "rewind=2" });
    expect(c.replay.map((m) => m.data)).toEqual([4, 5]);
    a.socket.close();
    b.socket.close();
    c.socket.close();
  });

  it("a socket joining mid-stream gets replay then live with no seq skipped or repeated", async ({
    expect,
  }) => {
    const room = uniqueRoom("shard");
    const [ann, bob, cat] = usersOnEveryShard("mid");
    const a = await join(room, { token: await token({ sub: ann }) });
    const b = await join(room, { token: await token({ sub: bob }) });
    for (let n = 1; n <= 30; n++) a.socket.send({ type: "publish", data: n, id: `x${n}` });
    await messages(b.socket, 5);
    // Joins while pushes are in flight, on a shard that already has a socket and on one that has none.
    const late = await Promise.all([
      join(room, { token: await token({ sub: bob }), query: "rewind=1000" }),
      join(room, { token: await token({ sub: cat }), query: "rewind=1000" }),
    ]);
    for (const l of late) {
      const live = await messages(l.socket, 30 - l.synced.seq);
      const all = [...l.replay, ...live].map((m) => m.seq);
      expect(all).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
      expect(l.welcome.seq).toBe(l.synced.seq);
      l.socket.close();
    }
    a.socket.close();
    b.socket.close();
  });

  it("presence is count-only: the sequencer broadcasts the sum of the shards' distinct users", async ({
    expect,
  }) => {
    const room = uniqueRoom("shard");
    const users = usersOnEveryShard("pres");
    const joined = await joinAll(room, users);
    const s = joined[0]?.socket as TestSocket;
    for (;;) {
      const f = await s.next(5000);
      if (f.type === "presence" && "members" in f && f.members === users.length) break;
    }
    expect(s.pending().filter((f) => f.type === "presence" && "user" in f)).toEqual([]);
    for (const j of joined) j.socket.close();
  });

  it("direct reaches a user on another shard; binary goes to every shard", async ({ expect }) => {
    const room = uniqueRoom("shard");
    const [ann, bob, cat] = usersOnEveryShard("dm");
    const a = await join(room, { token: await token({ sub: ann }) });
    const b = await join(room, { token: await token({ sub: bob }) });
    const c = await join(room, { token: await token({ sub: cat }) });
    a.socket.send({ type: "direct", to: bob, data: "psst" });
    const skip = async (s: TestSocket, type: string) => {
      for (;;) {
        const f = await s.next();
        if (f.type === type) return f;
      }
    };
    expect(await skip(b.socket, "direct")).toMatchObject({ from: { id: ann }, data: "psst" });
    a.socket.send({ type: "direct", to: "nobody", data: "?" });
    expect(await skip(a.socket, "error")).toMatchObject({ code: "no_such_user" });
    a.socket.send(new Uint8Array([1, 2, 3]).buffer);
    for (const s of [b.socket, c.socket]) {
      const f = await skip(s, "binary");
      expect(f.type === "binary" && [...new Uint8Array(f.data)]).toEqual([1, 2, 3]);
    }
    a.socket.close();
    b.socket.close();
    c.socket.close();
  });

  it("kick reaches the user's shard; a ban refuses upgrades, HTTP publishes and /auth/check", async ({
    expect,
  }) => {
    const room = uniqueRoom("shard");
    const [ann, bob] = usersOnEveryShard("kick");
    const admin = { Authorization: `Bearer ${await token({ sub: "ops", rooms: { "*": ["admin"] } })}` };
    const a = await join(room, { token: await token({ sub: ann }) });
    const b1 = await join(room, { token: await token({ sub: bob }) });
    const b2 = await join(room, { token: await token({ sub: bob }) });
    const res = await call(`/rooms/${room}/kick`, {
      method: "POST",
      headers: admin,
      body: JSON.stringify({ user: bob, banSeconds: 60, reason: "spam" }),
    });
    expect(await res.json()).toEqual({ closed: 2 });
    for (const b of [b1, b2]) expect(await b.socket.waitClose()).toEqual({ code: 4403, reason: "spam" });
    const bobToken = await token({ sub: bob, rooms: { "*": ["admin"] } });
    const again = await call(`/rooms/${room}/ws`, {
      headers: { Upgrade: "websocket", Authorization: `Bearer ${bobToken}` },
    });
    expect(await errorOf(again)).toMatchObject({ status: 403, code: "banned" });
    const post = await call(`/rooms/${room}/messages`, {
      method: "POST",
      headers: { Authorization: `Bearer ${bobToken}` },
      body: JSON.stringify({ data: "x" }),
    });
    expect(await errorOf(post)).toMatchObject({ status: 403, code: "banned" });
    const check = await call(`/auth/check?room=${room}`, {
      headers: { Authorization: `Bearer ${bobToken}` },
    });
    expect(await errorOf(check)).toMatchObject({ status: 403, code: "banned" });
    a.socket.close();
  });

  it("signals reach every other socket (or one user's) across shards; refresh works in band", async ({
    expect,
  }) => {
    const room = uniqueRoom("shard");
    const [ann, bob, cat] = usersOnEveryShard("sig");
    const a = await join(room, { token: await token({ sub: ann }) });
    const b = await join(room, { token: await token({ sub: bob }) });
    const c = await join(room, { token: await token({ sub: cat }) });
    const next = async (s: TestSocket, type: string) => {
      for (;;) {
        const f = await s.next();
        if (f.type === type) return f;
      }
    };
    a.socket.send({ type: "signal", data: { x: 1 } });
    for (const s of [b.socket, c.socket]) {
      expect(await next(s, "signal")).toMatchObject({ type: "signal", from: { id: ann }, data: { x: 1 } });
    }
    a.socket.send({ type: "signal", to: cat, data: "only cat" });
    expect(await next(c.socket, "signal")).toMatchObject({ data: "only cat" });
    const exp = Math.floor(Date.now() / 1000) + 7200;
    a.socket.send({ type: "refresh", token: await token({ sub: ann, exp }) });
    expect(await next(a.socket, "refreshed")).toMatchObject({ type: "refreshed", exp });
    a.socket.send({ type: "refresh", token: await token({ sub: bob }) });
    expect(await next(a.socket, "error")).toMatchObject({ code: "unauthorized" });
    a.socket.close();
    b.socket.close();
    c.socket.close();
  });
});
