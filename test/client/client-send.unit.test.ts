// Sending: direct/binary only while open, size limits, close() rejecting pending publishes, keepalive.
import { describe, expect, it } from "vitest";
import { RoomcastError } from "../../src/client/index.ts";
import { flush, harness, useFakeTimersPerTest } from "./support/client-harness.ts";

useFakeTimersPerTest();

describe("direct and binary", () => {
  it("throw RoomcastError closed while not open, and are never queued", async () => {
    const h = harness();
    expect(() => h.client.direct("bob", 1)).toThrow(RoomcastError);
    expect(() => h.client.sendBinary(new Uint8Array([1]))).toThrow(
      expect.objectContaining({ code: "closed" }),
    );
    const s = h.sockets.last();
    s.accept();
    const id = h.client.direct("bob", { hi: 1 });
    h.client.sendBinary(new Uint8Array([9, 8]));
    expect(s.frames()).toContainEqual({ type: "direct", to: "bob", data: { hi: 1 }, id });
    expect(s.sent.filter((d) => typeof d !== "string")).toEqual([new Uint8Array([9, 8])]);
    s.serverClose(1006);
    expect(() => h.client.direct("bob", 1)).toThrow(expect.objectContaining({ code: "closed" }));
    h.client.close();
  });

  it("refuse frames above maxMessageBytes with too_big instead of getting the socket closed (1009)", () => {
    const h = harness();
    h.sockets.last().accept({ limits: { maxMessageBytes: 100, idleTimeoutSeconds: 60, ratePerSecond: 20 } });
    expect(() => h.client.direct("bob", "x".repeat(100))).toThrow(
      expect.objectContaining({ code: "too_big" }),
    );
    expect(() => h.client.sendBinary(new Uint8Array(101))).toThrow(
      expect.objectContaining({ code: "too_big" }),
    );
    h.client.sendBinary(new Uint8Array(100));
    h.client.close();
  });

  it("an error frame for a direct carries its id", () => {
    const h = harness();
    h.sockets.last().accept();
    const id = h.client.direct("ghost", 1);
    h.sockets.last().receive({ type: "error", code: "no_such_user", message: "not here", id });
    expect(h.of("error")).toEqual([new RoomcastError("no_such_user", "not here", { id })]);
    expect(h.of("error")[0]?.id).toBe(id);
    h.client.close();
  });
});

describe("publish ids", () => {
  it("uses a caller's id as the idempotency key and refuses ids the server would refuse", async () => {
    const h = harness();
    h.sockets.last().accept();
    const p = h.client.publish("x", { id: "order-17" });
    expect(h.sockets.last().publishes()).toEqual([{ type: "publish", data: "x", id: "order-17" }]);
    h.sockets.last().receive({ type: "ack", id: "order-17", seq: 9, duplicate: true });
    expect(await p).toBe(9);
    await expect(h.client.publish("x", { id: "" })).rejects.toMatchObject({ code: "bad_message" });
    await expect(h.client.publish("x", { id: "i".repeat(65) })).rejects.toMatchObject({
      code: "bad_message",
    });
    h.client.close();
  });
});

describe("close()", () => {
  it("rejects pending publishes with closed, closes the socket with 1000 and stops", async () => {
    const h = harness();
    const queued = h.client.publish(1);
    h.sockets.last().accept();
    const inFlight = h.client.publish(2);
    h.client.close();
    await expect(queued).rejects.toMatchObject({ code: "closed" });
    await expect(inFlight).rejects.toMatchObject({ code: "closed" });
    await expect(h.client.publish(3)).rejects.toMatchObject({ code: "closed" });
    expect(h.sockets.last().closedWith).toEqual({ code: 1000, reason: "client closed" });
    expect(h.client.state).toEqual({ status: "closed", code: 1000, reason: "client closed" });
    await flush(60_000);
    expect(h.sockets.sockets).toHaveLength(1);
    expect(h.of("error")).toEqual([]);
  });

  it("stays closed when the app closes from inside a listener", async () => {
    const h = harness();
    h.client.on("welcome", () => h.client.close());
    h.sockets.last().accept();
    expect(h.client.state).toEqual({ status: "closed", code: 1000, reason: "client closed" });
    await flush(60_000);
    expect(h.sockets.sockets).toHaveLength(1);
    expect(h.sockets.last().sent.filter((d) => d === "ping")).toEqual([]);
  });

  it("rejects ready() when closed before the first sync", async () => {
    const h = harness();
    h.client.close();
    await expect(h.client.ready()).rejects.toMatchObject({ code: "closed" });
  });
});

describe("keepalive", () => {
  it("pings right after synced and every idleTimeoutSeconds/2", async () => {
    const h = harness();
    const s = h.sockets.last();
    s.accept({ limits: { maxMessageBytes: 1000, idleTimeoutSeconds: 10, ratePerSecond: 20 } });
    const pings = () => s.sent.filter((d) => d === "ping").length;
    expect(pings()).toBe(1);
    s.receive("pong");
    await flush(4_999);
    expect(pings()).toBe(1);
    await flush(1);
    expect(pings()).toBe(2);
    s.receive("pong");
    await flush(5_000);
    expect(pings()).toBe(3);
    h.client.close();
  });

  it("a missing pong means a dead connection: close it and reconnect", async () => {
    const h = harness({ pongTimeoutMs: 3_000 });
    const s = h.sockets.last();
    s.accept();
    await flush(2_999);
    expect(h.sockets.sockets).toHaveLength(1);
    await flush(1);
    expect(s.closedWith).toEqual({ code: 4000, reason: "keepalive timeout" });
    expect(h.client.state).toMatchObject({ status: "reconnecting", code: 1006, reason: "keepalive timeout" });
    await flush(1_000);
    expect(h.sockets.sockets).toHaveLength(2);
    h.client.close();
  });
});

describe("marks (the room's send budget)", () => {
  const reads = (frames: unknown[]) => frames.filter((f) => (f as { type?: string }).type === "read");

  it("answers each mark with its read at once and raises no event", () => {
    const h = harness();
    const s = h.sockets.last();
    s.accept();
    s.receive({ type: "mark", n: 3 });
    s.receive({ type: "mark", n: 4 });
    expect(reads(s.frames())).toEqual([
      { type: "read", n: 3 },
      { type: "read", n: 4 },
    ]);
    expect(h.events.filter(([name]) => name !== "state" && name !== "members")).toHaveLength(2);
    expect(h.of("error")).toEqual([]);
    h.client.close();
  });

  it("answers a mark while a catch-up over HTTP holds live frames back", () => {
    // The history fetch never answers: the client stays in its catch-up.
    const h = harness({ fetch: () => new Promise<Response>(() => {}) });
    const s = h.sockets.last();
    s.accept({ seq: 10 }, { seq: 10, replayed: 2, more: true, next: 3 });
    s.receive({ type: "mark", n: 1 });
    expect(reads(s.frames())).toEqual([{ type: "read", n: 1 }]);
    h.client.close();
  });
});
