// A kick that lands while a sharded join is between the sequencer's ban check and the shard's accept
// closes nothing yet: the shard must refuse that join instead of admitting it after the kick.
import { runInDurableObject } from "cloudflare:test";
import { describe, it } from "vitest";
import type { RoomShard } from "../../../src/room/sharding/shard.ts";
import { shardOf } from "../../../src/server/sharding.ts";
import { call, errorOf, join, open, token, uniqueRoom } from "../../helpers/runtime.ts";
import { SHARDS, shardStub } from "./support.ts";

describe("sharded room: kick during a join", () => {
  it("refuses a join that was in flight when its user was kicked", async ({ expect }) => {
    const room = uniqueRoom("shard");
    const shard = shardStub(room, shardOf("bob", SHARDS));
    // A first socket names the shard's room, so the test seam can be set on a live shard.
    const first = await join(room, { token: await token({ sub: "bob" }) });
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    await runInDurableObject(shard, (s: RoomShard) => s.holdJoins(gate));
    const pending = open(room, { token: await token({ sub: "bob" }) });
    await expect
      .poll(() => runInDurableObject(shard, (s: RoomShard) => s.joining()), { timeout: 3000 })
      .toBe(1);

    const kick = await call(`/rooms/${room}/kick`, {
      method: "POST",
      headers: { Authorization: `Bearer ${await token({ sub: "ops", rooms: { "*": ["admin"] } })}` },
      body: JSON.stringify({ user: "bob" }),
    });
    expect(await kick.json()).toEqual({ closed: 1 });
    expect(await first.socket.waitClose()).toMatchObject({ code: 4403 });
    await runInDurableObject(shard, (s: RoomShard) => s.holdJoins(null));
    release();

    const refused = await pending;
    expect(refused).toBeInstanceOf(Response);
    if (refused instanceof Response)
      expect(await errorOf(refused)).toMatchObject({ status: 403, code: "forbidden" });
    // A join after the kick (no ban) is admitted again.
    const later = await join(room, { token: await token({ sub: "bob" }) });
    later.socket.close();
  });
});
