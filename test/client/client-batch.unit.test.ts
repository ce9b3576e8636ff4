// Coalesced delivery: a `batch` frame is unpacked into the same `message` events, dedupe and resume
// point as the messages sent one by one.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { flush, harness } from "./support/client-harness.ts";
import { ANN, message, welcome } from "./support/fake-socket.ts";

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

const batch = (...seqs: number[]) => ({ type: "batch", messages: seqs.map((s) => message(s)) });

describe("batch frames", () => {
  it("delivers each message of a batch as its own event, in order", () => {
    const h = harness();
    const s = h.sockets.last();
    s.accept({ epoch: "E", seq: 0 });
    s.receive(batch(1, 2, 3));
    s.receive(message(4));
    expect(h.of("message")).toEqual([1, 2, 3, 4].map((seq) => message(seq)));
    expect(h.client.seq).toBe(4);
    h.client.close();
  });

  it("a replayed batch overlapping what was delivered drops the repeats, and resume starts after it", async () => {
    const h = harness();
    const s1 = h.sockets.last();
    s1.accept({ epoch: "E", seq: 0 });
    s1.receive(batch(1, 2));
    s1.serverClose(1006);
    await flush(1_000);
    const s2 = h.sockets.last();
    expect(s2.url.searchParams.get("since")).toBe("2");
    s2.open();
    s2.receive(welcome({ epoch: "E", seq: 4 }));
    s2.receive(batch(2, 3, 4)); // a server replaying from an older point
    s2.receive({ type: "synced", seq: 4, replayed: 3, gap: false });
    expect(h.of("message").map((m) => m.seq)).toEqual([1, 2, 3, 4]);
    h.client.close();
  });

  it("an own publish inside a replayed batch resolves it and is not delivered", async () => {
    const h = harness();
    const p = h.client.publish("hi");
    const s1 = h.sockets.last();
    s1.accept({ epoch: "E", seq: 0 });
    const id = s1.publishes()[0]?.id;
    s1.serverClose(1006); // the ack was lost
    await flush(1_000);
    const s2 = h.sockets.last();
    s2.open();
    s2.receive(welcome({ epoch: "E", seq: 2, user: ANN }));
    s2.receive({ type: "batch", messages: [message(1, "hi", { id: "ann", name: "Ann" }, id), message(2)] });
    s2.receive({ type: "synced", seq: 2, replayed: 2, gap: false });
    expect(await p).toBe(1);
    expect(h.of("message").map((m) => m.seq)).toEqual([2]);
    h.client.close();
  });

  it("stops unpacking when a listener closes the client mid-batch", () => {
    const h = harness();
    const s = h.sockets.last();
    s.accept({ epoch: "E", seq: 0 });
    const seen: number[] = [];
    h.client.on("message", (m) => {
      seen.push(m.seq);
      if (m.seq === 2) h.client.close();
    });
    s.receive(batch(1, 2, 3));
    expect(seen).toEqual([1, 2]);
  });

  it("a malformed batch is a bad_frame error, and nothing in it is delivered", () => {
    const h = harness();
    const s = h.sockets.last();
    s.accept({ epoch: "E", seq: 0 });
    s.receive({ type: "batch", messages: [message(1), { type: "message", seq: "two" }] });
    expect(h.of("message")).toEqual([]);
    expect(h.of("error").map((e) => e.code)).toEqual(["bad_frame"]);
    h.client.close();
  });
});

describe("presence diffs", () => {
  it("turn into the leave and join events they stand for, with running counts, and one members event", () => {
    const h = harness();
    const s = h.sockets.last();
    s.accept({ members: [ANN, { id: "bob", name: "Bob", connections: 1, state: "away" }] });
    const before = h.of("members").length;
    s.receive({
      type: "presence",
      event: "diff",
      joins: [
        { id: "cat", name: "Cat" },
        { id: "dan", name: null },
      ],
      leaves: [{ id: "bob", name: "Bob" }],
      members: 3,
    });
    expect(h.of("presence")).toEqual([
      { type: "presence", event: "leave", user: { id: "bob", name: "Bob" }, members: 1 },
      { type: "presence", event: "join", user: { id: "cat", name: "Cat" }, members: 2 },
      { type: "presence", event: "join", user: { id: "dan", name: null }, members: 3 },
    ]);
    expect(h.of("members").length).toBe(before + 1);
    expect(h.client.members.map((m) => m.id)).toEqual(["ann", "cat", "dan"]);
    h.client.close();
  });
});
