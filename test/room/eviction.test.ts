// The room is correct after eviction: sockets, attachments, seq, dedupe, presence and alarms survive.
import { evictDurableObject, runDurableObjectAlarm } from "cloudflare:test";
import { describe, it } from "vitest";
import { age, join, roomStub, token, uniqueRoom } from "../helpers/runtime.ts";

describe("after evictDurableObject (sockets hibernated)", () => {
  it("keeps sockets, seq, dedupe, presence and the resume point", async ({ expect }) => {
    const room = uniqueRoom();
    const ann = await join(room, { token: await token({ sub: "ann", name: "Ann" }) });
    const bob = await join(room, { token: await token({ sub: "bob", rooms: { [room]: ["read"] } }) });
    await ann.socket.expect("presence");
    ann.socket.send({ type: "publish", data: "before", id: "k1" });
    expect(await ann.socket.expect("ack")).toMatchObject({ seq: 1 });
    await bob.socket.expect("message");

    await evictDurableObject(roomStub(room));

    // Same sockets, same identities and capabilities (from attachments).
    ann.socket.send({ type: "publish", data: "after", id: "k2" });
    expect(await ann.socket.expect("ack")).toEqual({ type: "ack", id: "k2", seq: 2 });
    expect(await bob.socket.expect("message")).toMatchObject({
      seq: 2,
      from: { id: "ann", name: "Ann" },
      data: "after",
    });
    ann.socket.send({ type: "publish", data: "before", id: "k1" });
    expect(await ann.socket.expect("ack")).toEqual({ type: "ack", id: "k1", seq: 1, duplicate: true });
    bob.socket.send({ type: "publish", data: "nope" });
    expect(await bob.socket.expect("error")).toMatchObject({ code: "forbidden" });

    // Presence and resume as before.
    const cat = await join(room, {
      token: await token({ sub: "cat" }),
      query: `since=0&epoch=${ann.welcome.epoch}`,
    });
    expect(cat.welcome.epoch).toBe(ann.welcome.epoch);
    expect(cat.welcome.members).toHaveLength(3);
    expect(cat.replay.map((m) => m.seq)).toEqual([1, 2]);
    expect(await ann.socket.expect("presence")).toMatchObject({
      event: "join",
      user: { id: "cat" },
      members: 3,
    });

    await evictDurableObject(roomStub(room));
    bob.socket.close();
    expect(await ann.socket.expect("presence")).toMatchObject({
      event: "leave",
      user: { id: "bob" },
      members: 2,
    });
    ann.socket.close();
    cat.socket.close();
  });

  it("the alarm still finds idle sockets after a wake-up", async ({ expect }) => {
    const room = uniqueRoom();
    const { socket } = await join(room);
    await age(room, "seen", 120_000);
    await evictDurableObject(roomStub(room));
    expect(await runDurableObjectAlarm(roomStub(room))).toBe(true);
    expect(await socket.waitClose()).toMatchObject({ code: 4408 });
  });
});
