// Black-box: frames after the upgrade (welcome, synced, publish/ack, dedupe, direct, binary, presence,
// resume and gaps, bad frames, ping, close reciprocation) with real `ws` clients against `wrangler dev`.
import { describe, it } from "vitest";
import { uniqueRoom } from "../support/names.ts";
import { tokenFor } from "../support/tokens.ts";
import { expectRefused, type Joined, join } from "./support/rooms.ts";
import { useDevServer } from "./support/use-dev-server.ts";
import { TestSocket } from "./support/ws-client.ts";

const HISTORY_LIMIT = 5;

const server = useDevServer({ vars: { HISTORY_LIMIT: String(HISTORY_LIMIT) } });

const rw = (room: string) => ({ [room]: ["read", "write"] });
const ro = (room: string) => ({ [room]: ["read"] });

async function as(
  room: string,
  user: string,
  o: { name?: string; readOnly?: boolean; since?: number | string; epoch?: string } = {},
): Promise<Joined> {
  const token = await tokenFor(
    user,
    o.readOnly ? ro(room) : rw(room),
    o.name !== undefined ? { name: o.name } : {},
  );
  return join(server.url, room, {
    token,
    label: user,
    ...(o.since !== undefined ? { since: o.since } : {}),
    ...(o.epoch !== undefined ? { epoch: o.epoch } : {}),
  });
}

async function publish(sock: TestSocket, data: unknown, id?: string): Promise<number> {
  sock.send({ type: "publish", data, ...(id !== undefined ? { id } : {}) });
  return (await sock.next("ack")).seq;
}

async function shutdown(...js: Joined[]): Promise<void> {
  for (const j of js) await j.sock.shutdown();
}

describe("welcome and synced", () => {
  it("welcome carries room, epoch, seq, connectionId, user (name null without name), members, limits", async ({
    expect,
  }) => {
    const room = uniqueRoom();
    const a = await as(room, "ann");
    expect(a.welcome).toEqual({
      type: "welcome",
      room,
      epoch: expect.any(String),
      seq: expect.any(Number),
      connectionId: expect.any(String),
      user: { id: "ann", name: null },
      members: [{ id: "ann", name: null, connections: 1, state: null }],
      membersTotal: 1,
      limits: { maxMessageBytes: 65536, idleTimeoutSeconds: 60, ratePerSecond: 20 },
    });
    expect(a.welcome.epoch.length).toBeGreaterThan(0);
    expect(a.welcome.connectionId.length).toBeGreaterThan(0);
    const b = await as(room, "bob", { name: "Bob" });
    expect(b.welcome.user).toEqual({ id: "bob", name: "Bob" });
    expect(b.welcome.connectionId).not.toBe(a.welcome.connectionId);
    expect(b.welcome.epoch).toBe(a.welcome.epoch);
    expect([...b.welcome.members].sort((x, y) => x.id.localeCompare(y.id))).toEqual([
      { id: "ann", name: null, connections: 1, state: null },
      { id: "bob", name: "Bob", connections: 1, state: null },
    ]);
    await shutdown(a, b);
  });

  it("without since, synced {seq, replayed:0, gap:false} follows welcome", async ({ expect }) => {
    const room = uniqueRoom();
    const a = await as(room, "ann");
    expect(a.synced).toEqual({ type: "synced", seq: a.welcome.seq, replayed: 0, gap: false, more: false });
    const seq = await publish(a.sock, "x");
    const b = await as(room, "bob");
    expect(b.welcome.seq).toBe(seq);
    expect(b.synced).toEqual({ type: "synced", seq, replayed: 0, gap: false, more: false });
    await shutdown(a, b);
  });
});

