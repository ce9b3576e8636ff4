// SocketIndex (O(1) connect/close bookkeeping), CountThrottle (count frames ≤ 1/s, on change), and the
// publish queue's bound.
import { describe, it, vi } from "vitest";
import { GroupCommit, Overloaded } from "../../src/room/log/group-commit.ts";
import { CountThrottle, presenceMode } from "../../src/room/presence/presence-count.ts";
import { SocketIndex } from "../../src/room/sockets/socket-index.ts";
import { MAX_LISTED_STATE_CHARS } from "../../src/shared/protocol.ts";
import { socketState } from "../helpers/socket-state.ts";

const state = socketState;
const sock = () => ({}) as WebSocket;

describe("SocketIndex", () => {
  it("lists presence state within MAX_LISTED_STATE_CHARS; members past it carry stateOmitted", ({
    expect,
  }) => {
    const ix = new SocketIndex();
    const big = "x".repeat(1000);
    // 70 users with about 1 KB of state each: over the 64 Ki budget of one welcome.
    for (let i = 0; i < 70; i++) ix.add(sock(), state(`u${i}`, { presence: big }));
    const listed = ix.members(1000);
    const withState = listed.filter((m) => m.state !== null);
    const omitted = listed.filter((m) => m.stateOmitted === true);
    expect(withState.length).toBe(Math.floor(MAX_LISTED_STATE_CHARS / JSON.stringify(big).length));
    expect(omitted.length).toBe(70 - withState.length);
    expect(omitted.every((m) => m.state === null)).toBe(true);
    expect(listed.slice(0, withState.length).every((m) => m.state === big)).toBe(true);
  });

  it("tracks sockets per user: first/last of a user, counts, capped member lists in join order", ({
    expect,
  }) => {
    const ix = new SocketIndex();
    const [a1, a2, b1, c1] = [sock(), sock(), sock(), sock()];
    expect(ix.add(a1, state("ann"))).toBe(true);
    expect(ix.add(a2, state("ann"))).toBe(false);
    expect(ix.add(b1, state("bob"))).toBe(true);
    expect(ix.add(c1, state("cat"))).toBe(true);
    expect([ix.size, ix.userCount, ix.connectionsOf("ann")]).toEqual([4, 3, 2]);
    expect(ix.members(2)).toEqual([
      { id: "ann", name: "ANN", connections: 2, state: null },
      { id: "bob", name: "BOB", connections: 1, state: null },
    ]);
    expect(ix.remove(a1, "ann")).toBe(false);
    expect(ix.remove(a2, "ann")).toBe(true);
    expect(ix.remove(a2, "ann")).toBe(false);
    expect([ix.size, ix.userCount, ix.connectionsOf("ann")]).toEqual([2, 2, 0]);
    expect([...ix.socketsOf("bob")]).toEqual([b1]);
    expect([...ix.socketsOf("nobody")]).toEqual([]);
  });

  it("rebuilds from the runtime's sockets, skipping those without state or closed by the server", ({
    expect,
  }) => {
    const [a, b, c] = [sock(), sock(), sock()];
    const ix = SocketIndex.rebuild([
      [a, state("ann")],
      [b, null],
      [c, state("cat", { gone: true })],
    ]);
    expect([ix.size, ix.userCount]).toEqual([1, 1]);
    expect(ix.get(a)?.userId).toBe("ann");
  });
});

describe("CountThrottle", () => {
  it("sends at once, then at most once per second, only when the number changed", ({ expect }) => {
    let now = 10_000;
    let users = 9;
    const sent: number[] = [];
    const timers: { at: number; fn: () => void }[] = [];
    const t = new CountThrottle(
      () => users,
      (n) => sent.push(n),
      { now: () => now, later: (fn, ms) => timers.push({ at: now + ms, fn }) },
    );
    t.changed();
    expect(sent).toEqual([9]);
    users = 10;
    t.changed();
    users = 11;
    t.changed();
    expect(sent).toEqual([9]);
    expect(timers).toHaveLength(1);
    now = timers[0]?.at ?? now;
    timers.shift()?.fn();
    expect(sent).toEqual([9, 11]);
    // Back to the same number within the window: nothing to say.
    users = 12;
    t.changed();
    users = 11;
    now += 1000;
    timers.shift()?.fn();
    expect(sent).toEqual([9, 11]);
    // After a per-user frame, the same number is news again.
    t.reset();
    now += 1000;
    t.changed();
    expect(sent).toEqual([9, 11, 11]);
  });

  it("count mode only above the limit", ({ expect }) => {
    expect(presenceMode(8, 8)).toBe("per-user");
    expect(presenceMode(9, 8)).toBe("count");
    expect(presenceMode(1, 0)).toBe("count");
  });
});

describe("GroupCommit bound", () => {
  it("refuses with Overloaded beyond maxItems or maxBytes waiting, and accepts again once durable", async ({
    expect,
  }) => {
    let release: () => void = () => {};
    const gc = new GroupCommit<number, number>(
      (n) => n,
      () => new Promise<void>((r) => (release = r)),
      { maxItems: 3, maxBytes: 100 },
    );
    const first = [gc.submit(1, 10), gc.submit(2, 10), gc.submit(3, 10)];
    await expect(gc.submit(4, 10)).rejects.toBeInstanceOf(Overloaded);
    expect(gc.waiting).toBe(3);
    release();
    await expect(Promise.all(first)).resolves.toEqual([1, 2, 3]);
    // Items 2 and 3 were written after the first flush: one more flush to go.
    await vi.waitFor(() => expect(gc.waiting).toBe(2));
    release();
    await vi.waitFor(() => expect(gc.waiting).toBe(0));
    await expect(gc.submit(5, 101)).rejects.toBeInstanceOf(Overloaded);
    const ok = gc.submit(6, 100);
    release();
    await expect(ok).resolves.toBe(6);
  });
});
