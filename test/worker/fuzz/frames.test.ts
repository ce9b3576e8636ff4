// Fuzz: every client frame type over a real socket (random JSON, random bytes, truncated UTF-8, huge
// numbers, deep nesting, right-shaped frames with wrong-typed fields), on a plain and a sharded room.
// The property: the fuzzing socket only ever gets frames of the contract (refusals as error frames with
// a contract code) or a documented close (1009 too large, 4429 flooding), never 1011 or a dropped
// socket; and a canary user in the same room keeps publishing and receiving throughout.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import fc from "fast-check";
import { describe, type ExpectStatic, it } from "vitest";
import { isSharded, parseSharding, shardName } from "../../../src/server/sharding.ts";
import { FRAME_ERROR_CODES } from "../../../src/shared/protocol.ts";
import { join, type TestSocket, token, uniqueRoom } from "../../helpers/runtime.ts";
import { anyValue, fuzz, fuzzTimeout, nested } from "./fuzz.ts";

const RUNS = 150;
/** Time budget per case (a sharded room's took about 60 ms on a loaded 2-core machine). */
const MS_PER_CASE = 300;
/** MAX_MESSAGE_BYTES in vitest.config.ts: larger frames close with 1009. */
const MAX_MESSAGE_BYTES = 4096;
/** Cases per fuzzing socket: its rate bucket (burst 40) holds 8 cases of up to 4 frames each. */
const CASES_PER_SOCKET = 8;

/** Closes the contract documents for hostile input. */
const DOCUMENTED_CLOSES = [1009, 4429];
const SERVER_FRAME_TYPES = [
  "welcome",
  "synced",
  "ack",
  "message",
  "batch",
  "direct",
  "presence",
  "signal",
  "refreshed",
  "error",
  "mark",
  "binary",
  "pong",
];

type Frame = Awaited<ReturnType<TestSocket["next"]>>;
type Outgoing = string | ArrayBuffer;

const enc = new TextEncoder();
const json = (v: unknown): string => JSON.stringify(v) ?? "null";
const bytes = (u: Uint8Array): ArrayBuffer => u.slice().buffer;

const frameType = fc.constantFrom("publish", "direct", "signal", "state", "refresh", "read");
const huge = fc.constantFrom(
  "1e400",
  "-1e400",
  "123456789012345678901234567890123",
  "5e-400",
  "-0",
  "1E+308",
);

/** One hostile frame. */
const hostile: fc.Arbitrary<Outgoing> = fc.oneof(
  { depthSize: "small" },
  // Right shape, wrong-typed fields.
  fc
    .record(
      { type: frameType, data: anyValue, id: anyValue, to: anyValue, token: anyValue },
      { requiredKeys: ["type"] },
    )
    .map(json),
  // Right shape, plausible fields.
  fc
    .oneof(
      fc.record({
        type: fc.constant("publish"),
        data: fc.json().map((j) => JSON.parse(j)),
        id: fc.string({ minLength: 1, maxLength: 64 }),
      }),
      fc.record({
        type: fc.constant("direct"),
        to: fc.constantFrom("canary", "nobody", ""),
        data: fc.integer(),
      }),
      fc.record({
        type: fc.constant("signal"),
        data: fc.string({ maxLength: 100 }),
        to: fc.constantFrom("canary", "nobody"),
      }),
      fc.record({ type: fc.constant("state"), data: fc.oneof(fc.string({ maxLength: 1100 }), fc.integer()) }),
      fc.record({ type: fc.constant("refresh"), token: fc.oneof(fc.string(), fc.constantFrom("a.b.c", "")) }),
      fc.record({ type: fc.constant("read"), n: fc.oneof(fc.integer(), fc.double(), fc.string()) }),
    )
    .map(json),
  // Huge numbers spliced in as raw JSON text.
  fc.tuple(frameType, huge).map(([t, n]) => `{"type":"${t}","data":${n},"id":${n},"to":${n},"token":${n}}`),
  // Deep nesting (up to the size limit).
  fc.tuple(frameType, fc.integer({ min: 1, max: 1500 })).map(([t, n]) => json({ type: t, data: nested(n) })),
  // Any JSON, any text, the keepalive, lone surrogates (sent as U+FFFD).
  fc.json({ maxDepth: 3 }),
  fc.string({ maxLength: 200 }),
  fc.constantFrom(
    "ping",
    "pong",
    "",
    "{",
    '{"type":"publish"',
    '{"type":null}',
    "\ud800",
    '{"type":"publish","data":"\udfff"}',
  ),
  // Random bytes and truncated UTF-8, as binary frames (text frames from this API are always valid UTF-8).
  fc.uint8Array({ maxLength: 300 }).map(bytes),
  fc.string({ minLength: 1, maxLength: 50, unit: "grapheme" }).map((s) => {
    const b = enc.encode(json({ type: "publish", data: s }));
    return bytes(b.subarray(0, b.length - 1));
  }),
  // Over MAX_MESSAGE_BYTES: closes with 1009 (rarely, or the run would mostly reconnect).
  fc
    .integer({ min: MAX_MESSAGE_BYTES + 1, max: MAX_MESSAGE_BYTES + 500 })
    .map((n) => json({ type: "publish", data: "x".repeat(n) })),
);

