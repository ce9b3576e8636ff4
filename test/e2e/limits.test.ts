// Black-box: limits with small settings (size → 1009, flood → 4429, room full → 503, idle → 4408,
// token expiry → 4401) with real `ws` clients against `wrangler dev`.
import { describe, it } from "vitest";
import { uniqueRoom } from "../support/names.ts";
import { nowSeconds, signClaims, tokenFor } from "../support/tokens.ts";
import { expectRefused, type Joined, join, keepAlive } from "./support/rooms.ts";
import { useDevServer } from "./support/use-dev-server.ts";

const IDLE_SECONDS = 3;
const RATE = 5;
const MAX_CONNECTIONS = 3;
const MAX_BYTES = 1024;

const server = useDevServer({
  vars: {
    IDLE_TIMEOUT_SECONDS: String(IDLE_SECONDS),
    RATE_PER_SECOND: String(RATE),
    HISTORY_LIMIT: "5",
    MAX_CONNECTIONS_PER_ROOM: String(MAX_CONNECTIONS),
    MAX_MESSAGE_BYTES: String(MAX_BYTES),
    ALLOWED_ORIGINS: "https://good.example",
  },
});

const rw = (room: string) => ({ [room]: ["read", "write"] });
const as = async (room: string, user: string): Promise<Joined> =>
  join(server.url, room, { token: await tokenFor(user, rw(room)), label: user });

/** A publish frame whose UTF-8 length is exactly `bytes`, padded with 2-byte characters. */
function publishOfBytes(bytes: number): string {
  const base = Buffer.byteLength(JSON.stringify({ type: "publish", data: "" }));
  const need = bytes - base;
  const pad = "é".repeat(Math.floor(need / 2)) + "a".repeat(need % 2);
  const frame = JSON.stringify({ type: "publish", data: pad });
  if (Buffer.byteLength(frame) !== bytes) throw new Error("bad padding");
  return frame;
}

describe("settings reach the client", () => {
  it("welcome.limits reflects the vars", async ({ expect }) => {
    const a = await as(uniqueRoom(), "ann");
    expect(a.welcome.limits).toEqual({
      maxMessageBytes: MAX_BYTES,
      idleTimeoutSeconds: IDLE_SECONDS,
      ratePerSecond: RATE,
    });
    await a.sock.shutdown();
  });
});

describe("MAX_MESSAGE_BYTES", () => {
  it("a text frame of exactly the limit (UTF-8 bytes) is accepted", async ({ expect }) => {
    const a = await as(uniqueRoom(), "ann");
    a.sock.sendRaw(publishOfBytes(MAX_BYTES));
    expect(await a.sock.next("ack")).toMatchObject({ seq: expect.any(Number) });
    await a.sock.shutdown();
  });

  it("a text frame one UTF-8 byte over (fewer JS chars than the limit) → close 1009", async ({ expect }) => {
    const room = uniqueRoom();
    const a = await as(room, "ann");
    const b = await as(room, "bob");
    const frame = publishOfBytes(MAX_BYTES + 1);
    expect(frame.length).toBeLessThan(MAX_BYTES);
    a.sock.sendRaw(frame);
    expect((await a.sock.closed()).code).toBe(1009);
    await b.sock.ping();
    await b.sock.shutdown();
  });

  it("a compressible text frame is measured after decompression → close 1009", async ({ expect }) => {
    const a = await as(uniqueRoom(), "ann");
    a.sock.sendRaw(JSON.stringify({ type: "publish", data: "a".repeat(MAX_BYTES * 4) }));
    expect((await a.sock.closed()).code).toBe(1009);
  });

  it("a binary frame of exactly the limit is relayed; one byte over → close 1009", async ({ expect }) => {
    const room = uniqueRoom();
    const a = await as(room, "ann");
    const b = await as(room, "bob");
    const ok = Buffer.alloc(MAX_BYTES, 7);
    a.sock.sendRaw(ok);
    expect((await b.sock.nextBinary()).length).toBe(MAX_BYTES);
    a.sock.sendRaw(Buffer.alloc(MAX_BYTES + 1, 7));
    expect((await a.sock.closed()).code).toBe(1009);
    await b.sock.shutdown();
  });
});

