// The frame path keeps its per-frame state in memory: no attachment write per frame, yet the last
// activity an idle close depends on survives an eviction (rounded up, never earlier).
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, it } from "vitest";
import type { Room } from "../../src/room/room.ts";
import { readState, SEEN_SLACK_MS, writeState } from "../../src/room/sockets/socket-state.ts";
import { join, roomStub, uniqueRoom } from "../helpers/runtime.ts";

const frame = (i: number) => JSON.stringify({ type: "direct", to: "nobody", data: i });

describe("frame path", () => {
  it("handles a burst of frames with at most one attachment write", async ({ expect }) => {
    const room = uniqueRoom();
    const { socket } = await join(room);
    const writes = await runInDurableObject(roomStub(room), async (instance: Room, state) => {
      const [ws] = state.getWebSockets();
      if (!ws) throw new Error("no socket in the room");
      let n = 0;
      const write = ws.serializeAttachment.bind(ws);
      ws.serializeAttachment = (v: unknown) => {
        n++;
        write(v);
      };
      for (let i = 0; i < 20; i++) await instance.webSocketMessage(ws, frame(i)); // 20 of the 40 burst
      return n;
    });
    expect(writes).toBeLessThanOrEqual(1);
    socket.close();
  });

  it("a frame just before an eviction keeps an almost idle socket open after it", async ({ expect }) => {
    const room = uniqueRoom();
    const { socket } = await join(room);
    // 61 s of silence on record: past IDLE_TIMEOUT_SECONDS (60) unless the next frame counts.
    await runInDurableObject(roomStub(room), (_: Room, state) => {
      for (const ws of state.getWebSockets()) {
        const s = readState(ws);
        if (s) writeState(ws, { ...s, seen: s.seen - 61_000 });
      }
    });
    const before = Date.now();
    socket.send(frame(1));
    await socket.expect("error"); // no_such_user: the frame was handled
    await evictDurableObject(roomStub(room));
    const seen = await runInDurableObject(roomStub(room), (_: Room, state) =>
      state.getWebSockets().map((ws) => readState(ws)?.seen ?? 0),
    );
    expect(seen[0]).toBeGreaterThanOrEqual(before);
    expect(seen[0]).toBeLessThanOrEqual(Date.now() + SEEN_SLACK_MS);
    await runDurableObjectAlarm(roomStub(room));
    socket.send("ping");
    expect(await socket.next()).toEqual({ type: "pong" });
    socket.close();
  });

  it("keeps the token bucket out of the attachment, and starts full after an eviction", async ({
    expect,
  }) => {
    const room = uniqueRoom();
    const { socket } = await join(room);
    for (let i = 0; i < 30; i++) socket.send(frame(i)); // 30 of the 40 burst (RATE_PER_SECOND 20)
    for (let i = 0; i < 30; i++) expect((await socket.expect("error")).code).toBe("no_such_user");
    await evictDurableObject(roomStub(room));
    const attached = await runInDurableObject(roomStub(room), (_: Room, state) =>
      state.getWebSockets().map((ws) => ws.deserializeAttachment() as Record<string, unknown>),
    );
    expect(attached).toHaveLength(1);
    for (const field of ["tokens", "refilledAt", "refused", "presenceChars"])
      expect(attached[0]).not.toHaveProperty(field);
    expect(attached[0]).toMatchObject({ userId: "ann", room });
    // A full burst again: 40 frames handled, none refused for the rate.
    for (let i = 0; i < 40; i++) socket.send(frame(i));
    for (let i = 0; i < 40; i++) expect((await socket.expect("error")).code).toBe("no_such_user");
    socket.close();
  });
});
