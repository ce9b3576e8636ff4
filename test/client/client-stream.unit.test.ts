// Delivery: no seq twice, gaps via `synced`, epoch resets, own publishes resent with the same id, members.
import { describe, expect, it } from "vitest";
import { flush, harness, useFakeTimersPerTest } from "./support/client-harness.ts";
import { ANN, message } from "./support/fake-socket.ts";

useFakeTimersPerTest();

const BOB = { id: "bob", name: "Bob" };

describe("delivery", () => {
  it("never delivers a seq twice across a resume with overlapping replay", async () => {
    const h = harness();
    const s1 = h.sockets.last();
    s1.accept({ epoch: "E", seq: 0 });
    for (const seq of [1, 2, 3]) s1.receive(message(seq));
    s1.receive(message(2)); // a stray repeat on the same socket
    s1.serverClose(1006);
    await flush(1_000);
    const s2 = h.sockets.last();
    expect(s2.url.searchParams.get("since")).toBe("3");
    s2.open();
    s2.receive({
      type: "welcome",
      room: "lobby",
      epoch: "E",
      seq: 5,
      connectionId: "c2",
      user: BOB,
      members: [],
      limits: { maxMessageBytes: 1000, idleTimeoutSeconds: 60, ratePerSecond: 20 },
    });
    for (const seq of [3, 4, 5]) s2.receive(message(seq)); // a server replaying from an older point
    s2.receive({ type: "synced", seq: 5, replayed: 3, gap: false });
    s2.receive(message(6));
    expect(h.of("message").map((m) => m.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(h.client.seq).toBe(6);
    h.client.close();
  });

  it("surfaces a gap through `synced` and resumes from its seq", async () => {
    const h = harness({ since: 2, epoch: "E" });
    const s1 = h.sockets.last();
    expect(Object.fromEntries(s1.url.searchParams)).toEqual({
      token: "tok",
      batch: "1",
      v: "2",
      since: "2",
      epoch: "E",
    });
    s1.accept({ epoch: "E", seq: 900 }, { seq: 900, replayed: 0, gap: true });
    expect(h.of("synced")).toEqual([{ seq: 900, replayed: 0, gap: true }]);
    expect(h.client.seq).toBe(900);
    s1.receive(message(901));
    expect(h.of("message").map((m) => m.seq)).toEqual([901]);
    h.client.close();
  });

  it("a different epoch resets the remembered seq", async () => {
    const h = harness();
    h.sockets.last().accept({ epoch: "old", seq: 50 });
    h.sockets.last().receive(message(51));
    h.sockets.last().serverClose(1001);
    await flush(1_000);
    h.sockets.last().accept({ epoch: "new", seq: 2 }, { seq: 2, gap: true });
    expect(h.client.epoch).toBe("new");
    expect(h.client.seq).toBe(2);
    h.sockets.last().receive(message(3));
    expect(h.of("message").map((m) => m.seq)).toEqual([51, 3]);
    h.client.close();
  });

  it("a fresh connection resumes from synced.seq even when no message arrived", async () => {
    const h = harness();
    h.sockets.last().accept({ epoch: "E", seq: 7 });
    h.sockets.last().serverClose(1006);
    await flush(1_000);
    expect(h.sockets.last().url.searchParams.get("since")).toBe("7");
    h.client.close();
  });

  it("parses defensively: bad frames become `error` events and the socket keeps working", () => {
    const h = harness();
    const s = h.sockets.last();
    s.accept();
    s.receive("not json");
    s.receive({ type: "message", seq: "x" });
    s.receive({ type: "nope" });
    s.receiveRaw(42);
    s.receive(message(1));
    expect(h.of("error").map((e) => e.code)).toEqual(["bad_frame", "bad_frame", "bad_frame", "bad_frame"]);
    expect(h.of("message").map((m) => m.seq)).toEqual([1]);
    h.client.close();
  });

  it("delivers binary frames as ArrayBuffer, in order", () => {
    const h = harness();
    const s = h.sockets.last();
    s.accept();
    s.receiveRaw(new Uint8Array([1, 2, 3]).buffer);
    s.receiveRaw(Buffer.from([4, 5]));
    expect(h.of("binary").map((b) => [...new Uint8Array(b)])).toEqual([
      [1, 2, 3],
      [4, 5],
    ]);
    h.client.close();
  });
});

describe("publishing across reconnects", () => {
  it("queues while connecting, resends unacked publishes with the same id, resolves once", async () => {
    const h = harness();
    const p1 = h.client.publish({ n: 1 });
    const p2 = h.client.publish({ n: 2 });
    const s1 = h.sockets.last();
    s1.open();
    expect(s1.publishes()).toEqual([]); // not before synced
    s1.accept();
    const [a, b] = s1.publishes();
    if (!a || !b) throw new Error("expected two publishes");
    expect([a.data, b.data]).toEqual([{ n: 1 }, { n: 2 }]);
    expect(a.id).not.toBe(b.id);
    s1.receive({ type: "ack", id: a.id, seq: 1 });
    s1.serverClose(1006); // b was sent but not acked
    await flush(1_000);
    const s2 = h.sockets.last();
    s2.accept({ seq: 2 });
    expect(s2.publishes()).toEqual([b]);
    s2.receive({ type: "ack", id: b.id, seq: 2, duplicate: true });
    expect([await p1, await p2]).toEqual([1, 2]);
    h.client.close();
  });

  it("an own publish replayed after a lost ack resolves it and is not delivered as a message", async () => {
    const h = harness();
    const p = h.client.publish("hi");
    const s1 = h.sockets.last();
    s1.accept({ epoch: "E", seq: 0 });
    const id = s1.publishes()[0]?.id;
    s1.serverClose(1006);
    await flush(1_000);
    const s2 = h.sockets.last();
    s2.open();
    s2.receive({
      type: "welcome",
      room: "lobby",
      epoch: "E",
      seq: 1,
      connectionId: "c",
      user: ANN,
      members: [ANN],
      limits: { maxMessageBytes: 1000, idleTimeoutSeconds: 60, ratePerSecond: 20 },
    });
    s2.receive(message(1, "hi", { id: "ann", name: "Ann" }, id));
    s2.receive({ type: "synced", seq: 1, replayed: 1, gap: false });
    expect(await p).toBe(1);
    expect(s2.publishes()).toEqual([]);
    expect(h.of("message")).toEqual([]);
    h.client.close();
  });

  it("an own publish that was acked is not delivered when a resume replays it", async () => {
    const h = harness();
    h.sockets.last().accept({ epoch: "E", seq: 0 });
    h.sockets.last().receive(message(1));
    const p = h.client.publish("mine");
    const id = h.sockets.last().publishes()[0]?.id;
    h.sockets.last().receive({ type: "ack", id, seq: 2 });
    expect(await p).toBe(2);
    h.sockets.last().serverClose(1006);
    await flush(1_000);
    const s2 = h.sockets.last();
    expect(s2.url.searchParams.get("since")).toBe("1");
    s2.open();
    s2.receive({
      type: "welcome",
      room: "lobby",
      epoch: "E",
      seq: 3,
      connectionId: "c",
      user: ANN,
      members: [ANN],
      limits: { maxMessageBytes: 1000, idleTimeoutSeconds: 60, ratePerSecond: 20 },
    });
    s2.receive(message(2, "mine", { id: "ann", name: "Ann" }, id));
    s2.receive(message(3, "theirs"));
    s2.receive({ type: "synced", seq: 3, replayed: 2, gap: false });
    expect(h.of("message").map((m) => m.data)).toEqual([1, "theirs"]);
    expect(h.client.seq).toBe(3);
    h.client.close();
  });

  it("an error frame with the publish's id rejects it with the server's code", async () => {
    const h = harness();
    const p = h.client.publish(1);
    h.sockets.last().accept();
    const id = h.sockets.last().publishes()[0]?.id;
    h.sockets.last().receive({ type: "error", code: "forbidden", message: "read only", id });
    await expect(p).rejects.toMatchObject({ code: "forbidden", message: "read only", id });
    h.sockets.last().receive({ type: "error", code: "rate_limited", message: "slow down" });
    expect(h.of("error").map((e) => e.code)).toEqual(["rate_limited"]);
    h.client.close();
  });
});

describe("members", () => {
  it("follows presence and takes the welcome list as the truth on every reconnect", async () => {
    const h = harness();
    h.sockets.last().accept({ members: [ANN] });
    h.sockets.last().receive({ type: "presence", event: "join", user: BOB, members: 2 });
    h.sockets.last().receive({ type: "presence", event: "join", user: BOB, members: 2 });
    expect(h.client.members).toEqual([ANN, { ...BOB, connections: 2, state: null }]);
    h.sockets.last().receive({ type: "presence", event: "leave", user: BOB, members: 1 });
    expect(h.client.members).toEqual([ANN]);
    h.sockets.last().serverClose(1006);
    await flush(1_000);
    const cy = { id: "cy", name: null, connections: 3, state: null };
    h.sockets.last().accept({ members: [ANN, cy] });
    expect(h.client.members).toEqual([ANN, cy]);
    expect(h.of("members").length).toBe(5);
    h.client.close();
  });
});