/** Frames until one matches `done`, or the socket closes; rejects after `ms`. */
async function until(
  s: TestSocket,
  done: (f: Frame) => boolean,
  ms: number,
  what: string,
): Promise<{ frames: Frame[]; closed: { code: number; reason: string } | null }> {
  const deadline = Date.now() + ms;
  const frames: Frame[] = [];
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`${what}: nothing within ${ms} ms; got ${json(frames).slice(0, 500)}`);
    const r = await Promise.race([
      s.next(left).then(
        (f) => ({ f }),
        () => ({ timeout: true as const }),
      ),
      s.closed.then((c) => ({ c })),
    ]);
    if ("c" in r) return { frames: [...frames, ...s.pending()], closed: r.c };
    if ("timeout" in r) continue;
    frames.push(r.f);
    if (done(r.f)) return { frames, closed: null };
  }
}

const HANDLERS = ["webSocketMessage", "webSocketClose", "webSocketError"] as const;

/**
 * Records every exception a socket handler of the room's objects throws (and rethrows it, so the
 * runtime sees what it would have): the runtime only logs them, the client sees nothing. The real
 * object keeps running; its handlers are wrapped for this test (the objects are not evicted during it).
 */
async function recordThrows(room: string, thrown: string[]): Promise<void> {
  const sharding = parseSharding({ SHARDED_ROOMS: env.SHARDED_ROOMS, ROOM_SHARDS: env.ROOM_SHARDS });
  const stubs: DurableObjectStub[] = isSharded(sharding, room)
    ? Array.from({ length: sharding.roomShards }, (_, i) => env.SHARDS.getByName(shardName(room, i)))
    : [env.ROOMS.getByName(room)];
  for (const stub of stubs) {
    await runInDurableObject(stub, (obj: object) => {
      const target = obj as Record<string, unknown>;
      for (const name of HANDLERS) {
        const original = target[name];
        if (typeof original !== "function") continue;
        target[name] = async (...args: unknown[]) => {
          try {
            return await original.apply(obj, args);
          } catch (err) {
            thrown.push(`${name}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
            throw err;
          }
        };
      }
    });
  }
}

function checkFrame(expect: ExpectStatic, f: Frame, seen: string): void {
  expect(SERVER_FRAME_TYPES, seen).toContain(f.type);
  if (f.type === "error") expect(FRAME_ERROR_CODES, seen).toContain(f.code);
}

async function fuzzRoom(room: string, expect: ExpectStatic): Promise<void> {
  const thrown: string[] = [];
  await recordThrows(room, thrown);
  const canary = await join(room, { token: await token({ sub: "canary" }) });
  let fuzzer: TestSocket | null = null;
  let used = 0;
  let sockets = 0;
  let n = 0;
  const closes: Record<number, number> = {};
  let acked = 0;

  const fresh = async (): Promise<TestSocket> => {
    if (fuzzer !== null) {
      fuzzer.close();
      await fuzzer.waitClose();
    }
    sockets++;
    const j = await join(room, { token: await token({ sub: `fuzzer-${sockets}` }) });
    fuzzer = j.socket;
    used = 0;
    return fuzzer;
  };

  await fuzz(
    `client frames (${room.split("-")[0]} room)`,
    RUNS,
    fc.array(hostile, { minLength: 1, maxLength: 3 }),
    async (frames) => {
      const threwBefore = thrown.length;
      const s = fuzzer !== null && used < CASES_PER_SOCKET ? fuzzer : await fresh();
      used++;
      const id = `sentinel-${++n}`;
      const seen = `case ${n}: ${frames.map((f) => (typeof f === "string" ? f.slice(0, 200) : `<${f.byteLength} bytes>`)).join(" | ")}`;
      for (const f of frames) s.send(f);
      // A publish after the hostile frames: the room handles a socket's frames in order, so its ack
      // (or its refusal) comes after every answer to them, unless the room closed the socket.
      s.send({ type: "publish", data: "sentinel", id });
      const out = await until(
        s,
        (f) => (f.type === "ack" || f.type === "error") && f.id === id,
        5000,
        `fuzzer ${seen}`,
      );
      for (const f of out.frames) checkFrame(expect, f, `${seen} → ${json(f)}`);
      expect(thrown.slice(threwBefore), `${seen}: the room threw`).toEqual([]);
      if (out.closed !== null) {
        closes[out.closed.code] = (closes[out.closed.code] ?? 0) + 1;
        expect(DOCUMENTED_CLOSES, `${seen} → close ${json(out.closed)}`).toContain(out.closed.code);
        fuzzer = null;
      } else {
        const last = out.frames.at(-1);
        // An acked sentinel reaches the canary: it keeps receiving.
        if (last?.type === "ack") {
          acked++;
          await until(
            canary.socket,
            (f) => f.type === "message" && f.id === id,
            5000,
            `canary receiving ${seen}`,
          );
        }
      }
      // Every fourth case the canary publishes, and is acked.
      if (n % 4 === 0) {
        const cid = `canary-${n}`;
        canary.socket.send({ type: "publish", data: n, id: cid });
        const got = await until(
          canary.socket,
          (f) => f.type === "ack" && f.id === cid,
          5000,
          `canary publishing ${seen}`,
        );
        expect(got.closed, `canary closed after ${seen}`).toBeNull();
      }
    },
    MS_PER_CASE,
  );
  expect(await Promise.race([canary.socket.closed, Promise.resolve("open")])).toBe("open");
  console.log(
    `fuzz: client frames (${room.split("-")[0]} room): ${acked} sentinels acked and seen by the canary, ${sockets} fuzzing sockets, closes by code ${json(closes)}, room exceptions ${thrown.length}`,
  );
  (fuzzer as TestSocket | null)?.close();
  canary.socket.close();
}

describe("fuzz: client frames over a real socket", () => {
  it(
    "a plain room answers with error frames or documented closes; the canary keeps going",
    async ({ expect }) => {
      await fuzzRoom(uniqueRoom("fuzz"), expect);
    },
    fuzzTimeout(RUNS, MS_PER_CASE),
  );

  it(
    "a sharded room answers with error frames or documented closes; the canary keeps going",
    async ({ expect }) => {
      await fuzzRoom(uniqueRoom("shard"), expect);
    },
    fuzzTimeout(RUNS, MS_PER_CASE),
  );
});