describe("publish", () => {
  it("acks the publisher and delivers message {seq,id,from,data,ts} to the others only", async ({
    expect,
  }) => {
    const room = uniqueRoom();
    const a = await as(room, "ann", { name: "Ann" });
    const b = await as(room, "bob");
    const c = await as(room, "cid");
    const before = Date.now();
    a.sock.send({ type: "publish", data: { text: "hi", n: [1, 2] }, id: "m1" });
    const ack = await a.sock.next("ack");
    expect(ack).toEqual({ type: "ack", id: "m1", seq: expect.any(Number) });
    expect(ack.seq).toBeGreaterThan(a.welcome.seq);
    for (const s of [b, c]) {
      const m = await s.sock.next("message");
      expect(m).toEqual({
        type: "message",
        seq: ack.seq,
        id: "m1",
        from: { id: "ann", name: "Ann" },
        data: { text: "hi", n: [1, 2] },
        ts: expect.any(Number),
      });
      expect(m.ts).toBeGreaterThanOrEqual(before - 1000);
      expect(m.ts).toBeLessThanOrEqual(Date.now() + 1000);
    }
    // The publisher's next message frame is bob's, not its own.
    const seqB = await publish(b.sock, "from bob", "b1");
    expect(seqB).toBe(ack.seq + 1);
    expect(await a.sock.next("message")).toMatchObject({
      seq: seqB,
      id: "b1",
      from: { id: "bob", name: null },
      data: "from bob",
    });
    await shutdown(a, b, c);
  });

  it("a publish without id is acked and delivered without an id", async ({ expect }) => {
    const room = uniqueRoom();
    const a = await as(room, "ann");
    const b = await as(room, "bob");
    a.sock.send({ type: "publish", data: null });
    const ack = await a.sock.next("ack");
    expect(ack.seq).toEqual(expect.any(Number));
    const m = await b.sock.next("message");
    expect(m).toMatchObject({ seq: ack.seq, data: null, from: { id: "ann" } });
    expect(m.id ?? null).toBeNull();
    await shutdown(a, b);
  });

  it("dedupes by (user, id): same user repeats → original seq, duplicate:true, not broadcast; other user → new seq", async ({
    expect,
  }) => {
    const room = uniqueRoom();
    const a1 = await as(room, "ann");
    const a2 = await as(room, "ann");
    const b = await as(room, "bob");
    const seq = await publish(a1.sock, "first", "dup");
    expect(await b.sock.next("message")).toMatchObject({ seq, id: "dup", data: "first" });

    a1.sock.send({ type: "publish", data: "again", id: "dup" });
    expect(await a1.sock.next("ack")).toEqual({ type: "ack", id: "dup", seq, duplicate: true });
    // Another tab of the same user counts as the same user.
    a2.sock.send({ type: "publish", data: "again2", id: "dup" });
    expect(await a2.sock.next("ack")).toEqual({ type: "ack", id: "dup", seq, duplicate: true });

    const seqB = await publish(b.sock, "bob's", "dup");
    expect(seqB).toBe(seq + 1);
    // a2 received a1's first message and then bob's: no duplicate broadcast in between.
    expect(await a2.sock.next("message")).toMatchObject({ seq, data: "first" });
    expect(await a2.sock.next("message")).toMatchObject({ seq: seqB, data: "bob's", from: { id: "bob" } });
    expect(await a1.sock.next("message")).toMatchObject({ seq: seqB });
    await shutdown(a1, a2, b);
  });

  it("data round-trips exactly (unicode, nesting, numbers, null, booleans)", async ({ expect }) => {
    const room = uniqueRoom();
    const a = await as(room, "ann");
    const b = await as(room, "bob");
    const data = {
      s: 'héllo 👋 \u0000 \n "q" <b>&amp;</b>',
      n: [0, -1.5, 1e21, 9007199254740991],
      t: true,
      f: false,
      z: null,
      o: { deep: { er: [[]] } },
    };
    a.sock.send({ type: "publish", data, id: "ü-✓" });
    expect(await a.sock.next("ack")).toMatchObject({ id: "ü-✓" });
    expect(await b.sock.next("message")).toMatchObject({ id: "ü-✓", data });
    await shutdown(a, b);
  });

  it(`an id is a duplicate only while its message is retained (HISTORY_LIMIT=${HISTORY_LIMIT})`, async ({
    expect,
  }) => {
    const room = uniqueRoom();
    const a = await as(room, "ann");
    const first = await publish(a.sock, "old", "old-id");
    for (let i = 0; i < HISTORY_LIMIT; i++) await publish(a.sock, i);
    a.sock.send({ type: "publish", data: "old again", id: "old-id" });
    const ack = await a.sock.next("ack");
    // The contract's wording: duplicates are detected "in the retained history".
    expect(ack, "id no longer in retained history should be a new message").toEqual({
      type: "ack",
      id: "old-id",
      seq: first + HISTORY_LIMIT + 1,
    });
    await shutdown(a);
  });

  it("concurrent publishers get unique, gap-free seqs, seen by everyone in seq order", async ({ expect }) => {
    const room = uniqueRoom();
    const a = await as(room, "ann");
    const b = await as(room, "bob");
    const o = await as(room, "obs");
    const n = 10;
    for (let i = 0; i < n; i++) {
      a.sock.send({ type: "publish", data: `a${i}` });
      b.sock.send({ type: "publish", data: `b${i}` });
    }
    const acks: number[] = [];
    for (let i = 0; i < n; i++) acks.push((await a.sock.next("ack")).seq, (await b.sock.next("ack")).seq);
    const sorted = [...acks].sort((x, y) => x - y);
    const start = o.welcome.seq + 1;
    expect(sorted).toEqual(Array.from({ length: 2 * n }, (_, i) => start + i));
    const seen: number[] = [];
    for (let i = 0; i < 2 * n; i++) seen.push((await o.sock.next("message")).seq);
    expect(seen).toEqual(sorted);
    await shutdown(a, b, o);
  });

  it("the same id sent from two tabs at once is stored once", async ({ expect }) => {
    const room = uniqueRoom();
    const t1 = await as(room, "ann");
    const t2 = await as(room, "ann");
    const o = await as(room, "obs");
    t1.sock.send({ type: "publish", data: 1, id: "race" });
    t2.sock.send({ type: "publish", data: 2, id: "race" });
    const [x, y] = [await t1.sock.next("ack"), await t2.sock.next("ack")];
    expect(x.seq).toBe(y.seq);
    expect([x.duplicate ?? false, y.duplicate ?? false].sort()).toEqual([false, true]);
    expect(await o.sock.next("message")).toMatchObject({ seq: x.seq, id: "race" });
    const seq = await publish(t1.sock, "sentinel");
    expect(seq).toBe(x.seq + 1);
    // Only one "race" message was broadcast: the observer's next one is the sentinel.
    expect(await o.sock.next("message")).toMatchObject({ seq, data: "sentinel" });
    await shutdown(t1, t2, o);
  });

  it("a read-only user's publish is refused with error forbidden and not broadcast", async ({ expect }) => {
    const room = uniqueRoom();
    const r = await as(room, "reader", { readOnly: true });
    const w = await as(room, "writer");
    r.sock.send({ type: "publish", data: "nope", id: "ro1" });
    const err = await r.sock.next("error");
    expect(err).toMatchObject({ type: "error", code: "forbidden", message: expect.any(String) });
    expect(err.id, "error frame should echo the refused frame's id").toBe("ro1");
    const seq = await publish(w.sock, "sentinel");
    expect(seq).toBe(w.welcome.seq + 1);
    expect(await r.sock.next("message")).toMatchObject({ seq, data: "sentinel" });
    await r.sock.ping();
    await shutdown(r, w);
  });
});

