// Protocol version 2: a welcome that carries `synced` is read as the welcome followed by that synced.
import { describe, expect, it } from "vitest";
import { flush, harness, useFakeTimersPerTest } from "./support/client-harness.ts";
import { message, welcome } from "./support/fake-socket.ts";

useFakeTimersPerTest();

describe("a welcome that carries synced", () => {
  it("emits welcome then synced, resolves ready and starts the keepalive", async () => {
    const h = harness();
    const s = h.sockets.last();
    s.open();
    s.receive({
      ...welcome({ epoch: "E", seq: 4 }),
      synced: { seq: 4, replayed: 0, gap: false, more: false },
    });
    await expect(h.client.ready()).resolves.toBeUndefined();
    const names = h.events.map(([n]) => n).filter((n) => n === "welcome" || n === "synced");
    expect(names).toEqual(["welcome", "synced"]);
    expect(h.of("synced")).toEqual([{ seq: 4, replayed: 0, gap: false }]);
    // The welcome event looks as it did with two frames: no `synced` inside.
    expect(h.of("welcome")[0]).not.toHaveProperty("synced");
    expect(s.frames()).toContain("ping"); // sent right after synced
    s.receive(message(5));
    expect(h.of("message").map((m) => m.seq)).toEqual([5]);
    expect(h.client.seq).toBe(5);
    h.client.close();
  });

  it("takes its gap and seq as a synced frame's", async () => {
    const h = harness({ since: 2, epoch: "old" });
    const s = h.sockets.last();
    s.open();
    s.receive({
      ...welcome({ epoch: "new", seq: 9 }),
      synced: { seq: 9, replayed: 0, gap: true, more: false },
    });
    await flush();
    expect(h.of("synced")).toEqual([{ seq: 9, replayed: 0, gap: true }]);
    expect(h.client.epoch).toBe("new");
    expect(h.client.seq).toBe(9);
    h.client.close();
  });

  it("still accepts the two frames of a server that ignores v=2", async () => {
    const h = harness();
    h.sockets.last().accept({ epoch: "E", seq: 1 });
    await expect(h.client.ready()).resolves.toBeUndefined();
    expect(h.of("synced")).toEqual([{ seq: 1, replayed: 0, gap: false }]);
    h.client.close();
  });
});