describe("rate limit", () => {
  it("a flood gets rate_limited errors then close 4429; another socket in the room is unaffected", async ({
    expect,
  }) => {
    const room = uniqueRoom();
    const a = await as(room, "ann");
    const b = await as(room, "bob");
    const sameUser = await as(room, "ann");
    const frames = 8 * RATE;
    for (let i = 0; i < frames; i++) a.sock.send({ type: "publish", data: i, id: `f${i}` });
    const close = await a.sock.closed(5000);
    const got = a.sock.drain();
    const ackedIds = got.flatMap((r) => (r.kind === "json" && r.type === "ack" ? [r.value.id] : []));
    const acks = ackedIds.length;
    const limited = got.filter(
      (r) => r.kind === "json" && r.type === "error" && r.value.code === "rate_limited",
    ).length;
    const summary = `acks=${acks} rate_limited=${limited} close=${close.code}`;
    expect(close.code, summary).toBe(4429);
    // Burst is 2×RATE: at least that many go through before refusals start.
    expect(acks, summary).toBeGreaterThanOrEqual(2 * RATE);
    expect(acks, summary).toBeLessThan(frames);
    expect(limited, summary).toBeGreaterThanOrEqual(1);
    expect(limited, summary).toBeLessThanOrEqual(2 * RATE + 1);
    // bob got exactly the accepted messages, and still works.
    for (const id of ackedIds)
      expect(await b.sock.next("message")).toMatchObject({ from: { id: "ann" }, id });
    await b.sock.ping();
    b.sock.send({ type: "publish", data: "after", id: "b" });
    expect(await b.sock.next("ack")).toMatchObject({ id: "b" });
    // The bucket is per connection: the flooder's other tab still has its full burst.
    for (let i = 0; i < 2 * RATE; i++) sameUser.sock.send({ type: "publish", data: i });
    for (let i = 0; i < 2 * RATE; i++)
      expect(await sameUser.sock.next("ack")).toMatchObject({ seq: expect.any(Number) });
    await b.sock.shutdown();
    await sameUser.sock.shutdown();
  });

  it("bad frames and binary frames cost tokens too: a junk flood ends in 4429", async ({ expect }) => {
    const a = await as(uniqueRoom(), "ann");
    for (let i = 0; i < 4 * RATE; i++) a.sock.sendRaw(`junk ${i}`);
    for (let i = 0; i < 4 * RATE; i++) a.sock.sendRaw(Buffer.from([i]));
    const close = await a.sock.closed(5000);
    const codes = a.sock
      .drain()
      .flatMap((r) => (r.kind === "json" && r.type === "error" ? [String(r.value.code)] : []));
    expect(close.code, `errors: ${codes.join(",")}`).toBe(4429);
    expect(codes).toContain("bad_message");
    expect(codes).toContain("rate_limited");
  });

  it("ping is free: many pings in a row are all answered and cost no tokens", async ({ expect }) => {
    const a = await as(uniqueRoom(), "ann");
    const n = 8 * RATE;
    for (let i = 0; i < n; i++) a.sock.sendRaw("ping");
    for (let i = 0; i < n; i++) expect(await a.sock.nextText()).toBe("pong");
    for (let i = 0; i < 2 * RATE; i++) a.sock.send({ type: "publish", data: i });
    for (let i = 0; i < 2 * RATE; i++)
      expect(await a.sock.next("ack")).toMatchObject({ seq: expect.any(Number) });
    expect(a.sock.drain().filter((r) => r.kind === "json" && r.type === "error")).toEqual([]);
    await a.sock.shutdown();
  });
});

