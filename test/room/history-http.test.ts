// Replay budget (synced.more/next) and GET /rooms/:room/messages: paging, gap, errors, CORS, eviction.
import { evictDurableObject } from "cloudflare:test";
import { describe, it } from "vitest";
import type { HistoryPage } from "../../src/shared/protocol.ts";
import { call, errorOf, join, roomStub, token, uniqueRoom } from "../helpers/runtime.ts";

// Test settings: MAX_REPLAY_BYTES 64 KiB, HISTORY_LIMIT 50, MAX_MESSAGE_BYTES 4096.
const admin = () => token({ sub: "ops", name: "Ops", rooms: { "*": ["admin"] } });
const reader = () => token({ sub: "rita", rooms: { "*": ["read"] } });

/** Publishes `n` messages of about `bytes` each over HTTP (no rate limit there). */
async function fill(room: string, n: number, bytes: number): Promise<void> {
  const auth = { Authorization: `Bearer ${await admin()}`, "Content-Type": "application/json" };
  for (let i = 1; i <= n; i++) {
    const res = await call(`/rooms/${room}/messages`, {
      method: "POST",
      headers: auth,
      body: JSON.stringify({ data: { i, pad: "x".repeat(bytes) } }),
    });
    if (res.status !== 201) throw new Error(`publish ${i}: ${res.status} ${await res.text()}`);
  }
}

async function page(room: string, query: string, tok?: string): Promise<HistoryPage> {
  const res = await call(`/rooms/${room}/messages?${query}`, {
    headers: { Authorization: `Bearer ${tok ?? (await reader())}` },
  });
  if (res.status !== 200) throw new Error(`history ${query}: ${res.status} ${await res.text()}`);
  return (await res.json()) as HistoryPage;
}

/** Follows `more` from `after` to the end, as the client library does. */
async function fetchAll(room: string, after: number, epoch: string): Promise<number[]> {
  const seqs: number[] = [];
  let cursor = after;
  for (let i = 0; i < 100; i++) {
    const p = await page(room, `after=${cursor}&epoch=${epoch}&limit=1000`);
    seqs.push(...p.messages.map((m) => m.seq));
    if (!p.more) return seqs;
    cursor = p.messages.at(-1)?.seq ?? cursor;
  }
  throw new Error("history never ended");
}

describe("replay budget", () => {
  it("a resume replays at most MAX_REPLAY_BYTES, then synced says more/next; HTTP fetches the rest", async ({
    expect,
  }) => {
    const room = uniqueRoom();
    await fill(room, 40, 3000);
    const { socket, welcome, replay, synced } = await join(room, { query: `since=0&epoch=x` });
    // Wrong epoch: nothing replayed, gap, more false.
    expect(synced).toEqual({ type: "synced", seq: 40, replayed: 0, gap: true, more: false });
    socket.close();

    const r = await join(room, { query: `since=0&epoch=${welcome.epoch}` });
    const bytes = r.replay.reduce((n, m) => n + new TextEncoder().encode(JSON.stringify(m)).length, 0);
    expect(bytes).toBeLessThanOrEqual(65536);
    expect(r.replay.length).toBeGreaterThan(10);
    expect(r.replay.length).toBeLessThan(40);
    const k = r.replay.length;
    expect(r.synced).toEqual({ type: "synced", seq: 40, replayed: k, gap: false, more: true, next: k + 1 });
    expect(r.replay.map((m) => m.seq)).toEqual(Array.from({ length: k }, (_, i) => i + 1));
    const rest = await fetchAll(room, k, welcome.epoch);
    expect([...r.replay.map((m) => m.seq), ...rest]).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(replay).toEqual([]);
    r.socket.close();
  });

  it("the room may be evicted between the replay and the HTTP fetch: same epoch, nothing lost", async ({
    expect,
  }) => {
    const room = uniqueRoom();
    await fill(room, 30, 3000);
    const r = await join(room, { query: `since=0&epoch=${(await join(room)).welcome.epoch}` });
    expect(r.synced.more).toBe(true);
    r.socket.close();
    await evictDurableObject(roomStub(room));
    const next = r.synced.next ?? 0;
    const rest = await fetchAll(room, next - 1, r.welcome.epoch);
    expect([...r.replay.map((m) => m.seq), ...rest]).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
  });

  it("a small replay says more:false", async ({ expect }) => {
    const room = uniqueRoom();
    await fill(room, 3, 10);
    const first = await join(room, { query: "rewind=2" });
    expect(first.synced).toEqual({ type: "synced", seq: 3, replayed: 2, gap: false, more: false });
    first.socket.close();
  });
});

