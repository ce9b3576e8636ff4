// Which shards the sequencer pushes to (only those with sockets, kept across a sequencer restart), and
// count-only presence reaching every shard.
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, it, vi } from "vitest";
import type { Sequencer } from "../../../src/room/sharding/sequencer.ts";
import { shardOf } from "../../../src/server/sharding.ts";
import { call, join, type TestSocket, token, uniqueRoom } from "../../helpers/runtime.ts";
import { ack, joinAll, messages, SHARDS, sequencerStub, usersOnEveryShard } from "./support.ts";

/** Polls `read` until `ok` holds; rejects after `ms` (the sequencer updates its set after a push returns). */
function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, ms = 5000): Promise<T> {
  return vi.waitFor(
    async () => {
      const v = await read();
      if (!ok(v)) throw new Error(`still ${JSON.stringify(v)}`);
      return v;
    },
    { timeout: ms, interval: 20 },
  );
}

const active = (room: string) => sequencerStub(room).activeShards();

describe("push targets", () => {
  it("pushes only to shards with sockets; a shard whose last socket left drops out, and comes back by seq", async ({
    expect,
  }) => {
    const room = uniqueRoom("shard");
    const [ann, bob] = usersOnEveryShard("tgt");
    const [k0, k1] = [shardOf(ann as string, SHARDS), shardOf(bob as string, SHARDS)];
    const a = await join(room, { token: await token({ sub: ann }) });
    const b = await join(room, { token: await token({ sub: bob }) });
    expect(await active(room)).toEqual([k0, k1]);
    a.socket.send({ type: "publish", data: 1 });
    expect((await ack(a.socket)).seq).toBe(1);
    expect((await messages(b.socket, 1))[0]).toMatchObject({ seq: 1 });
    b.socket.close();
    await b.socket.waitClose();
    // The next push finds bob's shard empty: it is not pushed to any more.
    a.socket.send({ type: "publish", data: 2 });
    expect((await ack(a.socket)).seq).toBe(2);
    expect(
      await until(
        () => active(room),
        (v) => v.length === 1,
      ),
    ).toEqual([k0]);
    // Room info asks only the shards with sockets and lists the others as empty.
    const res = await call(`/rooms/${room}`, {
      headers: { Authorization: `Bearer ${await token({ sub: "ops", rooms: { "*": ["admin"] } })}` },
    });
    const info = (await res.json()) as {
      connections: number;
      shards: { shard: number; connections: number }[];
    };
    expect(info.connections).toBe(1);
    expect(info.shards).toHaveLength(SHARDS);
    expect(info.shards.find((x) => x.shard === k1)).toEqual({ shard: k1, connections: 0 });
    // Kept across a sequencer restart.
    await evictDurableObject(sequencerStub(room));
    expect(await active(room)).toEqual([k0]);
    a.socket.send({ type: "publish", data: 3 });
    expect((await ack(a.socket)).seq).toBe(3);
    // Bob comes back on the same shard, resuming after seq 1: replay by seq, then live.
    const again = await join(room, {
      token: await token({ sub: bob }),
      query: `since=1&epoch=${a.welcome.epoch}`,
    });
    expect(again.replay.map((m) => m.seq)).toEqual([2, 3]);
    expect(again.synced).toMatchObject({ seq: 3, gap: false });
    expect(await active(room)).toEqual([k0, k1]);
    a.socket.send({ type: "publish", data: 4 });
    expect((await ack(a.socket)).seq).toBe(4);
    expect((await messages(again.socket, 1))[0]).toMatchObject({ seq: 4, data: 4 });
    a.socket.close();
    again.socket.close();
  });
});

describe("sharded presence", () => {
  it("count frames with the room's sum reach sockets on every shard; welcome.membersTotal is room-wide", async ({
    expect,
  }) => {
    const room = uniqueRoom("shard");
    const users = usersOnEveryShard("cnt");
    const joined = await joinAll(room, users);
    const countOf = async (s: TestSocket, n: number) => {
      for (;;) {
        const f = await s.next(5000);
        if (f.type === "presence" && f.event === "count" && f.members === n) return f;
      }
    };
    await Promise.all(joined.map((j) => countOf(j.socket, users.length)));
    await until(
      () => runInDurableObject(sequencerStub(room), (q: Sequencer) => q.members()),
      (n) => n === users.length,
    );
    // A new user on shard 0 is told the whole room's count, not only shard 0's.
    const [late] = usersOnEveryShard("cnt-late");
    const l = await join(room, { token: await token({ sub: late }) });
    expect(l.welcome.membersTotal).toBe(users.length + 1);
    expect(l.welcome.members.map((m) => m.id).sort()).toEqual([users[0], late].sort());
    await Promise.all(joined.map((j) => countOf(j.socket, users.length + 1)));
    // Leaves are counted too; the test ends once the last reports are in (nothing left in flight).
    for (const j of joined) j.socket.close();
    await countOf(l.socket, 1);
    l.socket.close();
    await until(
      () => runInDurableObject(sequencerStub(room), (q: Sequencer) => q.members()),
      (n) => n === 0,
    );
  });
});