describe("direct", () => {
  it("reaches every tab of the user and nobody else", async ({ expect }) => {
    const room = uniqueRoom();
    const a1 = await as(room, "ann");
    const a2 = await as(room, "ann");
    const b = await as(room, "bob", { name: "Bob" });
    const c = await as(room, "cid");
    b.sock.send({ type: "direct", to: "ann", data: { secret: 1 }, id: "d1" });
    for (const a of [a1, a2]) {
      const d = await a.sock.next("direct");
      expect(d).toEqual({
        type: "direct",
        from: { id: "bob", name: "Bob" },
        data: { secret: 1 },
        ts: expect.any(Number),
        id: "d1",
      });
    }
    // c and b saw no direct: their next direct is the sentinel.
    a1.sock.send({ type: "direct", to: "cid", data: "to-c" });
    expect(await c.sock.next("direct")).toMatchObject({ from: { id: "ann" }, data: "to-c" });
    a1.sock.send({ type: "direct", to: "bob", data: "to-b" });
    expect(await b.sock.next("direct")).toMatchObject({ from: { id: "ann" }, data: "to-b" });
    await shutdown(a1, a2, b, c);
  });

  it("to a user not in the room → error no_such_user", async ({ expect }) => {
    const room = uniqueRoom();
    const a = await as(room, "ann");
    a.sock.send({ type: "direct", to: "nobody", data: 1, id: "d2" });
    const err = await a.sock.next("error");
    expect(err).toMatchObject({ type: "error", code: "no_such_user", message: expect.any(String) });
    expect(err.id, "error frame should echo the refused frame's id").toBe("d2");
    await a.sock.ping();
    await shutdown(a);
  });

  it("from a read-only user → error forbidden", async ({ expect }) => {
    const room = uniqueRoom();
    const r = await as(room, "reader", { readOnly: true });
    const b = await as(room, "bob");
    r.sock.send({ type: "direct", to: "bob", data: 1 });
    expect(await r.sock.next("error")).toMatchObject({ code: "forbidden" });
    await shutdown(r, b);
  });

  it("is not stored: a resuming client does not get it", async ({ expect }) => {
    const room = uniqueRoom();
    const a = await as(room, "ann");
    const b = await as(room, "bob");
    a.sock.send({ type: "direct", to: "bob", data: "private" });
    await b.sock.next("direct");
    const seq = await publish(a.sock, "public");
    const r = await as(room, "bob", { since: a.welcome.seq, epoch: a.welcome.epoch });
    expect(r.synced).toMatchObject({ seq, replayed: 1, gap: false });
    expect(await r.sock.next("message")).toMatchObject({ seq, data: "public" });
    await shutdown(a, b, r);
  });
});

