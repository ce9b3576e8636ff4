// Bounded replay at production size: 1,000 retained messages of 60 KiB (about 60 MB) resumed from 0
// while a canary pair keeps chatting. Nothing is lost or repeated; no replay or page exceeds the budget.
import { describe, it } from "vitest";
import type { HistoryPage, MessageFrame } from "../../src/shared/protocol.ts";
import { call, join, roomStub, type TestSocket, token, uniqueRoom } from "../helpers/runtime.ts";

const BUDGET = 4 * 1024 * 1024;
const bytesOf = (m: unknown) => new TextEncoder().encode(JSON.stringify(m)).length;

/** Sends `n` publishes from `s`, one after each ack; returns their seqs and the messages received. */
async function chat(s: TestSocket, n: number, tag: string): Promise<{ acked: number[]; got: number[] }> {
  const acked: number[] = [];
  const got: number[] = [];
  for (let i = 0; i < n; i++) {
    s.send({ type: "publish", data: `${tag} ${i}`, id: `${tag}-${i}` });
    for (;;) {
      const f = await s.next(10_000);
      if (f.type === "message") got.push(f.seq);
      if (f.type === "ack") {
        acked.push(f.seq);
        break;
      }
    }
  }
  return { acked, got };
}

/** Reads `s` until every seq of `want` is among `got` (or a frame takes over 10 s: rejects). */
async function receiveAll(s: TestSocket, got: number[], want: number[]): Promise<boolean> {
  const have = new Set(got);
  while (!want.every((q) => have.has(q))) {
    const f = await s.next(10_000);
    if (f.type === "message") have.add(f.seq);
  }
  return true;
}

describe("bounded replay (1,000 × 60 KiB)", () => {
  it("resumes from 0 in budget-sized steps while a canary pair chats: every seq exactly once", async ({
    expect,
  }) => {
    const room = uniqueRoom("big");
    const stub = roomStub(room);
    const pad = "x".repeat(60 * 1024);
    for (let batch = 0; batch < 10; batch++) {
      const results = await Promise.all(
        Array.from({ length: 100 }, (_, i) =>
          stub.publish(room, { id: "seed", name: null }, { n: batch * 100 + i, pad }),
        ),
      );
      for (const r of results) if (!r.ok) throw new Error(`seeding failed: ${r.code}`);
    }
    const cara = await join(room, { token: await token({ sub: "cara" }) });
    const cody = await join(room, { token: await token({ sub: "cody" }) });
    await cara.socket.expect("presence");
    const chatter = Promise.all([chat(cara.socket, 20, "cara"), chat(cody.socket, 20, "cody")]);

    const r = await join(room, {
      token: await token({ sub: "late" }),
      query: `since=0&epoch=${cara.welcome.epoch}`,
    });
    const replayBytes = r.replay.reduce((n, m) => n + bytesOf(m), 0);
    expect(replayBytes).toBeLessThanOrEqual(BUDGET);
    expect(r.synced).toMatchObject({ more: true, next: r.replay.length + 1, gap: false });
    const seen: number[] = r.replay.map((m) => m.seq);

    // The rest over HTTP history, page by page, each within the budget too.
    const reader = await token({ sub: "late" });
    let cursor = (r.synced.next ?? 1) - 1;
    let largestPage = 0;
    for (let pages = 0; cursor < r.synced.seq; pages++) {
      if (pages > 100) throw new Error("paging never ended");
      const res = await call(`/rooms/${room}/messages?after=${cursor}&epoch=${r.welcome.epoch}&limit=1000`, {
        headers: { Authorization: `Bearer ${reader}` },
      });
      const text = await res.text();
      largestPage = Math.max(largestPage, text.length);
      const page = JSON.parse(text) as HistoryPage;
      const upTo = page.messages.filter((m) => m.seq <= r.synced.seq);
      expect(upTo.reduce((n, m) => n + bytesOf(m), 0)).toBeLessThanOrEqual(BUDGET + 70 * 1024);
      seen.push(...upTo.map((m) => m.seq));
      cursor = upTo.at(-1)?.seq ?? r.synced.seq;
    }
    const [caraChat, codyChat] = await chatter;
    const caraSeqs = caraChat.acked;
    const codySeqs = codyChat.acked;
    // Live messages after synced (the canaries' chat) are buffered on the socket.
    const live: MessageFrame[] = [];
    const final = Math.max(...caraSeqs, ...codySeqs);
    while ((live.at(-1)?.seq ?? r.synced.seq) < final) {
      const f = await r.socket.next(10_000);
      if (f.type === "message") live.push(f);
    }
    seen.push(...live.map((m) => m.seq));
    expect(seen).toEqual(Array.from({ length: final }, (_, i) => i + 1));
    // The canaries lost nothing either: each gets every one of the other's messages.
    expect(await receiveAll(cara.socket, caraChat.got, codySeqs)).toBe(true);
    expect(await receiveAll(cody.socket, codyChat.got, caraSeqs)).toBe(true);
    console.warn(
      JSON.stringify({ event: "bounded_replay", replayed: r.replay.length, replayBytes, largestPage, final }),
    );
    for (const s of [cara.socket, cody.socket, r.socket]) s.close();
  });
});