describe("MAX_CONNECTIONS_PER_ROOM", () => {
  it("the socket over the limit → 503 room_full; bad since still wins (400); a freed slot is reusable", async ({
    expect,
  }) => {
    const room = uniqueRoom();
    const socks: Joined[] = [];
    for (let i = 0; i < MAX_CONNECTIONS; i++) socks.push(await as(room, `u${i}`));
    const t = await tokenFor("late", rw(room));
    await expectRefused(server.url, room, { token: t }, 503, "room_full");
    await expectRefused(server.url, room, { token: t, since: "x", epoch: "e" }, 400, "bad_request");
    await expectRefused(server.url, room, { token: "garbage" }, 401, "unauthorized");
    // Other rooms are unaffected.
    const other = await as(uniqueRoom(), "late");
    await other.sock.shutdown();
    const first = socks.shift();
    await first?.sock.shutdown();
    const late = await join(server.url, room, { token: t });
    expect(late.welcome.members).toHaveLength(MAX_CONNECTIONS);
    for (const s of [...socks, late]) await s.sock.shutdown();
  });
});

describe("IDLE_TIMEOUT_SECONDS", () => {
  it("a silent socket is closed with 4408 while one that keeps pinging survives", async ({ expect }) => {
    const room = uniqueRoom();
    const quiet = await as(room, "quiet");
    const lastActivity = Date.now();
    const busy = await as(room, "busy");
    const stop = keepAlive(busy.sock);
    try {
      const c = await quiet.sock.closed((IDLE_SECONDS + 6) * 1000);
      const after = Date.now() - lastActivity;
      expect(c.code, `quiet closed ${after} ms after last activity with ${c.code} "${c.reason}"`).toBe(4408);
      expect(after, `closed ${after} ms after last activity`).toBeGreaterThanOrEqual(
        IDLE_SECONDS * 1000 - 500,
      );
      expect(after, `closed ${after} ms after last activity`).toBeLessThanOrEqual(IDLE_SECONDS * 1000 + 3000);
      // Survives past the time the quiet one was closed.
      expect(busy.sock.isOpen).toBe(true);
      busy.sock.send({ type: "publish", data: "alive", id: "alive" });
      expect(await busy.sock.next("ack")).toMatchObject({ id: "alive" });
    } finally {
      stop();
    }
    // The sweep re-arms while sockets remain: once busy goes quiet it is closed too.
    expect((await busy.sock.closed((IDLE_SECONDS + 6) * 1000)).code).toBe(4408);
  });

  it("a socket closed for idleness leaves the room (presence leave to others)", async ({ expect }) => {
    const room = uniqueRoom();
    const busy = await as(room, "busy");
    const stop = keepAlive(busy.sock);
    try {
      const quiet = await as(room, "quiet");
      expect(await busy.sock.next("presence")).toMatchObject({ event: "join", user: { id: "quiet" } });
      expect((await quiet.sock.closed((IDLE_SECONDS + 6) * 1000)).code).toBe(4408);
      expect(await busy.sock.next("presence", 3000)).toMatchObject({
        event: "leave",
        user: { id: "quiet" },
        members: 1,
      });
    } finally {
      stop();
    }
    await busy.sock.shutdown();
  });
});

describe("token expiry", () => {
  it("closes the socket with 4401 within about a second of exp; others stay", async ({ expect }) => {
    const room = uniqueRoom();
    const exp = nowSeconds() + 3;
    const short = await signClaims({ sub: "short", rooms: rw(room), exp });
    const a = await join(server.url, room, { token: short, label: "short" });
    const b = await as(room, "long");
    const stopA = keepAlive(a.sock);
    const stopB = keepAlive(b.sock);
    try {
      const c = await a.sock.closed(8000);
      const delta = Date.now() - exp * 1000;
      expect(c.code).toBe(4401);
      expect(delta, `closed ${delta} ms after exp`).toBeGreaterThanOrEqual(-250);
      expect(delta, `closed ${delta} ms after exp`).toBeLessThanOrEqual(2000);
      expect(b.sock.isOpen).toBe(true);
      b.sock.send({ type: "publish", data: 1, id: "still" });
      expect(await b.sock.next("ack")).toMatchObject({ id: "still" });
    } finally {
      stopA();
      stopB();
    }
    await b.sock.shutdown();
  });
});
