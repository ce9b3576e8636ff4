// Coalesced delivery (?batch=1): a commit's messages and a replay arrive as `batch` frames; plain
// sockets see no change; a publisher never gets its own message back inside a batch.
import { runInDurableObject } from "cloudflare:test";
import { describe, it } from "vitest";
import type { Room } from "../../src/room/room.ts";
import { packFrames } from "../../src/room/sockets/fanout.ts";
import { userTag } from "../../src/room/sockets/socket-state.ts";
import type { MessageFrame } from "../../src/shared/protocol.ts";
import { call, errorOf, join, open, roomStub, token, uniqueRoom } from "../helpers/runtime.ts";

/** HTTP-style publishes started in one turn: the first commits alone, the rest together. */
async function seed(room: string, n: number): Promise<void> {
  await runInDurableObject(roomStub(room), (instance: Room) =>
    Promise.all(
      Array.from({ length: n }, (_, i) => instance.publish(room, { id: "seed", name: null }, { i: i + 1 })),
    ),
  );
}

describe("batch delivery", () => {
  it("gives a batch=1 socket one frame per commit, and a plain socket every message alone", async ({
    expect,
  }) => {
    const room = uniqueRoom();
    const plain = await join(room);
    const batched = await join(room, { query: "batch=1" }); // same user: no presence frames
    await seed(room, 4);
    const alone: MessageFrame[] = [];
    for (let i = 0; i < 4; i++) alone.push(await plain.socket.expect("message"));
    expect(alone.map((m) => m.seq)).toEqual([1, 2, 3, 4]);
    // The first publish commits on its own; the three that arrived during its flush share a commit.
    expect(await batched.socket.expect("message")).toEqual(alone[0]);
    expect(await batched.socket.expect("batch")).toEqual({ type: "batch", messages: alone.slice(1) });
    plain.socket.close();
    batched.socket.close();
  });

  it("leaves the publisher's own message out of its batch and acks it", async ({ expect }) => {
    const room = uniqueRoom();
    const ann = await join(room, { query: "batch=1", token: await token({ sub: "ann" }) });
    const bob = await join(room, { query: "batch=1", token: await token({ sub: "bob" }) });
    await ann.socket.expect("presence");
    await runInDurableObject(roomStub(room), async (instance: Room, state) => {
      const [annWs] = state.getWebSockets(userTag("ann"));
      if (!annWs) throw new Error("ann's socket is not in the room");
      const from = { id: "ops", name: null };
      await Promise.all([
        instance.publish(room, from, "h1"),
        instance.webSocketMessage(annWs, JSON.stringify({ type: "publish", data: "a1", id: "x" })),
        instance.publish(room, from, "h2"),
        instance.publish(room, from, "h3"),
      ]);
    });
    expect((await ann.socket.expect("message")).data).toBe("h1");
    const own = await ann.socket.expect("batch");
    expect(own.messages.map((m) => m.data)).toEqual(["h2", "h3"]);
    expect(await ann.socket.expect("ack")).toEqual({ type: "ack", id: "x", seq: 2 });
    expect((await bob.socket.expect("message")).data).toBe("h1");
    const all = await bob.socket.expect("batch");
    expect(all.messages.map((m) => [m.seq, m.data])).toEqual([
      [2, "a1"],
      [3, "h2"],
      [4, "h3"],
    ]);
    ann.socket.close();
    bob.socket.close();
  });

  it("replays a resume as a batch frame, counted in messages by synced", async ({ expect }) => {
    const room = uniqueRoom();
    const first = await join(room);
    await seed(room, 5);
    const plain: MessageFrame[] = [];
    for (let i = 0; i < 5; i++) plain.push(await first.socket.expect("message"));
    const s = await open(room, { query: `batch=1&since=1&epoch=${first.welcome.epoch}` });
    if (s instanceof Response) throw new Error(`refused: ${s.status}`);
    await s.expect("welcome");
    expect(await s.expect("batch")).toEqual({ type: "batch", messages: plain.slice(1) });
    expect(await s.expect("synced")).toEqual({
      type: "synced",
      seq: 5,
      replayed: 4,
      gap: false,
      more: false,
    });
    // A replay of one message is a plain message frame.
    const one = await open(room, { query: `batch=1&since=4&epoch=${first.welcome.epoch}` });
    if (one instanceof Response) throw new Error(`refused: ${one.status}`);
    await one.expect("welcome");
    expect(await one.expect("message")).toEqual(plain[4]);
    expect(await one.expect("synced")).toMatchObject({ replayed: 1 });
    first.socket.close();
    s.close();
    one.close();
  });

  it("refuses a batch parameter other than 0 or 1", async ({ expect }) => {
    const res = await call(`/rooms/${uniqueRoom()}/ws?batch=yes`, {
      headers: { Upgrade: "websocket", Authorization: `Bearer ${await token()}` },
    });
    expect(await errorOf(res)).toMatchObject({ status: 400, code: "bad_request" });
  });
});

describe("packFrames", () => {
  it("packs consecutive messages into one batch and sends a lone message as it is", ({ expect }) => {
    expect([...packFrames(['{"a":1}'])]).toEqual(['{"a":1}']);
    expect([...packFrames(['{"a":1}', '{"a":2}'])]).toEqual([
      '{"type":"batch","messages":[{"a":1},{"a":2}]}',
    ]);
    expect([...packFrames([])]).toEqual([]);
  });

  it("splits to stay under the size bound, in order; a message over the bound goes alone", ({ expect }) => {
    const m = (n: number) => `"${"x".repeat(n)}"`;
    const frames = [...packFrames([m(3), m(3), m(3), m(30), m(3)], 12)];
    expect(frames).toEqual([`{"type":"batch","messages":[${m(3)},${m(3)}]}`, m(3), m(30), m(3)]);
  });
});
