// Resume with since/epoch: replay in order, gap detection, epoch mismatch, since beyond seq.
import { runInDurableObject } from "cloudflare:test";
import { describe, it } from "vitest";
import type { Room } from "../../src/room/room.ts";
import { join, roomStub, token, uniqueRoom } from "../helpers/runtime.ts";

/** Publishes `n` messages through the room's own publish path (as the HTTP route does). */
async function seed(room: string, n: number): Promise<void> {
  await runInDurableObject(roomStub(room), (instance: Room) =>
    Promise.all(
      Array.from({ length: n }, (_, i) =>
        instance.publish(room, { id: "seed", name: null }, { i: i + 1 }, `s${i + 1}`),
      ),
    ),
  );
}

describe("resume", () => {
  it("replays every retained message after since, in order, then synced", async ({ expect }) => {
    const room = uniqueRoom();
    const first = await join(room);
    await seed(room, 5);
    const { socket, replay, synced, welcome } = await join(room, {
      query: `since=2&epoch=${first.welcome.epoch}`,
    });
    expect(welcome.seq).toBe(5);
    expect(replay.map((m) => m.seq)).toEqual([3, 4, 5]);
    expect(replay[0]).toMatchObject({
      type: "message",
      id: "s3",
      from: { id: "seed", name: null },
      data: { i: 3 },
    });
    expect(synced).toEqual({ type: "synced", seq: 5, replayed: 3, gap: false, more: false });
    socket.close();
    first.socket.close();
  });

  it("since = seq replays nothing without a gap", async ({ expect }) => {
    const room = uniqueRoom();
    const first = await join(room);
    await seed(room, 2);
    const { socket, synced } = await join(room, { query: `since=2&epoch=${first.welcome.epoch}` });
    expect(synced).toEqual({ type: "synced", seq: 2, replayed: 0, gap: false, more: false });
    socket.close();
    first.socket.close();
  });

  it("reports a gap when messages were trimmed from history (HISTORY_LIMIT 50)", async ({ expect }) => {
    const room = uniqueRoom();
    const first = await join(room);
    await seed(room, 60);
    const { socket, replay, synced } = await join(room, { query: `since=3&epoch=${first.welcome.epoch}` });
    expect(replay.map((m) => m.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 11));
    expect(synced).toEqual({ type: "synced", seq: 60, replayed: 50, gap: true, more: false });
    socket.close();
    // since exactly one before the oldest retained: nothing is missing.
    const edge = await join(room, { query: `since=10&epoch=${first.welcome.epoch}` });
    expect(edge.synced).toMatchObject({ replayed: 50, gap: false });
    edge.socket.close();
    first.socket.close();
  });

  it("replays nothing and reports a gap for another epoch", async ({ expect }) => {
    const room = uniqueRoom();
    const first = await join(room);
    await seed(room, 3);
    const { socket, replay, synced } = await join(room, { query: "since=1&epoch=not-this-one" });
    expect(replay).toEqual([]);
    expect(synced).toEqual({ type: "synced", seq: 3, replayed: 0, gap: true, more: false });
    socket.close();
    first.socket.close();
  });

  it("replays nothing and reports a gap when since is beyond seq", async ({ expect }) => {
    const room = uniqueRoom();
    const first = await join(room);
    await seed(room, 2);
    const { socket, replay, synced } = await join(room, { query: `since=7&epoch=${first.welcome.epoch}` });
    expect(replay).toEqual([]);
    expect(synced).toEqual({ type: "synced", seq: 2, replayed: 0, gap: true, more: false });
    socket.close();
    first.socket.close();
  });

  it("a replayed message is the same frame that was broadcast live", async ({ expect }) => {
    const room = uniqueRoom();
    const ann = await join(room, { token: await token({ sub: "ann" }) });
    const bob = await join(room, { token: await token({ sub: "bob" }) });
    await ann.socket.expect("presence");
    bob.socket.send({ type: "publish", data: { deep: [1, { x: "é" }] }, id: "live" });
    const live = await ann.socket.expect("message");
    const again = await join(room, { query: `since=0&epoch=${ann.welcome.epoch}` });
    expect(again.replay).toEqual([live]);
    for (const s of [ann, bob, again]) s.socket.close();
  });

  it("rewind=N replays the last N messages to a fresh client, without a gap", async ({ expect }) => {
    const room = uniqueRoom();
    const first = await join(room);
    await seed(room, 60);
    const last3 = await join(room, { query: "rewind=3" });
    expect(last3.replay.map((m) => m.seq)).toEqual([58, 59, 60]);
    expect(last3.synced).toEqual({ type: "synced", seq: 60, replayed: 3, gap: false, more: false });
    // More than is retained: what is retained (HISTORY_LIMIT 50), still no gap.
    const all = await join(room, { query: "rewind=500" });
    expect(all.replay).toHaveLength(50);
    expect(all.synced).toMatchObject({ replayed: 50, gap: false });
    const none = await join(room, { query: "rewind=0" });
    expect(none.synced).toMatchObject({ replayed: 0, gap: false });
    // since wins over rewind.
    const both = await join(room, { query: `since=59&epoch=${first.welcome.epoch}&rewind=10` });
    expect(both.replay.map((m) => m.seq)).toEqual([60]);
    for (const s of [first, last3, all, none, both]) s.socket.close();
  });

  it("rewind in an empty room replays nothing", async ({ expect }) => {
    const { socket, synced } = await join(uniqueRoom(), { query: "rewind=10" });
    expect(synced).toEqual({ type: "synced", seq: 0, replayed: 0, gap: false, more: false });
    socket.close();
  });
});
