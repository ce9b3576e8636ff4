// A shard that fails for a while costs the sequencer one push in flight and one merged push behind it,
// whatever the commit rate; once it recovers, its sockets get every message, in order, once.
import { runInDurableObject } from "cloudflare:test";
import { describe, it } from "vitest";
import type { Sequencer } from "../../../src/room/sharding/sequencer.ts";
import type { RoomShard } from "../../../src/room/sharding/shard.ts";
import { shardOf } from "../../../src/server/sharding.ts";
import { call, join, token, uniqueRoom } from "../../helpers/runtime.ts";
import { messages, SHARDS, sequencerStub, shardStub } from "./support.ts";

describe("sharded room: a failing shard", () => {
  it("holds one push in flight and merges later commits, then delivers them all in order", async ({
    expect,
  }) => {
    const room = uniqueRoom("shard");
    const k = shardOf("bob", SHARDS);
    const bob = await join(room, { token: await token({ sub: "bob" }) });
    const shard = shardStub(room, k);
    await runInDurableObject(shard, (s: RoomShard) => {
      s.failPushes = 1_000;
      s.pushesSeen = 0;
    });
    const admin = await token({ sub: "ops", rooms: { "*": ["admin"] } });
    for (let i = 1; i <= 40; i++) {
      const res = await call(`/rooms/${room}/messages`, {
        method: "POST",
        headers: { Authorization: `Bearer ${admin}`, "Content-Type": "application/json" },
        body: JSON.stringify({ data: i }),
      });
      expect(res.status).toBe(201);
    }
    // 40 commits while the shard fails: one push in flight (retrying), the rest merged into one.
    const lane = await runInDurableObject(sequencerStub(room), (q: Sequencer) => q.pushLane(k));
    expect(lane.inFlight).toBe(true);
    expect(lane.pending).toBeGreaterThan(0);
    const seen = await runInDurableObject(shard, (s: RoomShard) => s.pushesSeen);
    expect(seen).toBeLessThanOrEqual(8);

    await runInDurableObject(shard, (s: RoomShard) => {
      s.failPushes = 0;
    });
    const got = await messages(bob.socket, 40, 15_000);
    expect(got.map((m) => m.data)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    bob.socket.close();
  });
});