describe("binary", () => {
  it("is relayed as-is to every other socket, not to the sender", async ({ expect }) => {
    const room = uniqueRoom();
    const a = await as(room, "ann");
    const a2 = await as(room, "ann");
    const b = await as(room, "bob");
    const bytes = Buffer.from([0, 1, 2, 127, 128, 255, 0x7b, 0x7d]);
    a.sock.sendRaw(bytes);
    expect(Buffer.compare(await b.sock.nextBinary(), bytes)).toBe(0);
    expect(Buffer.compare(await a2.sock.nextBinary(), bytes)).toBe(0);
    const sentinel = Buffer.from([9, 9, 9]);
    b.sock.sendRaw(sentinel);
    expect(Buffer.compare(await a.sock.nextBinary(), sentinel)).toBe(0);
    await shutdown(a, a2, b);
  });

  it("from a read-only user → error forbidden, not relayed", async ({ expect }) => {
    const room = uniqueRoom();
    const r = await as(room, "reader", { readOnly: true });
    const b = await as(room, "bob");
    r.sock.sendRaw(Buffer.from([1, 2, 3]));
    expect(await r.sock.next("error")).toMatchObject({ code: "forbidden" });
    const w = await as(room, "writer");
    w.sock.sendRaw(Buffer.from([4]));
    expect([...(await b.sock.nextBinary())]).toEqual([4]);
    // Read-only users still receive binary.
    expect([...(await r.sock.nextBinary())]).toEqual([4]);
    await shutdown(r, b, w);
  });
});