describe("GET /rooms/:room/messages", () => {
  it("after: oldest first; before and the newest page: newest first; limit and more", async ({ expect }) => {
    const room = uniqueRoom();
    await fill(room, 12, 10);
    const newest = await page(room, "limit=5");
    expect(newest).toMatchObject({ room, seq: 12, more: true, gap: false });
    expect(newest.messages.map((m) => m.seq)).toEqual([12, 11, 10, 9, 8]);
    expect(newest.messages[0]).toMatchObject({
      type: "message",
      from: { id: "ops", name: "Ops" },
      data: { i: 12 },
    });
    const older = await page(room, "before=8&limit=5");
    expect(older.messages.map((m) => m.seq)).toEqual([7, 6, 5, 4, 3]);
    const oldest = await page(room, "before=3&limit=5");
    expect(oldest.messages.map((m) => m.seq)).toEqual([2, 1]);
    expect(oldest).toMatchObject({ more: false, gap: false });
    const after = await page(room, `after=9&epoch=${newest.epoch}`);
    expect(after.messages.map((m) => m.seq)).toEqual([10, 11, 12]);
    expect(after).toMatchObject({ more: false, gap: false });
    expect((await page(room, "after=12")).messages).toEqual([]);
    // The default limit is 100; a page is the exact frames the room broadcast.
    expect((await page(room, "after=0")).messages).toHaveLength(12);
  });

  it("gap: after points before the oldest retained message (HISTORY_LIMIT 50); before reaches trimmed ones", async ({
    expect,
  }) => {
    const room = uniqueRoom();
    await fill(room, 55, 10);
    const p = await page(room, "after=2&limit=3");
    expect(p.messages.map((m) => m.seq)).toEqual([6, 7, 8]);
    expect(p).toMatchObject({ gap: true, more: true });
    expect(await page(room, "after=5&limit=1")).toMatchObject({ gap: false });
    const back = await page(room, "before=8");
    expect(back.messages.map((m) => m.seq)).toEqual([7, 6]);
    expect(back).toMatchObject({ more: false, gap: true });
  });

  it("also stops at MAX_REPLAY_BYTES, always with at least one message", async ({ expect }) => {
    const room = uniqueRoom();
    await fill(room, 30, 3000);
    const p = await page(room, "after=0&limit=1000");
    expect(p.messages.length).toBeGreaterThan(10);
    expect(p.messages.length).toBeLessThan(30);
    expect(p.more).toBe(true);
  });

  it("400 for bad parameters, 409 for another epoch, 403 without read; in the contract's order", async ({
    expect,
  }) => {
    const room = uniqueRoom();
    const tok = await reader();
    const get = (q: string, t = tok) =>
      call(`/rooms/${room}/messages?${q}`, { headers: { Authorization: `Bearer ${t}` } });
    for (const q of [
      "after=-1",
      "after=x",
      "before=1.5",
      "after=1&before=2",
      "limit=0",
      "limit=1001",
      "limit=x",
      "epoch=",
    ]) {
      expect(await errorOf(await get(q)), q).toMatchObject({ status: 400, code: "bad_request" });
    }
    expect(await errorOf(await get("after=0&epoch=nope"))).toMatchObject({
      status: 409,
      code: "epoch_mismatch",
    });
    const none = await token({ sub: "x", rooms: { other: ["read"] } });
    expect(await errorOf(await get("limit=0", none))).toMatchObject({ status: 403, code: "forbidden" });
    expect(await errorOf(await call(`/rooms/${room}/messages`))).toMatchObject({ status: 401 });
    expect(await errorOf(await call(`/rooms/bad%20room/messages`))).toMatchObject({
      status: 400,
      code: "bad_room",
    });
  });

  it("carries CORS headers for allowed origins", async ({ expect }) => {
    const res = await call(`/rooms/${uniqueRoom()}/messages`, {
      headers: { Authorization: `Bearer ${await reader()}`, Origin: "https://app.example" },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("access-control-allow-origin")).toBe("https://app.example");
  });
});
