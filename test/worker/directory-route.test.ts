// GET /rooms: who may list what (admin patterns), paging, parameters, and rooms appearing with their
// first socket and leaving with their last (plain and sharded), through the real directory objects.
import { describe, it } from "vitest";
import { DIRECTORY_OBJECTS, directoryName, FREE_PLAN_SUBREQUESTS } from "../../src/server/directory.ts";
import type { RoomsPage } from "../../src/shared/protocol.ts";
import { call, errorOf, join, token } from "../helpers/runtime.ts";

/** A prefix of this test's own, so rooms of other tests never show up in its pages. */
const prefix = () => `d${crypto.randomUUID().slice(0, 8)}`;

async function rooms(query: string, tok?: string): Promise<Response> {
  const t = tok ?? (await token({ sub: "op", rooms: { "*": ["admin"] } }));
  return call(`/rooms${query}`, { headers: { Authorization: `Bearer ${t}` } });
}

async function page(query: string, tok?: string): Promise<RoomsPage> {
  const res = await rooms(query, tok);
  if (res.status !== 200) throw new Error(`GET /rooms${query}: ${res.status} ${await res.text()}`);
  return (await res.json()) as RoomsPage;
}

/** Polls the listing of `p` until `check` holds (reports are fire-and-forget); rejects after 5 s. */
async function until(p: string, check: (r: RoomsPage) => boolean, tok?: string): Promise<RoomsPage> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const r = await page(`?prefix=${p}`, tok);
    if (check(r)) return r;
    if (Date.now() > deadline) throw new Error(`listing of ${p} never matched: ${JSON.stringify(r)}`);
    await scheduler.wait(50);
  }
}

describe("GET /rooms", () => {
  it("lists a room while it has sockets, with its counts, and drops it after the last leaves", async ({
    expect,
  }) => {
    const p = prefix();
    const room = `${p}-lobby`;
    const before = Date.now();
    const ann = await join(room, { token: await token({ sub: "ann" }) });
    const listed = await until(p, (r) => r.rooms.length === 1);
    expect(listed.next).toBeNull();
    expect(listed.rooms[0]).toMatchObject({ room, sockets: 1, users: 1, seq: 0, sharded: false });
    expect(listed.rooms[0]?.reportedAt).toBeGreaterThanOrEqual(before);
    expect(listed.rooms[0]?.lastActivity).toBeGreaterThanOrEqual(before);
    ann.socket.close();
    await ann.socket.waitClose();
    await until(p, (r) => r.rooms.length === 0);
  });

  it("lists a sharded room once, counted over its shards", async ({ expect }) => {
    const p = prefix();
    const room = `shard-${p}`;
    const a = await join(room, { token: await token({ sub: "u1" }) });
    const b = await join(room, { token: await token({ sub: "u2" }) });
    const r = await until(`shard-${p}`, (x) => x.rooms.length === 1);
    expect(r.rooms[0]).toMatchObject({ room, sharded: true });
    expect(r.rooms[0]?.sockets).toBeGreaterThanOrEqual(1);
    for (const s of [a, b]) s.socket.close();
    await Promise.all([a.socket.waitClose(), b.socket.waitClose()]);
    await until(`shard-${p}`, (x) => x.rooms.length === 0);
  });

  it("asks every directory object, and no more than a Workers Free request may call", async ({ expect }) => {
    // A page calls each directory object once; the gate's two Rate Limiting calls come on top.
    expect(DIRECTORY_OBJECTS + 2).toBeLessThanOrEqual(FREE_PLAN_SUBREQUESTS);
    // One room in each object: all of them are listed.
    const p = prefix();
    const byObject = new Map<string, string>();
    for (let i = 0; byObject.size < DIRECTORY_OBJECTS && i < 10_000; i++) {
      const room = `${p}-${i}`;
      if (!byObject.has(directoryName(room))) byObject.set(directoryName(room), room);
    }
    expect(byObject.size).toBe(DIRECTORY_OBJECTS);
    const sockets = await Promise.all(
      [...byObject.values()].map(async (room) => join(room, { token: await token({ sub: "ann" }) })),
    );
    const listed = await until(p, (r) => r.rooms.length === DIRECTORY_OBJECTS);
    expect(listed.rooms.map((r) => r.room).sort()).toEqual([...byObject.values()].sort());
    for (const s of sockets) s.socket.close();
    await Promise.all(sockets.map((s) => s.socket.waitClose()));
  });

  it("pages in name order with limit and after, and filters by prefix", async ({ expect }) => {
    const p = prefix();
    const names = ["c", "a", "e", "b", "d"].map((n) => `${p}-${n}`);
    const joined = await Promise.all(names.map((n) => join(n)));
    await until(p, (r) => r.rooms.length === 5);
    const first = await page(`?prefix=${p}&limit=2`);
    expect(first.rooms.map((r) => r.room)).toEqual([`${p}-a`, `${p}-b`]);
    expect(first.next).toBe(`${p}-b`);
    const second = await page(`?prefix=${p}&limit=2&after=${first.next}`);
    expect(second.rooms.map((r) => r.room)).toEqual([`${p}-c`, `${p}-d`]);
    const third = await page(`?prefix=${p}&limit=2&after=${second.next}`);
    expect(third.rooms.map((r) => r.room)).toEqual([`${p}-e`]);
    expect(third.next).toBeNull();
    expect((await page(`?prefix=${p}-d`)).rooms.map((r) => r.room)).toEqual([`${p}-d`]);
    for (const j of joined) j.socket.close();
  });

  it("lists only the rooms an admin pattern covers", async ({ expect }) => {
    const p = prefix();
    const joined = await Promise.all([`${p}-eu-1`, `${p}-eu-2`, `${p}-us-1`].map((n) => join(n)));
    await until(p, (r) => r.rooms.length === 3);
    const eu = await token({
      sub: "op",
      rooms: { [`${p}-eu-*`]: ["admin"], [`${p}-us-*`]: ["read", "write"] },
    });
    expect((await page(`?prefix=${p}`, eu)).rooms.map((r) => r.room)).toEqual([`${p}-eu-1`, `${p}-eu-2`]);
    const one = await token({ sub: "op", rooms: { [`${p}-us-1`]: ["admin"] } });
    expect((await page(`?prefix=${p}`, one)).rooms.map((r) => r.room)).toEqual([`${p}-us-1`]);
    for (const j of joined) j.socket.close();
  });

  it("refuses a token without any admin pattern, and no token at all", async ({ expect }) => {
    const reader = await token({ sub: "ann", rooms: { "*": ["read", "write"] } });
    expect(await errorOf(await rooms("", reader))).toMatchObject({ status: 403, code: "forbidden" });
    expect(await errorOf(await call("/rooms"))).toMatchObject({ status: 401, code: "unauthorized" });
  });

  it("answers 400 bad_request for bad parameters", async ({ expect }) => {
    for (const q of [
      "?limit=0",
      "?limit=501",
      "?limit=x",
      "?limit=1.5",
      "?after=a%20b",
      "?prefix=",
      "?prefix=%2A",
    ]) {
      const e = await errorOf(await rooms(q));
      expect(e, q).toMatchObject({ status: 400, code: "bad_request" });
    }
    expect((await rooms("?limit=500")).status).toBe(200);
  });

  it("answers CORS preflights for allowed origins", async ({ expect }) => {
    const res = await call("/rooms", {
      method: "OPTIONS",
      headers: { Origin: "https://app.example", "Access-Control-Request-Method": "GET" },
    });
    expect(res.headers.get("access-control-allow-origin")).toBe("https://app.example");
  });
});
