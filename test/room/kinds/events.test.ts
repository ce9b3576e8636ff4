// Room events on both kinds of room: every committed message (after its commit, never delaying the
// ack), every first join and last leave, every kick; a queue that fails is retried. The queue here is
// the EventSink's recording seam; test/e2e/events.test.ts sends through a real queue to a webhook.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import type { RoomObject } from "../../../src/room/room-object.ts";
import type { RoomEvent } from "../../../src/server/events.ts";
import type { RoomcastVars } from "../../../src/server/settings.ts";
import { call, join, token } from "../../helpers/runtime.ts";
import { KINDS, nextOf } from "./kinds.ts";

type Recorder = { objects: DurableObjectStub<RoomObject<RoomcastVars>>[] };

/** The objects a room's events come from: the Room, or the sequencer and the users' shards. */
function sources(
  kind: "plain" | "sharded",
  room: string,
  hostOf: (user: string) => unknown,
  users: string[],
): Recorder {
  const stubs =
    kind === "plain"
      ? [env.ROOMS.getByName(room)]
      : [env.SEQUENCERS.getByName(room), ...users.map((u) => hostOf(u))];
  return { objects: stubs as DurableObjectStub<RoomObject<RoomcastVars>>[] };
}

async function record(r: Recorder, failing = 0): Promise<void> {
  for (const o of r.objects) {
    await runInDurableObject(o, (obj: RoomObject<RoomcastVars>) => {
      obj.eventSink().record(failing);
    });
  }
}

async function recorded(r: Recorder): Promise<RoomEvent[]> {
  const all: RoomEvent[] = [];
  for (const o of r.objects) {
    const got = await runInDurableObject(o, (obj: RoomObject<RoomcastVars>) => [
      ...(obj.eventSink().recorded ?? []),
    ]);
    for (const e of got) if (!all.some((x) => JSON.stringify(x) === JSON.stringify(e))) all.push(e);
  }
  return all;
}

describe.each(KINDS)("$kind room: events", (k) => {
  it("sends messages after their commit, first joins, last leaves and kicks", async ({ expect }) => {
    const room = k.room();
    // A first socket names the objects; the recording starts after it.
    const ann = await join(room, { token: await token({ sub: "ann" }) });
    const r = sources(k.kind, room, (u) => k.host(room, u), ["ann", "bob"]);
    // bob's shard exists only once bob joined through it: open and close a socket to name it first.
    const first = await join(room, { token: await token({ sub: "bob" }) });
    first.socket.close();
    await first.socket.waitClose();
    await record(r);

    const bob = await join(room, { token: await token({ sub: "bob", name: "Bob" }) });
    ann.socket.send({ type: "publish", data: { text: "hi" }, id: "m1" });
    expect(await nextOf(ann.socket, "ack")).toMatchObject({ seq: 1 });
    const kick = await call(`/rooms/${room}/kick`, {
      method: "POST",
      headers: { Authorization: `Bearer ${await token({ sub: "ops", rooms: { "*": ["admin"] } })}` },
      body: JSON.stringify({ user: "bob", banSeconds: 5, reason: "spam" }),
    });
    expect(kick.status).toBe(200);
    await bob.socket.waitClose();

    await expect
      .poll(async () => (await recorded(r)).map((e) => e.type).sort(), { timeout: 5000 })
      .toEqual(["join", "kick", "leave", "message"]);
    const events = await recorded(r);
    expect(events.find((e) => e.type === "message")).toMatchObject({
      room,
      seq: 1,
      user: { id: "ann" },
      data: { text: "hi" },
      id: "m1",
    });
    expect(events.find((e) => e.type === "join")).toMatchObject({ room, user: { id: "bob", name: "Bob" } });
    expect(events.find((e) => e.type === "kick")).toMatchObject({
      room,
      user: { id: "bob" },
      data: { banSeconds: 5, reason: "spam" },
    });
    for (const e of events) expect(typeof e.ts).toBe("number");
    ann.socket.close();
  });

  it("retries a failing queue without delaying the ack", async ({ expect }) => {
    const room = k.room();
    const ann = await join(room, { token: await token({ sub: "ann" }) });
    const r = sources(k.kind, room, (u) => k.host(room, u), ["ann"]);
    await record(r, 2);
    ann.socket.send({ type: "publish", data: 1, id: "r1" });
    expect(await nextOf(ann.socket, "ack")).toMatchObject({ seq: 1 });
    await expect
      .poll(async () => (await recorded(r)).filter((e) => e.type === "message").length, { timeout: 5000 })
      .toBe(1);
    ann.socket.close();
  });
});