describe("presence", () => {
  it("join/leave per user, not per tab; members = distinct users", async ({ expect }) => {
    const room = uniqueRoom();
    const o = await as(room, "obs");
    const a1 = await as(room, "ann", { name: "Ann" });
    expect(await o.sock.next("presence")).toEqual({
      type: "presence",
      event: "join",
      user: { id: "ann", name: "Ann" },
      members: 2,
    });
    const a2 = await as(room, "ann", { name: "Ann" });
    expect(a2.welcome.members.find((m) => m.id === "ann")).toEqual({
      id: "ann",
      name: "Ann",
      connections: 2,
      state: null,
    });
    const c = await as(room, "cid");
    // No join for ann's second tab: the next presence is cid's join.
    expect(await o.sock.next("presence")).toEqual({
      type: "presence",
      event: "join",
      user: { id: "cid", name: null },
      members: 3,
    });
    // ann's first tab sees cid join too, but not its own second tab.
    expect(await a1.sock.next("presence")).toMatchObject({ event: "join", user: { id: "cid" } });

    await a1.sock.shutdown();
    await c.sock.shutdown();
    // No leave for ann's first tab: the next presence is cid's leave.
    expect(await o.sock.next("presence")).toEqual({
      type: "presence",
      event: "leave",
      user: { id: "cid", name: null },
      members: 2,
    });
    await a2.sock.shutdown();
    expect(await o.sock.next("presence")).toEqual({
      type: "presence",
      event: "leave",
      user: { id: "ann", name: "Ann" },
      members: 1,
    });
    await shutdown(o);
  });
});

