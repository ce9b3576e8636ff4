// An `overloaded` refusal: the publish stays pending and goes again with the same id a second later.
import { describe, expect, it, vi } from "vitest";
import { harness, useFakeTimersPerTest } from "./support/client-harness.ts";

useFakeTimersPerTest();

describe("overloaded", () => {
  it("resends the same publish (same id) after a delay, and resolves with the later ack", async () => {
    const h = harness();
    const s = h.sockets.last();
    s.accept();
    const p = h.client.publish({ n: 1 }, { id: "p1" });
    const publishes = () => s.frames().filter((f) => (f as { type?: string }).type === "publish");
    expect(publishes()).toHaveLength(1);
    s.receive({ type: "error", code: "overloaded", message: "busy", id: "p1" });
    expect(h.of("error")).toEqual([]);
    expect(publishes()).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1000);
    expect(publishes()).toEqual([
      { type: "publish", data: { n: 1 }, id: "p1" },
      { type: "publish", data: { n: 1 }, id: "p1" },
    ]);
    s.receive({ type: "ack", id: "p1", seq: 7 });
    await expect(p).resolves.toBe(7);
    h.client.close();
  });
});
