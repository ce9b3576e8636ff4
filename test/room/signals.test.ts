// Signals: relayed at once with the sender, never stored, their own bucket that never leads to 4429.
import { describe, it } from "vitest";
import { join, token, uniqueRoom } from "../helpers/runtime.ts";

const as = (sub: string, extra: Record<string, unknown> = {}) =>
  token({ sub, name: sub.toUpperCase(), ...extra });

describe("signal frames", () => {
  it("reach every other socket, the sender's other sockets included, and are not stored", async ({
    expect,
  }) => {
    const room = uniqueRoom("sig");
    const ann1 = await join(room, { token: await as("ann") });
    const ann2 = await join(room, { token: await as("ann") });
    const bob = await join(room, { token: await as("bob") });
    await ann1.socket.expect("presence"); // bob joined
    await ann2.socket.expect("presence");

    ann1.socket.send({ type: "signal", data: { cursor: [3, 4] } });
    for (const s of [ann2.socket, bob.socket]) {
      const f = await s.expect("signal");
      expect(f).toEqual({
        type: "signal",
        from: { id: "ann", name: "ANN" },
        data: { cursor: [3, 4] },
        ts: f.ts,
      });
      expect(typeof f.ts).toBe("number");
    }
    // No ack, no echo: the sender's next frame is the ack of a later publish, which got seq 1.
    ann1.socket.send({ type: "publish", data: "after", id: "p1" });
    expect(await ann1.socket.expect("ack")).toEqual({ type: "ack", id: "p1", seq: 1 });
    // Nothing was stored: a resume from 0 replays only the publish.
    const cat = await join(room, { token: await as("cat"), query: `since=0&epoch=${ann1.welcome.epoch}` });
    expect(cat.replay.map((m) => m.data)).toEqual(["after"]);
    for (const s of [ann1, ann2, bob, cat]) s.socket.close();
  });

  it("with to: reach every socket of that user only, and nobody when the user is absent", async ({
    expect,
  }) => {
    const room = uniqueRoom("sig");
    const ann = await join(room, { token: await as("ann") });
    const bob1 = await join(room, { token: await as("bob") });
    const bob2 = await join(room, { token: await as("bob") });
    const cat = await join(room, { token: await as("cat") });
    await ann.socket.expect("presence"); // bob
    await ann.socket.expect("presence"); // cat
    await bob1.socket.expect("presence"); // cat
    await bob2.socket.expect("presence"); // cat

    ann.socket.send({ type: "signal", to: "bob", data: "psst" });
    ann.socket.send({ type: "signal", to: "nobody", data: "lost" });
    expect(await bob1.socket.expect("signal")).toMatchObject({ from: { id: "ann" }, data: "psst" });
    expect(await bob2.socket.expect("signal")).toMatchObject({ from: { id: "ann" }, data: "psst" });
    // cat's next frame is the publish that followed, not a signal.
    ann.socket.send({ type: "publish", data: "marker" });
    expect(await cat.socket.expect("message")).toMatchObject({ data: "marker" });
    expect(await ann.socket.expect("ack")).toMatchObject({ seq: 1 });
    for (const s of [ann, bob1, bob2, cat]) s.socket.close();
  });

  it("need write (checked before the body is parsed) and a well-formed frame", async ({ expect }) => {
    const room = uniqueRoom("sig");
    const reader = await join(room, { token: await as("rita", { rooms: { [room]: ["read"] } }) });
    reader.socket.send({ type: "signal", data: 1 });
    expect(await reader.socket.expect("error")).toMatchObject({ code: "forbidden" });
    reader.socket.send({ type: "signal" });
    expect(await reader.socket.expect("error")).toMatchObject({ code: "forbidden" });
    const writer = await join(room, { token: await as("wes") });
    writer.socket.send({ type: "signal" });
    expect(await writer.socket.expect("error")).toMatchObject({
      code: "bad_message",
      message: "data is required",
    });
    writer.socket.send({ type: "signal", data: 1, to: 5 });
    expect(await writer.socket.expect("error")).toMatchObject({ code: "bad_message" });
    reader.socket.close();
    writer.socket.close();
  });

  it("over their own bucket are dropped with at most one rate_limited a second; a sender back under it is not closed", async ({
    expect,
  }) => {
    const room = uniqueRoom("sig");
    const ann = await join(room, { token: await as("ann") });
    const bob = await join(room, { token: await as("bob") });
    await ann.socket.expect("presence");
    const started = Date.now();
    // Batches of 150 signals (more than the burst of 120, SIGNAL_RATE_PER_SECOND 60 in tests), each
    // followed by a publish: its ack proves the main bucket is untouched and that the batch was
    // handled. On a slow machine the bucket refills while a batch is worked through, so flood on
    // (bounded) until the room has said rate_limited.
    const errors: unknown[] = [];
    let sent = 0;
    let publishes = 0;
    while (errors.length === 0 && sent < 3000) {
      for (let i = 0; i < 150; i++) ann.socket.send({ type: "signal", data: sent++ });
      ann.socket.send({ type: "publish", data: "still allowed", id: `p${++publishes}` });
      for (;;) {
        const f = await ann.socket.next(15_000);
        if (f.type === "ack") break;
        expect(f.type).toBe("error");
        errors.push(f);
      }
    }
    const seconds = Math.ceil((Date.now() - started) / 1000);
    expect(errors.length).toBeGreaterThanOrEqual(1);
    expect(errors.length).toBeLessThanOrEqual(seconds + 1);
    expect(errors[0]).toMatchObject({ code: "rate_limited" });

    const got: number[] = [];
    let messages = 0;
    while (messages < publishes) {
      const f = await bob.socket.next(15_000);
      if (f.type === "message") messages++;
      if (f.type === "signal") got.push(f.data as number);
    }
    expect(got.length).toBeGreaterThanOrEqual(120);
    expect(got.length).toBeLessThan(sent);
    expect(got.slice(0, 120)).toEqual([...Array(120).keys()]);
    expect(ann.socket.ws.readyState).toBe(WebSocket.OPEN);
    ann.socket.close();
    bob.socket.close();
  });
});