describe("resume", () => {
  it("since + epoch replays retained messages in order, then synced {replayed, gap:false}", async ({
    expect,
  }) => {
    const room = uniqueRoom();
    const a = await as(room, "ann");
    const s1 = await publish(a.sock, 1, "r1");
    const s2 = await publish(a.sock, 2, "r2");
    const s3 = await publish(a.sock, 3);
    const r = await as(room, "bob", { since: s1, epoch: a.welcome.epoch });
    expect(r.synced).toEqual({ type: "synced", seq: s3, replayed: 2, gap: false, more: false });
    expect(await r.sock.next("message")).toMatchObject({ seq: s2, id: "r2", data: 2, from: { id: "ann" } });
    expect(await r.sock.next("message")).toMatchObject({ seq: s3, data: 3 });
    await shutdown(a, r);
  });

  it("replayed messages arrive between welcome and synced", async ({ expect }) => {
    const room = uniqueRoom();
    const a = await as(room, "ann");
    const s1 = await publish(a.sock, "x");
    const sock = await TestSocket.open(server.url, room, {
      token: await tokenFor("bob", rw(room)),
      since: s1 - 1,
      epoch: a.welcome.epoch,
    });
    const order: string[] = [];
    for (let i = 0; i < 3; i++) {
      const f = await sock.nextAny();
      order.push(f.kind === "json" ? f.type : f.kind);
    }
    expect(order).toEqual(["welcome", "message", "synced"]);
    await sock.shutdown();
    await shutdown(a);
  });

  it("since = current seq → replayed 0, gap false", async ({ expect }) => {
    const room = uniqueRoom();
    const a = await as(room, "ann");
    const s = await publish(a.sock, "x");
    const r = await as(room, "bob", { since: s, epoch: a.welcome.epoch });
    expect(r.synced).toEqual({ type: "synced", seq: s, replayed: 0, gap: false, more: false });
    await shutdown(a, r);
  });

  it(`history trimmed to HISTORY_LIMIT=${HISTORY_LIMIT} → gap:true, the retained tail replayed`, async ({
    expect,
  }) => {
    const room = uniqueRoom();
    const a = await as(room, "ann");
    const seqs: number[] = [];
    for (let i = 0; i < HISTORY_LIMIT + 3; i++) seqs.push(await publish(a.sock, i));
    const last = seqs[seqs.length - 1] ?? -1;
    const oldestRetained = last - HISTORY_LIMIT + 1;
    // Missed oldestRetained-2 and oldestRetained-1, which are gone.
    const gapped = await as(room, "bob", { since: oldestRetained - 2, epoch: a.welcome.epoch });
    expect(gapped.synced).toEqual({
      type: "synced",
      seq: last,
      replayed: HISTORY_LIMIT,
      gap: true,
      more: false,
    });
    for (let s = oldestRetained; s <= last; s++)
      expect(await gapped.sock.next("message")).toMatchObject({ seq: s });
    // Missed exactly the retained ones: no gap.
    const whole = await as(room, "cid", { since: oldestRetained - 1, epoch: a.welcome.epoch });
    expect(whole.synced).toEqual({
      type: "synced",
      seq: last,
      replayed: HISTORY_LIMIT,
      gap: false,
      more: false,
    });
    await shutdown(a, gapped, whole);
  });

  it("a wrong epoch → nothing replayed, gap:true", async ({ expect }) => {
    const room = uniqueRoom();
    const a = await as(room, "ann");
    const s = await publish(a.sock, "x");
    const r = await as(room, "bob", { since: 0, epoch: "not-the-epoch" });
    expect(r.synced).toEqual({ type: "synced", seq: s, replayed: 0, gap: true, more: false });
    await publish(a.sock, "live");
    expect(await r.sock.next("message")).toMatchObject({ seq: s + 1, data: "live" });
    await shutdown(a, r);
  });

  it("since greater than the room's seq → nothing replayed, gap:true", async ({ expect }) => {
    const room = uniqueRoom();
    const a = await as(room, "ann");
    const s = await publish(a.sock, "x");
    const r = await as(room, "bob", { since: s + 10, epoch: a.welcome.epoch });
    expect(r.synced).toEqual({ type: "synced", seq: s, replayed: 0, gap: true, more: false });
    await shutdown(a, r);
  });

  it.each([
    ["since without epoch", { since: "0" }],
    ["since not a number", { since: "abc", epoch: "e" }],
    ["negative since", { since: "-1", epoch: "e" }],
    ["fractional since", { since: "1.5", epoch: "e" }],
    ["empty since", { since: "", epoch: "e" }],
  ])("%s → 400 bad_request", async (_what, q) => {
    const room = uniqueRoom();
    await expectRefused(
      server.url,
      room,
      { token: await tokenFor("ann", rw(room)), ...q },
      400,
      "bad_request",
    );
  });
});

describe("bad frames", () => {
  const bad: Array<[string, string]> = [
    ["not JSON", "hello there"],
    ["a JSON array", "[1,2]"],
    ["a JSON string", '"publish"'],
    ["no type", JSON.stringify({ data: 1 })],
    ["unknown type", JSON.stringify({ type: "nope", data: 1 })],
    ["publish with numeric id", JSON.stringify({ type: "publish", data: 1, id: 5 })],
    ["publish with id over 64 chars", JSON.stringify({ type: "publish", data: 1, id: "i".repeat(65) })],
    ["direct with numeric to", JSON.stringify({ type: "direct", to: 5, data: 1 })],
    ["direct without to", JSON.stringify({ type: "direct", data: 1 })],
    ["type not a string", JSON.stringify({ type: 1, data: 1 })],
    ["ping with trailing space", "ping "],
  ];

  it.for(bad)("%s → error bad_message, the socket stays open", async ([, frame], { expect }) => {
    const room = uniqueRoom();
    const a = await as(room, "ann");
    const b = await as(room, "bob");
    a.sock.sendRaw(frame);
    expect(await a.sock.next("error")).toMatchObject({
      type: "error",
      code: "bad_message",
      message: expect.any(String),
    });
    await a.sock.ping();
    const seq = await publish(a.sock, "still works");
    // Nothing from the bad frame reached bob: his next message is the good one.
    expect(await b.sock.next("message")).toMatchObject({ seq, data: "still works" });
    expect(a.sock.isOpen).toBe(true);
    await shutdown(a, b);
  });

  it("an id of exactly 64 chars is accepted", async ({ expect }) => {
    const room = uniqueRoom();
    const a = await as(room, "ann");
    a.sock.send({ type: "publish", data: 1, id: "i".repeat(64) });
    expect(await a.sock.next("ack")).toMatchObject({ id: "i".repeat(64) });
    await shutdown(a);
  });
});

