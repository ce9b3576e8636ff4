// Publish queue: bounded, paced, too_big before sending, ack timeout from send time, resend with the same id.
import { describe, expect, it, vi } from "vitest";
import { Pacer } from "../../src/client/stream/pacer.ts";
import { PublishQueue, type Transport } from "../../src/client/stream/publish-queue.ts";
import { RoomcastError } from "../../src/client/types.ts";
import { useFakeTimersPerTest } from "./support/client-harness.ts";

function transport(
  rate = 1000,
  maxMessageBytes = 1000,
): Transport & { sent: { id: string; data: unknown }[] } {
  const sent: { id: string; data: unknown }[] = [];
  return { sent, send: (t) => sent.push(JSON.parse(t)), pacer: new Pacer(rate, Date.now()), maxMessageBytes };
}

async function rejection(p: Promise<unknown>): Promise<RoomcastError> {
  return p.then(
    () => {
      throw new Error("expected a rejection");
    },
    (e: RoomcastError) => e,
  );
}

describe("PublishQueue", () => {
  useFakeTimersPerTest();

  it("rejects with queue_full at once beyond the limit, never dropping silently", async () => {
    const q = new PublishQueue({ limit: 3, ackTimeoutMs: 1000 });
    const kept = ["a", "b", "c"].map((id) => q.enqueue(id, id));
    const over = await rejection(q.enqueue("d", "d"));
    expect(over.code).toBe("queue_full");
    expect(q.size).toBe(3);
    q.rejectAll((id) => new RoomcastError("closed", "closed", { id }));
    const codes = await Promise.all(kept.map((p) => rejection(p)));
    expect(codes.map((e) => e.code)).toEqual(["closed", "closed", "closed"]);
    expect(q.size).toBe(0);
  });

  it("sends in order once attached and resolves on ack", async () => {
    const q = new PublishQueue({ limit: 10, ackTimeoutMs: 1000 });
    const p1 = q.enqueue(1, "one");
    const p2 = q.enqueue(2, "two");
    const t = transport();
    q.attach(t);
    expect(t.sent.map((f) => f.id)).toEqual(["one", "two"]);
    expect(q.ack("two", 8)).toBe(true);
    expect(q.ack("one", 7)).toBe(true);
    expect(q.ack("one", 7)).toBe(false);
    expect(await p1).toBe(7);
    expect(await p2).toBe(8);
  });

  it("resends unacked publishes with the same id after a reconnect", async () => {
    const q = new PublishQueue({ limit: 10, ackTimeoutMs: 1000 });
    const p = q.enqueue({ x: 1 }, "same");
    const first = transport();
    q.attach(first);
    q.detach();
    const second = transport();
    q.attach(second);
    expect(first.sent).toEqual([{ type: "publish", data: { x: 1 }, id: "same" }]);
    expect(second.sent).toEqual(first.sent);
    q.ack("same", 3);
    expect(await p).toBe(3);
  });

  it("times out from when the frame was sent, not from publish()", async () => {
    const q = new PublishQueue({ limit: 10, ackTimeoutMs: 1000 });
    const p = rejection(q.enqueue(1, "late"));
    await vi.advanceTimersByTimeAsync(5_000); // waiting offline: no timeout
    expect(q.size).toBe(1);
    q.attach(transport());
    await vi.advanceTimersByTimeAsync(999);
    expect(q.size).toBe(1);
    q.detach(); // a reconnect resets the clock
    q.attach(transport());
    await vi.advanceTimersByTimeAsync(999);
    expect(q.size).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect((await p).code).toBe("timeout");
    expect(q.size).toBe(0);
  });

  it("rejects a frame above maxMessageBytes locally with too_big", async () => {
    const q = new PublishQueue({ limit: 10, ackTimeoutMs: 1000 });
    const early = rejection(q.enqueue("é".repeat(100), "early")); // limits unknown yet: checked when sending
    const t = transport(1000, 120);
    q.attach(t);
    expect((await early).code).toBe("too_big");
    expect((await rejection(q.enqueue("x".repeat(200), "late"))).code).toBe("too_big");
    expect(t.sent).toEqual([]);
  });

  it("paces a large backlog at the room's rate instead of flooding it", async () => {
    const q = new PublishQueue({ limit: 100, ackTimeoutMs: 60_000 });
    for (let i = 0; i < 50; i++) void q.enqueue(i, `m${i}`).catch(() => undefined);
    const t = transport(10);
    q.attach(t);
    expect(t.sent).toHaveLength(10); // burst
    await vi.advanceTimersByTimeAsync(1_000);
    expect(t.sent).toHaveLength(20);
    await vi.advanceTimersByTimeAsync(3_000);
    expect(t.sent.map((f) => f.id)).toEqual(Array.from({ length: 50 }, (_, i) => `m${i}`));
    q.rejectAll((id) => new RoomcastError("closed", "closed", { id }));
  });
});
