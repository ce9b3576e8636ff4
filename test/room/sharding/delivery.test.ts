// What a sharded room sends as the room does: a replay within MAX_REPLAY_BYTES (synced.more/next, the
// rest over HTTP history from the sequencer) and coalesced `batch` frames for `?batch=1` sockets.
import { runInDurableObject } from "cloudflare:test";
import { describe, it } from "vitest";
import type { Sequencer } from "../../../src/room/sharding/sequencer.ts";
import type { MessageFrame } from "../../../src/shared/protocol.ts";
import { utf8Length } from "../../../src/shared/utf8.ts";
import { call, join, open, token, uniqueRoom } from "../../helpers/runtime.ts";
import { messages, sequencerStub, usersOnEveryShard } from "./support.ts";

// Test settings: MAX_REPLAY_BYTES 65536, HISTORY_LIMIT 50.
const BUDGET = 65536;

/** Publishes started in one turn at the sequencer: the first commits alone, the rest together. */
async function seed(room: string, data: unknown[], origin: string | null = null): Promise<void> {
  await runInDurableObject(sequencerStub(room), (q: Sequencer) =>
    Promise.all(
      data.map((d) => q.submit(room, { from: { id: "ops", name: null }, data: d, id: undefined, origin })),
    ),
  );
}

describe("sharded replay budget", () => {
  it("a resume past MAX_REPLAY_BYTES says more/next; HTTP history from the sequencer has the rest", async ({
    expect,
  }) => {
    const room = uniqueRoom("shard");
    const [ann, bob] = usersOnEveryShard("budget");
    const a = await join(room, { token: await token({ sub: ann }) });
    await seed(
      room,
      Array.from({ length: 40 }, (_, i) => ({ i: i + 1, pad: "x".repeat(3000) })),
    );
    await messages(a.socket, 40);
    const b = await join(room, {
      token: await token({ sub: bob }),
      query: `since=0&epoch=${a.welcome.epoch}`,
    });
    const n = b.replay.length;
    expect(n).toBeGreaterThan(0);
    expect(n).toBeLessThan(40);
    expect(b.replay.map((m) => m.seq)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    const bytes = b.replay.reduce((sum, m) => sum + utf8Length(JSON.stringify(m)), 0);
    expect(bytes).toBeLessThanOrEqual(BUDGET);
    expect(b.synced).toEqual({ type: "synced", seq: 40, replayed: n, gap: false, more: true, next: n + 1 });
    const auth = { Authorization: `Bearer ${await token({ sub: bob })}` };
    const rest: number[] = [];
    for (let after = n; after < 40; ) {
      const res = await call(`/rooms/${room}/messages?after=${after}&epoch=${a.welcome.epoch}`, {
        headers: auth,
      });
      expect(res.status).toBe(200);
      const page = (await res.json()) as { messages: MessageFrame[]; seq: number };
      expect(page.seq).toBe(40);
      rest.push(...page.messages.map((m) => m.seq));
      after = page.messages.at(-1)?.seq ?? 40;
    }
    expect(rest).toEqual(Array.from({ length: 40 - n }, (_, i) => n + 1 + i));
    // A small replay is whole, as before.
    const c = await join(room, {
      token: await token({ sub: bob }),
      query: `since=38&epoch=${a.welcome.epoch}`,
    });
    expect(c.synced).toEqual({ type: "synced", seq: 40, replayed: 2, gap: false, more: false });
    for (const s of [a.socket, b.socket, c.socket]) s.close();
  });
});

describe("sharded batch delivery", () => {
  it("a batch=1 socket gets one frame per pushed commit, without its own messages; plain sockets each alone", async ({
    expect,
  }) => {
    const room = uniqueRoom("shard");
    const [ann, bob] = usersOnEveryShard("batch");
    const a = await join(room, { token: await token({ sub: ann }), query: "batch=1" });
    const b = await join(room, { token: await token({ sub: bob }), query: "batch=1" });
    const plain = await join(room, { token: await token({ sub: bob }) });
    // Four publishes in one turn, the second of them from ann's connection.
    await runInDurableObject(sequencerStub(room), (q: Sequencer) => {
      const from = { id: "ops", name: null };
      return Promise.all([
        q.submit(room, { from, data: "h1", id: undefined, origin: null }),
        q.submit(room, {
          from: { id: ann as string, name: null },
          data: "a1",
          id: "x",
          origin: a.welcome.connectionId,
        }),
        q.submit(room, { from, data: "h2", id: undefined, origin: null }),
        q.submit(room, { from, data: "h3", id: undefined, origin: null }),
      ]);
    });
    const alone = await messages(plain.socket, 4);
    expect(alone.map((m) => m.data)).toEqual(["h1", "a1", "h2", "h3"]);
    const next = async (s: typeof a.socket, type: "message" | "batch") => {
      for (;;) {
        const f = await s.next(5000);
        if (f.type === type) return f;
        if (f.type !== "presence") throw new Error(`unexpected ${JSON.stringify(f)}`);
      }
    };
    expect(await next(b.socket, "message")).toEqual(alone[0]);
    expect(await next(b.socket, "batch")).toEqual({ type: "batch", messages: alone.slice(1) });
    expect(await next(a.socket, "message")).toEqual(alone[0]);
    expect(await next(a.socket, "batch")).toEqual({ type: "batch", messages: [alone[2], alone[3]] });
    // A replay to a batch=1 socket is a batch frame too.
    const r = await open(room, {
      token: await token({ sub: bob }),
      query: `batch=1&since=0&epoch=${a.welcome.epoch}`,
    });
    if (r instanceof Response) throw new Error(`refused: ${r.status}`);
    await r.expect("welcome");
    expect(await r.expect("batch")).toEqual({ type: "batch", messages: alone });
    expect(await r.expect("synced")).toMatchObject({ seq: 4, replayed: 4, more: false });
    for (const s of [a.socket, b.socket, plain.socket, r]) s.close();
  });
});