describe("keepalive and close", () => {
  it("ping → pong", async ({ expect }) => {
    const room = uniqueRoom();
    const a = await as(room, "ann");
    a.sock.sendRaw("ping");
    expect(await a.sock.nextText()).toBe("pong");
    await shutdown(a);
  });

  it.for([1000, 1001, 3000, 4000, 4999])(
    "a client close with %i is echoed promptly",
    async (code, { expect }) => {
      const room = uniqueRoom();
      const a = await as(room, "ann");
      a.sock.close(code, "bye");
      const c = await a.sock.closed(2000);
      expect(c.code).toBe(code);
    },
  );

  it.for([999, 1004, 1005, 1006, 1015, 2999, 5000])(
    "a hostile close code %i is answered promptly and leaves no ghost member",
    async (code, { expect }) => {
      const room = uniqueRoom();
      const o = await as(room, "obs");
      const h = await as(room, "hostile");
      expect(await o.sock.next("presence")).toMatchObject({ event: "join", user: { id: "hostile" } });
      h.sock.sendRawClose(code);
      const c = await h.sock.closed(3000);
      expect(await o.sock.next("presence", 3000)).toEqual({
        type: "presence",
        event: "leave",
        user: { id: "hostile", name: null },
        members: 1,
      });
      // 1005/1006/1015 must never be on the wire, but the runtime reports them like "no code" or "abnormal",
      // and a code that cannot be sent back is answered with 1000; codes that are invalid outright get 1002
      // (RFC 6455 §7.4.1).
      const expected = [1005, 1006, 1015].includes(code) ? [1000, 1002] : [1002];
      expect(expected, `client saw ${c.code} "${c.reason}"`).toContain(c.code);
      await shutdown(o);
    },
  );

  it("a client that just drops the TCP connection leaves the room", async ({ expect }) => {
    const room = uniqueRoom();
    const o = await as(room, "obs");
    const d = await as(room, "dropper", { name: "Drop" });
    expect(await o.sock.next("presence")).toMatchObject({ event: "join", user: { id: "dropper" } });
    d.sock.ws.terminate();
    expect(await o.sock.next("presence", 5000)).toEqual({
      type: "presence",
      event: "leave",
      user: { id: "dropper", name: "Drop" },
      members: 1,
    });
    await shutdown(o);
  });

  it("a close without a code is answered (client sees 1005 or 1000) promptly", async ({ expect }) => {
    const room = uniqueRoom();
    const a = await as(room, "ann");
    a.sock.ws.close();
    const c = await a.sock.closed(2000);
    expect([1000, 1005]).toContain(c.code);
  });
});

describe("origin (ALLOWED_ORIGINS unset: same origin only)", () => {
  it("accepts the server's own origin, refuses another", async ({ expect }) => {
    const room = uniqueRoom();
    const t = await tokenFor("ann", rw(room));
    const a = await join(server.url, room, { token: t, origin: server.url });
    expect(a.welcome.room).toBe(room);
    await a.sock.shutdown();
    await expectRefused(
      server.url,
      room,
      { token: t, origin: "https://evil.example" },
      403,
      "origin_not_allowed",
    );
  });
});
