// Protocol versions (`?v=`): version 2 folds `synced` into the `welcome` when a connect replays
// nothing; without `v` (or with v=1) a client gets the two frames as before.
import { runInDurableObject } from "cloudflare:test";
import { describe, it } from "vitest";
import type { Room } from "../../src/room/room.ts";
import { errorOf, join, open, roomStub, type TestSocket, uniqueRoom } from "../helpers/runtime.ts";

async function opened(room: string, query: string): Promise<TestSocket> {
  const r = await open(room, { query });
  if (r instanceof Response) throw new Error(`upgrade refused: ${r.status} ${await r.text()}`);
  return r;
}

/** Publishes `n` messages as the server, so the room has a history to resume from. */
async function seed(room: string, n: number): Promise<void> {
  await runInDurableObject(roomStub(room), async (instance: Room) => {
    for (let i = 1; i <= n; i++) await instance.publish(room, { id: "seed", name: null }, { i });
  });
}

describe("protocol version 2", () => {
  it("says synced inside the welcome when nothing is replayed, and sends no synced frame", async ({
    expect,
  }) => {
    const room = uniqueRoom();
    await seed(room, 2);
    const ws = await opened(room, "v=2");
    const welcome = await ws.expect("welcome");
    expect(welcome.seq).toBe(2);
    expect(welcome.synced).toEqual({ seq: 2, replayed: 0, gap: false, more: false });
    ws.send("ping"); // the next frame is its answer: no synced came in between
    expect(await ws.next()).toEqual({ type: "pong" });
    ws.close();
  });

  it("carries the gap of a resume that can replay nothing (another epoch)", async ({ expect }) => {
    const room = uniqueRoom();
    await seed(room, 1);
    const ws = await opened(room, "v=2&since=0&epoch=not-this-one");
    const welcome = await ws.expect("welcome");
    expect(welcome.synced).toEqual({ seq: 1, replayed: 0, gap: true, more: false });
    ws.close();
  });

  it("keeps welcome, replay, synced when messages are replayed", async ({ expect }) => {
    const room = uniqueRoom();
    await seed(room, 3);
    const first = await join(room);
    first.socket.close();
    const ws = await opened(room, `v=2&since=1&epoch=${first.welcome.epoch}`);
    const again = await ws.expect("welcome");
    expect(again.synced).toBeUndefined();
    expect((await ws.expect("message")).seq).toBe(2);
    expect((await ws.expect("message")).seq).toBe(3);
    expect(await ws.expect("synced")).toEqual({
      type: "synced",
      seq: 3,
      replayed: 2,
      gap: false,
      more: false,
    });
    ws.close();
  });

  it("sends the two frames without v and with v=1", async ({ expect }) => {
    const room = uniqueRoom();
    for (const query of ["", "v=1", "batch=1"]) {
      const ws = await opened(room, query);
      expect((await ws.expect("welcome")).synced).toBeUndefined();
      expect(await ws.expect("synced")).toMatchObject({ replayed: 0, gap: false });
      ws.close();
    }
  });

  it("refuses a version it does not know with 400 bad_request", async ({ expect }) => {
    for (const v of ["3", "0", "", "2.0"]) {
      const r = await open(uniqueRoom(), { query: `v=${v}` });
      if (!(r instanceof Response)) throw new Error(`v=${v} was accepted`);
      const e = await errorOf(r);
      expect([e.status, e.code]).toEqual([400, "bad_request"]);
      expect(e.message).toContain("v must be");
    }
  });
});
